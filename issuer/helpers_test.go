package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
)

const testPassphrase = "correct-horse-battery-staple"

var cheapKDF = keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func testConfig() *Config {
	return &Config{
		Institution: Institution{
			LegalName:       map[string]string{"en": "Université Exemple", "fr": "Université Exemple"},
			LegalIdentifier: "VATFR-12345678901",
			Country:         "FR",
			Homepage:        "https://www.univ-exemple.fr",
			Email:           "registrar@univ-exemple.fr",
		},
		StatusBaseURL: "https://registrar.univ-exemple.fr/status",
	}
}

// newTestStore makes a configured store at dir with the keys every profile
// needs: "registrar" (ed25519), "ebsi" (p256) and "seal" (a P-256 test eSeal
// whose subject is the configured institution).
func newTestStore(t testing.TB, dir string) *keys.Store {
	t.Helper()
	s, err := keys.Open(filepath.Join(dir, keys.DefaultFile), &keys.Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Unlock([]byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("registrar", keys.Ed25519, keys.Assertion); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("ebsi", keys.P256, keys.Assertion); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTestSeal("seal", keys.TestSealOptions{Subject: keys.SealSubject{
		Organization: "Université Exemple", Country: "FR", OrganizationIdentifier: "VATFR-12345678901",
	}}); err != nil {
		t.Fatal(err)
	}
	if err := SaveConfig(s, testConfig()); err != nil {
		t.Fatal(err)
	}
	return s
}

// importContexts installs the reference JSON-LD contexts (Data Integrity
// needs VC 1.1, edc-ap, the status list and Data Integrity contexts); it
// skips t without the reference folder.
func importContexts(t testing.TB, s *keys.Store) {
	t.Helper()
	if _, err := jsonld.Import(reftest.Path(t, "contexts"), s); err != nil {
		t.Fatal(err)
	}
}

func newTestIssuer(t testing.TB, s *keys.Store) *Issuer {
	t.Helper()
	i, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// testProfiles are every profile and proof.
var testProfiles = []Profile{
	{Name: EDC}, {Name: EBSI}, {Name: W3C}, {Name: W3C, Proof: ProofEdDSA}, {Name: EUDI},
	{Name: W3C, Proof: ProofECDSA}, {Name: W3C, Proof: ProofEdDSAJCS}, {Name: W3C, Proof: ProofECDSAJCS}, {Name: W3C, Proof: ProofECDSASD},
}

func builtin(t testing.TB, name string) *templates.Template {
	t.Helper()
	tm, err := templates.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// verify checks a credential with the mechanism of its profile (never the
// verifier package) and returns what it established.
func verify(t testing.TB, s *keys.Store, p Profile, cred []byte) *credentials.Verified {
	t.Helper()
	p, _ = p.normalize()
	var m credentials.Mechanism
	switch p.Proof {
	case ProofJAdES:
		m = &jades.Mechanism{}
	case ProofJWTVC:
		m = jose.JWTVCJSON{}
	case ProofVCJWT:
		m = jose.VCJWT{}
	case ProofEdDSA, ProofECDSA, ProofEdDSAJCS, ProofECDSAJCS, ProofECDSASD:
		suite, err := dataintegrity.New(p.Proof, dataintegrity.Options{Contexts: jsonld.New(jsonld.Options{Cache: s})})
		if err != nil {
			t.Fatal(err)
		}
		m = suite
	case ProofSDJWT:
		m = sdjwt.Mechanism{}
	}
	v, err := m.Verify(context.Background(), cred, did.Resolver{}, credentials.VerifyOptions{Skew: time.Minute})
	if err != nil {
		t.Fatalf("%s: verifying: %v", p, err)
	}
	return v
}

// statusOf returns the credentialStatus entries of a verified document (for
// eudi, inside the ELM it carries).
func statusOf(t testing.TB, p Profile, doc []byte) []map[string]any {
	t.Helper()
	if p.Name == EUDI {
		elm, err := sdjwt.ELMFromDC4EU(doc)
		if err != nil {
			t.Fatal(err)
		}
		doc = elm
	}
	var d struct {
		Status []map[string]any `json:"credentialStatus"`
		VC     *struct {
			Status []map[string]any `json:"credentialStatus"`
		} `json:"vc"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if d.Status == nil && d.VC != nil {
		return d.VC.Status
	}
	return d.Status
}

// toCSV writes records as a CSV file with dotted column names (title.en,
// course.1.ects), the way a spreadsheet export names them.
func toCSV(recs ...templates.Record) []byte {
	flat := make([]map[string]string, len(recs))
	cols := map[string]bool{}
	for k, r := range recs {
		flat[k] = map[string]string{}
		flatten("", map[string]any(r), flat[k])
		for c := range flat[k] {
			cols[c] = true
		}
	}
	var header []string
	for c := range cols {
		header = append(header, c)
	}
	sort.Strings(header)
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, f := range flat {
		for k, c := range header {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(f[c], `"`, `""`) + `"`)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func flatten(prefix string, v any, out map[string]string) {
	name := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if strings.HasPrefix(k, "@") {
				continue
			}
			flatten(name(k), e, out)
		}
	case templates.Record:
		flatten(prefix, map[string]any(t), out)
	case []any:
		for k, e := range t {
			flatten(name(fmt.Sprint(k+1)), e, out)
		}
	case nil:
	default:
		out[prefix] = fmt.Sprint(t)
	}
}
