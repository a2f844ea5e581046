package jsonx

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestCompactValidMatchesEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		`{"a":1}`,
		"{ \"a\" : [ 1 , 2 ],\n\t\"b\": {\"c\": null} }\r\n",
		`{"s": "with  spaces \" and \\ \\\" quotes", "t" : "\\"}`,
		`{"k": "\\\\\"  ", "e": ""  , "u": "\u00e9 é  "}`,
		`  [ "x" ,"y" ]  `,
		`"only a string  "`,
	} {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(doc)); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if got := CompactValid([]byte(doc)); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("CompactValid(%q) = %q, want %q", doc, got, want.Bytes())
		}
	}
}

func TestCompactValidReturnsCompactDocumentItself(t *testing.T) {
	doc := []byte(`{"a":"b c","d":[1,2]}`)
	if got := CompactValid(doc); &got[0] != &doc[0] {
		t.Error("a document without whitespace was copied")
	}
}

func FuzzCompactValid(f *testing.F) {
	f.Add([]byte(`{ "a" : "b \" c" , "d": [1, 2] }`))
	f.Add([]byte(`"\\"`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return
		}
		var want bytes.Buffer
		_ = json.Compact(&want, doc)
		if got := CompactValid(doc); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("CompactValid(%q) = %q, want %q", doc, got, want.Bytes())
		}
	})
}
