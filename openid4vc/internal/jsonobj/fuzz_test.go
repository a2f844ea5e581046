package jsonobj

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

type inner struct {
	Nonce string   `json:"nonce"`
	Keys  []string `json:"keys"`
}

type outer struct {
	ID     string           `json:"id"`
	Inner  *inner           `json:"inner"`
	List   []inner          `json:"list"`
	ByName map[string]inner `json:"by_name"`
	Raw    json.RawMessage  `json:"raw"`
}

// FuzzDecode: Decode never panics, and whenever it accepts, no member of
// the input matches a field only by case.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"id":"a","inner":{"nonce":"n","keys":["k"]},"list":[{"nonce":"x"}],"by_name":{"a":{"Nonce":"y"}}}`))
	f.Add([]byte(`{"ID":"a"}`))
	f.Add([]byte(`{"id":"a","id":"b"}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v outer
		if err := Decode(data, &v, jsonx.Limits{MaxBytes: 1 << 16}); err != nil {
			return
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) != nil {
			t.Fatal("accepted a non-object")
		}
		for k := range top {
			for _, name := range []string{"id", "inner", "list", "by_name", "raw"} {
				if k != name && strings.EqualFold(k, name) {
					t.Fatalf("accepted member %q for field %q", k, name)
				}
			}
		}
	})
}
