package elm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// fileSchemas is a SchemaSource over reference files: exact ids, then URL
// suffixes (for relative $refs resolved against registry URLs).
type fileSchemas struct {
	exact  map[string]string
	suffix map[string]string
}

func (s fileSchemas) Schema(_ context.Context, id string) ([]byte, error) {
	p, ok := s.exact[id]
	if !ok {
		for suf, f := range s.suffix {
			if suf != "" && strings.HasSuffix(id, suf) {
				p, ok = f, true
				break
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("schema %q: %w", id, fs.ErrNotExist)
	}
	return os.ReadFile(p)
}

const edcSchemaID = "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/0x7ff3bc76bd5e37b3d29721b8698646a722a24a4f4ab0a0ba63d4bbbe0ef9758d"

func edcSchemas(t testing.TB) fileSchemas {
	dir := reftest.Path(t, "elm", "ebsi")
	return fileSchemas{
		exact: map[string]string{edcSchemaID: filepath.Join(dir, "vcdm2.0-europass-edc-schema", "schema.json")},
		// The EDC schema's $id is a file: URL of the repository it came
		// from; its $ref names the attestation schema beside it.
		suffix: map[string]string{"/vcdm2.0-attestation-schema/schema.json": filepath.Join(dir, "vcdm2.0-attestation-schema", "schema.json")},
	}
}

func TestValidateJSONSchemaAcceptsEBSIExamples(t *testing.T) {
	src := edcSchemas(t)
	for _, s := range vc2Examples(t) {
		t.Run(s.name, func(t *testing.T) {
			data := readSample(t, s)
			if ids := JSONSchemaIDs(mustParse(t, data)); len(ids) != 1 || ids[0] != edcSchemaID {
				t.Fatalf("JSON schema ids = %q", ids)
			}
			if err := ValidateJSONSchema(context.Background(), data, src); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateJSONSchemaAcceptsVerifiableDiplomaExamples(t *testing.T) {
	dir := reftest.Path(t, "elm", "ebsi", "json-schema")
	src := fileSchemas{suffix: map[string]string{
		"/ebsi-attestation/2022-11/schema.json": filepath.Join(dir, "ebsi-attestation", "2022-11", "schema.json"),
		"":                                      filepath.Join(dir, "ebsi-muti-uni-pilot", "verifiable-diploma", "2022-11", "schema.json"),
	}}
	// Each example's own credentialSchema id is mapped to the diploma
	// schema below; the attestation schema it refers to is found by suffix.
	src = fileSchemas{exact: map[string]string{}, suffix: src.suffix}
	exdir := filepath.Join(dir, "ebsi-muti-uni-pilot", "verifiable-diploma", "2022-11", "examples")
	ents, err := os.ReadDir(exdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Run(e.Name(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(exdir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			c := mustParse(t, data)
			for _, id := range JSONSchemaIDs(c) {
				src.exact[id] = src.suffix[""]
			}
			if err := ValidateJSONSchema(context.Background(), data, src); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateJSONSchemaRejectsMutatedCredentials(t *testing.T) {
	src := edcSchemas(t)
	base := readSample(t, vc2Examples(t)[0])
	tests := []struct {
		name, path string
		val        any
		del        bool
		want       []string
	}{
		{name: "no issuer", path: "issuer", del: true, want: []string{"missing property 'issuer'", "(schema "}},
		{name: "issuer a number", path: "issuer", val: 7, want: []string{"/issuer", "(schema "}},
		{name: "no credentialSubject", path: "credentialSubject", del: true, want: []string{"missing property 'credentialSubject'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.del {
				data = without(t, base, tt.path)
			} else {
				data = with(t, base, tt.path, tt.val)
			}
			err := ValidateJSONSchema(context.Background(), data, src)
			if !errors.Is(err, ErrSchemaInvalid) {
				t.Fatalf("err = %v, want ErrSchemaInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateJSONSchemaNamesUnknownSchema(t *testing.T) {
	data := readSample(t, vc2Examples(t)[0])
	err := ValidateJSONSchema(context.Background(), data, fileSchemas{})
	if !errors.Is(err, ErrUnknownSchema) || !strings.Contains(err.Error(), edcSchemaID) {
		t.Fatalf("err = %v, want ErrUnknownSchema naming %s", err, edcSchemaID)
	}
}

func TestValidateJSONSchemaSkipsCredentialsWithoutOne(t *testing.T) {
	data := readSample(t, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	if err := ValidateJSONSchema(context.Background(), data, fileSchemas{}); err != nil {
		t.Fatalf("err = %v, want nil (only a SHACL credentialSchema)", err)
	}
}
