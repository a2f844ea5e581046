package did_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/did"
)

func FuzzParseKey(f *testing.F) {
	f.Add("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
	f.Add("did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP#zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP")
	f.Add("did:key:z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ")
	f.Add("did:key:z")
	f.Fuzz(func(t *testing.T, in string) {
		pub, err := did.ParseKey(in)
		if err != nil {
			return
		}
		// Anything accepted re-encodes to the same identifier.
		out, err := did.KeyDID(pub)
		if err != nil {
			t.Fatalf("accepted %q but cannot re-encode: %v", in, err)
		}
		back, err := did.ParseKey(out)
		if err != nil || !back.(equaler).Equal(pub) {
			t.Fatalf("round trip of %q failed: %v", in, err)
		}
	})
}

func FuzzParseJWK(f *testing.F) {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, pub := range []any{ed.Public(), p256.Public()} {
		id, _ := did.JWKDID(pub)
		f.Add(id)
		f.Add(id + "#0")
	}
	f.Add("did:jwk:eyJrdHkiOiJPS1AifQ")
	f.Fuzz(func(t *testing.T, in string) {
		pub, err := did.ParseJWK(in)
		if err != nil {
			return
		}
		out, err := did.JWKDID(pub)
		if err != nil {
			t.Fatalf("accepted %q but cannot re-encode: %v", in, err)
		}
		back, err := did.ParseJWK(out)
		if err != nil || !back.(equaler).Equal(pub) {
			t.Fatalf("round trip of %q failed: %v", in, err)
		}
	})
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(`{"id":"did:web:example.edu","verificationMethod":[{"id":"#k1","type":"Multikey","controller":"did:web:example.edu","publicKeyMultibase":"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}],"assertionMethod":["#k1",{"id":"#k2","type":"JsonWebKey","controller":"did:web:example.edu","publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"AAAA"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := did.ParseDocument(data)
		if err != nil {
			return
		}
		for _, vm := range doc.VerificationMethod {
			_, _ = vm.PublicKey()
		}
		_, _ = doc.First(did.AssertionMethod)
	})
}
