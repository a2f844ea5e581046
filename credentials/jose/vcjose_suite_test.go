package jose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// The W3C VC-JOSE-COSE test suite (w3c/vc-jose-cose-test-suite), as its
// tests/test-mapping.js lays it out: each case names an input, a
// verification method file, issue or verify, and the expected result.
// suiteCases is that table in Go; TestSuiteTableMatchesMapping checks it
// against the JavaScript so the two cannot drift apart.

type suiteCase struct {
	num     int
	input   string
	key     string // vm file
	fn      string // "issue" or "verify"
	feature string
	want    string // the suite's expected result: "success" or "failure"
	// now is a time inside the fixture's iat..exp window (the presentation
	// fixtures expired in December 2024); zero means suiteNow.
	now time.Time
	// sentinel and reason say why we fail a case the suite expects to fail,
	// so that no case passes for the wrong reason.
	sentinel error
	reason   string
	// deviation, when set, is why our result differs from the suite's; the
	// test then asserts our (documented) result instead.
	deviation string
}

var suiteNow = time.Date(2024, 12, 15, 12, 0, 0, 0, time.UTC)

var suiteCases = []suiteCase{
	{num: 1, input: "credential-minimal.json", key: "vm-p256.json", fn: "issue", feature: "credential_jose", want: "success"},
	{num: 2, input: "credential-full.json", key: "vm-p384.json", fn: "issue", feature: "credential_jose", want: "success"},
	{num: 3, input: "presentation-single.json", key: "vm-p256.json", fn: "issue", feature: "presentation_jose", want: "success"},
	{num: 4, input: "presentation-multiple.json", key: "vm-p521.json", fn: "issue", feature: "presentation_jose", want: "success"},
	{num: 5, input: "credential-unknown-extensions.json", key: "vm-p521.json", fn: "issue", feature: "credential_jose", want: "failure",
		deviation: "the suite expects issuance to refuse the members badExtension and anotherBadOne, but VC-JOSE-COSE says members that are not understood MUST be ignored, and the examples context's @vocab defines them; we issue it"},
	{num: 6, input: "credential-jose-minimal.txt", key: "vm-p256.json", fn: "verify", feature: "credential_jose", want: "success"},
	{num: 7, input: "presentation-jose-multiple.txt", key: "vm-p384.json", fn: "verify", feature: "presentation_jose", want: "success",
		now: time.Date(2024, 12, 16, 12, 0, 0, 0, time.UTC)},
	{num: 8, input: "credential-issuer-match-signed.txt", key: "vm-ed25519.json", fn: "verify", feature: "credential_jose", want: "success"},
	{num: 9, input: "credential-jose-unknown-extensions.txt", key: "vm-ed25519.json", fn: "verify", feature: "credential_jose", want: "failure",
		sentinel: credentials.ErrUnknownKey, reason: `kid "https://example.issuer/vc-jose-cose#KQsihxP-LTeTZO2ETEfduP153UBIiFRhI8nSklMSmm0"`},
	{num: 10, input: "credential-minimal.json", key: "vm-ed25519.json", fn: "verify", feature: "credential_jose", want: "failure",
		sentinel: credentials.ErrMalformed, reason: "input is JSON, not a compact JWS"},
	{num: 11, input: "presentation-single.json", key: "vm-ed25519.json", fn: "verify", feature: "presentation_jose", want: "failure",
		sentinel: credentials.ErrMalformed, reason: "input is JSON, not a compact JWS"},
	{num: 12, input: "credential-jose-bad-signature.txt", key: "vm-ed25519.json", fn: "verify", feature: "credential_jose", want: "failure",
		sentinel: credentials.ErrInvalidProof, reason: "EdDSA signature does not verify"},
	{num: 13, input: "credential-jose-bad-media-type.txt", key: "vm-ed25519.json", fn: "verify", feature: "credential_jose", want: "failure",
		sentinel: credentials.ErrMalformed, reason: `header typ "bad+typ", want "vc+jwt"`},
	{num: 14, input: "presentation-jose-bad-media-type.txt", key: "vm-ed25519.json", fn: "verify", feature: "presentation_jose", want: "failure",
		sentinel: credentials.ErrMalformed, reason: `header typ "bad+typ", want "vp+jwt"`},
	{num: 15, input: "credential-jose-vc-vp-claims.txt", key: "vm-ed25519.json", fn: "verify", feature: "credential_jose", want: "failure",
		sentinel: credentials.ErrMalformed, reason: "payload has a vc claim"},
	{num: 16, input: "presentation-jose-bad-credential.txt", key: "vm-ed25519.json", fn: "verify", feature: "presentation_jose", want: "failure",
		sentinel: credentials.ErrMalformed, reason: `verifiableCredential[0]: malformed: enveloped credential id "not-a-credential" is not a data: URL`},
	{num: 17, input: "credential-selective.json", key: "vm-p384.json", fn: "issue", feature: "credential_sdjwt", want: "success"},
	{num: 18, input: "credential-nested-selective.json", key: "vm-p521.json", fn: "issue", feature: "credential_sdjwt", want: "success"},
	{num: 19, input: "presentation-selective.json", key: "vm-p384.json", fn: "issue", feature: "presentation_sdjwt", want: "success"},
	{num: 20, input: "credential-sdjwt-selective.txt", key: "vm-p384.json", fn: "verify", feature: "credential_sdjwt", want: "success"},
	{num: 21, input: "credential-sdjwt-nested.txt", key: "vm-p521.json", fn: "verify", feature: "credential_sdjwt", want: "success"},
	{num: 22, input: "presentation-sdjwt-selective.txt", key: "vm-p384.json", fn: "verify", feature: "presentation_sdjwt", want: "success"},
	{num: 23, input: "credential-sdjwt-bad-signature.txt", key: "vm-p384.json", fn: "verify", feature: "credential_sdjwt", want: "failure",
		sentinel: credentials.ErrInvalidProof, reason: "issuer-signed JWT: signature does not verify"},
	{num: 24, input: "credential-sdjwt-bad-media-type.txt", key: "vm-ed25519.json", fn: "verify", feature: "credential_sdjwt", want: "failure",
		sentinel: credentials.ErrMalformed, reason: `header typ "bad+typ", want "vc+sd-jwt"`},
	{num: 25, input: "presentation-sdjwt-bad-media-type.txt", key: "vm-ed25519.json", fn: "verify", feature: "presentation_sdjwt", want: "failure",
		sentinel: credentials.ErrMalformed, reason: `header typ "bad+typ", want "vp+sd-jwt"`},
	{num: 26, input: "presentation-sdjwt-bad-credential.txt", key: "vm-p521.json", fn: "verify", feature: "presentation_sdjwt", want: "failure",
		sentinel: credentials.ErrMalformed, reason: `header typ "bad+typ", want "vp+sd-jwt"`},
	{num: 27, input: "credential-minimal.json", key: "vm-did-ed25519.json", fn: "issue", feature: "credential_cose", want: "success"},
	{num: 28, input: "presentation-single.json", key: "vm-p384.json", fn: "issue", feature: "presentation_cose", want: "success"},
	{num: 29, input: "credential-cose-minimal.txt", key: "vm-p256.json", fn: "verify", feature: "credential_cose", want: "success"},
	{num: 30, input: "credential-cose-minimal-not-base64.txt", key: "vm-p256.json", fn: "verify", feature: "credential_cose", want: "failure"},
	{num: 31, input: "presentation-cose-single.txt", key: "vm-p384.json", fn: "verify", feature: "presentation_cose", want: "success"},
	{num: 32, input: "credential-cose-bad-signature.txt", key: "vm-ed25519.json", fn: "verify", feature: "credential_cose", want: "failure"},
	{num: 33, input: "credential-cose-bad-media-type.txt", key: "vm-p384.json", fn: "verify", feature: "credential_cose", want: "failure"},
	{num: 34, input: "presentation-cose-bad-media-type.txt", key: "vm-p384.json", fn: "verify", feature: "presentation_cose", want: "failure"},
	{num: 35, input: "presentation-cose-bad-credential.txt", key: "vm-p256.json", fn: "verify", feature: "presentation_cose", want: "failure"},
}

const suiteInput = "vectors/vc-jose-cose/test-suite/tests/input"

// suiteVM is a verification method file of the suite.
type suiteVM struct {
	ID           string          `json:"id"`
	Controller   string          `json:"controller"`
	PublicKeyJWK json.RawMessage `json:"publicKeyJwk"`
	SecretKeyJWK json.RawMessage `json:"secretKeyJwk"`
}

func readVM(t *testing.T, name string) suiteVM {
	t.Helper()
	var vm suiteVM
	if err := json.Unmarshal(reftest.Read(t, suiteInput, name), &vm); err != nil {
		t.Fatal(err)
	}
	return vm
}

// suiteResolver knows the given suite keys (all when none are named), as a
// controller document would list them: under the id (issuer#key-N) and
// under issuer#<JWK kid>, the form a bare kid header resolves to. As in the
// suite, a verify case knows only the one key its key_file names.
func suiteResolver(t *testing.T, files ...string) mapResolver {
	t.Helper()
	r := mapResolver{}
	if len(files) == 0 {
		files = []string{"vm-p256.json", "vm-p384.json", "vm-p521.json", "vm-ed25519.json", "vm-did-ed25519.json"}
	}
	for _, f := range files {
		vm := readVM(t, f)
		pub, err := PublicKeyFromJWK(vm.PublicKeyJWK)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var j struct {
			Kid string `json:"kid"`
		}
		_ = json.Unmarshal(vm.PublicKeyJWK, &j)
		r.add(vm.ID, vm.Controller, pub)
		r.add(vm.Controller+"#"+j.Kid, vm.Controller, pub)
	}
	return r
}

func TestW3CVCJOSECOSESuite(t *testing.T) {
	for _, c := range suiteCases {
		t.Run(fmt.Sprintf("%02d-%s-%s-%s", c.num, c.feature, c.fn, c.input), func(t *testing.T) {
			switch c.feature {
			case "credential_cose", "presentation_cose":
				t.Skip("COSE (vc+cose, vp+cose) is out of scope for Diplomat")
			case "credential_sdjwt", "presentation_sdjwt":
				runSDJWTCase(t, c)
				return
			}
			var m credentials.Mechanism = VCJWT{}
			if c.feature == "presentation_jose" {
				m = VPJWT{}
			}
			now := c.now
			if now.IsZero() {
				now = suiteNow
			}
			vm := readVM(t, c.key)
			r := suiteResolver(t, c.key)
			input := reftest.Read(t, suiteInput, c.input)
			ctx := context.Background()
			opts := credentials.VerifyOptions{Now: func() time.Time { return now }}

			var err error
			var v *credentials.Verified
			if c.fn == "issue" {
				key := credentials.SigningKey{Signer: privateFromJWK(t, vm.SecretKeyJWK), ID: vm.ID}
				var tok []byte
				tok, err = m.Sign(ctx, input, key, credentials.SignOptions{})
				if err == nil {
					v, err = m.Verify(ctx, tok, r, opts)
					if err != nil {
						t.Fatalf("our own %s does not verify: %v", m.Name(), err)
					}
					var want bytes.Buffer
					_ = json.Compact(&want, input)
					if !bytes.Equal(v.Document, want.Bytes()) {
						t.Errorf("verified document is not the input:\n got %s\nwant %s", v.Document, want.Bytes())
					}
					h := decodePart(t, tok, 0)
					if h["typ"] != m.Name() || h["kid"] != vm.ID {
						t.Errorf("header = %v, want typ %s and kid %s", h, m.Name(), vm.ID)
					}
				}
			} else {
				v, err = m.Verify(ctx, input, r, opts)
			}

			want := c.want
			if c.deviation != "" {
				t.Logf("deviation from the suite (expects %s): %s", c.want, c.deviation)
				want = map[string]string{"success": "failure", "failure": "success"}[c.want]
			}
			switch want {
			case "success":
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				if v.Issuer != "https://example.issuer/vc-jose-cose" {
					t.Errorf("Issuer = %q", v.Issuer)
				}
				// Issued tokens name the key by its id; the fixtures by
				// its JWK thumbprint, resolved relative to the issuer.
				var j struct {
					Kid string `json:"kid"`
				}
				_ = json.Unmarshal(vm.PublicKeyJWK, &j)
				if v.KeyID != vm.ID && v.KeyID != vm.Controller+"#"+j.Kid {
					t.Errorf("KeyID = %q, want %q or the thumbprint form", v.KeyID, vm.ID)
				}
			case "failure":
				wantErr(t, err, c.sentinel, c.reason)
			}
		})
	}
}

// The credentials a verified presentation carries are verified by their own
// mechanism: here the vc+jwt inside case 7.
func TestW3CSuitePresentationCredentialsVerify(t *testing.T) {
	r := suiteResolver(t)
	now := func() time.Time { return time.Date(2024, 12, 16, 12, 0, 0, 0, time.UTC) }
	v, err := VPJWT{}.Verify(context.Background(), reftest.Read(t, suiteInput, "presentation-jose-multiple.txt"), r, credentials.VerifyOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var vp struct {
		VerifiableCredential []struct {
			ID string `json:"id"`
		} `json:"verifiableCredential"`
	}
	if err := json.Unmarshal(v.Document, &vp); err != nil {
		t.Fatal(err)
	}
	types := []string{}
	for _, c := range vp.VerifiableCredential {
		e, err := ParseEnveloped(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, e.MediaType)
		if e.MediaType != "application/vc+jwt" {
			continue
		}
		cv, err := VCJWT{}.Verify(context.Background(), e.Data, r, credentials.VerifyOptions{Now: now})
		if err != nil {
			t.Fatalf("enveloped vc+jwt: %v", err)
		}
		if cv.KeyID != "https://example.issuer/vc-jose-cose#73voMXFNmNlOEpuYCSJlh8eN0dscykoO6gBukgRS1uU" {
			t.Errorf("enveloped vc+jwt verified with %q, want the P-256 key-1", cv.KeyID)
		}
	}
	if fmt.Sprint(types) != "[application/vc+jwt application/vc+sd-jwt application/vc+cose]" {
		t.Errorf("enveloped media types = %v", types)
	}
}

// fixture-signature-check.json says which vm key verifies each JOSE
// fixture's signature; check our signature code agrees, key by key, apart
// from any issuer or kid rule.
func TestW3CSuiteFixtureSignatures(t *testing.T) {
	var fixtures []struct {
		File         string   `json:"file"`
		Format       string   `json:"format"`
		VerifiesWith []string `json:"verifiesWith"`
	}
	if err := json.Unmarshal(reftest.Read(t, "vectors/vc-jose-cose/test-suite/fixture-signature-check.json"), &fixtures); err != nil {
		t.Fatal(err)
	}
	vms := []string{"vm-p256.json", "vm-p384.json", "vm-p521.json", "vm-ed25519.json"}
	n := 0
	for _, f := range fixtures {
		if f.Format != "jwt" {
			continue
		}
		n++
		t.Run(f.File, func(t *testing.T) {
			tok, err := parseCompact(reftest.Read(t, suiteInput, f.File), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range vms {
				vm := readVM(t, name)
				pub, err := PublicKeyFromJWK(vm.PublicKeyJWK)
				if err != nil {
					t.Fatal(err)
				}
				want := false
				for _, w := range f.VerifiesWith {
					want = want || w == name
				}
				err = verifyToken(tok, &signerKey{key: pub})
				if got := err == nil; got != want {
					t.Errorf("with %s: verifies = %v (%v), want %v", name, got, err, want)
				}
			}
		})
	}
	if n != 9 {
		t.Errorf("checked %d JOSE fixtures, want 9", n)
	}
}

// The Go table above must say what tests/test-mapping.js says.
func TestSuiteTableMatchesMapping(t *testing.T) {
	js := reftest.Read(t, "vectors/vc-jose-cose/test-suite/tests/test-mapping.js")
	re := regexp.MustCompile(`'number': (\d+),\s*'input_file': '([^']+)',\s*'key_file': TestVerificationMethods\.(\w+),\s*'fn': TestFunction\.(\w+),\s*'feature': TestFeature\.(\w+),(?:\s*'disclosure_paths': \[[^\n]*\],)?\s*'expected_result': TestResult\.(\w+)`)
	vmFile := map[string]string{"p256": "vm-p256.json", "p384": "vm-p384.json", "p521": "vm-p521.json", "ed25519": "vm-ed25519.json", "didEd25519": "vm-did-ed25519.json"}
	ms := re.FindAllStringSubmatch(string(js), -1)
	if len(ms) != len(suiteCases) {
		t.Fatalf("test-mapping.js has %d cases, the Go table %d", len(ms), len(suiteCases))
	}
	for i, m := range ms {
		num, _ := strconv.Atoi(m[1])
		c := suiteCases[i]
		got := suiteCase{num: c.num, input: c.input, key: c.key, fn: c.fn, feature: c.feature, want: c.want}
		want := suiteCase{num: num, input: m[2], key: vmFile[m[3]], fn: m[4], feature: m[5], want: m[6]}
		if got != want {
			t.Errorf("case %d: Go table %+v, test-mapping.js %+v", num, got, want)
		}
	}
}

// runSDJWTCase runs an SD-JWT case of the suite through credentials/sdjwt,
// which owns that format: sdjwt.VC for the credential cases (typ
// vc+sd-jwt), sdjwt.VP for the presentation cases (vp+sd-jwt). Issuance
// cases sign with the case's disclosure paths and verify the result;
// failures must be refused for the reason the table gives.
func runSDJWTCase(t *testing.T, c suiteCase) {
	now := c.now
	if now.IsZero() {
		now = suiteNow
	}
	vm := readVM(t, c.key)
	r := suiteResolver(t, c.key)
	input := reftest.Read(t, suiteInput, c.input)
	ctx := context.Background()
	opts := credentials.VerifyOptions{Now: func() time.Time { return now }}
	var paths []sdjwt.Path
	for _, p := range suiteDisclosures[c.num] {
		pp, perr := sdjwt.ParsePath(p)
		if perr != nil {
			t.Fatalf("disclosure path %q: %v", p, perr)
		}
		paths = append(paths, pp)
	}
	frame := sdjwt.Frame{Disclosable: paths}
	var m credentials.Mechanism = sdjwt.VC{Frame: frame}
	wantTyp, wantCty := sdjwt.TypVC, sdjwt.CtyVC
	if c.feature == "presentation_sdjwt" {
		m, wantTyp, wantCty = sdjwt.VP{Frame: frame}, sdjwt.TypVP, sdjwt.CtyVP
	}
	key := credentials.SigningKey{Signer: privateFromJWK(t, vm.SecretKeyJWK), ID: vm.ID}

	var err error
	var v *credentials.Verified
	wantDisclosed := suiteDisclosed[c.num]
	if c.fn == "issue" {
		var tok []byte
		tok, err = m.Sign(ctx, input, key, credentials.SignOptions{})
		if err != nil {
			t.Fatalf("issuing: %v", err)
		}
		sd, perr := sdjwt.Parse(string(tok))
		if perr != nil {
			t.Fatal(perr)
		}
		if sd.Header.Typ != wantTyp || sd.Header.Cty != wantCty || sd.Header.Kid != vm.ID {
			t.Errorf("header = %+v, want typ %s, cty %s, kid %s", sd.Header, wantTyp, wantCty, vm.ID)
		}
		// Each framed claim is behind a digest in the signed payload.
		for _, p := range paths {
			if !hiddenIn(sd.Payload, p) {
				t.Errorf("%s is visible in the issued payload", p)
			}
		}
		if len(sd.Disclosures) != len(paths) {
			t.Errorf("issued %d disclosures, want %d", len(sd.Disclosures), len(paths))
		}
		v, err = m.Verify(ctx, tok, r, opts)
		if err != nil {
			t.Fatalf("our own %s does not verify: %v", m.Name(), err)
		}
		// With every disclosure, the verified document is the input (a
		// presentation whose holder is hidden gains iss, naming it).
		var want map[string]any
		if err := json.Unmarshal(input, &want); err != nil {
			t.Fatal(err)
		}
		if c.feature == "presentation_sdjwt" {
			want["iss"] = want["holder"]
		}
		if got, w := canonicalJSON(t, v.Document), canonicalJSON(t, mustMarshal(t, want)); got != w {
			t.Errorf("verified document is not the input:\n got %s\nwant %s", got, w)
		}
		var ps []string
		for _, p := range paths {
			ps = append(ps, p.String())
		}
		sort.Strings(ps)
		wantDisclosed = strings.Join(ps, ", ")
	} else {
		v, err = m.Verify(ctx, input, r, opts)
	}

	switch c.want {
	case "success":
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		if v.Mechanism != wantTyp || v.Issuer != "https://example.issuer/vc-jose-cose" {
			t.Errorf("Mechanism = %q, Issuer = %q", v.Mechanism, v.Issuer)
		}
		var j struct {
			Kid string `json:"kid"`
		}
		_ = json.Unmarshal(vm.PublicKeyJWK, &j)
		if v.KeyID != vm.ID && v.KeyID != vm.Controller+"#"+j.Kid {
			t.Errorf("KeyID = %q, want %q or the thumbprint form", v.KeyID, vm.ID)
		}
		if got := v.Details["disclosed"]; got != wantDisclosed {
			t.Errorf("disclosed = %q, want %q", got, wantDisclosed)
		}
		if c.num == 22 {
			checkSuiteEnvelopedJWT(t, v.Document, now)
		}
	case "failure":
		wantErr(t, err, c.sentinel, c.reason)
		if c.num == 26 {
			// The fixture fails on its typ before its credential is
			// looked at. The presentation it secures is refused for its
			// credential too: re-securing it with the right typ fails.
			sd, perr := sdjwt.Parse(string(input))
			if perr != nil {
				t.Fatal(perr)
			}
			proc, perr := sd.Process()
			if perr != nil {
				t.Fatal(perr)
			}
			_, err = m.Sign(ctx, mustMarshal(t, proc.Claims), key, credentials.SignOptions{})
			wantErr(t, err, credentials.ErrMalformed, `$.verifiableCredential[0]: enveloped credential id "bad-credential" is not a data: URL`)
		}
	}
}

// hiddenIn reports whether the claim at p is behind a digest in payload:
// absent from its object, or an array element {"...": digest}.
func hiddenIn(payload map[string]any, p sdjwt.Path) bool {
	var cur any = payload
	for i, step := range p {
		last := i == len(p)-1
		switch s := step.(type) {
		case string:
			o, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			if _, ok := o[s]; !ok {
				return last
			}
			cur = o[s]
		case int:
			a, ok := cur.([]any)
			if !ok || s >= len(a) {
				return false
			}
			if e, ok := a[s].(map[string]any); ok && len(e) == 1 && e["..."] != nil {
				return last
			}
			cur = a[s]
		}
	}
	return false
}

// checkSuiteEnvelopedJWT verifies the vc+jwt that case 22's presentation
// carries with its own mechanism.
func checkSuiteEnvelopedJWT(t *testing.T, doc []byte, now time.Time) {
	t.Helper()
	var vp struct {
		VerifiableCredential []struct {
			ID string `json:"id"`
		} `json:"verifiableCredential"`
	}
	if err := json.Unmarshal(doc, &vp); err != nil || len(vp.VerifiableCredential) != 1 {
		t.Fatalf("presentation credentials: %v (%d)", err, len(vp.VerifiableCredential))
	}
	e, err := ParseEnveloped(vp.VerifiableCredential[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	cv, err := VCJWT{}.Verify(context.Background(), e.Data, suiteResolver(t), credentials.VerifyOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("enveloped %s: %v", e.MediaType, err)
	}
	if cv.Issuer != "https://example.issuer/vc-jose-cose" {
		t.Errorf("enveloped credential issuer = %q", cv.Issuer)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// canonicalJSON re-encodes JSON with sorted object keys.
func canonicalJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return string(mustMarshal(t, v))
}

// suiteDisclosures are the disclosure_paths of the SD-JWT issuance cases.
var suiteDisclosures = map[int][]string{
	17: {"credentialSubject.firstName", "credentialSubject.lastName"},
	18: {"credentialSubject.address.street", "credentialSubject.address.city", "credentialSubject.phoneNumbers[0]"},
	19: {"holder", "verifiableCredential[0]"},
}

// suiteDisclosed are the claims the SD-JWT verification fixtures disclose.
var suiteDisclosed = map[int]string{
	20: "$.credentialSubject.firstName, $.credentialSubject.lastName",
	21: "$.credentialSubject.address.city, $.credentialSubject.address.street, $.credentialSubject.phoneNumbers[0]",
	22: "$.holder, $.type",
}

var _ = errors.Is
