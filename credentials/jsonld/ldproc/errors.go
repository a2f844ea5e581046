package ldproc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrJSONLD is wrapped by every *Error.
var ErrJSONLD = errors.New("JSON-LD")

// ErrSafeMode is wrapped by the errors of safe mode: a value JSON-LD would
// drop or leave relative.
var ErrSafeMode = errors.New("JSON-LD safe mode")

// Error is a JSON-LD processing error.
type Error struct {
	// Code is the JSON-LD error code ("invalid IRI mapping",
	// "protected term redefinition", ...), or "safe mode" for a value
	// safe mode refuses.
	Code string
	// Path is the JSON path of the value at fault in the document
	// ("$.credentialSubject.achievement[2].title"), empty when unknown or
	// in a context.
	Path string
	// Detail says more.
	Detail string
	// Err is the cause, for a context that could not be loaded (a
	// *jsonld.ContextError from the pinned loader, for instance).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Path != "" {
		b.WriteString(" at ")
		b.WriteString(e.Path)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns ErrJSONLD, ErrSafeMode for a safe-mode error, and Err.
func (e *Error) Unwrap() []error {
	out := []error{ErrJSONLD}
	if e.Code == CodeSafeMode {
		out = append(out, ErrSafeMode)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Error codes used by callers.
const (
	CodeSafeMode            = "safe mode"
	CodeProtectedRedefining = "protected term redefinition"
	CodeLoadingRemote       = "loading remote context failed"
)

func errf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// path is the JSON path of the value being expanded, kept as a stack.
type path []any // string keys and int indices

func (p path) String() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, e := range p {
		switch v := e.(type) {
		case int:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(v))
			b.WriteByte(']')
		case string:
			if isPlainName(v) {
				b.WriteByte('.')
				b.WriteString(v)
			} else {
				b.WriteString("[")
				b.WriteString(strconv.Quote(v))
				b.WriteString("]")
			}
		}
	}
	return b.String()
}

func isPlainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '@' || c == '$' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
