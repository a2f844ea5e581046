package issuer

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/diplomat-edu/diplomat/templates"
	gen "github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

// BenchmarkBatchRow is one batch of b.N rows as `diplomat issue --csv …
// --profile w3c --out … --jsonl` runs it: BatchFrom reading a CSV file twice
// (validation and repeat-finding pass, then the signing pass) into a Dir in
// JSON Lines mode, on a fresh store on disk. An op is one row, so ns/op,
// B/op and allocs/op are per credential, everything included (register,
// status, manifest, the extsort pass). Run it with a fixed count, e.g.
// -benchtime 10000x. The sub-benchmarks are the proofs of issues 14 and 17.
func BenchmarkBatchRow(b *testing.B) {
	for _, proof := range []string{ProofVCJWT, ProofEdDSAJCS, ProofEdDSA} {
		b.Run(proof, func(b *testing.B) {
			p := Profile{Name: W3C, Proof: proof, Key: "registrar"}
			tm, err := templates.Builtin("diploma")
			if err != nil {
				b.Fatal(err)
			}
			dir := b.TempDir()
			csv := filepath.Join(dir, "graduates.csv")
			f, err := os.Create(csv)
			if err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriter(f)
			if err := gen.Write(w, b.N, 1); err != nil {
				b.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			f.Close()
			s := newTestStore(b, dir)
			if proof != ProofVCJWT {
				importContexts(b, s)
			}
			iss := newTestIssuer(b, s)
			src := SourceFunc(func() (templates.Reader, error) { return templates.OpenCSV(csv) })
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			res, err := iss.BatchFrom(context.Background(), tm, src, p, BatchOptions{
				Output: &Dir{Path: filepath.Join(dir, "out"), JSONL: true}, Source: "graduates.csv",
			})
			cpu := cpuTime() - cpu0
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if res.Issued != b.N {
				b.Fatalf("issued %d of %d", res.Issued, b.N)
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/row")
		})
	}
}
