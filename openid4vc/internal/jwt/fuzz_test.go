package jwt

import (
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; what it accepts has a signing input that
// is the token's first two parts, and a header and claims it can re-read.
func FuzzParse(f *testing.F) {
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2In0.eyJqdGkiOiJ4In0.AAAA")
	f.Add("e30.e30.")
	f.Add("a.b")
	f.Add("eyJjcml0IjpbImIiXX0.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		j, err := Parse(tok, 1<<16)
		if err != nil {
			return
		}
		if !strings.HasPrefix(tok, string(j.signingInput)+".") {
			t.Fatal("signing input is not the token's prefix")
		}
		if j.Has("crit") {
			t.Fatal("a crit header was accepted")
		}
		_, _, _ = j.JWK()
		_, _ = j.X5C()
		_, _, _ = j.Time("iat")
		_, _ = j.Audience()
	})
}
