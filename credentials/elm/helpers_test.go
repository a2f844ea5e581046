package elm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// sample is one reference credential the tests read.
type sample struct {
	name string   // for t.Run
	rel  []string // path below the reference folder
}

// acceptSamples are the credentials the EDC generic profile must accept.
// The unsigned ones have not been through the EDC sealer (which writes
// issued), so they are checked with BeforeSealing.
func acceptSamples(t testing.TB) []sample {
	t.Helper()
	s := []sample{
		{"Sample-MC-Annex1-unsigned.jsonld", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}},
		{"Sample-CertOfPart-unsigned.jsonld", []string{"elm", "Sample-CertOfPart-unsigned.jsonld"}},
		{"credential-sample.jsonld", []string{"elm", "credential-sample.jsonld"}},
		{"edci/credential_shouldValidate.jsonld", []string{"elm", "edci", "credential_shouldValidate.jsonld"}},
		{"edci/regularCred.jsonld", []string{"elm", "edci", "regularCred.jsonld"}},
	}
	return append(s, vc2Examples(t)...)
}

// vc2Examples are the VC 2.0 EDC examples of the EBSI europass schema.
func vc2Examples(t testing.TB) []sample {
	t.Helper()
	dir := reftest.Path(t, "elm", "ebsi", "vcdm2.0-europass-edc-schema", "examples")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			out = append(out, sample{"ebsi-edc/" + e.Name(), []string{"elm", "ebsi", "vcdm2.0-europass-edc-schema", "examples", e.Name()}})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no examples in %s", dir)
	}
	return out
}

// roundTripSamples are every ELM credential in the reference folder,
// including those the profiles reject and the payloads of sealed ones.
func roundTripSamples(t testing.TB) []sample {
	t.Helper()
	s := acceptSamples(t)
	s = append(s,
		sample{"edci/cred_noLegalName_shouldFail.jsonld", []string{"elm", "edci", "cred_noLegalName_shouldFail.jsonld"}},
		sample{"edci/cred1.jsonld", []string{"elm", "edci", "cred1.jsonld"}},
	)
	return s
}

func readSample(t testing.TB, s sample) []byte {
	t.Helper()
	return reftest.Read(t, s.rel...)
}

// sealedPayload returns the credential inside a JAdES-sealed reference file
// (its "payload" member, a JSON string).
func sealedPayload(t testing.TB, rel ...string) []byte {
	t.Helper()
	var env struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(reftest.Read(t, rel...), &env); err != nil {
		t.Fatal(err)
	}
	if env.Payload == "" {
		t.Fatalf("%s: no payload", filepath.Join(rel...))
	}
	return []byte(env.Payload)
}

func mustParse(t testing.TB, data []byte) *EuropeanDigitalCredential {
	t.Helper()
	c, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// jsonDiff compares two JSON documents semantically and returns the paths
// where they differ (at most max of them).
func jsonDiff(a, b []byte, max int) ([]string, error) {
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		return nil, err
	}
	var out []string
	var walk func(p string, x, y any)
	walk = func(p string, x, y any) {
		if len(out) >= max {
			return
		}
		switch xt := x.(type) {
		case map[string]any:
			yt, ok := y.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("%s: object vs %T", p, y))
				return
			}
			keys := make([]string, 0, len(xt)+len(yt))
			for k := range xt {
				keys = append(keys, k)
			}
			for k := range yt {
				if _, ok := xt[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				xv, xok := xt[k]
				yv, yok := yt[k]
				switch {
				case !xok:
					out = append(out, fmt.Sprintf("%s.%s: added", p, k))
				case !yok:
					out = append(out, fmt.Sprintf("%s.%s: lost", p, k))
				default:
					walk(p+"."+k, xv, yv)
				}
			}
		case []any:
			yt, ok := y.([]any)
			if !ok || len(xt) != len(yt) {
				out = append(out, fmt.Sprintf("%s: array of %d vs %T", p, len(xt), y))
				return
			}
			for i := range xt {
				walk(fmt.Sprintf("%s[%d]", p, i), xt[i], yt[i])
			}
		default:
			if !reflect.DeepEqual(x, y) {
				out = append(out, fmt.Sprintf("%s: %v vs %v", p, x, y))
			}
		}
	}
	walk("$", va, vb)
	return out, nil
}
