package issuer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
)

// TestShapeListsReadAndWriteAsEncodingJSONDoes: the @context and type lists
// shape reads without encoding/json come out byte for byte as a decode and
// encode with encoding/json would write them, escapes and odd shapes
// included.
func TestShapeListsReadAndWriteAsEncodingJSONDoes(t *testing.T) {
	for _, v := range []string{
		`["https://www.w3.org/2018/credentials/v1","http://data.europa.eu/snb/model/context/edc-ap"]`,
		`"VerifiableCredential"`,
		`[]`,
		`["a"]`,
		`["a","b","c"]`,
		`["a\"b","c"]`,
		`["a<b>&c"]`,
		`["\u00e9t\u00e9","x"]`,
		`["été"]`,
		`["a",{"@vocab":"https://x.example/"}]`,
		`[ "a" , "b" ]`,
		`["a",1,true,null]`,
		`{"a":"b"}`,
		`"a\\b"`,
		`"a\u2028b"`,
		`12`,
	} {
		var want []byte
		if l := asList(decodeAny([]byte(v))); l != nil {
			want, _ = json.Marshal(l)
		} else {
			want = []byte("[]")
		}
		if got := appendList(nil, readList([]byte(v))); string(got) != string(want) {
			t.Errorf("%s: shape writes %s, encoding/json %s", v, got, want)
		}
	}
	for _, s := range []string{"credentialStatus", "a<b", "é", "a\"b", "https://x.example/status/1#7"} {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: appendString writes %s, encoding/json %s", s, got, want)
		}
	}
}

// TestJSONLCompactsAsEncodingJSONDoes: an object credential (Data
// Integrity, JAdES) goes into a JSON line as encoding/json's Compact writes
// it, and one that is not JSON is refused.
func TestJSONLCompactsAsEncodingJSONDoes(t *testing.T) {
	for _, doc := range []string{
		`{"a":1}`,
		"{ \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \"x y\\\" \\\\\" , \"c\": {\"d\" :\r\n null} }",
		`{"proof":{"proofValue":"z3 4","type":"DataIntegrityProof"},"s":"\\\\"}`,
	} {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(doc)); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		o := NewJSONL(&out)
		if _, err := o.Put(context.Background(), 2, &Issued{Entry: Entry{ID: "urn:uuid:1"}, MediaType: "application/vc+ld+json", Credential: []byte(doc)}); err != nil {
			t.Fatal(err)
		}
		if err := o.Finish(nil); err != nil {
			t.Fatal(err)
		}
		line := `{"row":2,"id":"urn:uuid:1","mediaType":"application/vc+ld+json","credential":` + want.String() + "}\n"
		if out.String() != line {
			t.Errorf("%s: JSONL writes\n%s want\n%s", doc, out.String(), line)
		}
	}
	for _, bad := range []string{`{"a":}`, `{"a":1`, `{"a":1}}`} {
		if _, err := NewJSONL(io.Discard).Put(context.Background(), 2, &Issued{Credential: []byte(bad)}); err == nil {
			t.Errorf("%s: written to a JSON line", bad)
		}
	}
}
