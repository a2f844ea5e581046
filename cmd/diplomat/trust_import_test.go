package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// --plain-xmldsig (accepting a trusted list without XAdES signed
// properties, for test lists) belongs to ETSI lists only.
func TestTrustImportPlainXMLDSigIsForETSIListsOnly(t *testing.T) {
	env := map[string]string{"DIPLOMAT_HOME": t.TempDir()}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"trust", "import", "--format", "lote", "--plain-xmldsig", "list.json"},
		func(k string) string { return env[k] }, nil, &out, &errOut)
	if code := exitCode(err, &errOut); code != 2 || !strings.Contains(errOut.String(), "--plain-xmldsig goes with --format etsi-tl") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
