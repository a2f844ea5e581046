package verifier

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
)

var camelCase = regexp.MustCompile(`^@?[a-z][A-Za-z0-9]*$`)

// camelKeys reports every member name of v, outside the credential's own
// claims, that is not camelCase.
func camelKeys(t *testing.T, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !camelCase.MatchString(k) {
				t.Errorf("%s.%s is not camelCase", path, k)
			}
			if k == "claims" {
				continue // the credential's own claims, as it names them
			}
			camelKeys(t, e, path+"."+k)
		}
	case []any:
		for _, e := range x {
			camelKeys(t, e, path+"[]")
		}
	}
}

// TestReportJSONIsCamelCaseWithACodeOnEveryFailedCheck: a script reading
// --json finds camelCase members everywhere (the trust answer included)
// and a machine-readable code on every failed or warning check.
func TestReportJSONIsCamelCaseWithACodeOnEveryFailedCheck(t *testing.T) {
	w := newWorld(t)
	for _, c := range corpus() {
		t.Run(c.name, func(t *testing.T) {
			rep := c.verify(t, w)
			data, err := json.Marshal(rep)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatal(err)
			}
			camelKeys(t, v, "$")
			var walk func(r *Report)
			walk = func(r *Report) {
				for _, ch := range r.Checks {
					if (ch.Result == Failed || ch.Result == Warning) && (ch.Code == "" || ch.Type != ProblemBase+ch.Code) {
						t.Errorf("%s check %s has code %q, type %q", ch.Result, ch.ID, ch.Code, ch.Type)
					}
					if (ch.Result == Passed || ch.Result == Skipped) && ch.Code != "" {
						t.Errorf("%s check %s has code %q", ch.Result, ch.ID, ch.Code)
					}
				}
				for _, sub := range r.Credentials {
					walk(sub)
				}
			}
			walk(rep)
		})
	}
}

// TestReportNamesTheIssuerEvenWhenItsKeyCannotBeHad: the issuer a
// credential claims is in the report when the key or proof check fails,
// marked as not verified; a verified DID-signed credential's is verified;
// a seal's names its sealer.
func TestReportNamesTheIssuerEvenWhenItsKeyCannotBeHad(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	opts := w.options()
	opts.Fetcher = nil // the did:web document cannot be had
	rep, err := Verify(ctx, w.vcJWT(nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Invalid || rep.Issuer != w.web.did || rep.IssuerVerified {
		t.Errorf("key not available: verdict %s, issuer %q (verified %v), want %s unverified", rep.Verdict, rep.Issuer, rep.IssuerVerified, w.web.did)
	}
	data, _ := json.Marshal(rep)
	if !regexp.MustCompile(`"issuer":"` + regexp.QuoteMeta(w.web.did) + `","issuerVerified":false`).Match(data) {
		t.Errorf("JSON lacks the claimed issuer: %s", data)
	}

	for name, input := range map[string][]byte{
		"tampered":       tamperPayload(t, w.vcJWT(nil), `"dateOfBirth":"1999-10-01T22:00:00Z"`, `"dateOfBirth":"1989-10-01T22:00:00Z"`),
		"jwt_vc_json":    tamperPayload(t, w.jwtVCJSON(nil), `"dateOfBirth":"1999-10-01T22:00:00Z"`, `"dateOfBirth":"1989-10-01T22:00:00Z"`),
		"sd-jwt forged":  forgeDisclosure(t, []byte(w.sdJWT())),
		"data integrity": []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":{"id":"did:key:z6MkClaimed"},"credentialSubject":{"id":"x"},"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","proofValue":"z1"}}`),
	} {
		rep, err := Verify(ctx, input, w.options())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != Invalid || rep.Issuer == "" || rep.IssuerVerified {
			t.Errorf("%s: verdict %s, issuer %q (verified %v)", name, rep.Verdict, rep.Issuer, rep.IssuerVerified)
		}
	}

	rep, err = Verify(ctx, w.vcJWT(nil), w.options())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Issuer != w.web.did || !rep.IssuerVerified || rep.SealedBy != "" {
		t.Errorf("verified: issuer %q (verified %v), sealed by %q", rep.Issuer, rep.IssuerVerified, rep.SealedBy)
	}
	rep, err = Verify(ctx, w.jades(), w.options())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Issuer != "urn:epass:org:1" || rep.IssuerVerified || rep.SealedBy == "" {
		t.Errorf("jades: issuer %q (verified %v), sealed by %q", rep.Issuer, rep.IssuerVerified, rep.SealedBy)
	}
}
