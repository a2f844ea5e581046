package rdfc

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzParseNQuads: the parser never panics, and what it accepts serialises
// to N-Quads it parses back to the same quads; canonicalising it stays
// within bounds.
func FuzzParseNQuads(f *testing.F) {
	f.Add([]byte("<urn:s> <urn:p> \"x\\u00e9\"@en _:g .\n"))
	f.Add([]byte("_:a <urn:p> _:b .\n_:b <urn:p> _:a .\n"))
	if dir, ok := reftest.Available(); ok {
		for _, n := range []string{"test060-in.nq", "test044-in.nq", "test020-in.nq"} {
			if b, err := os.ReadFile(filepath.Join(dir, "vectors", "rdf-canon", "rdfc10", n)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		qs, err := ParseNQuads(data)
		if err != nil {
			return
		}
		out := Serialize(qs)
		again, err := ParseNQuads(out)
		if err != nil {
			t.Fatalf("serialised form does not parse: %v\n%s", err, out)
		}
		if !bytes.Equal(Serialize(again), out) {
			t.Fatalf("round trip changed the quads")
		}
		if len(qs) < 200 {
			Canonicalize(context.Background(), qs, Options{MinWork: 5000, Timeout: 100 * time.Millisecond})
		}
	})
}
