package keys

import (
	"crypto"
	"crypto/ed25519"
	"testing"
	"time"
)

// BenchmarkStoreSignerEd25519 signs a fixed message through the store's
// signer after Unlock and, in the same run, with crypto/ed25519.Sign on the
// same key and message. It reports the ratio store/raw as x-raw; the target
// is under 1.2.
func BenchmarkStoreSignerEd25519(b *testing.B) {
	s, _ := unlockedStore(b)
	if _, err := s.Create("bench", Ed25519, Assertion); err != nil {
		b.Fatal(err)
	}
	sg, err := s.Signer("bench")
	if err != nil {
		b.Fatal(err)
	}
	raw := sg.(*signer).priv.(ed25519.PrivateKey)
	msg := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:web:registrar.example.edu"}`)

	// Alternate short rounds of each so that noise from other processes
	// falls on both sides alike.
	const rounds = 10
	var storeNS, rawNS time.Duration
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		n := b.N / rounds
		if r < b.N%rounds {
			n++
		}
		start := time.Now()
		for i := 0; i < n; i++ {
			if _, err := sg.Sign(nil, msg, crypto.Hash(0)); err != nil {
				b.Fatal(err)
			}
		}
		storeNS += time.Since(start)
		b.StopTimer()
		start = time.Now()
		for i := 0; i < n; i++ {
			_ = ed25519.Sign(raw, msg)
		}
		rawNS += time.Since(start)
		b.StartTimer()
	}
	b.StopTimer()
	if rawNS > 0 {
		b.ReportMetric(float64(storeNS)/float64(rawNS), "x-raw")
		b.ReportMetric(float64(rawNS.Nanoseconds())/float64(b.N), "raw-ns/op")
	}
}
