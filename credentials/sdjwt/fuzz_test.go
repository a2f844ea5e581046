package sdjwt

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzParse feeds arbitrary strings to Parse and, when they parse, to
// Process, String and the VC and VP mechanisms (which check the processed
// VC 2.0 document before any key is looked up): nothing may panic, and
// String must give back the input. Seeds: testdata/fuzz/FuzzParse and,
// when present, the reference examples and the W3C VC-JOSE-COSE suite's
// SD-JWT fixtures.
func FuzzParse(f *testing.F) {
	f.Add("")
	f.Add("~")
	f.Add(dummyJWT + "~")
	f.Add(dummyJWT + "~" + b64.EncodeToString([]byte(`["s","a",1]`)) + "~")
	f.Add(dummyJWT + "~WyJ!~a.b.c")
	if dir, ok := reftest.Available(); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "vectors", "sd-jwt", "*", "0*.txt"))
		w3c, _ := filepath.Glob(filepath.Join(dir, "vectors", "vc-jose-cose", "test-suite", "tests", "input", "*sdjwt*.txt"))
		files = append(files, w3c...)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		sd, err := Parse(s)
		if err != nil {
			return
		}
		if got := sd.String(); got != strings.TrimSpace(s) {
			t.Fatalf("String() = %q, want %q", got, s)
		}
		_, _ = sd.Process()
		_, _ = sd.HolderKey()
		_, _ = VC{}.Verify(context.Background(), []byte(s), nil, credentials.VerifyOptions{})
		_, _ = VP{}.Verify(context.Background(), []byte(s), nil, credentials.VerifyOptions{})
	})
}
