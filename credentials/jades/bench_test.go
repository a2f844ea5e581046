package jades

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// The floor for verifying is what any JAdES verifier must at least do:
// decode the credential's JSON with encoding/json and check one signature
// with the same key over the same signing input. The floor for signing is the
// same decode plus one signature. Both run in the same benchmark run, so the
// ratio (x-floor) compares like with like. ns/op, B/op and allocs/op cover
// both and the collections between them; ours-ns/op and floor-ns/op are the
// times that count.
func BenchmarkJAdES(b *testing.B) {
	doc := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	for _, k := range []struct{ name, kind string }{{"RSA2048", "rsa"}, {"P256", "p256"}} {
		key := newSeal(b, k.kind)
		m := &Mechanism{}
		signed, err := m.Sign(context.Background(), doc, key, credentials.SignOptions{Now: fixedNow})
		if err != nil {
			b.Fatal(err)
		}
		j, err := Parse(signed, 0)
		if err != nil {
			b.Fatal(err)
		}
		input := []byte(j.Protected + "." + string(j.SigningPayload))
		sig, err := base64.RawURLEncoding.DecodeString(j.Signature)
		if err != nil {
			b.Fatal(err)
		}
		pub := key.Signer.Public()

		floorVerify := func() {
			var v any
			if err := json.Unmarshal(doc, &v); err != nil {
				b.Fatal(err)
			}
			sum := sha256.Sum256(input)
			switch p := pub.(type) {
			case *rsa.PublicKey:
				if err := rsa.VerifyPKCS1v15(p, crypto.SHA256, sum[:], sig); err != nil {
					b.Fatal(err)
				}
			case *ecdsa.PublicKey:
				if !ecdsa.Verify(p, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
					b.Fatal("floor: ecdsa.Verify failed")
				}
			}
		}
		floorSign := func() {
			var v any
			if err := json.Unmarshal(doc, &v); err != nil {
				b.Fatal(err)
			}
			sum := sha256.Sum256(input)
			if _, err := key.Signer.Sign(rand.Reader, sum[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
		oursVerify := func() {
			if _, err := m.Verify(context.Background(), signed, nil, credentials.VerifyOptions{Now: fixedNow}); err != nil {
				b.Fatal(err)
			}
		}
		oursSign := func() {
			if _, err := m.Sign(context.Background(), doc, key, credentials.SignOptions{Now: fixedNow}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(k.name+"/Verify", func(b *testing.B) { versusFloor(b, floorVerify, oursVerify) })
		b.Run(k.name+"/Sign", func(b *testing.B) { versusFloor(b, floorSign, oursSign) })
	}
}

// versusFloor runs floor and ours alternately b.N times and reports the
// time of each per operation and their ratio. Alternating keeps a change of
// machine load from favouring one side; a collection before each timed call
// (not counted) keeps one side's garbage from being collected on the other's
// time (the floor decodes into any and makes the most).
func versusFloor(b *testing.B, floor, ours func()) {
	b.ReportAllocs()
	var floorT, oursT time.Duration
	for range b.N {
		runtime.GC()
		t0 := time.Now()
		floor()
		floorT += time.Since(t0)
		runtime.GC()
		t1 := time.Now()
		ours()
		oursT += time.Since(t1)
	}
	b.ReportMetric(float64(oursT.Nanoseconds())/float64(b.N), "ours-ns/op")
	b.ReportMetric(float64(floorT.Nanoseconds())/float64(b.N), "floor-ns/op")
	b.ReportMetric(float64(oursT)/float64(floorT), "x-floor")
}
