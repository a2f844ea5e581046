package jsonld

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrUnknownContext is wrapped by errors for a context URL that is not
	// pinned, or pinned but not available from any configured source.
	ErrUnknownContext = errors.New("unknown JSON-LD context")
	// ErrContextMismatch is wrapped by errors for a context whose bytes do
	// not match any digest pinned for its URL.
	ErrContextMismatch = errors.New("JSON-LD context does not match its pinned digest")
)

// InstallHint is what the errors for a missing context tell the operator.
const InstallHint = "install it with `diplomat contexts import DIR`, or fetch it once with `diplomat contexts fetch URL`"

// ContextError is the error for a context that cannot be used. It wraps
// ErrUnknownContext or ErrContextMismatch.
type ContextError struct {
	// URL is the context URL, as named by the document.
	URL string
	// Source says where the bytes came from ("builtin", "cache", "fetch",
	// or a file name for Import); empty when nothing was found.
	Source string
	// Got is the SHA-256 (hex) of the bytes found, for a mismatch.
	Got string
	// Want are the digests pinned for URL, for a mismatch.
	Want []string
	// Err is ErrUnknownContext or ErrContextMismatch, possibly wrapping a
	// cause (a fetch error, a JSON error).
	Err error
}

func (e *ContextError) Error() string {
	switch {
	case errors.Is(e.Err, ErrContextMismatch):
		return fmt.Sprintf("context %s from %s: sha256 %s does not match the pinned %s", e.URL, e.Source, e.Got, strings.Join(e.Want, " or "))
	case e.Source != "":
		return fmt.Sprintf("context %s from %s: %v", e.URL, e.Source, e.Err)
	}
	return fmt.Sprintf("context %s: %v", e.URL, e.Err)
}

func (e *ContextError) Unwrap() error { return e.Err }
