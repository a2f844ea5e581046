package dcql_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
)

func TestSpecExamplesParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/spec/*.json")
	if len(files) < 6 {
		t.Fatalf("only %d spec examples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			q, err := dcql.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			// Written back, it reads the same.
			again, _ := json.Marshal(q)
			q2, err := dcql.Parse(again)
			if err != nil {
				t.Fatalf("re-parse of %s: %v", again, err)
			}
			b2, _ := json.Marshal(q2)
			if string(b2) != string(again) {
				t.Fatalf("round trip:\n%s\n%s", again, b2)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]struct{ query, want string }{
		"no credentials":       {`{}`, "$.credentials: is required"},
		"empty credentials":    {`{"credentials":[]}`, "must not be empty"},
		"duplicate id":         {`{"credentials":[{"id":"a","format":"ldp_vc","meta":{"type_values":[["X"]]}},{"id":"a","format":"ldp_vc","meta":{"type_values":[["X"]]}}]}`, `"a" is used twice`},
		"bad id":               {`{"credentials":[{"id":"a b","format":"ldp_vc","meta":{"type_values":[["X"]]}}]}`, "characters other than"},
		"no meta":              {`{"credentials":[{"id":"a","format":"dc+sd-jwt"}]}`, "$.credentials[0].meta: is required"},
		"no vct_values":        {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{}}]}`, "vct_values: is required"},
		"no type_values":       {`{"credentials":[{"id":"a","format":"jwt_vc_json","meta":{}}]}`, "type_values: is required"},
		"negative index":       {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["x",-1]}]}]}`, "non-negative integer"},
		"float index":          {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["x",1.5]}]}]}`, "non-negative integer"},
		"object in path":       {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":[{}]}]}]}`, "non-negative integer"},
		"empty path":           {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":[]}]}]}`, "empty"},
		"same claim twice":     {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["x"]},{"path":["x"]}]}]}`, "same claim twice"},
		"array vs object":      {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["x",0]},{"path":["x","y"]}]}]}`, "array what another"},
		"claim_sets bad id":    {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"id":"c1","path":["x"]}],"claim_sets":[["c2"]]}]}`, `names claim "c2"`},
		"claim_sets no claims": {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claim_sets":[["c2"]]}]}`, "without claims"},
		"claim_sets needs ids": {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["x"]}],"claim_sets":[["c2"]]}]}`, "id: is required when claim_sets"},
		"bad value":            {`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["x"],"values":[1.5]}]}]}`, "not a string, an integer or a boolean"},
		"set names unknown id": {`{"credentials":[{"id":"a","format":"ldp_vc","meta":{"type_values":[["X"]]}}],"credential_sets":[{"options":[["b"]]}]}`, `names "b"`},
		"duplicate member":     {`{"credentials":[],"credentials":[]}`, "duplicate"},
		"not json":             {`{`, "$"},
		"mdoc path length":     {`{"credentials":[{"id":"a","format":"mso_mdoc","meta":{"doctype_value":"d"},"claims":[{"path":["ns"]}]}]}`, "exactly two"},
		"case matters":         {`{"Credentials":[]}`, "$.credentials: is required"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := dcql.Parse([]byte(c.query))
			var de *dcql.Error
			if !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an *Error containing %q", err, c.want)
			}
		})
	}
}

// The claims path pointer example of OpenID4VP 1.0 section 7.3.
const arthur = `{
  "name": "Arthur Dent",
  "address": {"street_address": "42 Market Street", "locality": "Milliways", "postal_code": "12345"},
  "degrees": [
    {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
    {"type": "Master of Science", "university": "University of Betelgeuse"}
  ],
  "nationalities": ["British", "Betelgeusian"]
}`

func claims(t *testing.T, s string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPathPointerSpecExample(t *testing.T) {
	c := claims(t, arthur)
	cases := []struct {
		path  string
		want  string // JSON of the selected values
		paths string
	}{
		{`["name"]`, `["Arthur Dent"]`, `[["name"]]`},
		{`["address"]`, `[{"locality":"Milliways","postal_code":"12345","street_address":"42 Market Street"}]`, `[["address"]]`},
		{`["address","street_address"]`, `["42 Market Street"]`, `[["address","street_address"]]`},
		{`["degrees",null,"type"]`, `["Bachelor of Science","Master of Science"]`, `[["degrees",0,"type"],["degrees",1,"type"]]`},
		{`["nationalities",1]`, `["Betelgeusian"]`, `[["nationalities",1]]`},
	}
	for _, tc := range cases {
		p, err := dcql.ParsePath([]byte(tc.path))
		if err != nil {
			t.Fatal(err)
		}
		sel, err := dcql.Select(c, p)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		var vals, paths []any
		for _, e := range sel {
			vals = append(vals, e.Value)
			paths = append(paths, e.Path)
		}
		gv, _ := json.Marshal(vals)
		gp, _ := json.Marshal(paths)
		if string(gv) != tc.want || string(gp) != tc.paths {
			t.Errorf("%s: values %s paths %s, want %s %s", tc.path, gv, gp, tc.want, tc.paths)
		}
	}
	for _, bad := range []string{`["name","first"]`, `["address",0]`, `["address",null]`, `["nope"]`, `["degrees",5]`} {
		p, _ := dcql.ParsePath([]byte(bad))
		if _, err := dcql.Select(c, p); !errors.Is(err, dcql.ErrPath) {
			t.Errorf("%s: %v, want ErrPath", bad, err)
		}
	}
}
