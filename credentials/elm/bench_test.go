package elm

import (
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkParseAndCheck parses Sample-MC-Annex1-unsigned.jsonld (about
// 110 KB) and checks it against the generic profile, and reports its cost
// as a multiple of the floor: encoding/json decoding the same bytes into
// any, measured in the same run.
func BenchmarkParseAndCheck(b *testing.B) {
	data := readSample(b, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	// The floor is timed by hand over the same number of rounds:
	// testing.Benchmark cannot be nested in a running benchmark.
	floorNs := func(rounds int) float64 {
		start := time.Now()
		for range rounds {
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
		return float64(time.Since(start).Nanoseconds()) / float64(rounds)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		c, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		vs, err := Check(c, Generic, &Options{BeforeSealing: true})
		if err != nil || len(vs) != 0 {
			b.Fatalf("Check = %v, %v", vs, err)
		}
		n++
	}
	ours := float64(time.Since(start).Nanoseconds()) / float64(n)
	b.StopTimer()
	b.ReportMetric(ours/floorNs(max(n, 5)), "x-floor")
}

// BenchmarkParse is Parse alone (jsonx checks, decoding, the typed model).
func BenchmarkParse(b *testing.B) {
	data := readSample(b, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
