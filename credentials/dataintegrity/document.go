package dataintegrity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
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

// onlyTopContext reports whether the document whose bytes are doc and
// whose value is m can have no "@context" member but a top-level one: its
// bytes spell @context at most once, for that member, and have no \u
// escape (the only one through which a name could spell it otherwise).
// checkInline then needs to look at that member only.
func onlyTopContext(doc []byte, m map[string]any) bool {
	if bytes.Contains(doc, []byte(`\u`)) {
		return false
	}
	_, top := m["@context"]
	switch bytes.Count(doc, []byte("@context")) {
	case 0:
		return true
	case 1:
		return top
	}
	return false
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

// setMembers returns doc, whose top-level members are members (as
// jsontree.DecodeObject found them), with the members in set replaced (or,
// if absent, added before the closing brace), keeping every other byte as
// is.
func setMembers(doc []byte, members []jsontree.Member, set map[string][]byte) ([]byte, error) {
	closing := bytes.LastIndexByte(doc, '}')
	if closing < 0 {
		return nil, fmt.Errorf("%w: the document must be a JSON object", credentials.ErrMalformed)
	}
	spans := map[string]span{}
	for _, m := range members {
		if _, ok := set[m.Name]; ok {
			spans[m.Name] = span{m.Start, m.End} // the last, as a decoder keeps it
		}
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
	nonEmpty := len(members) > 0
	for _, k := range keys {
		v := set[k]
		if s, ok := spans[k]; ok {
			edits = append(edits, edit{s.start, s.end, v})
			continue
		}
		name, _ := json.Marshal(k)
		text := append(append(append([]byte{}, name...), ':'), v...)
		if nonEmpty {
			text = append([]byte{','}, text...)
		}
		nonEmpty = true
		// Members added later go before those added earlier.
		edits = append(edits, edit{closing, closing, text})
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].at > edits[j].at })
	slices.Reverse(edits)
	size := len(doc)
	for _, e := range edits {
		size += len(e.text) - (e.end - e.at)
	}
	out := make([]byte, 0, size)
	last := 0
	for _, e := range edits {
		out = append(out, doc[last:e.at]...)
		out = append(out, e.text...)
		last = e.end
	}
	return append(out, doc[last:]...), nil
}
