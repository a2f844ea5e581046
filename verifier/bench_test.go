package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
)

// BenchmarkVerify verifies the EDC micro-credential sample
// (Sample-MC-Annex1-unsigned.jsonld, 111 KB) signed by us in each format,
// with one Verifier whose did:web document, status list and trust registry
// answers are warm, and compares it with a floor measured in the same run:
// encoding/json decoding the payload into any plus one signature check with
// the same key type. verif/s is our rate; x-floor is our time over the
// floor's (the target for vc+jwt is 2).
func BenchmarkVerify(b *testing.B) {
	w := newWorld(b)
	v, err := New(w.options())
	if err != nil {
		b.Fatal(err)
	}
	di, err := dataintegrity.New(dataintegrity.EdDSARDFC2022, dataintegrity.Options{Contexts: w.contexts})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name    string
		input   []byte
		payload []byte // what the floor decodes
		signer  crypto.Signer
	}{
		{"vc+jwt", w.vcJWT(nil), nil, w.web.signer},
		{"jwt_vc_json", w.jwtVCJSON(nil), nil, w.ebsi.signer},
		{"jades", w.jades(), w.elmDoc("urn:epass:org:1", false, nil), w.seal.Signer},
		{"dc+sd-jwt", []byte(w.sdJWT()), nil, w.ebsi.signer},
		{"eddsa-rdfc-2022", w.sign(di, w.elmDoc(w.w3c.did, false, nil), w.w3c.key()), w.elmDoc(w.w3c.did, false, nil), w.w3c.signer},
	}
	for _, c := range cases {
		payload := c.payload
		if payload == nil {
			payload = jwsPayload(b, c.input)
		}
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			rep, err := v.Verify(ctx, c.input, Request{})
			if err != nil || rep.Verdict != Verified {
				b.Fatalf("warm-up: %v %v\n%s", err, rep.Verdict, dump(rep))
			}
			floor := floorVerify(b, payload, c.signer)
			b.SetBytes(int64(len(c.input)))
			b.ReportAllocs()
			ours, fl := measure(b, func() {
				if _, err := v.Verify(ctx, c.input, Request{}); err != nil {
					b.Fatal(err)
				}
			}, floor)
			b.ReportMetric(1e9/ours, "verif/s")
			b.ReportMetric(ours, "ours-ns/op")
			b.ReportMetric(fl, "floor-ns/op")
			b.ReportMetric(ours/fl, "x-floor")
		})
	}
}

// jwsPayload returns the decoded payload of a compact JWS or SD-JWT.
func jwsPayload(b *testing.B, tok []byte) []byte {
	tok, _, _ = bytes.Cut(tok, []byte("~"))
	parts := bytes.Split(tok, []byte("."))
	p, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// floorVerify decodes payload into any and checks one signature over it
// with a key of the same type.
func floorVerify(b *testing.B, payload []byte, s crypto.Signer) func() {
	switch k := s.(type) {
	case ed25519.PrivateKey:
		sig := ed25519.Sign(k, payload)
		pub := k.Public().(ed25519.PublicKey)
		return func() {
			var v any
			if json.Unmarshal(payload, &v) != nil || !ed25519.Verify(pub, payload, sig) {
				b.Fatal("floor failed")
			}
		}
	case *ecdsa.PrivateKey:
		h := sha256.Sum256(payload)
		sig, _ := ecdsa.SignASN1(rand.Reader, k, h[:])
		return func() {
			var v any
			h := sha256.Sum256(payload)
			if json.Unmarshal(payload, &v) != nil || !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
				b.Fatal("floor failed")
			}
		}
	}
	b.Fatalf("no floor for %T", s)
	return nil
}

// measure runs ours and floor b.N times each, interleaved so that both see
// the same load, and returns the median time of each.
func measure(b *testing.B, ours, floor func()) (float64, float64) {
	o := make([]time.Duration, b.N)
	f := make([]time.Duration, b.N)
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ours()
		mid := time.Now()
		floor()
		o[i], f[i] = mid.Sub(start), time.Since(mid)
	}
	return median(o), median(f)
}

func median(d []time.Duration) float64 {
	slices.Sort(d)
	return float64(d[len(d)/2].Nanoseconds())
}
