package ldproc

import (
	"context"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
)

// TestTreeWalkerSkipsRepeatedNodes: a node object met again with the same
// bytes, context and property is not walked again (its triples would only
// be duplicates), and the dataset is still the full algorithms': objects
// with blank nodes inside, blank node identifiers, and the same bytes and
// property under another (property-scoped) context are walked each time.
func TestTreeWalkerSkipsRepeatedNodes(t *testing.T) {
	doc := `{
	"@context": {"@vocab": "http://ex/", "id": "@id", "type": "@type",
		"scoped": {"@id": "http://ex/scoped", "@context": {"name": "http://other/name"}}},
	"id": "http://ex/root",
	"a": [{"id": "http://ex/c", "type": "C", "name": "x"}, {"id": "http://ex/c", "type": "C", "name": "x"}, {"id": "http://ex/c", "type": "C", "name": "x"}],
	"scoped": {"id": "http://ex/s", "a": {"id": "http://ex/c", "type": "C", "name": "x"}},
	"b": [{"id": "http://ex/d", "child": {"name": "blank"}}, {"id": "http://ex/d", "child": {"name": "blank"}}],
	"e": [{"id": "_:x", "name": "y"}, {"id": "_:x", "name": "y"}],
	"f": [{"type": "C", "name": "x"}, {"type": "C", "name": "x"}]
}`
	tr, err := jsontree.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p := New(nil)
	o := Options{Safe: true, ctx: context.Background()}
	got, err := p.fastTreeToRDF(nil, tr, tr.Root(), &o)
	if err != nil {
		t.Fatal(err)
	}
	expanded, err := p.Expand(context.Background(), tr.Any(tr.Root()), o)
	if err != nil {
		t.Fatal(err)
	}
	full := toRDF(nil, expanded, &o)
	a, err1 := canonical(got)
	b, err2 := canonical(full)
	if err1 != nil || err2 != nil || a != b {
		t.Fatalf("over a tree\n%s\nfull algorithms\n%s", a, b)
	}
	for _, want := range []string{"<http://other/name> \"x\"", "<http://ex/name> \"x\"", "<http://ex/child> _:c14n"} {
		if !strings.Contains(a, want) {
			t.Errorf("no %s in\n%s", want, a)
		}
	}
	if strings.Count(a, "<http://ex/child>") != 2 {
		t.Errorf("the two blank children are not both there:\n%s", a)
	}
	// The second and third http://ex/c objects under "a" are skipped: two
	// triples each (type and name); nothing else is.
	if len(full)-len(got) != 4 {
		t.Errorf("%d quads over the tree, %d by the full algorithms: repeated objects walked again", len(got), len(full))
	}
}
