package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// TestContextsImportReference imports ../shared/reference/contexts into a
// fresh store and lists them back as pinned.
func TestContextsImportReference(t *testing.T) {
	dir := reftest.Path(t, "contexts")
	env := map[string]string{"DIPLOMAT_HOME": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"contexts", "import", "--json", dir}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("import: %v (%s)", err, errOut.String())
	}
	var imported []struct{ URL, SHA256 string }
	if err := json.Unmarshal(out.Bytes(), &imported); err != nil || len(imported) < 15 {
		t.Fatalf("import output %q: %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"contexts", "list", "--json"}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("list: %v", err)
	}
	var rows []contextRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, r := range rows {
		if r.Source == "store" {
			stored++
			if r.Status != "pinned" {
				t.Errorf("%s: status %s", r.URL, r.Status)
			}
		}
	}
	if stored != len(imported) {
		t.Errorf("listed %d stored contexts, imported %d", stored, len(imported))
	}
}
