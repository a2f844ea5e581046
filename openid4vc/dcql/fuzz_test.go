package dcql_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
)

// FuzzParse: Parse never panics; a query it accepts validates, marshals and
// parses again to the same query, and selecting against any credential
// does not panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/spec/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, []byte(`{"last_name":"Doe","address":{"street_address":"x"},"degrees":[{"type":"a"}]}`))
		}
	}
	f.Add([]byte(`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["a",null,0],"values":[1,"x",true]}]}]}`), []byte(`{"a":[[1]]}`))
	f.Fuzz(func(t *testing.T, query, claims []byte) {
		q, err := dcql.Parse(query)
		if err != nil {
			return
		}
		if err := q.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
		b, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dcql.Parse(b); err != nil {
			t.Fatalf("re-parse: %v\n%s", err, b)
		}
		var c any
		d := json.NewDecoder(strings.NewReader(string(claims)))
		d.UseNumber()
		if d.Decode(&c) != nil {
			return
		}
		cred := dcql.Credential{Format: q.Credentials[0].Format, Claims: c, HolderBinding: true, SelectiveDisclosure: true}
		for _, cq := range q.Credentials {
			cred.VCT = strings.Join(cq.Meta.VCTValues, "")
			for _, set := range cq.Meta.TypeValues {
				cred.Types = append(cred.Types, set...)
			}
		}
		_, _ = q.Select([]dcql.Credential{cred}, nil)
		cred.Presented = true
		_ = q.CheckResponse(map[string][]dcql.Credential{q.Credentials[0].ID: {cred}}, nil)
	})
}
