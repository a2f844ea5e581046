package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// useNumber is what DecodeAny must equal: encoding/json decoding into an
// any with UseNumber.
func useNumber(t testing.TB, data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return v
}

func TestDecodeAnyBuildsWhatEncodingJSONBuilds(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `0`, `-0.5e+10`, `1E3`, `"x"`, `""`, `true`, `false`, `null`,
		" \t\r\n{\"a\" : [1, 2.5, {\"b\": null}], \"c\": \"\\u00e9\\n\\\"\"} \n",
		`{"a":1,"A":1,"\u0062":2}`,
		`"\ud83d\ude00 😀 é"`,
		`"a long string of more than thirty-two bytes, not interned \/ \\ \" \b\f\n\r\t é"`,
		`[[[[[[[[[[1]]]]]]]]]]`,
		`{"a":{"a":{"a":1}},"b":{"a":[]},"c":{},"d":[{}],"e":[[]]}`,
		`[ 1 , -0 , 1.000 , 1e-7 , true , false , null , "" ]`,
		`{"type":"Concept","t":"Concept","x":"Concépt"}`,
	} {
		got, err := DecodeAny([]byte(in), Limits{})
		if err != nil {
			t.Errorf("DecodeAny(%q) = %v", in, err)
			continue
		}
		if want := useNumber(t, []byte(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeAny(%q) = %#v, want %#v", in, got, want)
		}
		if again := DecodeChecked([]byte(in)); !reflect.DeepEqual(again, got) {
			t.Errorf("DecodeChecked(%q) = %#v, want DecodeAny's %#v", in, again, got)
		}
	}
}

func TestDecodeAnyRefusesWhatCheckRefuses(t *testing.T) {
	for _, in := range []string{`{"a":1,"a":2}`, `[1,]`, "\"\xff\"", `"\udc00"`, `{"a":`, `1 2`, ``} {
		v, err := DecodeAny([]byte(in), Limits{})
		var je *Error
		if !errors.As(err, &je) || v != nil {
			t.Errorf("DecodeAny(%q) = %v, %v, want nil and an *Error", in, v, err)
		}
	}
	if _, err := DecodeAny([]byte(`[[1]]`), Limits{MaxDepth: 1}); !errors.Is(err, ErrLimit) {
		t.Errorf("depth over the limit: %v, want ErrLimit", err)
	}
}

func TestDecodeAnyReadsReferenceCredential(t *testing.T) {
	data := reftest.Read(t, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	got, err := DecodeAny(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, useNumber(t, data)) {
		t.Fatal("DecodeAny differs from encoding/json on the ELM sample")
	}
}

// BenchmarkDecodeAny decodes a 110 KB ELM credential and reports the cost
// over encoding/json's decoding of the same bytes into any with UseNumber,
// the two alternating in each iteration.
func BenchmarkDecodeAny(b *testing.B) {
	data := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ours, theirs time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := DecodeAny(data, Limits{}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		useNumber(b, data)
		ours += t1.Sub(t0)
		theirs += time.Since(t1)
	}
	b.ReportMetric(float64(ours)/float64(theirs), "x-encoding/json")
}

// FuzzDecodeAny compares DecodeAny with encoding/json: on input Check
// accepts, the values are equal; on input it refuses, DecodeAny gives no
// value.
func FuzzDecodeAny(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":"\u0061"}]}`, `[1.5e-3,true,null,[],{}]`, `"\ud83d\ude00\n"`, `{"a" : "x\"y" , "b":-0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeAny(data, Limits{MaxDepth: 1000})
		if err != nil {
			if got != nil {
				t.Fatalf("a value with an error: %v", err)
			}
			return
		}
		if want := useNumber(t, data); !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeAny(%q) = %#v, want %#v", data, got, want)
		}
	})
}

// resolve replaces every json.RawMessage in v by its decoded value.
func resolve(t testing.TB, v any) any {
	switch x := v.(type) {
	case json.RawMessage:
		return useNumber(t, x)
	case map[string]any:
		for k, e := range x {
			x[k] = resolve(t, e)
		}
	case []any:
		for k, e := range x {
			x[k] = resolve(t, e)
		}
	}
	return v
}

// TestDecodeCheckedWithinDecodesWhatItNames: the members a Within names
// are values (whole when it says nil), through arrays; the objects and
// arrays of the others are their own bytes; decoding those gives what
// DecodeAny gives.
func TestDecodeCheckedWithinDecodesWhatItNames(t *testing.T) {
	in := []byte(" {\"id\" : \"x\", \"n\": 2, \"other\" : {\"a\": [1, {\"b\": 2}]}, \"s\": {\"keep\": {\"deep\": {\"z\": [1]}}, \"skip\": [ {\"c\":1} ],\n" +
		" \"arr\": [{\"keep\": {\"q\": 1}, \"skip\": {\"r\": 2}}, [ {\"keep\": []} ]]}, \"e\": {}, \"l\": [] } ")
	w := Within{"s": {"keep": nil, "arr": {"keep": nil}}, "e": nil}
	got := DecodeCheckedWithin(in, w)
	m := got.(map[string]any)
	if m["id"] != "x" || m["n"] != json.Number("2") {
		t.Errorf("scalars not decoded: %#v", m)
	}
	if raw, ok := m["other"].(json.RawMessage); !ok || string(raw) != `{"a": [1, {"b": 2}]}` {
		t.Errorf("other = %#v, want its bytes", m["other"])
	}
	if _, ok := m["l"].(json.RawMessage); !ok {
		t.Errorf("l = %#v, want its bytes (not named)", m["l"])
	}
	if _, ok := m["e"].(map[string]any); !ok {
		t.Errorf("e = %#v, want an object (named)", m["e"])
	}
	s := m["s"].(map[string]any)
	if _, ok := s["keep"].(map[string]any)["deep"].(map[string]any); !ok {
		t.Errorf("s.keep is not decoded whole: %#v", s["keep"])
	}
	if raw, ok := s["skip"].(json.RawMessage); !ok || string(raw) != `[ {"c":1} ]` {
		t.Errorf("s.skip = %#v, want its bytes", s["skip"])
	}
	arr := s["arr"].([]any)
	if _, ok := arr[0].(map[string]any)["keep"].(map[string]any); !ok {
		t.Errorf("s.arr[0].keep is not decoded: %#v", arr[0])
	}
	if _, ok := arr[0].(map[string]any)["skip"].(json.RawMessage); !ok {
		t.Errorf("s.arr[0].skip = %#v, want its bytes", arr[0])
	}
	if _, ok := arr[1].([]any)[0].(map[string]any)["keep"].([]any); !ok {
		t.Errorf("s.arr[1][0].keep is not decoded through nested arrays: %#v", arr[1])
	}
	if full := DecodeChecked(in); !reflect.DeepEqual(resolve(t, got), full) {
		t.Errorf("resolved = %#v, want %#v", got, full)
	}
}

// FuzzDecodeCheckedWithin: whatever the Within, the value with its raw
// parts decoded is DecodeAny's.
func FuzzDecodeCheckedWithin(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":"\u0061"}],"c":{"a":{}}}`, `[{"a":{"a":[{"a":1}]}}]`, `{"b" : { "a" : [ ] } }`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		full, err := DecodeAny(data, Limits{MaxDepth: 1000})
		if err != nil {
			return
		}
		for _, w := range []Within{{}, {"a": nil}, {"a": {"a": nil}}, {"a": {"b": {}}, "c": nil}} {
			if got := resolve(t, DecodeCheckedWithin(data, w)); !reflect.DeepEqual(got, full) {
				t.Fatalf("DecodeCheckedWithin(%q, %v) resolved = %#v, want %#v", data, w, got, full)
			}
		}
	})
}
