package sdjwt

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Path names a claim in a JSON claims set, as SD-JWT VC type metadata does:
// each element is a string (an object member), a non-negative int (an array
// index) or nil (every element of an array). {"address", "street_address"},
// {"nationalities", 1} and {"degrees", nil, "grade"} are paths.
//
// Paths decoded from JSON arrays may hold float64 or json.Number indexes;
// they are accepted when integral.
type Path []any

// String renders p as a JSONPath-like string: $.address.street_address,
// $.nationalities[1], $.degrees[*].grade, $["odd.name"].
func (p Path) String() string {
	var sb strings.Builder
	sb.WriteByte('$')
	for _, e := range p {
		switch v := e.(type) {
		case nil:
			sb.WriteString("[*]")
		case string:
			if isIdent(v) {
				sb.WriteByte('.')
				sb.WriteString(v)
			} else {
				sb.WriteString("[" + strconv.Quote(v) + "]")
			}
		default:
			if i, ok := index(v); ok {
				sb.WriteString("[" + strconv.Itoa(i) + "]")
			} else {
				fmt.Fprintf(&sb, "[?%v]", v)
			}
		}
	}
	return sb.String()
}

// ParsePath reads the String form of a Path: an optional leading $, then
// .name, ["name"], [index] or [*] steps. "credentialSubject.dateOfBirth" and
// "$.degrees[*].grade" are paths.
func ParsePath(s string) (Path, error) {
	rest := strings.TrimPrefix(s, "$")
	var p Path
	first := true
	for rest != "" {
		switch {
		case rest[0] == '.' || first && rest[0] != '[':
			rest = strings.TrimPrefix(rest, ".")
			n := strings.IndexAny(rest, ".[")
			if n < 0 {
				n = len(rest)
			}
			if n == 0 {
				return nil, fmt.Errorf("path %q: empty member name", s)
			}
			p = append(p, rest[:n])
			rest = rest[n:]
		case strings.HasPrefix(rest, "[*]"):
			p = append(p, nil)
			rest = rest[3:]
		case strings.HasPrefix(rest, "[\""):
			q, err := strconv.QuotedPrefix(rest[1:])
			if err != nil || !strings.HasPrefix(rest[1+len(q):], "]") {
				return nil, fmt.Errorf("path %q: bad quoted member name", s)
			}
			name, _ := strconv.Unquote(q)
			p = append(p, name)
			rest = rest[2+len(q):]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", s)
			}
			i, err := strconv.Atoi(rest[1:end])
			if err != nil || i < 0 {
				return nil, fmt.Errorf("path %q: %q is not an array index", s, rest[1:end])
			}
			p = append(p, i)
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("path %q: unexpected %q", s, rest[:1])
		}
		first = false
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("path %q: empty", s)
	}
	return p, nil
}

// index returns an array index element as an int.
func index(e any) (int, bool) {
	switch v := e.(type) {
	case int:
		return v, v >= 0
	case float64:
		if v >= 0 && v == math.Trunc(v) && v < 1<<31 {
			return int(v), true
		}
	case json.Number:
		i, err := strconv.Atoi(string(v))
		return i, err == nil && i >= 0
	}
	return 0, false
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r == '@' || r == '#' || r == '-' && i > 0 || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

// child appends one step to p without sharing p's backing array.
func (p Path) child(e any) Path {
	q := make(Path, len(p), len(p)+1)
	copy(q, p)
	return append(q, e)
}

// covers reports whether p selects q or an ancestor of q: p is a prefix of
// q, with nil in p matching any index.
func (p Path) covers(q Path) bool {
	if len(p) > len(q) {
		return false
	}
	for i, e := range p {
		if !stepMatches(e, q[i]) {
			return false
		}
	}
	return true
}

func stepMatches(sel, actual any) bool {
	if sel == nil {
		_, ok := actual.(int)
		return ok
	}
	if s, ok := sel.(string); ok {
		a, ok := actual.(string)
		return ok && a == s
	}
	i, ok := index(sel)
	a, ok2 := actual.(int)
	return ok && ok2 && i == a
}
