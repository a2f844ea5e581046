package dataintegrity

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// signedVector returns the eddsa-rdfc-2022 vector as a map to alter.
func signedVector(t *testing.T) map[string]any {
	return readJSONBytes(t, reftest.Read(t, "vectors", "di-eddsa", "TestVectors", "eddsa-rdfc-2022", "signedDataInt.json"))
}

const vectorIssuer = "https://vc.example/issuers/5678"

func TestVerifyRejects(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	proofOf := func(m map[string]any) map[string]any { return m["proof"].(map[string]any) }
	for _, tc := range []struct {
		name   string
		alter  func(m map[string]any)
		opts   credentials.VerifyOptions
		want   error
		substr string
	}{
		{"unknown cryptosuite", func(m map[string]any) { proofOf(m)["cryptosuite"] = "eddsa-2099" }, credentials.VerifyOptions{}, ErrUnsupported, `proof.cryptosuite "eddsa-2099"`},
		{"unknown proof type", func(m map[string]any) { proofOf(m)["type"] = "Ed25519Signature2020" }, credentials.VerifyOptions{}, credentials.ErrMalformed, `proof.type "Ed25519Signature2020"`},
		{"missing verificationMethod", func(m map[string]any) { delete(proofOf(m), "verificationMethod") }, credentials.VerifyOptions{}, credentials.ErrMalformed, "proof.verificationMethod is missing"},
		{"missing proofPurpose", func(m map[string]any) { delete(proofOf(m), "proofPurpose") }, credentials.VerifyOptions{}, credentials.ErrMalformed, "proof.proofPurpose is missing"},
		{"missing proofValue", func(m map[string]any) { delete(proofOf(m), "proofValue") }, credentials.VerifyOptions{}, credentials.ErrMalformed, "proof.proofValue is missing"},
		{"no proof", func(m map[string]any) { delete(m, "proof") }, credentials.VerifyOptions{}, credentials.ErrMalformed, "no proof"},
		{"proof not an object", func(m map[string]any) { m["proof"] = "x" }, credentials.VerifyOptions{}, credentials.ErrMalformed, "proof must be"},
		{"tampered proofValue", func(m map[string]any) {
			pv := proofOf(m)["proofValue"].(string)
			proofOf(m)["proofValue"] = pv[:10] + flip(pv[10]) + pv[11:]
		}, credentials.VerifyOptions{}, credentials.ErrInvalidProof, "does not verify"},
		{"wrong multibase prefix", func(m map[string]any) { proofOf(m)["proofValue"] = "u" + proofOf(m)["proofValue"].(string)[1:] }, credentials.VerifyOptions{}, credentials.ErrMalformed, `prefix "z"`},
		{"short signature", func(m map[string]any) { proofOf(m)["proofValue"] = "z3yMtsJ" }, credentials.VerifyOptions{}, credentials.ErrInvalidProof, "holds"},
		{"tampered value", func(m map[string]any) { m["name"] = "Alumni Credential!" }, credentials.VerifyOptions{}, credentials.ErrInvalidProof, "does not verify"},
		{"tampered created", func(m map[string]any) { proofOf(m)["created"] = "2023-02-24T23:36:39Z" }, credentials.VerifyOptions{}, credentials.ErrInvalidProof, "does not verify"},
		{"wrong purpose", nil, credentials.VerifyOptions{Purpose: "authentication"}, credentials.ErrInvalidProof, `proof.proofPurpose is "assertionMethod", expected "authentication"`},
		{"challenge expected, none in proof", nil, credentials.VerifyOptions{Challenge: "abc"}, credentials.ErrInvalidProof, "challenge none"},
		{"domain expected, none in proof", nil, credentials.VerifyOptions{Domain: "example.org"}, credentials.ErrInvalidProof, "domain"},
		{"created in the future", nil, credentials.VerifyOptions{Now: func() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }}, credentials.ErrNotYetValid, "created"},
		{"bad created", func(m map[string]any) { proofOf(m)["created"] = "yesterday" }, credentials.VerifyOptions{}, credentials.ErrMalformed, "dateTimeStamp"},
		{"expired", func(m map[string]any) { proofOf(m)["expires"] = "2024-01-01T00:00:00Z" }, credentials.VerifyOptions{}, credentials.ErrExpired, "expires"},
		{"issuer missing", func(m map[string]any) { delete(m, "issuer") }, credentials.VerifyOptions{}, credentials.ErrMalformed, "no issuer"},
		{"proof @context not a prefix", func(m map[string]any) { proofOf(m)["@context"] = []any{"https://www.w3.org/2018/credentials/v1"} }, credentials.VerifyOptions{}, credentials.ErrInvalidProof, "proof.@context"},
		{"previousProof names nothing", func(m map[string]any) { proofOf(m)["previousProof"] = "urn:uuid:nope" }, credentials.VerifyOptions{}, credentials.ErrInvalidProof, "urn:uuid:nope"},
		{"unknown context", func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/ns/credentials/v2", "https://example.com/unknown/v1"}
		}, credentials.VerifyOptions{}, jsonld.ErrUnknownContext, "https://example.com/unknown/v1"},
		{"undefined term", func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/2018/credentials/v1"}
		}, credentials.VerifyOptions{}, ErrCanonicalize, "safe mode at $.credentialSubject.alumniOf: property \"alumniOf\" is not defined"},
		{"missing @context", func(m map[string]any) { delete(m, "@context") }, credentials.VerifyOptions{}, credentials.ErrMalformed, "@context is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := signedVector(t)
			if tc.alter != nil {
				tc.alter(m)
			}
			b, _ := json.Marshal(m)
			_, err := s.Verify(context.Background(), b, issuerControls(vectorIssuer), tc.opts)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("got %v, want %v containing %q", err, tc.want, tc.substr)
			}
		})
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestVerifyRejectsMalformedInput(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	for _, tc := range []struct{ name, in string }{
		{"not json", "{"},
		{"array", "[]"},
		{"null", "null"},
		{"duplicate key", `{"@context":"x","@context":"y"}`},
		{"deep", `{"@context":` + deep + `}`},
		{"huge", `{"x":"` + strings.Repeat("a", 9<<20) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Verify(context.Background(), []byte(tc.in), keyResolver{}, credentials.VerifyOptions{})
			if !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

// TestVerifyRejectsLargeMalformedInput: a document large enough to be
// checked and parsed at once (with two processors; with one, in one pass)
// is refused with the checker's reason, also where the parser alone would
// have read it (bytes that are not UTF-8, a control character in a string,
// a duplicate name, a bad number).
func TestVerifyRejectsLargeMalformedInput(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	pad := `"pad":"` + strings.Repeat("a", parallelParse) + `"`
	for _, tc := range []struct{ name, in, reason string }{
		{"not utf-8", `{"@context":"x",` + pad + `,"y":"` + "\xff" + `"}`, "UTF-8"},
		{"control character", `{"@context":"x",` + pad + `,"y":"a` + "\t" + `b"}`, "control"},
		{"duplicate key", `{"@context":"x",` + pad + `,"@context":"y"}`, "duplicate member name"},
		{"bad number", `{"@context":"x",` + pad + `,"n":01}`, "invalid character '1'"},
		{"deep", `{"@context":"x",` + pad + `,"d":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "deep"},
		{"truncated", `{"@context":"x",` + pad, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Verify(context.Background(), []byte(tc.in), keyResolver{}, credentials.VerifyOptions{})
			if !errors.Is(err, credentials.ErrMalformed) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("got %v, want ErrMalformed saying %q", err, tc.reason)
			}
		})
	}
}

// TestChallengeAndDomain signs a presentation with a challenge and a domain
// and checks what the verifier expects; a proof carrying a challenge the
// verifier did not ask for verifies (the Data Integrity spec checks the
// challenge only when the verifier expects one).
func TestChallengeAndDomain(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	priv, vm := elmKey()
	holder, _, _ := strings.Cut(vm, "#")
	vp := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"` + holder + `"}`
	out, err := s.Sign(context.Background(), []byte(vp), credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{Purpose: "authentication", Challenge: "n-0S6", Domain: "https://verifier.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts credentials.VerifyOptions
		want error
	}{
		{"both match", credentials.VerifyOptions{Purpose: "authentication", Challenge: "n-0S6", Domain: "https://verifier.example"}, nil},
		{"none expected", credentials.VerifyOptions{Purpose: "authentication"}, nil},
		{"wrong challenge", credentials.VerifyOptions{Purpose: "authentication", Challenge: "other"}, credentials.ErrInvalidProof},
		{"wrong domain", credentials.VerifyOptions{Purpose: "authentication", Domain: "https://evil.example"}, credentials.ErrInvalidProof},
		{"assertion expected", credentials.VerifyOptions{}, credentials.ErrInvalidProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := s.Verify(context.Background(), out, keyResolver{}, tc.opts)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err == nil && v.Issuer != holder {
				t.Errorf("Issuer %q, want the holder %q", v.Issuer, holder)
			}
		})
	}
	// Another holder: the key's controller is not the holder.
	other := strings.Replace(string(out), holder, "did:example:someone", 1)
	if _, err := s.Verify(context.Background(), []byte(other), keyResolver{}, credentials.VerifyOptions{Purpose: "authentication"}); !errors.Is(err, credentials.ErrInvalidProof) {
		t.Errorf("holder mismatch: %v, want ErrInvalidProof", err)
	}
}

// TestProofSetSignAndVerify adds a second proof (ECDSA) to an Ed25519-signed
// document; both are verified, and breaking either fails the set.
func TestProofSetSignAndVerify(t *testing.T) {
	ed := referenceSuite(t, EdDSARDFC2022)
	ec := referenceSuite(t, ECDSARDFC2019)
	priv, vm := elmKey()
	p256 := ecdsaKey(t, p256Curve(), "ya-p2EW6dRZrXCFXZ7HWk05Qw9s26JsSe4piKxIPZyE")
	ecVM := "did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP#zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"
	unsigned := reftest.Read(t, "vectors", "di-eddsa", "TestVectors", "unsigned.json")
	one, err := ed.Sign(context.Background(), unsigned, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	two, err := ec.Sign(context.Background(), one, credentials.SigningKey{Signer: p256, ID: ecVM}, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	issuer := issuerID(readJSONBytes(t, unsigned))
	v, err := ed.Verify(context.Background(), two, issuerControls(issuer), credentials.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Details["proofs"] != "2" || !strings.HasPrefix(v.Details["proof[1]"], ECDSARDFC2019) {
		t.Errorf("details %v", v.Details)
	}
	m := readJSONBytes(t, two)
	m["proof"].([]any)[1].(map[string]any)["proofPurpose"] = "authentication"
	b, _ := json.Marshal(m)
	if _, err := ed.Verify(context.Background(), b, issuerControls(issuer), credentials.VerifyOptions{}); !errors.Is(err, credentials.ErrInvalidProof) || !strings.Contains(err.Error(), "proof[1]") {
		t.Errorf("broken second proof: %v", err)
	}
}

func TestSignRejects(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	priv, vm := elmKey()
	p256 := ecdsaKey(t, p256Curve(), "ya-p2EW6dRZrXCFXZ7HWk05Qw9s26JsSe4piKxIPZyE")
	doc := reftest.Read(t, "vectors", "di-eddsa", "TestVectors", "unsigned.json")
	for _, tc := range []struct {
		name string
		doc  []byte
		key  credentials.SigningKey
		want error
	}{
		{"ECDSA key for eddsa", doc, credentials.SigningKey{Signer: p256, ID: vm}, credentials.ErrUnsupportedKey},
		{"no verification method", doc, credentials.SigningKey{Signer: priv}, credentials.ErrUnsupportedKey},
		{"no signer", doc, credentials.SigningKey{ID: vm}, credentials.ErrUnsupportedKey},
		{"no @context", []byte(`{"type":"VerifiableCredential"}`), credentials.SigningKey{Signer: priv, ID: vm}, credentials.ErrMalformed},
		{"not an object", []byte(`[1]`), credentials.SigningKey{Signer: priv, ID: vm}, credentials.ErrMalformed},
		{"unknown context", []byte(`{"@context":["https://example.com/x"],"issuer":"did:x:y"}`), credentials.SigningKey{Signer: priv, ID: vm}, jsonld.ErrUnknownContext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Sign(context.Background(), tc.doc, tc.key, credentials.SignOptions{}); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := New("bbs-2023", Options{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("New(bbs-2023): %v", err)
	}
}

// TestVerifyContextNotInstalled: verifying a VC 2.0 credential with only the
// built-in contexts fails naming the VC 2.0 URL and how to install it.
func TestVerifyContextNotInstalled(t *testing.T) {
	s, err := New(EdDSARDFC2022, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := reftest.Read(t, "vectors", "di-eddsa", "TestVectors", "eddsa-rdfc-2022", "signedDataInt.json")
	_, err = s.Verify(context.Background(), b, issuerControls(vectorIssuer), credentials.VerifyOptions{})
	var ce *jsonld.ContextError
	if !errors.As(err, &ce) || ce.URL != "https://www.w3.org/ns/credentials/v2" || !strings.Contains(err.Error(), "diplomat contexts import DIR") {
		t.Fatalf("got %v, want the VC 2.0 URL and the install hint", err)
	}
}
