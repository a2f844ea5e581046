package jose

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzParseCompact feeds the compact JWS parser, and the four verifiers
// behind it, arbitrary input. Seeds: testdata/fuzz/FuzzParseCompact, plus
// the reference tokens when the reference folder is present. With no keys to
// resolve, nothing may verify, and nothing may panic.
func FuzzParseCompact(f *testing.F) {
	f.Add([]byte("eyJhbGciOiJFZERTQSJ9.e30.AA"))
	f.Add([]byte("a.b.c.d.e"))
	f.Add([]byte(`{"issuer":"x"}`))
	if dir, ok := reftest.Available(); ok {
		for _, p := range []string{
			"vectors/vc-jose-cose/test-suite/tests/input/credential-jose-minimal.txt",
			"vectors/vc-jose-cose/test-suite/tests/input/presentation-jose-multiple.txt",
			"vectors/vc-jwt-1.1/generated/vc.jwt",
			"vectors/vc-jwt-1.1/generated/vp.jwt",
		} {
			if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
				f.Add(b)
			}
		}
	}
	mechs := []credentials.Mechanism{VCJWT{}, VPJWT{}, JWTVCJSON{}, JWTVPJSON{}}
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parseCompact(data, Limits{})
		if err == nil {
			if !bytes.HasPrefix(bytes.TrimSpace(data), tok.signingInput) {
				t.Fatal("signing input is not a prefix of the token")
			}
			if _, err := ParseHeader(data, Limits{}); err != nil {
				t.Fatalf("parseCompact accepts what ParseHeader refuses: %v", err)
			}
		}
		for _, m := range mechs {
			if v, err := m.Verify(context.Background(), data, mapResolver{}, credentials.VerifyOptions{}); err == nil {
				t.Fatalf("%s verified %q without any key: %+v", m.Name(), data, v)
			}
		}
	})
}
