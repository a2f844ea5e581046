package elm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzParse feeds arbitrary bytes to Parse, then writes, re-reads and
// checks what it accepted: nothing may panic, and what Marshal writes must
// parse again and write the same bytes.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"type":"EuropeanDigitalCredential","credentialSubject":{"hasClaim":[{"type":"LearningAchievement","title":{"en":["a"]}}]}}`))
	f.Add([]byte(`{"issuer":"urn:x","credentialSubject":{"id":"urn:schac:personalUniqueCode:int:esi:es:1","hasClaim":"urn:c"},"displayParameter":{"individualDisplay":{"displayDetail":{"page":1e400}}}}`))
	f.Add([]byte(`{"title":{"en":1},"validFrom":7,"type":[]}`))
	if dir, ok := reftest.Available(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "elm", "credential-sample.jsonld")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		c2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-Parse of %s: %v", out, err)
		}
		out2, err := Marshal(c2)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
		for _, p := range Profiles() {
			if _, err := Check(c, p, nil); err != nil {
				t.Fatal(err)
			}
		}
		_ = Summarise(c)
		_, _ = Declared(c)
	})
}
