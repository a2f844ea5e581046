package issuer

import (
	"encoding/json"
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
