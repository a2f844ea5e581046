package dataintegrity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// The legacy Ed25519Signature2020 vector verifies through the production
// Legacy mechanism, and every way of breaking it is refused for its reason.
func TestLegacyEd25519Signature2020(t *testing.T) {
	ctx := context.Background()
	doc := reftest.Read(t, "vectors", "di-eddsa", "TestVectors", "Ed25519Signature2020", "signedEdSig.json")
	m := Legacy{Contexts: referenceLoader(t)}
	// The vector's issuer is an https URL whose controller document is not
	// published; the resolver stands in for it, as in the other vector tests.
	r := issuerControls("https://vc.example/issuers/5678")

	v, err := m.Verify(ctx, doc, r, credentials.VerifyOptions{})
	if err != nil {
		t.Fatalf("the W3C vector does not verify: %v", err)
	}
	if v.Mechanism != Ed25519Signature2020 || v.Issuer != "https://vc.example/issuers/5678" || v.Signed.Format("2006-01-02") != "2023-02-24" {
		t.Errorf("verified = %s %s %v", v.Mechanism, v.Issuer, v.Signed)
	}
	if bytes.Contains(v.Document, []byte(`"proof"`)) || !bytes.Contains(v.Document, []byte("The School of Examples")) {
		t.Errorf("document = %s", v.Document)
	}
	priv, _ := ed25519VectorKey(t)
	if !priv.Public().(ed25519.PublicKey).Equal(v.Key) {
		t.Error("verified with another key than the vector's")
	}

	tests := []struct {
		name string
		doc  []byte
		r    credentials.KeyResolver
		opts credentials.VerifyOptions
		want error
	}{
		{"tampered claim", bytes.Replace(doc, []byte("The School of Examples"), []byte("The School of Exampler"), 1), r, credentials.VerifyOptions{}, credentials.ErrInvalidProof},
		{"another issuer's key", doc, issuerControls("https://other.example"), credentials.VerifyOptions{}, credentials.ErrInvalidProof},
		{"wrong purpose", doc, r, credentials.VerifyOptions{Purpose: "authentication"}, credentials.ErrInvalidProof},
		{"challenge expected", doc, r, credentials.VerifyOptions{Challenge: "abc"}, credentials.ErrInvalidProof},
		{"not a legacy proof", bytes.Replace(doc, []byte(`"type": "Ed25519Signature2020"`), []byte(`"type": "RsaSignature2018"`), 1), r, credentials.VerifyOptions{}, credentials.ErrMalformed},
		{"no proof", bytes.Replace(doc, []byte(`"proof"`), []byte(`"prooff"`), 1), r, credentials.VerifyOptions{}, credentials.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Verify(ctx, tt.doc, tt.r, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}

	if _, err := m.Sign(ctx, doc, credentials.SigningKey{Signer: priv}, credentials.SignOptions{}); !errors.Is(err, ErrLegacySigning) {
		t.Errorf("Sign = %v, want ErrLegacySigning", err)
	}
}
