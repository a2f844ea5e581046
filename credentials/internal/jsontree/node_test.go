package jsontree

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

var parseInputs = []string{
	`{"a":"x\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t","b":[1,-2.5e+3,true,false,null,{}],"c":[],"":{"d":{"e":[[]]}}}`,
	`"\ud800 lone"`, `"\udc00\ud800"`, `"\ud800\u0041"`, ` [ 1 , 2 ] `, `0`, `{}`, `[]`, `null`,
	`["0123456789012345678901234567890\n", "01234567890123456789012345678901\n", "012345678901234567890123456789012\"x"]`,
	`{"012345678901234567890123456789012345678901234567890123456789\u00e9x": "` + strings.Repeat("y", 100) + `\\"}`,
}

// TestParseSameAsEncodingJSON: a parsed tree, read back with Any, is what
// encoding/json (with UseNumber) decodes, and objects keep their members
// in input order.
func TestParseSameAsEncodingJSON(t *testing.T) {
	ins := parseInputs
	if dir, ok := reftest.Available(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "elm", "Sample-CertOfPart-unsigned.jsonld")); err == nil {
			ins = append(ins, string(b))
		}
	}
	for _, in := range ins {
		tr, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%.40s: %v", in, err)
		}
		if got, want := tr.Any(tr.Root()), stdlib(t, []byte(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("%.40s:\n got %#v\nwant %#v", in, got, want)
		}
	}
	tr, err := Parse([]byte(`{"z":1,"a":{"y":2,"b":3},"m":[{"k":0}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	root := tr.Items(tr.Root())
	for i := range root {
		names = append(names, tr.Name(&root[i]))
	}
	a := tr.Items(&root[1])
	names = append(names, tr.Name(&a[0]), tr.Name(&a[1]))
	if got := strings.Join(names, ","); got != "z,a,m,y,b" {
		t.Errorf("member order %s, want z,a,m,y,b", got)
	}
	if g := tr.Get(tr.Root(), "m"); g == nil || g.Kind() != Array || tr.Text(tr.Get(&tr.Items(g)[0], "k")) != "0" {
		t.Errorf("Get(m) = %#v", g)
	}
	if src, ok := tr.Source(&tr.Items(tr.Get(tr.Root(), "m"))[0]); !ok || src != `{"k":0}` {
		t.Errorf("Source of m[0] = %q, %v", src, ok)
	}
	if src, ok := tr.Source(tr.Root()); !ok || src != `{"z":1,"a":{"y":2,"b":3},"m":[{"k":0}]}` {
		t.Errorf("Source of the root = %q, %v", src, ok)
	}
	if n := tr.NewObject(tr.Items(tr.Root())); func() bool { _, ok := tr.Source(&n); return ok }() {
		t.Error("an object made by NewObject has a source")
	}
	if tr.Get(tr.Root(), "k") != nil {
		t.Error("Get found a member of a nested object")
	}
}

// TestParseCountsInlineContexts: every @context member whose value is not
// URLs (strings, nulls, or an array of those) counts, at any depth.
func TestParseCountsInlineContexts(t *testing.T) {
	for in, want := range map[string]int{
		`{"@context":"https://a"}`:                                      0,
		`{"@context":["https://a",null],"x":{"@context":null}}`:         0,
		`{"@context":{"a":"b"}}`:                                        1,
		`{"@context":["https://a",{"a":"b"}]}`:                          1,
		`{"x":[{"@context":[["https://a"]]}],"y":{"@context":1}}`:       2,
		`{"x":{"@context":true},"@context":"https://a","z":"@context"}`: 1,
		`{"x":{"\u0040context":{}}}`:                                    1,
	} {
		tr, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if tr.InlineContexts != want {
			t.Errorf("%s: %d inline contexts, want %d", in, tr.InlineContexts, want)
		}
	}
}

// TestFromAnyRoundTrips: FromAny of a decoded value reads back as the same
// value; float64 numbers become their shortest text.
func TestFromAnyRoundTrips(t *testing.T) {
	for _, in := range parseInputs {
		v := stdlib(t, []byte(in))
		tr := &Tree{}
		n, err := tr.FromAny(v)
		if err != nil {
			t.Fatalf("%.40s: %v", in, err)
		}
		if got := tr.Any(&n); !reflect.DeepEqual(got, v) {
			t.Errorf("%.40s:\n got %#v\nwant %#v", in, got, v)
		}
	}
	tr := &Tree{}
	n, err := tr.FromAny(map[string]any{"f": 0.1, "g": 1e21})
	if err != nil || tr.Text(tr.Get(&n, "f")) != "0.1" || tr.Text(tr.Get(&n, "g")) != "1e+21" {
		t.Errorf("floats: %#v", n)
	}
	if _, err := tr.FromAny(map[string]any{"i": 1}); err != ErrNotJSON {
		t.Errorf("an int: %v, want ErrNotJSON", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, in := range parseInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if jsonx.Check(data, jsonx.Limits{}) != nil {
			Parse(data) // must not panic
			return
		}
		tr, err := Parse(data)
		if err != nil {
			t.Fatalf("checked JSON refused: %v", err)
		}
		if got, want := tr.Any(tr.Root()), stdlib(t, data); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Parse(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeObject", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, _, err := DecodeObject(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzParseChecked: ParseChecked accepts what jsonx.Check accepts, with
// Check's error for the rest, and gives for it the tree Parse gives.
func FuzzParseChecked(f *testing.F) {
	for _, in := range parseInputs {
		f.Add([]byte(in))
	}
	for _, in := range checkedInputs {
		f.Add([]byte(in))
	}
	if dir, ok := reftest.Available(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "elm", "Sample-CertOfPart-unsigned.jsonld")); err == nil {
			f.Add(b)
		}
	}
	lim := jsonx.Limits{MaxDepth: 8, MaxBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		cerr := jsonx.Check(data, lim)
		tr, err := ParseChecked(data, lim)
		if cerr != nil {
			if err == nil {
				t.Fatalf("accepted what Check refuses (%v)", cerr)
			}
			if err.Error() != cerr.Error() {
				t.Fatalf("error %q, Check's %q", err, cerr)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused what Check accepts: %v", err)
		}
		want, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tr.Any(tr.Root()), want.Any(want.Root()); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	})
}

// checkedInputs are inputs on the edges of what jsonx.Check accepts.
var checkedInputs = []string{
	`01`, `-0`, `-`, `1.`, `.5`, `1e`, `1e+`, `1E-2`, `0.0e0`, `+1`, `1.5e308`, `-01`, `2.`,
	`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"b":1,"b":1}}`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":3}`,
	"\"a\x01b\"", "\"\x1f\"", "\"\xff\"", "\"\xc3\xa9\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xc0\xaf\"",
	`"\ud800"`, `"\udc00"`, `"\ud83d\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\u00e9\u0000"`, `"\x"`, `"\u12"`,
	"\"ab\\n\x01\"", "\"\\u00e9\xff\"",
	`[[[[[[[[1]]]]]]]]`, `[[[[[[[[[1]]]]]]]]]`, `{"a":[[[[[[{}]]]]]]}`, `{"a":[[[[[[[{}]]]]]]]}`,
	`{} x`, `[1] `, ` true`, `truex`, `nul`, `[1,]`, `{"a":1,}`, `{,}`, `[`, ``, ` `,
	`"0123456789012345678901234567890123456789` + "\x02" + `"`,
	`"01234567890123456789012345678901234567` + "\xe9" + `"`,
	"\"a\x01\\n\"", "\"\xff\\n\"", "\"\xc3\\n\xa9\"",
}
