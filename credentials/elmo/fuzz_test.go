package elmo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzImport feeds arbitrary bytes to Import: nothing may panic; a refusal
// is one of the documented errors and gives no result; what is accepted
// maps to credentials that conform to the EDC converted profile and export
// back to ELMO that reads again.
func FuzzImport(f *testing.F) {
	f.Add(genELMO(1))
	f.Add([]byte(`<elmo xmlns="` + Namespace + `"/>`))
	f.Add([]byte(`<!DOCTYPE elmo [<!ENTITY a "b">]><elmo>&a;</elmo>`))
	f.Add([]byte(`<imobility-tors-get-response xmlns="https://github.com/erasmus-without-paper/ewp-specs-api-imobility-tors/blob/stable-v2/endpoints/get-response.xsd"><tor><omobility-id>1</omobility-id></tor></imobility-tors-get-response>`))
	if dir, ok := reftest.Available(); ok {
		for _, name := range []string{"example.xml", "example-de.malformed.xml"} {
			if b, err := os.ReadFile(filepath.Join(dir, "elmo", name)); err == nil {
				f.Add(b)
				f.Add(unsigned(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Import(context.Background(), data, &Options{MaxBytes: 1 << 20})
		if err != nil {
			if res != nil {
				t.Fatal("a refused document gave a result")
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSignature) {
				// The mapping's own refusals (an issuer without a
				// country or a name) are the only others.
				var se *SyntaxError
				if errors.As(err, &se) {
					t.Fatalf("a SyntaxError not wrapping ErrMalformed: %v", err)
				}
			}
			return
		}
		for _, c := range res.Credentials {
			if vs, err := elm.Check(c.Credential, elm.Converted, nil); err != nil || len(vs) > 0 {
				t.Fatalf("%v %v", vs, err)
			}
			back, err := elm.Parse(c.JSON)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Export(back, nil)
			if err != nil {
				t.Fatalf("Export: %v", err)
			}
			if _, err := Import(context.Background(), out, nil); err != nil {
				t.Fatalf("the export does not import again: %v\n%s", err, out)
			}
		}
	})
}
