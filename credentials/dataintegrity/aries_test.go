package dataintegrity

// Every use of aries-framework-go in this package's tests is in this file: the
// legacy Ed25519Signature2020 suite, as a check of the old W3C vector and as
// the peer of the benchmarks.

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/jsonld"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/signer"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/suite"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/suite/ed25519signature2020"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/verifier"
	"github.com/piprate/json-gold/ld"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// ariesEd25519 signs for aries.
type ariesEd25519 struct{ priv ed25519.PrivateKey }

func (s ariesEd25519) Sign(data []byte) ([]byte, error) { return ed25519.Sign(s.priv, data), nil }
func (s ariesEd25519) Alg() string                      { return "EdDSA" }

// ariesKeys resolves any verification method to one Ed25519 key.
type ariesKeys struct{ pub ed25519.PublicKey }

func (k ariesKeys) Resolve(string) (*verifier.PublicKey, error) {
	return &verifier.PublicKey{Type: "Ed25519VerificationKey2020", Value: k.pub}, nil
}

// ariesSign signs doc with aries' Ed25519Signature2020, its contexts loaded
// through loader.
func ariesSign(doc []byte, priv ed25519.PrivateKey, vm string, loader ld.DocumentLoader) ([]byte, error) {
	s := signer.New(ed25519signature2020.New(suite.WithSigner(ariesEd25519{priv})))
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return s.Sign(&signer.Context{
		SignatureType:           ed25519signature2020.SignatureType,
		SignatureRepresentation: 0, // proofValue
		VerificationMethod:      vm,
		Created:                 &created,
	}, doc, jsonld.WithDocumentLoader(loader))
}

// ariesVerify verifies every proof of doc with aries.
func ariesVerify(doc []byte, pub ed25519.PublicKey, loader ld.DocumentLoader) error {
	v, err := verifier.New(ariesKeys{pub}, ed25519signature2020.New(suite.WithVerifier(ed25519signature2020.NewPublicKeyVerifier())))
	if err != nil {
		return err
	}
	return v.Verify(doc, jsonld.WithDocumentLoader(loader))
}

// TestEd25519Signature2020VectorThroughAries verifies the legacy vector of
// vc-di-eddsa with aries-framework-go, contexts from our loader.
func TestEd25519Signature2020VectorThroughAries(t *testing.T) {
	priv, _ := ed25519VectorKey(t)
	pub := priv.Public().(ed25519.PublicKey)
	loader := referenceLoader(t)
	t.Run("signedEdSig.json", func(t *testing.T) {
		doc := reftest.Read(t, "vectors", "di-eddsa", "TestVectors", "Ed25519Signature2020", "signedEdSig.json")
		if err := ariesVerify(doc, pub, loader); err != nil {
			t.Fatal(err)
		}
		tampered := bytes.Replace(doc, []byte("The School of Examples"), []byte("The School of Exampler"), 1)
		if err := ariesVerify(tampered, pub, loader); err == nil {
			t.Error("aries verified a tampered credential")
		}
		other := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
		if err := ariesVerify(doc, other, loader); err == nil {
			t.Error("aries verified with the wrong key")
		}
	})
}
