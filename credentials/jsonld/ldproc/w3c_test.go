package ldproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"

	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

const suiteBase = "https://w3c.github.io/json-ld-api/tests/"

// fileSource serves the suite's files by their URLs under suiteBase.
type fileSource struct{ dir string }

func (f fileSource) path(url string) (string, error) {
	rel, ok := strings.CutPrefix(url, suiteBase)
	if !ok {
		return "", fmt.Errorf("%s: %w", url, fs.ErrNotExist)
	}
	return filepath.Join(f.dir, filepath.FromSlash(rel)), nil
}

func (f fileSource) Context(_ context.Context, url string) ([]byte, string, error) {
	p, err := f.path(url)
	if err != nil {
		return nil, "", err
	}
	b, err := os.ReadFile(p)
	return b, "file", err
}

func (f fileSource) LoadDocument(url string) (*ld.RemoteDocument, error) {
	b, _, err := f.Context(context.Background(), url)
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: url, Document: doc}, nil
}

type suiteTest struct {
	ID     string         `json:"@id"`
	Type   []string       `json:"@type"`
	Name   string         `json:"name"`
	Input  string         `json:"input"`
	Expect string         `json:"expect"`
	Error  string         `json:"expectErrorCode"`
	Option map[string]any `json:"option"`
}

func (st suiteTest) is(t string) bool { return slices.Contains(st.Type, t) }

// negative judges err for a negative test (done true): the error must have
// the code the test expects.
func (st suiteTest) negative(err error) (bool, error) {
	if !st.is("jld:NegativeEvaluationTest") {
		return false, nil
	}
	if err == nil {
		return true, fmt.Errorf("no error, want %q", st.Error)
	}
	if c := errCode(err); c != st.Error {
		return true, fmt.Errorf("error %q (%v), want %q", c, err, st.Error)
	}
	return true, nil
}

func readManifest(t *testing.T, dir, name string) []suiteTest {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Sequence []suiteTest }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Sequence
}

func readJSONFile(t *testing.T, path string) any {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// parseFile decodes a file with jsontree.Parse; false when jsonx.Check
// refuses it (a test of duplicate names, say).
func parseFile(t *testing.T, path string) (*jsontree.Tree, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if jsonx.Check(b, jsonx.Limits{}) != nil {
		return nil, false
	}
	tr, err := jsontree.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return tr, true
}

// optionsOf returns the test's options for both engines, or a reason to
// skip the test.
func optionsOf(t *testing.T, dir string, st suiteTest) (Options, *ld.JsonLdOptions, string) {
	src := fileSource{dir}
	o := Options{Base: suiteBase + st.Input}
	g := ld.NewJsonLdOptions(o.Base)
	g.DocumentLoader = src
	g.ProcessingMode = ld.JsonLd_1_1
	for k, v := range st.Option {
		switch k {
		case "specVersion":
			if v == "json-ld-1.0" {
				return o, g, "a JSON-LD 1.0 test"
			}
		case "base":
			o.Base, g.Base = v.(string), v.(string)
		case "processingMode":
			o.ProcessingMode, g.ProcessingMode = v.(string), v.(string)
		case "expandContext":
			ec := readJSONFile(t, filepath.Join(dir, v.(string)))
			o.ExpandContext, g.ExpandContext = ec, ec
		case "produceGeneralizedRdf":
			o.GeneralizedRDF, g.ProduceGeneralizedRdf = v.(bool), v.(bool)
		case "rdfDirection":
			o.RDFDirection = v.(string)
		case "useJCS", "normative":
		default:
			return o, g, "option " + k
		}
	}
	return o, g, ""
}

// jsonEqual compares expanded JSON-LD: arrays as multisets, but in order
// under @list.
func jsonEqual(a, b any, ordered bool) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w, k == "@list") {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		if ordered {
			for i := range x {
				if !jsonEqual(x[i], y[i], false) {
					return false
				}
			}
			return true
		}
		used := make([]bool, len(y))
	next:
		for _, v := range x {
			for j, w := range y {
				if !used[j] && jsonEqual(v, w, false) {
					used[j] = true
					continue next
				}
			}
			return false
		}
		return true
	}
	return a == b
}

func errCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var g *ld.JsonLdError
	if errors.As(err, &g) {
		return string(g.Code)
	}
	return "?"
}

// outcome runs f, turning a panic into an error.
func outcome(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// suiteResult is one test's result with both engines.
type suiteResult struct{ ours, gold error }

// runSuite runs the tests of one manifest with both engines, one subtest
// per test file: a test json-gold passes must pass with ldproc; a test
// neither passes is skipped, with the reason, and counted.
func runSuite(t *testing.T, manifest string, check func(t *testing.T, dir string, st suiteTest, o Options, g *ld.JsonLdOptions) suiteResult) {
	dir := reftest.Path(t, "vectors", "json-ld-api")
	var oursPass, goldPass, both, skipped int
	var notPassed []string
	for _, st := range readManifest(t, dir, manifest) {
		name := strings.TrimPrefix(st.ID, "#") + "-" + filepath.Base(st.Input)
		t.Run(name, func(t *testing.T) {
			o, g, skip := optionsOf(t, dir, st)
			if skip != "" {
				skipped++
				t.Skip(skip)
			}
			r := check(t, dir, st, o, g)
			if r.ours == nil {
				oursPass++
			}
			if r.gold == nil {
				goldPass++
			}
			switch {
			case r.ours == nil && r.gold == nil:
				both++
			case r.ours != nil && r.gold == nil:
				t.Errorf("%s: json-gold passes, ldproc does not: %v", st.Name, r.ours)
			case r.ours != nil:
				notPassed = append(notPassed, fmt.Sprintf("%s (%s): %v", st.ID, st.Name, r.ours))
				t.Skipf("%s: neither engine passes: ldproc: %v; json-gold: %v", st.Name, r.ours, r.gold)
			}
		})
	}
	t.Logf("%s: ldproc passes %d, json-gold %d, both %d; %d not for JSON-LD 1.1", manifest, oursPass, goldPass, both, skipped)
	for _, n := range notPassed {
		t.Logf("not passed: %s", n)
	}
}

func TestW3CExpand(t *testing.T) {
	runSuite(t, "expand-manifest.jsonld", func(t *testing.T, dir string, st suiteTest, o Options, g *ld.JsonLdOptions) suiteResult {
		input := readJSONFile(t, filepath.Join(dir, st.Input))
		var want any
		if st.Expect != "" {
			want = readJSONFile(t, filepath.Join(dir, st.Expect))
		}
		judge := func(got []any, err error) error {
			if done, res := st.negative(err); done {
				return res
			}
			if err != nil {
				return err
			}
			if !jsonEqual(any(got), want, false) {
				gb, _ := json.Marshal(got)
				wb, _ := json.Marshal(want)
				return fmt.Errorf("got %s\nwant %s", gb, wb)
			}
			return nil
		}
		var r suiteResult
		r.ours = outcome(func() error {
			got, err := New(fileSource{dir}).Expand(context.Background(), input, o)
			return judge(got, err)
		})
		r.gold = outcome(func() error {
			got, err := ld.NewJsonLdProcessor().Expand(readJSONFile(t, filepath.Join(dir, st.Input)), g)
			return judge(got, err)
		})
		return r
	})
}

// goldQuads converts a json-gold dataset.
func goldQuads(ds *ld.RDFDataset) []rdfc.Quad {
	conv := func(n ld.Node) rdfc.Term {
		switch v := n.(type) {
		case ld.IRI:
			return rdfc.NewIRI(v.Value)
		case ld.BlankNode:
			return rdfc.NewBlank(strings.TrimPrefix(v.Attribute, "_:"))
		case ld.Literal:
			return rdfc.NewLiteral(v.Value, v.Datatype, v.Language)
		}
		return rdfc.Term{}
	}
	var out []rdfc.Quad
	for name, triples := range ds.Graphs {
		var g rdfc.Term
		switch {
		case name == "@default":
		case strings.HasPrefix(name, "_:"):
			g = rdfc.NewBlank(name[2:])
		default:
			g = rdfc.NewIRI(name)
		}
		for _, q := range triples {
			out = append(out, rdfc.Quad{conv(q.Subject), conv(q.Predicate), conv(q.Object), g})
		}
	}
	return out
}

func canonical(qs []rdfc.Quad) (string, error) {
	r, err := rdfc.Canonicalize(context.Background(), qs, rdfc.Options{})
	if err != nil {
		return "", err
	}
	return string(r.NQuads), nil
}

func TestW3CToRDF(t *testing.T) {
	runSuite(t, "toRdf-manifest.jsonld", func(t *testing.T, dir string, st suiteTest, o Options, g *ld.JsonLdOptions) suiteResult {
		input := readJSONFile(t, filepath.Join(dir, st.Input))
		var want string
		if st.Expect != "" {
			b, err := os.ReadFile(filepath.Join(dir, st.Expect))
			if err != nil {
				t.Fatal(err)
			}
			qs, err := rdfc.ParseGeneralizedNQuads(b)
			if err != nil {
				t.Fatalf("expected output: %v", err)
			}
			if want, err = canonical(qs); err != nil {
				t.Fatal(err)
			}
		}
		judge := func(got []rdfc.Quad, err error) error {
			if done, res := st.negative(err); done {
				return res
			}
			if err != nil {
				return err
			}
			if st.is("jld:PositiveSyntaxTest") {
				return nil
			}
			c, err := canonical(got)
			if err != nil {
				return err
			}
			if c != want {
				return fmt.Errorf("got\n%s\nwant\n%s", c, want)
			}
			return nil
		}
		var r suiteResult
		r.ours = outcome(func() error {
			got, err := New(fileSource{dir}).ToRDF(context.Background(), input, o)
			if err := judge(got, err); err != nil {
				return err
			}
			// The same document decoded by jsontree.Parse.
			tr, ok := parseFile(t, filepath.Join(dir, st.Input))
			if !ok {
				return nil
			}
			got, err = New(fileSource{dir}).AppendRDFTree(context.Background(), nil, tr, tr.Root(), o)
			if err := judge(got, err); err != nil {
				return fmt.Errorf("from a jsontree.Tree: %w", err)
			}
			return nil
		})
		r.gold = outcome(func() error {
			if o.RDFDirection != "" {
				return errors.New("json-gold has no rdfDirection option")
			}
			ds, err := ld.NewJsonLdProcessor().ToRDF(readJSONFile(t, filepath.Join(dir, st.Input)), g)
			if err != nil {
				return judge(nil, err)
			}
			return judge(goldQuads(ds.(*ld.RDFDataset)), nil)
		})
		return r
	})
}

// TestFastPathAgreesWithFullAlgorithms: for every input of the toRdf and
// expand suites, the fast path either steps aside or gives the dataset the
// full algorithms give.
func TestFastPathAgreesWithFullAlgorithms(t *testing.T) {
	dir := reftest.Path(t, "vectors", "json-ld-api")
	fast := 0
	for _, manifest := range []string{"toRdf-manifest.jsonld", "expand-manifest.jsonld"} {
		for _, st := range readManifest(t, dir, manifest) {
			o, _, skip := optionsOf(t, dir, st)
			if skip != "" {
				continue
			}
			input := readJSONFile(t, filepath.Join(dir, st.Input))
			p := New(fileSource{dir})
			o.ctx = context.Background()
			got, err := p.fastToRDF(nil, input, &o)
			if err != nil {
				continue
			}
			fast++
			expanded, err := p.Expand(context.Background(), input, o)
			if err != nil {
				t.Errorf("%s %s: the fast path accepts what expansion refuses: %v", manifest, st.ID, err)
				continue
			}
			a, err1 := canonical(got)
			b, err2 := canonical(toRDF(nil, expanded, &o))
			if err1 != nil || err2 != nil || a != b {
				t.Errorf("%s %s: fast path\n%s\nfull algorithms\n%s", manifest, st.ID, a, b)
			}
		}
	}
	if fast < 300 {
		t.Errorf("the fast path ran on only %d inputs", fast)
	}
	t.Logf("the fast path ran on %d inputs", fast)
}

// TestTreeFastPathAgreesWithMapFastPath: for every input of the toRdf and
// expand suites, the fast path over a jsontree.Tree takes exactly the
// inputs the fast path over generic values takes, and gives the same
// dataset, in key order or not.
func TestTreeFastPathAgreesWithMapFastPath(t *testing.T) {
	dir := reftest.Path(t, "vectors", "json-ld-api")
	fast := 0
	for _, manifest := range []string{"toRdf-manifest.jsonld", "expand-manifest.jsonld"} {
		for _, st := range readManifest(t, dir, manifest) {
			o, _, skip := optionsOf(t, dir, st)
			if skip != "" {
				continue
			}
			tr, ok := parseFile(t, filepath.Join(dir, st.Input))
			if !ok {
				continue
			}
			for _, ordered := range []bool{false, true} {
				o.Ordered = ordered
				p := New(fileSource{dir})
				o.ctx = context.Background()
				want, errMap := p.fastToRDF(nil, readJSONFile(t, filepath.Join(dir, st.Input)), &o)
				got, errTree := p.fastTreeToRDF(nil, tr, tr.Root(), &o)
				if (errMap == nil) != (errTree == nil) {
					t.Errorf("%s %s: fast path over values: %v; over a tree: %v", manifest, st.ID, errMap, errTree)
					continue
				}
				if errTree != nil {
					continue
				}
				fast++
				a, err1 := canonical(got)
				b, err2 := canonical(want)
				if err1 != nil || err2 != nil || a != b {
					t.Errorf("%s %s: over a tree\n%s\nover values\n%s", manifest, st.ID, a, b)
				}
			}
		}
	}
	if fast < 600 {
		t.Errorf("the fast path over a tree ran on only %d inputs", fast)
	}
}
