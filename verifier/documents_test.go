package verifier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDocumentsAnswersFromAHostPathFolderOnly(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("registrar.example.edu/.well-known/did.json", `{"id":"did:web:registrar.example.edu"}`)
	write("registrar.example.edu/status/w3c/1/revocation", "eyJ…")
	write("big.example/list", strings.Repeat("x", 2000))
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("outside"), 0o600)
	if err := os.Symlink(secret, filepath.Join(dir, "registrar.example.edu", "escape")); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "registrar.example.edu", "folder"), 0o755)

	d, err := NewDocuments(dir, FetchLimits{MaxBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for url, want := range map[string]string{
		"https://registrar.example.edu/.well-known/did.json":    `{"id":"did:web:registrar.example.edu"}`,
		"https://REGISTRAR.example.edu/status/w3c/1/revocation": "eyJ…",
	} {
		got, err := d.Fetch(ctx, url)
		if err != nil || string(got) != want {
			t.Errorf("Fetch(%s) = %q, %v", url, got, err)
		}
	}
	for url, why := range map[string]string{
		"https://registrar.example.edu/status/w3c/2/revocation": "not in the documents folder",
		"https://other.example/.well-known/did.json":            "not in the documents folder",
		"https://registrar.example.edu/a/../../../etc/passwd":   "not a document URL",
		"https://registrar.example.edu/escape":                  "path escapes from parent",
		"https://registrar.example.edu/folder":                  "not a regular file",
		"https://big.example/list":                              "over the limit",
		"https://registrar.example.edu/status?x=1":              "not a document URL",
	} {
		_, err := d.Fetch(ctx, url)
		if !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), why) {
			t.Errorf("Fetch(%s) = %v, want ErrFetch saying %q", url, err, why)
		}
	}
	if _, err := NewDocuments(filepath.Join(dir, "missing"), FetchLimits{}); err == nil {
		t.Error("NewDocuments accepts a missing folder")
	}
}
