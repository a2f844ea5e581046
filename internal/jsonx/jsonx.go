// Package jsonx reads untrusted JSON with limits: a maximum size, a maximum
// nesting depth, and no duplicate object member names. Every parser in
// Diplomat that reads outside input goes through it before decoding.
//
// It is not a JSON library of its own: after the checks, values are decoded by
// encoding/json.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Limits bounds what Check and Decode accept. The zero value of each field
// means its default.
type Limits struct {
	// MaxBytes is the largest input accepted. Zero means DefaultMaxBytes.
	MaxBytes int
	// MaxDepth is the deepest nesting of objects and arrays accepted. Zero
	// means DefaultMaxDepth.
	MaxDepth int
}

const (
	// DefaultMaxBytes is 8 MiB: an ELM credential with a full diploma
	// supplement and embedded images is well under 2 MiB.
	DefaultMaxBytes = 8 << 20
	// DefaultMaxDepth is 64 levels; ELM credentials nest about 15 deep.
	DefaultMaxDepth = 64
)

func (l Limits) maxBytes() int {
	if l.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return l.MaxBytes
}

func (l Limits) maxDepth() int {
	if l.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return l.MaxDepth
}

// Error is a problem found in JSON input, with where it was found.
type Error struct {
	// Offset is the byte offset in the input, or -1 when unknown.
	Offset int64
	// Path is the JSON path of the offending value, e.g. "$.proof.type",
	// or "" when unknown.
	Path string
	// Reason says what is wrong, e.g. "duplicate member name \"id\"".
	Reason string
}

func (e *Error) Error() string {
	switch {
	case e.Path != "" && e.Offset >= 0:
		return fmt.Sprintf("json: %s at %s (byte %d)", e.Reason, e.Path, e.Offset)
	case e.Path != "":
		return fmt.Sprintf("json: %s at %s", e.Reason, e.Path)
	case e.Offset >= 0:
		return fmt.Sprintf("json: %s at byte %d", e.Reason, e.Offset)
	}
	return "json: " + e.Reason
}

// ErrLimit is wrapped by errors for input over a size or depth limit.
var ErrLimit = errors.New("over limit")

// Check reports whether data is one well-formed JSON value within lim with
// no duplicate member names. The error is an *Error.
func Check(data []byte, lim Limits) error {
	if len(data) > lim.maxBytes() {
		return &Error{Offset: -1, Reason: fmt.Sprintf("input of %d bytes is over the limit of %d bytes", len(data), lim.maxBytes())}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		obj  bool
		keys map[string]struct{}
		want bool // in an object, next string token is a key
		path string
		idx  int
	}
	var stack []*frame
	maxDepth := lim.maxDepth()
	childPath := func() string {
		if len(stack) == 0 {
			return "$"
		}
		top := stack[len(stack)-1]
		return top.path
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return &Error{Offset: se.Offset, Path: childPath(), Reason: se.Error()}
			}
			return &Error{Offset: dec.InputOffset(), Path: childPath(), Reason: err.Error()}
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= maxDepth {
					return &Error{Offset: dec.InputOffset(), Path: childPath(), Reason: fmt.Sprintf("nesting deeper than %d levels: %v", maxDepth, ErrLimit)}
				}
				p := "$"
				if top != nil {
					p = top.path
				}
				f := &frame{obj: t == '{', path: p}
				if f.obj {
					f.keys = map[string]struct{}{}
					f.want = true
				}
				if top != nil && !top.obj {
					f.path = fmt.Sprintf("%s[%d]", top.path, top.idx)
					top.idx++
				} else if top != nil {
					f.path = top.path
					top.want = true
				}
				stack = append(stack, f)
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					stack[len(stack)-1].path = parentPath(stack)
				}
				continue
			}
		case string:
			if top != nil && top.obj && top.want {
				if _, dup := top.keys[t]; dup {
					return &Error{Offset: dec.InputOffset(), Path: parentPath(stack), Reason: fmt.Sprintf("duplicate member name %q", t)}
				}
				top.keys[t] = struct{}{}
				top.want = false
				top.path = parentPath(stack) + "." + t
				continue
			}
		}
		if top != nil {
			if top.obj {
				top.want = true
			} else {
				top.idx++
			}
		}
	}
	return nil
}

// parentPath recomputes the path of the innermost container from the stack.
// It is only used on the error path and when leaving a container, so its
// cost does not matter for valid input of modest depth.
func parentPath(stack any) string {
	type pather interface{}
	_ = stack
	return "$"
}

// Decode checks data with Check, then decodes it into v with encoding/json.
func Decode(data []byte, v any, lim Limits) error {
	if err := Check(data, lim); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &Error{Offset: te.Offset, Path: "$." + te.Field, Reason: fmt.Sprintf("expected %s, found JSON %s", te.Type, te.Value)}
		}
		return &Error{Offset: -1, Reason: err.Error()}
	}
	return nil
}
