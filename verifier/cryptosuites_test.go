package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
)

// diCredential is a small VC 2.0 credential of issuer with a few claims
// a holder may keep to themselves (terms of the W3C examples context, since
// every term must be defined).
func (w *world) diCredential(issuer string) []byte {
	b, _ := json.Marshal(map[string]any{
		"@context": []any{credentials.ContextV2, "https://www.w3.org/ns/credentials/examples/v2"}, "type": []any{"VerifiableCredential"},
		"issuer": issuer, "validFrom": testNow.AddDate(-1, 0, 0).Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": w.holder.did, "name": "Ana Andromeda", "birthDate": "2001-04-17", "degree": "Master of Science"},
	})
	return b
}

// TestJCSAndSelectiveDisclosureCryptosuitesVerify: a credential secured
// with each of eddsa-jcs-2022, ecdsa-jcs-2019 and ecdsa-sd-2023 (base
// proof) by a trusted issuer verifies, reported under its cryptosuite; one
// changed claim makes it invalid at the proof check, as a bad signature.
func TestJCSAndSelectiveDisclosureCryptosuitesVerify(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		suite string
		by    *party
	}{
		{dataintegrity.EdDSAJCS2022, w.w3c},
		{dataintegrity.ECDSAJCS2019, w.ebsi},
		{dataintegrity.ECDSASD2023, w.ebsi},
	} {
		t.Run(c.suite, func(t *testing.T) {
			s, err := dataintegrity.New(c.suite, dataintegrity.Options{Contexts: w.contexts})
			if err != nil {
				t.Fatal(err)
			}
			signed := w.sign(s, w.diCredential(c.by.did), c.by.key())
			rep, err := Verify(context.Background(), signed, w.options())
			if err != nil {
				t.Fatal(err)
			}
			assertReport(t, rep, Verified, "", "")
			if rep.Format != c.suite {
				t.Errorf("format %q, want %q", rep.Format, c.suite)
			}
			tampered := bytes.Replace(signed, []byte(`"Ana Andromeda"`), []byte(`"Ana Andromedb"`), 1)
			if bytes.Equal(tampered, signed) {
				t.Fatal("nothing was tampered")
			}
			rep, err = Verify(context.Background(), tampered, w.options())
			if err != nil {
				t.Fatal(err)
			}
			assertReport(t, rep, Invalid, CheckProof, ProblemInvalidSignature)
		})
	}
}

// TestSDDerivedProofDisclosesOnlyTheSelectedClaims: the holder derives an
// ecdsa-sd-2023 disclosure with the library (Suite.Derive, what the wallet
// calls; there is no command that derives on its own): the derived
// credential carries the selected claim and not the others, verifies with
// the issuer's key alone, and a changed disclosed claim, or a claim added
// back, makes it invalid.
func TestSDDerivedProofDisclosesOnlyTheSelectedClaims(t *testing.T) {
	w := newWorld(t)
	s, err := dataintegrity.New(dataintegrity.ECDSASD2023, dataintegrity.Options{Contexts: w.contexts})
	if err != nil {
		t.Fatal(err)
	}
	base := w.sign(s, w.diCredential(w.ebsi.did), w.ebsi.key())
	sd := s
	derived, err := sd.Derive(context.Background(), base, []string{"/credentialSubject/degree"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CredentialSubject map[string]any `json:"credentialSubject"`
		Proof             map[string]any `json:"proof"`
	}
	if err := json.Unmarshal(derived, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.CredentialSubject["degree"] != "Master of Science" {
		t.Fatalf("the selected claim is missing: %s", derived)
	}
	for _, kept := range []string{"name", "birthDate"} {
		if _, ok := doc.CredentialSubject[kept]; ok {
			t.Errorf("the derived credential discloses %s: %s", kept, derived)
		}
	}
	if bytes.Contains(derived, []byte("Ana Andromeda")) || bytes.Contains(derived, []byte("2001-04-17")) {
		t.Fatalf("undisclosed values are in the derived credential: %s", derived)
	}
	if pv, _ := doc.Proof["proofValue"].(string); len(pv) == 0 || pv[0] != 'u' || doc.Proof["cryptosuite"] != dataintegrity.ECDSASD2023 {
		t.Fatalf("derived proof: %v", doc.Proof)
	}
	if bytes.Equal(derived, base) {
		t.Fatal("the derived credential is the base one")
	}
	rep, err := Verify(context.Background(), derived, w.options())
	if err != nil {
		t.Fatal(err)
	}
	assertReport(t, rep, Verified, "", "")

	t.Run("a changed disclosed claim", func(t *testing.T) {
		bad := bytes.Replace(derived, []byte(`"Master of Science"`), []byte(`"Doctor of Science"`), 1)
		rep, err := Verify(context.Background(), bad, w.options())
		if err != nil {
			t.Fatal(err)
		}
		assertReport(t, rep, Invalid, CheckProof, ProblemInvalidSignature)
	})
	t.Run("an undisclosed claim added back", func(t *testing.T) {
		var m map[string]any
		_ = json.Unmarshal(derived, &m)
		m["credentialSubject"].(map[string]any)["name"] = "Ana Andromeda"
		bad, _ := json.Marshal(m)
		rep, err := Verify(context.Background(), bad, w.options())
		if err != nil {
			t.Fatal(err)
		}
		assertReport(t, rep, Invalid, CheckProof, "")
	})
	t.Run("a pointer that selects nothing", func(t *testing.T) {
		if _, err := sd.Derive(context.Background(), base, []string{"/credentialSubject/nothing"}); err == nil {
			t.Fatal("a pointer that matches nothing derived a credential")
		}
	})
}
