package jsontree

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

func stdlib(t testing.TB, data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSameAsEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"a":"x\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t","b":[1,-2.5e+3,true,false,null,{}],"c":[],"":{"d":{"e":[[]]}}}`,
		`"\ud800 lone"`, `"\udc00\ud800"`, `"\ud800\u0041"`, ` [ 1 , 2 ] `, `0`,
		// Strings ending, or escaping, before, at and after the 32 bytes
		// str scans itself.
		`["0123456789012345678901234567890", "01234567890123456789012345678901", "012345678901234567890123456789012"]`,
		`["0123456789012345678901234567890\n", "01234567890123456789012345678901\n", "012345678901234567890123456789012\"x"]`,
		`{"012345678901234567890123456789012345678901234567890123456789\u00e9x": "` + strings.Repeat("y", 100) + `\\"}`,
	} {
		got, err := Decode([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if want := stdlib(t, []byte(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", in, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"a":["\u00e9",1.5,{"b":null}]}`))
	f.Add([]byte(`"\ud83d\ude00\ud800x"`))
	if dir, ok := reftest.Available(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "elm", "Sample-CertOfPart-unsigned.jsonld")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if jsonx.Check(data, jsonx.Limits{}) != nil {
			Decode(data) // must not panic
			return
		}
		got, err := Decode(data)
		if err != nil {
			t.Fatalf("checked JSON refused: %v", err)
		}
		if want := stdlib(t, data); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	})
}

// TestDecodeObjectMembers: the members DecodeObject returns are those
// jsonx.MemberBytes finds, names decoded, values at the same bytes.
func TestDecodeObjectMembers(t *testing.T) {
	ins := []string{`{}`, ` { "a" : [1, {"b":2}] ,"c\u0040":"x\"y", "": null }  `, `{"p":{"q":"}"},"r":true}`}
	if dir, ok := reftest.Available(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "elm", "Sample-CertOfPart-unsigned.jsonld")); err == nil {
			ins = append(ins, string(b))
		}
	}
	for _, in := range ins {
		data := []byte(in)
		m, members, err := DecodeObject(data)
		if err != nil {
			t.Fatalf("%.40s: %v", in, err)
		}
		var want []Member
		jsonx.MemberBytes(data, func(name, value []byte) bool {
			start := cap(data) - cap(value)
			want = append(want, Member{string(name), start, start + len(value)})
			return true
		})
		if !reflect.DeepEqual(members, want) && !(len(members) == 0 && len(want) == 0) {
			t.Errorf("%.40s: members %v, want %v", in, members, want)
		}
		if len(m) != len(members) {
			t.Errorf("%.40s: %d entries for %d members", in, len(m), len(members))
		}
	}
	if _, _, err := DecodeObject([]byte(` [1]`)); err != ErrNotObject {
		t.Errorf("array: got %v, want ErrNotObject", err)
	}
}
