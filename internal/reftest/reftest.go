package reftest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the reference folder. It skips t (or fails it when
// DIPLOMAT_REFERENCE_REQUIRED=1) when the folder cannot be found.
func Dir(t testing.TB) string {
	t.Helper()
	dir, ok := find()
	if !ok {
		msg := "reference data not found: set DIPLOMAT_REFERENCE or place ../shared/reference beside the project"
		if os.Getenv("DIPLOMAT_REFERENCE_REQUIRED") == "1" {
			t.Fatal(msg + " (DIPLOMAT_REFERENCE_REQUIRED=1)")
		}
		t.Skip(msg)
	}
	return dir
}

// Path returns the path of a file or folder below the reference folder, given
// as slash-separated elements relative to it (for example "vectors/di-eddsa").
// It fails t if the folder exists but the named entry does not.
func Path(t testing.TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir(t)}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("reference entry missing: %v", err)
	}
	return p
}

// Read returns the contents of a reference file.
func Read(t testing.TB, rel ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, rel...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Available reports whether the reference folder can be found, without
// touching a test. It lets fuzz targets add reference seeds when present.
func Available() (string, bool) { return find() }

func find() (string, bool) {
	if d := os.Getenv("DIPLOMAT_REFERENCE"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, true
		}
		return "", false
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			ref := filepath.Join(dir, "..", "shared", "reference")
			if st, err := os.Stat(ref); err == nil && st.IsDir() {
				return ref, true
			}
			return "", false
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}
