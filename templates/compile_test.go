package templates

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	gen "github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

// renderBoth renders rec with t's compiled body and with text/template, and
// fails when the compiled body writes anything text/template would not. It
// reports whether the compiled body wrote the output itself.
func renderBoth(tb testing.TB, t *Template, rec Record, inst Institution) bool {
	tb.Helper()
	vals, errs := t.normalize(rec)
	if len(errs) > 0 {
		return false
	}
	iv, err := t.issuer(&inst)
	if err != nil {
		tb.Fatal(err)
	}
	data := renderData{ID: "urn:uuid:0198a3c4-0000-7000-8000-000000000001", Issued: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC).Format(time.RFC3339), Issuer: iv, Record: vals}
	var slow bytes.Buffer
	slowErr := t.body.Execute(&slow, data)
	if t.fast == nil {
		return false
	}
	var fast bytes.Buffer
	if !t.fast.exec(&fast, &data) {
		return false
	}
	if slowErr != nil {
		tb.Fatalf("template %s: the compiled body wrote %d bytes where text/template fails: %v\nrecord %v", t.Name(), fast.Len(), slowErr, rec)
	}
	if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
		tb.Fatalf("template %s: the compiled body writes\n%s\ntext/template\n%s\nrecord %v", t.Name(), fast.Bytes(), slow.Bytes(), rec)
	}
	return true
}

// TestCompiledBodyWritesWhatTextTemplateWrites renders every built-in
// template's example, the example without each of its fields, with odd
// texts in each, and thousands of generated diplomas, with the compiled
// body and with text/template: the same bytes every time the compiled body
// writes at all, and it does write the diplomas (the batch's case).
func TestCompiledBodyWritesWhatTextTemplateWrites(t *testing.T) {
	inst := SampleInstitution()
	odd := []string{`a "quoted" \ text`, "<b>&</b>", "line\nbreak\ttab", "\u2028\u2029", "Zoë Ørsted 日本", "\x7f", "  spaced  "}
	compiled := map[string]bool{}
	for _, tm := range Builtins() {
		ex, err := tm.Example()
		if err != nil {
			t.Fatal(err)
		}
		fast := renderBoth(t, tm, ex, inst)
		compiled[tm.Name()] = tm.fast != nil
		if tm.fast != nil && !fast {
			t.Errorf("template %s: the compiled body gives up on its own example", tm.Name())
		}
		for _, k := range slices.Sorted(maps.Keys(ex)) {
			without := maps.Clone(ex)
			delete(without, k)
			renderBoth(t, tm, without, inst)
			for _, s := range odd {
				with := maps.Clone(ex)
				if m, ok := with[k].(map[string]any); ok {
					m = maps.Clone(m)
					for lang := range m {
						m[lang] = s
					}
					with[k] = m
				} else {
					with[k] = s
				}
				renderBoth(t, tm, with, inst)
			}
		}
	}
	t.Logf("compiled: %v", compiled)
	if !compiled["diploma"] {
		t.Fatal("the diploma template is not compiled")
	}
	tm, err := Builtin("diploma")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadCSV(gen.Graduates(3000, 7), "graduates.csv")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for k, rec := range recs {
		if k%3 == 0 { // without some optional cells
			rec = maps.Clone(rec)
			for c := range rec {
				if !strings.HasPrefix(c, "@") && rng.IntN(4) == 0 {
					delete(rec, c)
				}
			}
		}
		if !renderBoth(t, tm, rec, inst) && len(mustNormalize(tm, rec)) == 0 {
			t.Fatalf("row %d: the compiled body gives up on a valid diploma", rec.Row())
		}
	}
}

func mustNormalize(t *Template, rec Record) []FieldError {
	_, errs := t.normalize(rec)
	return errs
}

// TestCompiledBodyLeavesErrorsToTextTemplate: a body whose action fails
// (a function's error) gives Render text/template's error, as before.
func TestCompiledBodyLeavesErrorsToTextTemplate(t *testing.T) {
	tm, err := Builtin("diploma")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := tm.Example()
	if err != nil {
		t.Fatal(err)
	}
	inst := SampleInstitution()
	iv, err := tm.issuer(&inst)
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := tm.normalize(ex)
	vals["isced"] = "0000x" // not an ISCED-F code: isced fails
	data := renderData{ID: "urn:uuid:x", Issued: "2026-07-01T09:00:00Z", Issuer: iv, Record: vals}
	var fast bytes.Buffer
	if tm.fast.exec(&fast, &data) {
		t.Fatal("the compiled body wrote a credential whose function failed")
	}
	var b bytes.Buffer
	err = tm.execute(&b, &data)
	if err == nil || !strings.Contains(err.Error(), `isced: "0000x" is not an ISCED-F code`) {
		t.Fatalf("execute: %v, want text/template's error from isced", err)
	}
}

// FuzzCompiledBody: whatever texts a diploma record holds, the compiled
// body writes what text/template writes, or leaves it to text/template.
func FuzzCompiledBody(f *testing.F) {
	f.Add("Camille", "Dupont", "Master Informatique", "15.2", "fr-20", "Note", "0613", "P2Y")
	f.Add("Zoë \"Z\"", "<b>&</b>", "line\nbreak", "A", "ects", "\u2028", "9999", "")
	tm, err := Builtin("diploma")
	if err != nil {
		f.Fatal(err)
	}
	ex, err := tm.Example()
	if err != nil {
		f.Fatal(err)
	}
	inst := SampleInstitution()
	f.Fuzz(func(t *testing.T, given, family, title, grade, scheme, note, isced, duration string) {
		rec := maps.Clone(ex)
		rec["givenName"], rec["familyName"], rec["title"] = given, family, title
		rec["grade"], rec["gradingScheme"], rec["note"], rec["isced"], rec["duration"] = grade, scheme, note, isced, duration
		renderBoth(t, tm, rec, inst)
	})
}
