package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/maphash"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// verifyCase is one credential of the corpus and what the verifier must say.
type verifyCase struct {
	name    string
	input   func(w *world) []byte
	req     Request
	opts    func(w *world, o *Options)
	verdict Verdict
	check   string // the failing check, "" when none fails
	problem string // its problem slug, when the case pins one
}

func corpus() []verifyCase {
	expire := func(m map[string]any) { m["validUntil"] = testNow.AddDate(0, 0, -1).Format(time.RFC3339) }
	return []verifyCase{
		// Every format, valid.
		{name: "vc+jwt by did:web issuer", input: func(w *world) []byte { return w.vcJWT(nil) }, verdict: Verified},
		{name: "jwt_vc_json with StatusList2021", input: func(w *world) []byte { return w.jwtVCJSON(nil) }, verdict: Verified},
		{name: "dc+sd-jwt", input: func(w *world) []byte { return []byte(w.sdJWT()) }, verdict: Verified},
		{name: "eddsa-rdfc-2022", input: func(w *world) []byte { return w.dataIntegrity() }, verdict: Verified},
		{name: "jades sealed under a trusted CA", input: func(w *world) []byte { return w.jades() }, verdict: Verified},
		{name: "enveloped vc+jwt", input: func(w *world) []byte {
			b, _ := json.Marshal(map[string]any{"@context": []any{credentials.ContextV2}, "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt," + string(w.vcJWT(nil))})
			return b
		}, verdict: Verified},

		// Forgeries.
		{name: "tampered payload", input: func(w *world) []byte {
			return tamperPayload(w.t, w.vcJWT(nil), `"dateOfBirth":"1999-10-01T22:00:00Z"`, `"dateOfBirth":"1989-10-01T22:00:00Z"`)
		}, verdict: Invalid, check: CheckProof, problem: ProblemInvalidSignature},
		{name: "signature from another key", input: func(w *world) []byte {
			return w.vcJWTBy(w.web, credentials.SigningKey{Signer: w.other.signer, ID: w.web.kid}, nil)
		}, verdict: Invalid, check: CheckProof, problem: ProblemInvalidSignature},
		{name: "kid of another DID", input: func(w *world) []byte {
			// Signed by the attacker with its own kid, naming the did:web issuer.
			doc := w.elmDoc(w.web.did, true, nil)
			return craftJWS(w.t, map[string]any{"alg": "EdDSA", "typ": "vc+jwt", "kid": w.other.kid}, doc, w.other.signer)
		}, verdict: Invalid, check: CheckProof, problem: ProblemInvalidSignature},
		{name: "alg none", input: func(w *world) []byte { return algNone(w.t, w.vcJWT(nil)) }, verdict: Invalid, check: CheckFormat, problem: ProblemMalformed},
		{name: "unknown context", input: func(w *world) []byte {
			var m map[string]any
			json.Unmarshal(w.dataIntegrity(), &m)
			m["@context"] = append(m["@context"].([]any), "https://unknown.example/context/v1")
			b, _ := json.Marshal(m)
			return b
		}, verdict: Invalid, check: CheckProof, problem: ProblemUnknownContext},
		{name: "sd-jwt with a forged disclosure", input: func(w *world) []byte { return forgeDisclosure(w.t, []byte(w.sdJWT())) }, verdict: Invalid, check: CheckProof},
		{name: "not a credential", input: func(*world) []byte { return []byte(`{"hello":"world"}`) }, verdict: Invalid, check: CheckFormat},
		{name: "unsecured credential", input: func(w *world) []byte { return w.smallVC(w.w3c.did) }, verdict: Invalid, check: CheckProof, problem: ProblemUnsupportedProof},

		// Time.
		{name: "expired", input: func(w *world) []byte { return w.vcJWT(expire) }, verdict: Expired, check: CheckValidity, problem: ProblemExpired},
		{name: "not yet valid (nbf)", input: func(w *world) []byte {
			return w.jwtVCJSON(func(m map[string]any) {
				m["issuanceDate"] = testNow.AddDate(0, 1, 0).Format(time.RFC3339)
				m["validFrom"] = testNow.AddDate(0, 1, 0).Format(time.RFC3339)
			})
		}, verdict: Expired, check: CheckValidity, problem: ProblemNotYetValid},

		// Status.
		{name: "revoked", input: func(w *world) []byte {
			return w.vcJWT(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/revocation", "revocation", 10) })
		}, verdict: Revoked, check: CheckStatus, problem: ProblemRevoked},
		{name: "revoked on a StatusList2021", input: func(w *world) []byte {
			return w.jwtVCJSON(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/2021", "revocation", 5) })
		}, verdict: Revoked, check: CheckStatus, problem: ProblemRevoked},
		{name: "suspended", input: func(w *world) []byte {
			return w.vcJWT(func(m map[string]any) {
				m["credentialStatus"] = []any{w.statusEntry("/status/revocation", "revocation", 11), w.statusEntry("/status/suspension", "suspension", 11)}
			})
		}, verdict: Suspended, check: CheckStatus, problem: ProblemSuspended},
		{name: "status list signed by someone else", input: func(w *world) []byte {
			return w.vcJWT(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/forged", "revocation", 1) })
		}, verdict: Invalid, check: CheckStatus, problem: ProblemStatusListInvalid},
		{name: "status list unreachable fails closed", input: func(w *world) []byte {
			return w.vcJWT(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/missing", "revocation", 1) })
		}, verdict: Invalid, check: CheckStatus, problem: ProblemStatusUnavailable},
		{name: "status list unreachable, policy warns", input: func(w *world) []byte {
			return w.vcJWT(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/missing", "revocation", 1) })
		}, opts: func(_ *world, o *Options) { o.Policy.StatusUnavailable = Warn }, verdict: Verified},

		// Trust.
		{name: "untrusted issuer", input: func(w *world) []byte {
			return w.vcJWTBy(w.other, w.other.key(), func(m map[string]any) { delete(m, "credentialStatus") })
		},
			verdict: Untrusted, check: CheckTrust, problem: ProblemUntrustedIssuer},
		{name: "EQF 7 from an issuer accredited to 6", input: func(w *world) []byte {
			return w.sign(jose.VCJWT{}, bytes.ReplaceAll(w.elmDoc(w.web.did, true, nil), []byte("snb/eqf/6"), []byte("snb/eqf/7")), w.web.key())
		}, verdict: Untrusted, check: CheckTrust, problem: ProblemOutOfScope},
		{name: "no trust source", input: func(w *world) []byte { return w.vcJWT(nil) }, opts: func(_ *world, o *Options) { o.Trust = nil },
			verdict: Untrusted, check: CheckTrust},

		// Network rules.
		{name: "did:web on 127.0.0.1 without the allowance", input: func(w *world) []byte { return w.vcJWT(nil) },
			opts: func(w *world, o *Options) {
				o.Fetcher = NewHTTPFetcher(FetchLimits{}, w.pool)
			}, verdict: Invalid, check: CheckKey, problem: ProblemForbiddenAddress},

		// Policy.
		{name: "mechanism not accepted", input: func(w *world) []byte { return w.vcJWT(nil) },
			opts: func(_ *world, o *Options) { o.Policy.Mechanisms = []string{"jades"} }, verdict: Invalid, check: CheckFormat, problem: ProblemNotAccepted},

		// Presentations.
		{name: "vp+jwt", input: func(w *world) []byte { return w.vpJWT(w.holder, "n-1", "https://verifier.example", w.vcJWT(nil)) },
			req: Request{Challenge: "n-1", Domain: "https://verifier.example"}, verdict: Verified},
		{name: "vp+jwt with a wrong nonce", input: func(w *world) []byte { return w.vpJWT(w.holder, "n-1", "https://verifier.example", w.vcJWT(nil)) },
			req: Request{Challenge: "n-2", Domain: "https://verifier.example"}, verdict: Invalid, check: CheckChallenge, problem: ProblemWrongChallenge},
		{name: "vp+jwt with a wrong audience", input: func(w *world) []byte { return w.vpJWT(w.holder, "n-1", "https://verifier.example", w.vcJWT(nil)) },
			req: Request{Challenge: "n-1", Domain: "https://elsewhere.example"}, verdict: Invalid, check: CheckChallenge, problem: ProblemWrongChallenge},
		{name: "vp+jwt by someone who is not the subject", input: func(w *world) []byte { return w.vpJWT(w.other, "n-1", "", w.vcJWT(nil)) },
			req: Request{Challenge: "n-1"}, verdict: Invalid, check: CheckHolder, problem: ProblemHolderMismatch},
		{name: "vp+jwt carrying a revoked credential", input: func(w *world) []byte {
			return w.vpJWT(w.holder, "n-1", "", w.vcJWT(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/revocation", "revocation", 10) }))
		}, req: Request{Challenge: "n-1"}, verdict: Revoked, check: CheckCredentials, problem: ProblemCredentialFailed},
		{name: "sd-jwt with key binding", input: func(w *world) []byte { return w.sdJWTPresented("n-1", "https://verifier.example") },
			req: Request{Challenge: "n-1", Domain: "https://verifier.example"}, verdict: Verified},
		{name: "sd-jwt with key binding for another nonce", input: func(w *world) []byte { return w.sdJWTPresented("n-1", "https://verifier.example") },
			req: Request{Challenge: "n-9", Domain: "https://verifier.example"}, verdict: Invalid, check: CheckChallenge, problem: ProblemWrongChallenge},
	}
}

func TestVerifyCorpus(t *testing.T) {
	w := newWorld(t)
	for _, c := range corpus() {
		t.Run(c.name, func(t *testing.T) {
			assertReport(t, c.verify(t, w), c.verdict, c.check, c.problem)
		})
	}
}

// verify verifies the case's input with the world's options, changed as
// the case says.
func (c verifyCase) verify(t *testing.T, w *world) *Report {
	t.Helper()
	opts := w.options()
	if c.opts != nil {
		c.opts(w, &opts)
	}
	rep, err := Verify(context.Background(), c.input(w), withRequest(opts, c.req))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func withRequest(o Options, r Request) Options { o.Request = r; return o }

func assertReport(t *testing.T, rep *Report, verdict Verdict, check, problem string) {
	t.Helper()
	failed := rep.Failed()
	if rep.Verdict != verdict {
		t.Fatalf("verdict %s, want %s; checks:\n%s", rep.Verdict, verdict, dump(rep))
	}
	if check == "" {
		if len(failed) > 0 {
			t.Fatalf("failed checks, want none:\n%s", dump(rep))
		}
		return
	}
	for _, f := range failed {
		if f.ID == check && (problem == "" || f.Problem() == problem) {
			return
		}
	}
	t.Fatalf("no failed check %s (%s); checks:\n%s", check, problem, dump(rep))
}

func dump(rep *Report) string {
	var b strings.Builder
	for _, c := range rep.Checks {
		b.WriteString("  " + c.ID + " " + string(c.Result) + " " + c.Problem() + ": " + c.Message + "\n")
	}
	for i, sub := range rep.Credentials {
		b.WriteString("  credential " + string(rune('1'+i)) + " " + string(sub.Verdict) + "\n" + dump(sub))
	}
	return b.String()
}

func TestReplayedPresentationIsRefused(t *testing.T) {
	w := newWorld(t)
	v, err := New(w.options())
	if err != nil {
		t.Fatal(err)
	}
	vp := w.vpJWT(w.holder, "n-once", "", w.vcJWT(nil))
	first, err := v.Verify(context.Background(), vp, Request{Challenge: "n-once"})
	if err != nil {
		t.Fatal(err)
	}
	assertReport(t, first, Verified, "", "")
	again, err := v.Verify(context.Background(), vp, Request{Challenge: "n-once"})
	if err != nil {
		t.Fatal(err)
	}
	assertReport(t, again, Invalid, CheckReplay, ProblemReplay)

	// The same for an SD-JWT with key binding.
	sd := w.sdJWTPresented("n-sd", "aud")
	first, _ = v.Verify(context.Background(), sd, Request{Challenge: "n-sd", Domain: "aud"})
	assertReport(t, first, Verified, "", "")
	again, _ = v.Verify(context.Background(), sd, Request{Challenge: "n-sd", Domain: "aud"})
	assertReport(t, again, Invalid, CheckReplay, ProblemReplay)
}

func TestSummaryOfAnELMCredential(t *testing.T) {
	w := newWorld(t)
	for name, input := range map[string][]byte{"vc+jwt": w.vcJWT(nil), "dc+sd-jwt": []byte(w.sdJWT()), "jades": w.jades()} {
		t.Run(name, func(t *testing.T) {
			rep, err := Verify(context.Background(), input, w.options())
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Summary
			if s == nil || !s.ELM {
				t.Fatalf("summary %+v, want an ELM summary", s)
			}
			if s.Holder != "Ana Andromeda" || s.EQFLevel != 6 || s.Country != "IRL" || s.ECTS != "2" || s.Grade != "Pass" || s.ISCEDFCode != "003" {
				t.Errorf("summary %+v", s)
			}
			if s.Title != "Digital micro-credential creation" {
				t.Errorf("title %q", s.Title)
			}
		})
	}
}

func TestSummaryOfANonELMCredentialIsItsClaims(t *testing.T) {
	w := newWorld(t)
	rep, err := Verify(context.Background(), w.dataIntegrity(), w.options())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary == nil || rep.Summary.ELM || rep.Summary.Claims["name"] != "Ana Andromeda" {
		t.Fatalf("summary %+v", rep.Summary)
	}
}

// TestOfficialEDCSamplesAreAuthenticButUntrusted verifies the EDC signed
// samples: the JAdES seal verifies, and no trust source knows the issuer.
func TestOfficialEDCSamplesAreAuthenticButUntrusted(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"Sample-MC-Annex1-signed.jsonld", "Sample-CertOfPart-signed.jsonld"} {
		t.Run(name, func(t *testing.T) {
			rep, err := Verify(context.Background(), reftest.Read(t, "elm", name), w.options())
			if err != nil {
				t.Fatal(err)
			}
			assertReport(t, rep, Untrusted, CheckTrust, ProblemUntrustedIssuer)
			if c := rep.Check(CheckProof); c == nil || c.Result != Passed {
				t.Fatalf("proof check %+v, want passed", c)
			}
			if rep.Format != "jades" || rep.Summary == nil || rep.Summary.Holder == "" {
				t.Errorf("format %q, summary %+v", rep.Format, rep.Summary)
			}
		})
	}
}

func TestReportJSONHasVerdictChecksAndProblemTypes(t *testing.T) {
	w := newWorld(t)
	rep, err := Verify(context.Background(), algNone(t, w.vcJWT(nil)), w.options())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Verdict string `json:"verdict"`
		Checks  []struct {
			ID, Result, Type string
		} `json:"checks"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Verdict != "invalid" || len(back.Checks) != 1 || back.Checks[0].Type != ProblemBase+ProblemMalformed {
		t.Fatalf("JSON %s", b)
	}
}

func TestStatusListsAreCached(t *testing.T) {
	w := newWorld(t)
	v, err := New(w.options())
	if err != nil {
		t.Fatal(err)
	}
	cred := w.vcJWT(nil)
	if rep, _ := v.Verify(context.Background(), cred, Request{}); rep.Verdict != Verified {
		t.Fatalf("first: %s\n%s", rep.Verdict, dump(rep))
	}
	// The server forgets the list and the DID document: the cache answers.
	w.mu.Lock()
	w.served = map[string][]byte{}
	w.mu.Unlock()
	if rep, _ := v.Verify(context.Background(), cred, Request{}); rep.Verdict != Verified {
		t.Fatalf("cached: %s\n%s", rep.Verdict, dump(rep))
	}
}

func TestAnalysisCacheNeverAnswersForOtherBytes(t *testing.T) {
	w := newWorld(t)
	v, err := New(w.options())
	if err != nil {
		t.Fatal(err)
	}
	good := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:a","credentialSubject":{"id":"did:example:s"}}`)
	bad := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:a"}`)
	a := v.analyse(good, "vc+jwt")
	if a.c == nil || a.invalid != nil {
		t.Fatalf("good document: %+v", a)
	}
	// Plant the good document's analysis under the bad one's key, as a
	// hash collision would: it must not be used.
	key := "vc+jwt:" + strconv.FormatUint(maphash.Bytes(v.seed, bad), 16)
	v.analyses.put(key, a, time.Hour)
	if b := v.analyse(bad, "vc+jwt"); b == a || b.invalid == nil {
		t.Fatalf("the bad document got the good one's analysis: %+v", b)
	}
	if b := v.analyse(good, "jwt_vc_json"); b == a {
		t.Fatal("another mechanism got the analysis made for vc+jwt")
	}
	if b := v.analyse(good, "vc+jwt"); b != a {
		t.Fatal("the same document and mechanism were analysed again")
	}
}
