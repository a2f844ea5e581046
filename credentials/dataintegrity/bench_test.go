package dataintegrity

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// The benchmarks sign and verify Sample-MC-Annex1-unsigned.jsonld (about
// 110 KB, VC 1.1 + edc-ap) with eddsa-rdfc-2022, and time the same
// operation with aries-framework-go's Ed25519Signature2020 in the same run;
// "x-aries" is aries' time per operation over ours (above 1: we are faster).

const ariesRuns = 3

func benchSetup(b *testing.B) (*Suite, []byte, []byte, ed25519.PrivateKey, string) {
	doc := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	// The aries peer needs its suite's context in the document.
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		b.Fatal(err)
	}
	m["@context"] = append(m["@context"].([]any), "https://w3id.org/security/suites/ed25519-2020/v1")
	ariesDoc, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	priv, vm := elmKey()
	return referenceSuite(b, EdDSARDFC2022), doc, ariesDoc, priv, vm
}

// timeAries returns aries' mean time per call of f over ariesRuns calls.
func timeAries(b *testing.B, f func() error) float64 {
	b.Helper()
	start := time.Now()
	for range ariesRuns {
		if err := f(); err != nil {
			b.Fatalf("aries: %v", err)
		}
	}
	return float64(time.Since(start).Nanoseconds()) / ariesRuns
}

func BenchmarkSignELM(b *testing.B) {
	s, doc, ariesDoc, priv, vm := benchSetup(b)
	key := credentials.SigningKey{Signer: priv, ID: vm}
	loader := referenceLoader(b)
	ariesNs := timeAries(b, func() error { _, err := ariesSign(ariesDoc, priv, vm, loader); return err })
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := s.Sign(context.Background(), doc, key, credentials.SignOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	ours := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.ReportMetric(ariesNs/ours, "x-aries")
	b.ReportMetric(ariesNs/1e6, "aries-ms/op")
}

func BenchmarkVerifyELM(b *testing.B) {
	s, doc, ariesDoc, priv, vm := benchSetup(b)
	signed, err := s.Sign(context.Background(), doc, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
	if err != nil {
		b.Fatal(err)
	}
	loader := referenceLoader(b)
	ariesSigned, err := ariesSign(ariesDoc, priv, vm, loader)
	if err != nil {
		b.Fatal(err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	ariesNs := timeAries(b, func() error { return ariesVerify(ariesSigned, pub, loader) })
	r := issuerControls(issuerID(readJSONBytes(b, doc)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := s.Verify(context.Background(), signed, r, credentials.VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	ours := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.ReportMetric(ariesNs/ours, "x-aries")
	b.ReportMetric(ariesNs/1e6, "aries-ms/op")
}
