package credentials

import (
	"encoding/json"
	"testing"
)

func TestMemberFoldPicksWhatEncodingJSONPicks(t *testing.T) {
	for _, in := range []string{
		`{"id":"a"}`, `{"ID":"a"}`, `{"Id":1,"iD":null}`, `{"id":"a","ID":"b"}`, `{"ID":"b","id":"a"}`,
		`{"x":{"id":"nested"}}`, `{}`, ` { "\u0069d" : [1] } `, `{"idx":"no","i d":"no"}`,
	} {
		var o struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal([]byte(in), &o); err != nil {
			t.Fatal(err)
		}
		if got := memberFold(json.RawMessage(in), "id"); string(got) != string(o.ID) {
			t.Errorf("memberFold(%s) = %s, want %s", in, got, o.ID)
		}
	}
}

func TestLastMemberPicksWhatAMapDecodeKeeps(t *testing.T) {
	for _, in := range []string{`{"id":"a"}`, `{"ID":"a"}`, `{"id":1,"id":null}`, `{"id":"a","x":{"id":"b"}}`, `{}`, `{"\u0069d":["x"]}`} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			t.Fatal(err)
		}
		if got := lastMember(json.RawMessage(in), "id"); string(got) != string(m["id"]) {
			t.Errorf("lastMember(%s) = %s, want %s", in, got, m["id"])
		}
	}
}
