package rdfc

import (
	"bytes"
	"context"
	"crypto"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// TestRDFC10TestSuite runs every test of the W3C rdf-canon suite, one
// subtest per test file: canonical N-Quads byte for byte, the issued
// identifier map where the suite gives one, and the poison graph refused.
func TestRDFC10TestSuite(t *testing.T) {
	dir := reftest.Path(t, "vectors", "rdf-canon")
	f, err := os.Open(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	passed, maxWork := 0, 0.0
	for _, row := range rows[1:] {
		id, name, hashAlg, kind, hasMap := row[0], row[1], row[5], row[6], row[7]
		t.Run(id+"-in.nq", func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "rdfc10", id+"-in.nq"))
			if err != nil {
				t.Fatal(err)
			}
			quads, err := ParseNQuads(in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			opts := Options{Quads: true}
			if hashAlg == "SHA384" {
				opts.Hash = crypto.SHA384
			}
			start := time.Now()
			res, err := Canonicalize(context.Background(), quads, opts)
			if kind == "RDFC10NegativeEvalTest" {
				if !errors.Is(err, ErrTooComplex) {
					t.Fatalf("%s: got %v, want an error wrapping ErrTooComplex", name, err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("refused after %v", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, err := os.ReadFile(filepath.Join(dir, "rdfc10", id+"-rdfc10.nq"))
			if err != nil {
				t.Fatal(err)
			}
			if string(res.NQuads) != string(want) {
				t.Errorf("%s:\n got %q\nwant %q", name, res.NQuads, want)
			}
			if string(Serialize(res.Quads)) != string(want) {
				t.Errorf("%s: Result.Quads do not serialise to Result.NQuads", name)
			}
			if hasMap == "TRUE" {
				var m map[string]string
				b, err := os.ReadFile(filepath.Join(dir, "rdfc10", id+"-rdfc10map.json"))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(m, res.Labels) {
					t.Errorf("%s: labels %v, want %v", name, res.Labels, m)
				}
			}
			passed++
			// The share of its budget a dataset of the suite needs.
			w := float64(workOf(t, quads)) / float64(max(DefaultMinWork, DefaultWorkPerQuad*len(quads)))
			maxWork = max(maxWork, w)
		})
	}
	if passed != len(rows)-2 {
		t.Errorf("%d positive tests passed of %d", passed, len(rows)-2)
	}
	t.Logf("the hardest positive test used %.1f%% of its budget", 100*maxWork)
}

// workOf returns the work units canonicalising quads takes.
func workOf(t *testing.T, quads []Quad) int64 {
	c := &canon{ctx: context.Background(), newHash: crypto.SHA256.New, budget: 1 << 62, deadline: time.Now().Add(time.Hour)}
	c.dedupe(quads)
	if err := c.run(); err != nil {
		t.Fatal(err)
	}
	return c.work.Load()
}

func TestEscapeLiteral(t *testing.T) {
	q := Quad{NewIRI("urn:s"), NewIRI("urn:p"), NewLiteral("a\"b\\c\n\r\t\b\f\x00\x1f\x7f\u0080é", "", "")}
	got := q.String()
	want := "<urn:s> <urn:p> \"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u001F\\u007F\u0080é\" .\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseNQuadsErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<urn:s> <urn:p> <urn:o> .\n<urn:s> <urn:p> .\n", "line 2"},
		{"<s> <urn:p> <urn:o> .", "not absolute"},
		{"<urn:s> <urn:p> \"x\n\" .", "newline in a literal"},
		{"<urn:s> <urn:p> \"x\\q\" .", "invalid escape"},
		{"<urn:s> <urn:p> <urn:o> <urn:g> <urn:h> .", "expected '.'"},
		{"_:a <urn:p> \"x\"@ .", "language tag"},
		{"<urn:s> _:p <urn:o> .", "predicate expected"},
		{"<urn:s> <urn:p> <urn:o> . <urn:x>", "after the statement"},
		{"<urn:s\\u0020> <urn:p> <urn:o> .", "not allowed in an IRI"},
	} {
		_, err := ParseNQuads([]byte(tc.in))
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want ErrSyntax with %q", tc.in, err, tc.want)
		}
	}
}

func TestParseNQuadsForms(t *testing.T) {
	in := "# comment\r\n<urn:s> <urn:p> \"a\\u00E9\\U0001F600\\t\"^^<urn:dt> _:g1 . # trailing\n_:b.x <urn:p> \"x\"@en-GB .\n\n"
	qs, err := ParseNQuads([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Quad{
		{NewIRI("urn:s"), NewIRI("urn:p"), NewLiteral("aé😀\t", "urn:dt", ""), NewBlank("g1")},
		{NewBlank("b.x"), NewIRI("urn:p"), NewLiteral("x", "", "en-GB"), {}},
	}
	if len(qs) != 2 || qs[0] != want[0] || qs[1] != want[1] {
		t.Errorf("got %#v", qs)
	}
}

// TestParallelAsInSeries: a dataset large enough for two goroutines (par)
// to hash first degrees, hash the groups of nodes that share one, and
// write lines gives, with one processor or two, the same canonical form,
// quads and digest (run with -race, the goroutines are checked too).
func TestParallelAsInSeries(t *testing.T) {
	quads := transcriptLike(300)
	run := func(procs int, o Options) *Result {
		prev := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(prev)
		r, err := Canonicalize(context.Background(), quads, o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	one, two := run(1, Options{Quads: true}), run(2, Options{Quads: true})
	if !bytes.Equal(one.NQuads, two.NQuads) {
		t.Error("canonical forms differ with one and two processors")
	}
	if n := strings.Count(string(one.NQuads), "\n"); n < parallelLines || len(one.Labels) < parallelFirstDegree {
		t.Fatalf("%d lines and %d blank nodes: too few for two goroutines", n, len(one.Labels))
	}
	if !slices.Equal(one.Quads, two.Quads) || len(one.Quads) != strings.Count(string(one.NQuads), "\n") {
		t.Fatal("quads differ, or do not match the lines")
	}
	d1, d2 := run(1, Options{Digest: crypto.SHA256}), run(2, Options{Digest: crypto.SHA256})
	sum := crypto.SHA256.New()
	sum.Write(one.NQuads)
	if want := sum.Sum(nil); !bytes.Equal(d1.Digest, want) || !bytes.Equal(d2.Digest, want) {
		t.Error("digests differ from the hash of the canonical form")
	}
}

// TestReusedMemoryAsNew: runs that reuse the memory of earlier ones
// (memPool), on datasets larger and smaller than those before, with either
// hash, for the N-Quads, the quads or a digest, and from several goroutines
// at once, give what a run with new memory gives.
func TestReusedMemoryAsNew(t *testing.T) {
	datasets := [][]Quad{transcriptLike(300), transcriptLike(3), transcriptLike(40), {}, transcriptLike(120)}
	fresh := func(qs []Quad, o Options) *Result {
		memPool = sync.Pool{} // nothing to reuse
		r, err := Canonicalize(context.Background(), qs, o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	opts := []Options{{Quads: true}, {Hash: crypto.SHA384}, {Digest: crypto.SHA256}, {Hash: crypto.SHA384, Digest: crypto.SHA384}}
	var want [][]*Result
	for _, qs := range datasets {
		var rs []*Result
		for _, o := range opts {
			rs = append(rs, fresh(qs, o))
		}
		want = append(want, rs)
	}
	check := func(t *testing.T, i, j int, got *Result) {
		w := want[i][j]
		if !bytes.Equal(got.NQuads, w.NQuads) || !bytes.Equal(got.Digest, w.Digest) || !maps.Equal(got.Labels, w.Labels) || !slices.Equal(got.Quads, w.Quads) {
			t.Errorf("dataset %d, options %+v: differs from a run with new memory", i, opts[j])
		}
	}
	for range 3 {
		for i, qs := range datasets {
			for j, o := range opts {
				r, err := Canonicalize(context.Background(), qs, o)
				if err != nil {
					t.Fatal(err)
				}
				check(t, i, j, r)
			}
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 20 {
				i, j := (g+k)%len(datasets), k%len(opts)
				r, err := Canonicalize(context.Background(), datasets[i], opts[j])
				if err != nil {
					t.Error(err)
					return
				}
				check(t, i, j, r)
			}
		})
	}
	wg.Wait()
}

// transcriptLike returns a dataset of n course units whose grades and
// scales share first-degree hashes (Hash N-Degree Quads tells them apart by
// their neighbours), and a ring of blank nodes.
func transcriptLike(n int) []Quad {
	var quads []Quad
	for i := range n {
		s := NewBlank(fmt.Sprintf("n%d", i))
		u, g, sc := NewBlank(fmt.Sprint("u", i)), NewBlank(fmt.Sprint("g", i)), NewBlank(fmt.Sprint("sc", i))
		quads = append(quads,
			Quad{s, NewIRI("http://ex/p"), NewLiteral(fmt.Sprint(i), "", ""), {}},
			Quad{s, NewIRI("http://ex/next"), NewBlank(fmt.Sprintf("n%d", (i+1)%n)), {}},
			Quad{NewIRI(fmt.Sprintf("http://ex/s%d", i%50)), NewIRI("http://ex/q"), NewLiteral(fmt.Sprint(i%70), "", ""), {}},
			Quad{NewIRI("http://ex/student"), NewIRI("http://ex/unit"), u, {}},
			Quad{u, NewIRI("http://ex/grade"), g, {}},
			Quad{u, NewIRI("http://ex/n"), NewLiteral(fmt.Sprint(i), "", ""), {}},
			Quad{g, NewIRI("http://ex/scale"), sc, {}},
			Quad{g, NewIRI("http://ex/value"), NewLiteral(fmt.Sprint(i%3), "", ""), {}},
			Quad{sc, NewIRI("http://ex/title"), NewLiteral("0 to 20", "", "en"), {}},
		)
	}
	return quads
}
