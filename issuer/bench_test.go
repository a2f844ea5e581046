package issuer

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/templates"
)

// BenchmarkBatch10k issues 10,000 diplomas from gen.Graduates with profile
// w3c (vc+jwt, Ed25519), register and status included, on a fresh temporary
// store per iteration. It reports the batch rate (creds/s, target ≥ 2,000 on
// two cores) and its ratio to the raw signing rate of the same key on the
// same cores in the same run (x-raw-sign).
func BenchmarkBatch10k(b *testing.B) { benchBatch(b, 10000, Profile{Name: W3C, Key: "registrar"}, "") }

// BenchmarkBatch10kTmpfs is BenchmarkBatch10k with the credential files
// written to /dev/shm (the store stays on disk): the issuer's own rate where
// creating 10,000 files is not the bottleneck. Skipped without /dev/shm.
func BenchmarkBatch10kTmpfs(b *testing.B) {
	if st, err := os.Stat("/dev/shm"); err != nil || !st.IsDir() {
		b.Skip("no /dev/shm")
	}
	benchBatch(b, 10000, Profile{Name: W3C, Key: "registrar"}, "/dev/shm")
}

// BenchmarkBatchDataIntegrity is the same with eddsa-rdfc-2022 (JSON-LD
// canonicalisation dominates), on 500 diplomas.
func BenchmarkBatchDataIntegrity(b *testing.B) {
	benchBatch(b, 500, Profile{Name: W3C, Proof: ProofEdDSA, Key: "registrar"}, "")
}

// BenchmarkBatchEDC is the same with edc (JAdES, P-256 test eSeal), on 2,000
// diplomas.
func BenchmarkBatchEDC(b *testing.B) { benchBatch(b, 2000, Profile{Name: EDC}, "") }

func benchBatch(b *testing.B, n int, p Profile, outRoot string) {
	tm, err := templates.Builtin("diploma")
	if err != nil {
		b.Fatal(err)
	}
	recs := graduates(b, n, 1)
	var elapsed time.Duration
	var keyName string
	var signer crypto.Signer
	for k := 0; k < b.N; k++ {
		b.StopTimer()
		dir := b.TempDir()
		s := newTestStore(b, dir)
		if p.Proof == ProofEdDSA {
			importContexts(b, s)
		}
		iss := newTestIssuer(b, s)
		pl, err := iss.plan(p)
		if err != nil {
			b.Fatal(err)
		}
		keyName, signer = pl.key.Name, pl.signing.Signer
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		out := filepath.Join(dir, "out")
		if outRoot != "" {
			out, err = os.MkdirTemp(outRoot, "diplomat-bench-")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { os.RemoveAll(out) })
		}
		res, err := iss.Batch(context.Background(), tm, recs, p, BatchOptions{Out: out})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Issued != n {
			b.Fatalf("issued %d of %d", res.Issued, n)
		}
	}
	b.StopTimer()
	rate := float64(n*b.N) / elapsed.Seconds()
	raw := rawSignRate(b, signer, keyName)
	b.ReportMetric(fileCreateMicros(b, outRoot), "µs/file-create")
	b.ReportMetric(rate, "creds/s")
	b.ReportMetric(raw, "raw-signs/s")
	b.ReportMetric(rate/raw, "x-raw-sign")
	b.ReportMetric(0, "ns/op")
}

// rawSignRate is how many signatures per second the key makes on all cores,
// over SHA-256 digests (ECDSA, RSA) or 1 KiB messages (Ed25519), for about
// half a second.
func rawSignRate(b *testing.B, s crypto.Signer, name string) float64 {
	msg := make([]byte, 1024)
	rand.Read(msg)
	digest := sha256.Sum256(msg)
	var opts crypto.SignerOpts = crypto.SHA256
	in := digest[:]
	if _, ok := s.Public().(ed25519.PublicKey); ok {
		in, opts = msg, crypto.Hash(0) // Ed25519 signs the message itself
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := 0
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := 0
			for time.Since(start) < 500*time.Millisecond {
				if _, err := s.Sign(rand.Reader, in, opts); err != nil {
					b.Errorf("raw signing with %s: %v", name, err)
					return
				}
				c++
			}
			mu.Lock()
			count += c
			mu.Unlock()
		}()
	}
	wg.Wait()
	return float64(count) / time.Since(start).Seconds()
}

// fileCreateMicros is what creating one small file costs in the output
// folder's file system, on one goroutine: the floor no batch goes under,
// since it writes one file per credential.
func fileCreateMicros(b *testing.B, root string) float64 {
	dir, err := os.MkdirTemp(root, "diplomat-files-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	data := make([]byte, 2048)
	const n = 500
	start := time.Now()
	for k := 0; k < n; k++ {
		if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(k)), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return float64(time.Since(start).Microseconds()) / n
}
