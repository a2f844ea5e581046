package ebsi

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier"
)

// FuzzImport feeds arbitrary bytes to the TIR snapshot reader and walks a
// chain in whatever parses: errors and answers, never a panic.
func FuzzImport(f *testing.F) {
	if dir, ok := reftest.Available(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "trust", "ebsi", "tir-v5-openapi-examples.json")); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"name":"x","issuers":[{"did":"did:ebsi:z1","attributes":[{"hash":"00","body":"a.b.c","issuerType":"TI"}]}]}`))
	f.Add([]byte(`{"name":"x","issuers":[],"didDocuments":[{"id":"did:ebsi:z1","verificationMethod":[]}]}`))
	cred := []byte(`{"type":["VerifiableCredential"],"termsOfUse":{"id":"https://x/issuers/did:ebsi:z1/attributes/00","type":"IssuanceCertificate"}}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Import(data)
		s, err := Parse(data)
		if err != nil {
			return
		}
		a, _ := NewSource(s, Options{Roots: []string{"did:ebsi:z1"}}).Trust(context.Background(), verifier.TrustQuery{Issuer: "did:ebsi:z1", Credential: cred, IssuedAt: time.Unix(1700000000, 0)})
		if a == nil {
			t.Fatal("no answer")
		}
	})
}
