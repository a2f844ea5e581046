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
	"fmt"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
)

// benchFormat is one format of the benchmarks: the sample signed in it,
// made distinct by the id n (a new signature over a new payload), what
// the floor decodes, and the key type the floor checks a signature with.
type benchFormat struct {
	name    string
	make    func(n int) []byte
	payload func(input []byte) []byte
	signer  crypto.Signer
}

func benchFormats(b *testing.B, w *world) []benchFormat {
	di, err := dataintegrity.New(dataintegrity.EdDSARDFC2022, dataintegrity.Options{Contexts: w.contexts})
	if err != nil {
		b.Fatal(err)
	}
	id := func(n int) func(m map[string]any) {
		return func(m map[string]any) { m["id"] = fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", n) }
	}
	jws := func(input []byte) []byte { return jwsPayload(b, input) }
	return []benchFormat{
		{"vc+jwt", func(n int) []byte { return w.vcJWT(id(n)) }, jws, w.web.signer},
		{"jwt_vc_json", func(n int) []byte { return w.jwtVCJSON(id(n)) }, jws, w.ebsi.signer},
		{"jades", func(n int) []byte {
			return w.sign(&jades.Mechanism{}, w.elmDoc("urn:epass:org:1", false, id(n)), w.seal)
		},
			func([]byte) []byte { return w.elmDoc("urn:epass:org:1", false, id(0)) }, w.seal.Signer},
		{"dc+sd-jwt", func(n int) []byte { return []byte(w.sdJWTWith(id(n))) }, jws, w.ebsi.signer},
		{"eddsa-rdfc-2022", func(n int) []byte { return w.sign(di, w.elmDoc(w.w3c.did, false, id(n)), w.w3c.key()) },
			func([]byte) []byte { return w.elmDoc(w.w3c.did, false, id(0)) }, w.w3c.signer},
	}
}

// sdJWTWith is sdJWT with an edit of the credential before it is mapped.
func (w *world) sdJWTWith(edit func(m map[string]any)) string {
	mapped, err := sdjwt.MapELM(w.elmDoc(w.ebsi.did, false, edit))
	if err != nil {
		w.t.Fatal(err)
	}
	mapped.Claims["iss"] = w.ebsi.did
	claims, _ := json.Marshal(mapped.Claims)
	out, err := sdjwt.Issue(claims, w.ebsi.key(), sdjwt.IssueOptions{Frame: mapped.Frame, Holder: w.holder.signer.Public(), Now: func() time.Time { return testNow.Add(-time.Hour) }})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// BenchmarkVerify verifies the EDC micro-credential sample
// (Sample-MC-Annex1-unsigned.jsonld, 111 KB) signed by us in each format,
// as a service checking many students' credentials sees them: each
// iteration verifies a credential the verifier has not parsed recently
// (analysisCacheSize+1 distinct ones taken in turn, and the analysis
// cache drops the oldest first, so that it never hits), with one Verifier
// whose did:web document, status list and trust answers are warm. It
// compares that with a floor measured in the same run: encoding/json
// decoding the payload into any plus one signature check with the same key
// type. verif/s is our rate; x-floor is our time over the floor's (the
// target for vc+jwt is 2). BenchmarkVerifyRepeated is the same credential
// verified again and again.
func BenchmarkVerify(b *testing.B) {
	benchVerify(b, analysisCacheSize+1)
}

// BenchmarkVerifyRepeated is BenchmarkVerify with one credential verified
// again and again: its analysis (envelope, ELM reading, conformance,
// summary) comes from the verifier's cache, and only the proof, key,
// validity, status and trust checks are made each time.
func BenchmarkVerifyRepeated(b *testing.B) {
	benchVerify(b, 1)
}

// benchVerify runs BenchmarkVerify with distinct credentials per format.
func benchVerify(b *testing.B, distinct int) {
	w := newWorld(b)
	v, err := New(w.options())
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range benchFormats(b, w) {
		b.Run(f.name, func(b *testing.B) {
			inputs := make([][]byte, distinct)
			for i := range inputs {
				inputs[i] = f.make(i)
			}
			ctx := context.Background()
			rep, err := v.Verify(ctx, inputs[0], Request{})
			if err != nil || rep.Verdict != Verified {
				b.Fatalf("warm-up: %v %v\n%s", err, rep.Verdict, dump(rep))
			}
			floor := floorVerify(b, f.payload(inputs[0]), f.signer)
			b.SetBytes(int64(len(inputs[0])))
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			ours, fl := measure(b, func() {
				if _, err := v.Verify(ctx, inputs[i%distinct], Request{}); err != nil {
					b.Fatal(err)
				}
				i++
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

// BenchmarkVerifyParallel verifies distinct vc+jwt credentials of the EDC
// micro-credential sample (as BenchmarkVerify, the analysis cache never
// hitting) from 4 goroutines per core,
// as a busy service does, and reports verif/s and the CPU time (user and
// system, of the whole process) per verification: the figure the HTTP
// benchmark (server.BenchmarkVerifyOverHTTP) divides its throughput by.
// Its allocs/op and B/op are those of Verify alone.
func BenchmarkVerifyParallel(b *testing.B) {
	w := newWorld(b)
	v, err := New(w.options())
	if err != nil {
		b.Fatal(err)
	}
	f := benchFormats(b, w)[0] // vc+jwt
	// Twice as many credentials as the analysis cache holds: with
	// verifications in flight, a cycle of analysisCacheSize+1 would find
	// its credential still cached.
	inputs := make([][]byte, 2*analysisCacheSize)
	for i := range inputs {
		inputs[i] = f.make(i)
	}
	ctx := context.Background()
	if rep, err := v.Verify(ctx, inputs[0], Request{}); err != nil || rep.Verdict != Verified {
		b.Fatalf("warm-up: %v %v\n%s", err, rep.Verdict, dump(rep))
	}
	var next atomic.Int64
	b.SetBytes(int64(len(inputs[0])))
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	c0, t0 := processCPU(), time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rep, err := v.Verify(ctx, inputs[int(next.Add(1))%len(inputs)], Request{})
			if err != nil || rep.Verdict != Verified {
				b.Errorf("%v %v", err, rep.Verdict)
				return
			}
		}
	})
	elapsed, cpu := time.Since(t0), processCPU()-c0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "verif/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/verif")
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
