package templates

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBuiltinBodiesAreStrippedOfJSONWhitespaceAtParse(t *testing.T) {
	for _, tp := range Builtins() {
		t.Run(tp.Name(), func(t *testing.T) {
			var texts int
			for _, tt := range tp.body.Templates() {
				for _, n := range textNodes(tt.Tree.Root, nil) {
					texts++
					if s, _ := stripJSONSpace(n.Text); !bytes.Equal(s, n.Text) {
						t.Fatalf("text %q still has whitespace between JSON tokens", n.Text)
					}
				}
			}
			if texts == 0 {
				t.Fatal("no text nodes found")
			}
			rec, err := tp.Example()
			if err != nil {
				t.Fatal(err)
			}
			r, err := tp.Render(rec, SampleInstitution(), fixed)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, r.Credential); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.Credential, want.Bytes()) {
				t.Error("the rendered credential is not compact JSON")
			}
		})
	}
}

func TestTextThatSplitsAStringKeepsItsSpaces(t *testing.T) {
	src := strings.Replace(string(mustBuiltin(t, "participation").Source()),
		`"title": {{lang .Record.title}}`, `"title": {"en": "Dear  {{if .Record.title}}reader{{end}}  here"}`, 1)
	tp, err := Parse([]byte(src), "split.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	res, err := tp.Check(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(res.Rendered.Credential, []byte(`"title":{"en":"Dear  reader  here"}`)) {
		t.Errorf("the string lost its spaces: %s", res.Rendered.Credential)
	}
}

func TestCompactMatchesEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		"{ \"a\" : [ 1 , 2 ],\n\t\"b\": {\"c\": null} }\r\n",
		`{"s": "with  spaces \" and \\ \\\" quotes", "t" : "\\"}`,
		`{"k": "\\\\\"  ", "e": ""  , "u": "\u00e9 é  "}`,
	} {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(doc)); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if got := compact([]byte(doc)); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("compact(%q) = %q, want %q", doc, got, want.Bytes())
		}
	}
}
