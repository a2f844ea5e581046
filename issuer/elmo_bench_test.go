package issuer

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/templates"
)

// BenchmarkELMOImportAndIssue1000 imports 1,000 ELMO transcripts (the
// official example, one learner each: 18 KB, three programmes and courses
// with their diploma supplement, grades and distributions) and issues them
// with profile w3c (vc+jwt, Ed25519) through Issuer.Batch into a Memory
// output, on a fresh store each round, on every core. It reports
// transcripts/s for the whole (import + issue), and the two halves apart:
// imports/s (credentials/elmo.Import on every core) and issues/s (Batch of
// the imported records).
func BenchmarkELMOImportAndIssue1000(b *testing.B) {
	const n = 1000
	base := officialELMO(b)
	docs := make([][]byte, n)
	for i := range docs {
		docs[i] = bytes.Replace(base, []byte("<familyName>Rygielski</familyName>"), []byte(fmt.Sprintf("<familyName>Rygielski-%04d</familyName>", i)), 1)
	}
	var total, imports, issues time.Duration
	for k := 0; k < b.N; k++ {
		b.StopTimer()
		s := newTestStore(b, b.TempDir())
		iss := newTestIssuer(b, s)
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		recs := importAll(b, docs)
		mid := time.Now()
		res, err := iss.Batch(context.Background(), ELMO, recs, Profile{Name: W3C, Key: "registrar"}, BatchOptions{Output: &Memory{}})
		end := time.Now()
		if err != nil || res.Issued != n {
			b.Fatalf("issued %v: %v", res, err)
		}
		total, imports, issues = total+end.Sub(start), imports+mid.Sub(start), issues+end.Sub(mid)
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "transcripts/s")
	b.ReportMetric(float64(n*b.N)/imports.Seconds(), "imports/s")
	b.ReportMetric(float64(n*b.N)/issues.Seconds(), "issues/s")
	b.ReportMetric(0, "ns/op")
}

// importAll imports docs on every core, one record each.
func importAll(b *testing.B, docs [][]byte) []templates.Record {
	recs := make([]templates.Record, len(docs))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(docs); i += workers {
				r, _, err := ELMORecords(context.Background(), docs[i], nil)
				if err != nil || len(r) != 1 {
					b.Error(err)
					return
				}
				r[0]["@item"] = i + 1
				recs[i] = r[0]
			}
		}()
	}
	wg.Wait()
	return recs
}
