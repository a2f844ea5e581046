package ebsi

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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

// FuzzReadFacts feeds arbitrary credentials to the scan that reads
// termsOfUse, type and credentialSchema: an error or facts, never a panic,
// and no string read from a malformed literal.
func FuzzReadFacts(f *testing.F) {
	f.Add([]byte(`{"type":["VerifiableCredential"],"credentialSchema":{"id":"https://x/s"},"termsOfUse":[{"id":"https://x/issuers/did:ebsi:z1/attributes/00","type":"IssuanceCertificate"}]}`))
	f.Add([]byte(`{"type":"A","termsOfUse":{"id":"\u0041\n","type":7},"credentialSchema":[1,{"id":"s"}]}`))
	f.Add([]byte(`{"termsOfUse":[{"id":"\ud800"}]}`))
	f.Fuzz(func(t *testing.T, cred []byte) {
		fs, err := readFacts(verifier.TrustQuery{Credential: cred})
		if err != nil {
			return
		}
		for _, r := range fs.terms {
			if strings.ContainsRune(r.ID, utf8.RuneError) && !utf8.ValidString(r.ID) {
				t.Fatalf("invalid UTF-8 read: %q", r.ID)
			}
		}
	})
}
