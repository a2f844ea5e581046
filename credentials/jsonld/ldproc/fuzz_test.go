package ldproc

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzToRDF: expanding and converting any JSON never panics, with inline
// contexts and in safe mode, and a document that expands also converts.
func FuzzToRDF(f *testing.F) {
	f.Add([]byte(`{"@context":{"@vocab":"urn:v:","t":{"@type":"@id","@container":"@list"}},"@id":"_:a","t":["x",{"@id":"y"}],"@type":"T"}`))
	f.Add([]byte(`{"@context":{"@version":1.1,"n":{"@id":"@nest","@context":{"@vocab":"urn:n:"}}},"n":{"p":"v"}}`))
	f.Add([]byte(`{"@context":{"@protected":true,"a":"urn:a"},"a":{"@context":{"a":"urn:b"},"a":1}}`))
	if dir, ok := reftest.Available(); ok {
		for _, n := range []string{"expand/0131-in.jsonld", "expand/c037-in.jsonld", "toRdf/e111-in.jsonld", "toRdf/js01-in.jsonld", "expand/n008-in.jsonld"} {
			if b, err := os.ReadFile(filepath.Join(dir, "vectors", "json-ld-api", n)); err == nil {
				f.Add(b)
			}
		}
	}
	p := New(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			return
		}
		for _, safe := range []bool{false, true} {
			if _, err := p.Expand(context.Background(), doc, Options{Safe: safe, Base: "https://example.org/"}); err != nil {
				continue
			}
			if _, err := p.ToRDF(context.Background(), doc, Options{Safe: safe, Base: "https://example.org/", RDFDirection: "compound-literal"}); err != nil {
				t.Fatalf("expands but does not convert: %v", err)
			}
		}
	})
}

// FuzzTreeToRDF: for any checked JSON, the dataset over a jsontree.Tree
// (fast path, with repeated objects skipped) is the full algorithms'.
func FuzzTreeToRDF(f *testing.F) {
	f.Add([]byte(`{"@context":{"@vocab":"urn:v:","id":"@id"},"a":[{"id":"urn:x","p":"1"},{"id":"urn:x","p":"1"},{"id":"urn:x","q":{"r":"2"}},{"id":"urn:x","q":{"r":"2"}}]}`))
	f.Add([]byte(`{"@context":{"@vocab":"urn:v:","s":{"@context":{"p":"urn:o:p"}}},"a":{"@id":"urn:x","p":"1"},"s":{"a":{"@id":"urn:x","p":"1"}}}`))
	f.Add([]byte(`{"@context":{"@vocab":"urn:v:"},"a":[{"@id":"_:b","p":"1"},{"@id":"_:b","p":"1"}],"@type":"T"}`))
	p := New(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		if jsonx.Check(data, jsonx.Limits{}) != nil {
			return
		}
		tr, err := jsontree.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Base: "https://example.org/", ctx: context.Background()}
		got, err := p.fastTreeToRDF(nil, tr, tr.Root(), &o)
		if err != nil {
			return
		}
		expanded, err := p.Expand(context.Background(), tr.Any(tr.Root()), o)
		if err != nil {
			t.Fatalf("the fast path over a tree accepts what expansion refuses: %v", err)
		}
		a, err1 := canonical(got)
		b, err2 := canonical(toRDF(nil, expanded, &o))
		if err1 != nil || err2 != nil || a != b {
			t.Fatalf("over a tree\n%s\nfull algorithms\n%s", a, b)
		}
	})
}
