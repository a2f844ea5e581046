package webpath

import (
	"errors"
	"strings"
	"testing"
)

func TestRel(t *testing.T) {
	good := map[string]string{
		"https://registrar.example.edu/.well-known/did.json":    "registrar.example.edu/.well-known/did.json",
		"https://Registrar.Example.EDU/status/w3c/1/revocation": "registrar.example.edu/status/w3c/1/revocation",
		"https://localhost:8443/status/eudi/1/suspension":       "localhost:8443/status/eudi/1/suspension",
		"http://localhost/status/w3c/1/revocation":              "localhost/status/w3c/1/revocation",
		"https://uni.example/users/registrar/did.json":          "uni.example/users/registrar/did.json",
	}
	for in, want := range good {
		if got, err := Rel(in); err != nil || got != want {
			t.Errorf("Rel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "ftp://x.example/a", "https:///a", "https://x.example", "https://x.example/",
		"https://x.example/status/", "https://x.example/a/../../etc/passwd", "https://x.example/a/%2e%2e/b",
		"https://x.example/a//b", "https://x.example/./a", "https://x.example/a?b=1", "https://x.example/a#f",
		"https://user:pw@x.example/a", "https://x.example/a%5cb", "https://x.example/a%00b", "urn:x:y", "/just/a/path",
		"https://x.example/..", "https://../a",
	} {
		if got, err := Rel(in); !errors.Is(err, ErrNotDocumentURL) {
			t.Errorf("Rel(%q) = %q, %v; want ErrNotDocumentURL", in, got, err)
		}
	}
}

func FuzzRel(f *testing.F) {
	f.Add("https://registrar.example.edu/status/w3c/1/revocation")
	f.Add("https://x.example/a/../b")
	f.Fuzz(func(t *testing.T, s string) {
		rel, err := Rel(s)
		if err != nil {
			return
		}
		for _, bad := range []string{"/../", "/./", "//", "\\", "\x00"} {
			if strings.Contains("/"+rel+"/", bad) {
				t.Fatalf("Rel(%q) = %q holds %q", s, rel, bad)
			}
		}
	})
}
