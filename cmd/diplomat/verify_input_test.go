package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/verifier"
)

// endless is a reader that never ends, counting what was read from it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

// verify reads its input through a limit: an endless stdin, or a file
// larger than the verifier reads, is refused after at most the limit, never
// read whole first (issue 10, item 6c).
func TestVerifyReadsItsInputThroughALimit(t *testing.T) {
	home := t.TempDir()
	env := func(k string) string {
		if k == "DIPLOMAT_HOME" {
			return home
		}
		return ""
	}
	in := &endless{}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"verify", "-"}, env, in, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "standard input") || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("verify - of an endless input: %v", err)
	}
	if in.n > verifier.MaxInputBytes+1<<20 {
		t.Errorf("read %d bytes of stdin, the limit is %d", in.n, verifier.MaxInputBytes)
	}

	big := filepath.Join(t.TempDir(), "big.jwt")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(verifier.MaxInputBytes + 1); err != nil { // sparse: no disk
		t.Fatal(err)
	}
	f.Close()
	err = run(context.Background(), []string{"verify", big}, env, strings.NewReader(""), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "big.jwt") || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("verify of a file over the limit: %v", err)
	}
}
