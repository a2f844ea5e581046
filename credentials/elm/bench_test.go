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

// BenchmarkParseTree is ParseTree alone, on the sample decoded once: the
// typed model read from generic values, as the verifier reads it.
func BenchmarkParseTree(b *testing.B) {
	tree := sampleTree(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTree(tree); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckDeclaredTree is CheckDeclaredTree alone, on the sample
// decoded and read once: the conformance check as the verifier runs it.
func BenchmarkCheckDeclaredTree(b *testing.B) {
	tree := sampleTree(b)
	c, err := ParseTree(tree)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckDeclaredTree(c, tree, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func sampleTree(b *testing.B) map[string]any {
	data := readSample(b, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	v, err := decodeTree(data)
	if err != nil {
		b.Fatal(err)
	}
	return v.(map[string]any)
}
