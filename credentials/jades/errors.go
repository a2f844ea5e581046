package jades

import (
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
)

// Error is an error found in a JAdES signature or in what Sign was given. It
// wraps one of the credentials sentinel errors (ErrMalformed,
// ErrInvalidProof, ErrUnknownKey, ErrUnsupportedKey, ErrNotYetValid), so
// callers branch with errors.Is, and says where the problem is.
type Error struct {
	// Kind is the credentials sentinel error this error wraps.
	Kind error
	// Where names the part of the signature, e.g. "protected header: crit"
	// or "etsiU[0].sigTst"; empty when the whole input is meant.
	Where string
	// Reason says what is wrong.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	s := "jades: "
	if e.Where != "" {
		s += e.Where + ": "
	}
	s += e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func malformed(where, format string, args ...any) error {
	return &Error{Kind: credentials.ErrMalformed, Where: where, Reason: fmt.Sprintf(format, args...)}
}

func invalid(where, format string, args ...any) error {
	return &Error{Kind: credentials.ErrInvalidProof, Where: where, Reason: fmt.Sprintf(format, args...)}
}

func wrapErr(kind error, where, reason string, err error) error {
	return &Error{Kind: kind, Where: where, Reason: reason, Err: err}
}
