package ldproc

import (
	"context"
	"fmt"
	"runtime"
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

// TestParallelTreeAsSerial: with Options.Parallel, a document whose arrays
// of node objects are large enough to be split between two goroutines
// gives the dataset of a serial walk and of the full algorithms, blank
// node identifiers shared across the items included (-race checks the
// two walkers).
func TestParallelTreeAsSerial(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one processor: no split")
	}
	var items []string
	for i := range 60 {
		ref := "_:scale"
		if i%7 == 0 {
			ref = fmt.Sprintf("_:own%d", i)
		}
		items = append(items, fmt.Sprintf(`{"type": "Unit", "title": {"en": "Course unit %d", "fr": "Unité %d"},
			"grade": {"type": "Grade", "value": "%d", "scale": {"id": %q, "type": "Scale", "name": "0 to 20"}},
			"credit": {"type": "Credit", "points": 5, "parts": [{"name": "lecture"}, {"name": "exam", "weight": 0.%d}]},
			"same": {"id": "http://ex/concept", "type": "Concept", "name": "repeated"},
			"notes": %q}`, i, i, i%20, ref, i%10, strings.Repeat("x", 200)))
	}
	doc := `{"@context": {"@vocab": "http://ex/", "id": "@id", "type": "@type", "title": {"@container": "@language"}},
		"id": "http://ex/transcript", "unit": [` + strings.Join(items, ",") + `],
		"other": [{"id": "_:scale", "name": "shared scale"}]}`
	tr, err := jsontree.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p := New(nil)
	units := tr.Get(tr.Root(), "unit")
	probe := &treeWalker{t: tr, w: &rdfWriter{opts: &Options{Parallel: true}}}
	if !probe.splittable(tr.Items(units)) {
		t.Fatal("the units would not be split")
	}
	walk := func(parallel bool) string {
		o := Options{Safe: true, Parallel: parallel, ctx: context.Background()}
		qs, err := p.fastTreeToRDF(nil, tr, tr.Root(), &o)
		if err != nil {
			t.Fatal(err)
		}
		c, err := canonical(qs)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	serial := walk(false)
	expanded, err := p.Expand(context.Background(), tr.Any(tr.Root()), Options{Safe: true})
	if err != nil {
		t.Fatal(err)
	}
	full, err := canonical(toRDF(nil, expanded, &Options{Safe: true}))
	if err != nil {
		t.Fatal(err)
	}
	if serial != full {
		t.Fatalf("serial walk\n%s\nfull algorithms\n%s", serial, full)
	}
	if !strings.Contains(full, `"shared scale"`) || strings.Count(full, "<http://ex/scale>") != 60 {
		t.Fatalf("the document is not what the test means:\n%s", full)
	}
	for range 20 {
		if got := walk(true); got != serial {
			t.Fatalf("parallel walk\n%s\nserial walk\n%s", got, serial)
		}
	}
}
