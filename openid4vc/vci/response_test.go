package vci

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestCredentialResponseFastPathIsJSONMarshal: the credential endpoint's
// answer written without encoding/json's second pass (plainJSON), and
// StringCredential's quoting, are byte for byte what json.Marshal writes,
// and the fast path is not taken for values json.Marshal would change.
func TestCredentialResponseFastPathIsJSONMarshal(t *testing.T) {
	strs := []string{
		"eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln~WyJzYWx0IiwibmFtZSIsInYiXQ~",
		"", "a<b", "a>b", "a&b", `quote"d`, `back\slash`, "new\nline", "tab\t", "é", "\u2028", "\x7f", "\xff",
	}
	for _, s := range strs {
		want, _ := json.Marshal(s)
		if got := StringCredential(s).Value; !bytes.Equal(got, want) {
			t.Errorf("StringCredential(%q) = %s, json.Marshal %s", s, got, want)
		}
		if got := BytesCredential([]byte(s)).Value; !bytes.Equal(got, want) {
			t.Errorf("BytesCredential(%q) = %s, json.Marshal %s", s, got, want)
		}
		for _, obj := range []bool{false, true} {
			r := &CredentialResponse{Credentials: []Credential{StringCredential(s), StringCredential("x.y.z~")}, NotificationID: "n<1>"}
			if obj {
				r.Credentials = append(r.Credentials, ObjectCredential([]byte(`{"a": "<b>"}`)))
			}
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := r.plainJSON()
			switch {
			case ok && !bytes.Equal(got, want):
				t.Errorf("plainJSON(%q) = %s, json.Marshal %s", s, got, want)
			case !ok && !obj && s == strs[0]:
				t.Errorf("plainJSON(%q): no fast path for an SD-JWT", s)
			case ok && obj:
				t.Errorf("plainJSON took the fast path for an object credential")
			}
		}
	}
}
