package dataintegrity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// contextList returns the document's @context as a list, or an error
// wrapping credentials.ErrMalformed when it is missing or of the wrong type.
func contextList(v any, path string) ([]any, error) {
	switch c := v.(type) {
	case string:
		return []any{c}, nil
	case []any:
		if len(c) == 0 {
			return nil, fmt.Errorf("%w: %s is empty", credentials.ErrMalformed, path)
		}
		return c, nil
	case map[string]any:
		return []any{c}, nil
	case nil:
		return nil, fmt.Errorf("%w: %s is missing: a Data Integrity proof needs a JSON-LD document", credentials.ErrMalformed, path)
	}
	return nil, fmt.Errorf("%w: %s must be a string, an object or an array", credentials.ErrMalformed, path)
}

// ErrInlineContext is wrapped (with credentials.ErrMalformed) by the errors
// for a document with an inline context where only pinned context URLs are
// accepted (Options.AllowInlineContexts).
var ErrInlineContext = errors.New("inline JSON-LD context")

// checkInline refuses @context values other than URLs anywhere in v (the
// document or a proof), naming the JSON path.
func checkInline(v any, path string) error {
	if p := inlineContext(v); p != nil {
		return fmt.Errorf("%w: %w at %s%s: only pinned context URLs are accepted", credentials.ErrMalformed, ErrInlineContext, path, p)
	}
	return nil
}

// inlineContext returns the path (below v) of the first @context entry
// that is not a URL, or nil; the path is built only when one is found.
func inlineContext(v any) []byte {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "@context" {
				list, isList := e.([]any)
				if !isList {
					list = []any{e}
				}
				for i, c := range list {
					if _, ok := c.(string); !ok && c != nil {
						p := []byte(".@context")
						if isList {
							p = fmt.Appendf(p, "[%d]", i)
						}
						return p
					}
				}
				continue
			}
			if _, leaf := e.(string); leaf {
				continue
			}
			if p := inlineContext(e); p != nil {
				return append([]byte("."+k), p...)
			}
		}
	case []any:
		for i, e := range x {
			if p := inlineContext(e); p != nil {
				return append(fmt.Appendf(nil, "[%d]", i), p...)
			}
		}
	}
	return nil
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// hasContext reports whether the list names url.
func hasContext(list []any, url string) bool {
	return slices.ContainsFunc(list, func(v any) bool { s, ok := v.(string); return ok && s == url })
}

// startsWith reports whether doc begins with every element of prefix, in
// order (the check of a proof's @context against the document's).
func startsWith(doc, prefix []any) bool {
	if len(prefix) > len(doc) {
		return false
	}
	for i := range prefix {
		a, err1 := json.Marshal(doc[i])
		b, err2 := json.Marshal(prefix[i])
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			return false
		}
	}
	return true
}

// span is the byte range of one top-level member's value.
type span struct{ start, end int }

// topLevel returns the value spans of the top-level members of the JSON
// object doc (already checked by jsonx) and the offset of its closing brace.
func topLevel(doc []byte) (map[string]span, int, error) {
	spans := map[string]span{}
	err := jsonx.MemberBytes(doc, func(name, value []byte) bool {
		start := cap(doc) - cap(value)
		spans[string(name)] = span{start, start + len(value)}
		return true
	})
	closing := bytes.LastIndexByte(doc, '}')
	if err != nil || closing < 0 {
		return nil, 0, fmt.Errorf("%w: the document must be a JSON object", credentials.ErrMalformed)
	}
	return spans, closing, nil
}

// setMembers returns doc with the top-level members in set replaced (or, if
// absent, added before the closing brace), keeping every other byte as is.
func setMembers(doc []byte, set map[string][]byte) ([]byte, error) {
	spans, closing, err := topLevel(doc)
	if err != nil {
		return nil, err
	}
	type edit struct {
		at, end int
		text    []byte
	}
	var edits []edit
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := set[k]
		if s, ok := spans[k]; ok {
			edits = append(edits, edit{s.start, s.end, v})
			continue
		}
		name, _ := json.Marshal(k)
		text := append(append(append([]byte{}, name...), ':'), v...)
		if len(spans) > 0 {
			text = append([]byte{','}, text...)
		}
		edits = append(edits, edit{closing, closing, text})
		spans[k] = span{closing, closing}
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].at > edits[j].at })
	out := slices.Clone(doc)
	for _, e := range edits {
		out = slices.Concat(out[:e.at], e.text, out[e.end:])
	}
	return out, nil
}
