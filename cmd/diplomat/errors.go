package main

// Message rules for everything the CLI prints, after age's cmd/age/tui.go:
//   - stdout carries data only (tables, JSON, credentials); everything else
//     goes to stderr;
//   - errors are "diplomat: error: …", followed at most by one "hint: …" line;
//     warnings are "warning: …";
//   - messages are lowercase, with no final period, and say what went wrong,
//     where (file, row, field, JSON path) and what to do;
//   - never a Go stack trace, never secret material or personal data.

import (
	"context"
	"errors"
	"strings"
	"syscall"
)

// usageError is a mistake in how the command was called (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(msg string) error { return &usageError{msg: msg} }

// silentError carries an exit code for an outcome already reported on
// stdout, such as "not verified" (exit code 1, no error line).
type silentError struct{ code int }

func (e *silentError) Error() string { return "exit status" }

// hintError attaches a hint line to an error.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hint: hint}
}

// describe turns an error into an exit code, a message and a hint.
func describe(err error) (code int, msg, hint string) {
	var s *silentError
	if errors.As(err, &s) {
		return s.code, "", ""
	}
	if errors.Is(err, syscall.EPIPE) {
		// Whoever read stdout has gone (diplomat demo | head): nothing
		// to tell them.
		return 1, "", ""
	}
	if errors.Is(err, context.Canceled) {
		return 1, "interrupted", ""
	}
	code = 1
	var u *usageError
	if errors.As(err, &u) || isCobraUsage(err) {
		code = 2
		hint = "run 'diplomat help' or add --help to the command for its usage"
	}
	var h *hintError
	if errors.As(err, &h) {
		hint = h.hint
	}
	return code, err.Error(), hint
}

// isCobraUsage recognises the errors cobra itself returns for bad flags,
// unknown commands and wrong argument counts.
func isCobraUsage(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "requires exactly", "required flag"} {
		if strings.HasPrefix(m, p) || strings.Contains(m, " "+p) {
			return true
		}
	}
	return false
}
