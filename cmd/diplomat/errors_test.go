package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

func TestExitCodesFollowTheMessageRules(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     int
		stderr   string
		wantHint bool
	}{
		{"success", nil, 0, "", false},
		{"failure", errors.New("the store is locked"), 1, "diplomat: error: the store is locked\n", false},
		{"usage", usagef("--record and --csv cannot be used together"), 2, "diplomat: error: --record and --csv cannot be used together\n", true},
		{"wrapped usage", fmt.Errorf("issue: %w", usagef("no template")), 2, "diplomat: error: issue: no template\n", true},
		{"not verified", &silentError{code: 1}, 1, "", false},
		{"closed pipe", fmt.Errorf("write /dev/stdout: %w", syscall.EPIPE), 1, "", false},
		{"interrupted", fmt.Errorf("issuing: %w", context.Canceled), 1, "diplomat: error: interrupted\n", false},
		{"hint", withHint(errors.New("no passphrase"), "set DIPLOMAT_PASSPHRASE"), 1, "diplomat: error: no passphrase\nhint: set DIPLOMAT_PASSPHRASE\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := exitCode(tt.err, &stderr); got != tt.code {
				t.Errorf("exit code = %d, want %d", got, tt.code)
			}
			out := stderr.String()
			if !strings.HasPrefix(out, tt.stderr) {
				t.Errorf("stderr = %q, want prefix %q", out, tt.stderr)
			}
			if got := strings.Contains(out, "hint: "); got != tt.wantHint {
				t.Errorf("hint printed = %v, want %v (stderr %q)", got, tt.wantHint, out)
			}
		})
	}
}

func TestRunReportsUnknownCommandAsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}
