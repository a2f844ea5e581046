package dataintegrity

import (
	"context"
	"sync"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// TestCanonicalizerSharedAcrossGoroutines: one LDProc, whose processed
// contexts (VC 2.0's type-scoped ones, citizenship, edc-ap) are built and
// remembered while goroutines use them, gives every goroutine the same
// N-Quads as a fresh one (run with -race).
func TestCanonicalizerSharedAcrossGoroutines(t *testing.T) {
	var docs []map[string]any
	for _, p := range [][]string{
		{"vectors", "di-ecdsa", "TestVectors", "employmentAuth.json"},
		{"vectors", "di-eddsa", "TestVectors", "unsigned.json"},
		{"elm", "Sample-CertOfPart-unsigned.jsonld"},
	} {
		d := readJSONBytes(t, reftest.Read(t, p...))
		if !hasContext(asList(d["@context"]), credentialsV2) {
			d["@context"] = append(asList(d["@context"]), ContextV2)
		}
		docs = append(docs, d)
	}
	want := make([][]byte, len(docs))
	for i, d := range docs {
		b, err := NewLDProc(referenceLoader(t), rdfcDefaults).Canonicalize(context.Background(), d, sha256Hash)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = b
	}
	shared := NewLDProc(referenceLoader(t), rdfcDefaults)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 6 {
				i := (g + k) % len(docs)
				got, err := shared.Canonicalize(context.Background(), docs[i], sha256Hash)
				if err != nil || string(got) != string(want[i]) {
					t.Errorf("goroutine %d, document %d: %v", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
