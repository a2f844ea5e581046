package verifier

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/jsonld"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/signer"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/suite"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/suite/ed25519signature2020"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
)

type ariesSigner struct{ priv ed25519.PrivateKey }

func (s ariesSigner) Sign(data []byte) ([]byte, error) { return ed25519.Sign(s.priv, data), nil }
func (s ariesSigner) Alg() string                      { return "EdDSA" }

// A credential secured with the legacy Ed25519Signature2020 suite (signed
// here by aries-framework-go, as a VC 1.1-era issuer would) verifies, and a
// tampered copy does not.
func TestVerifyLegacyEd25519Signature2020(t *testing.T) {
	w := newWorld(t)
	priv := w.w3c.signer.(ed25519.PrivateKey)
	doc := w.smallVC(w.w3c.did, "https://w3id.org/security/suites/ed25519-2020/v1")
	created := testNow.Add(-time.Hour)
	s := signer.New(ed25519signature2020.New(suite.WithSigner(ariesSigner{priv})))
	signed, err := s.Sign(&signer.Context{
		SignatureType:      ed25519signature2020.SignatureType,
		VerificationMethod: w.w3c.kid,
		Created:            &created,
	}, doc, jsonld.WithDocumentLoader(w.contexts))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(context.Background(), signed, w.options())
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Verified {
		t.Fatalf("verdict %s, want verified; checks %+v", r.Verdict, r.Checks)
	}
	if c := r.Check(CheckProof); c == nil || c.Result != Passed {
		t.Fatalf("proof check %+v", c)
	}
	tampered := []byte(strings.Replace(string(signed), "Ana Andromeda", "Ana Andromedb", 1))
	r, err = Verify(context.Background(), tampered, w.options())
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Invalid || r.Check(CheckProof).Result != Failed {
		t.Fatalf("tampered: verdict %s, proof %+v", r.Verdict, r.Check(CheckProof))
	}
}

// "vc+sd-jwt" names both the older SD-JWT VC typ and VC-JOSE-COSE's
// SD-JWT-secured VC 2.0 credential; the verifier tells them apart by the
// payload and verifies both.
func TestVerifyVCSDJWTOfBothKinds(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	path, _ := sdjwt.ParsePath("$.credentialSubject.name")
	vc2, err := sdjwt.VC{Frame: sdjwt.Frame{Disclosable: []sdjwt.Path{path}}}.Sign(ctx, w.smallVC(w.w3c.did), w.w3c.key(), credentials.SignOptions{Now: func() time.Time { return testNow.Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(ctx, vc2, w.options())
	if err != nil {
		t.Fatal(err)
	}
	if r.Check(CheckProof).Result != Passed || r.Verdict != Verified {
		t.Fatalf("VC 2.0 vc+sd-jwt: verdict %s, checks %+v", r.Verdict, r.Checks)
	}
	if r.Format != sdjwt.TypVC {
		t.Errorf("format %q", r.Format)
	}
}
