package jsonx

import (
	"bytes"
	"errors"
)

// Members calls fn for each member of the top-level object in data, in
// document order, with the member's decoded name and the exact bytes of its
// value, until fn returns false. The value slices alias data.
//
// data must have passed Check: Members skips values by their brackets and
// quotes without checking them again. It returns an error if the top-level
// value is not an object.
func Members(data []byte, fn func(name string, value []byte) bool) error {
	return MemberBytes(data, func(name, value []byte) bool { return fn(string(name), value) })
}

// MemberBytes is Members without making a string of each name, for hot
// paths: name aliases data, except for a name with an escape, which is
// passed decoded in a fresh slice. Neither slice may be kept past fn's
// return unless copied.
func MemberBytes(data []byte, fn func(name, value []byte) bool) error {
	p := skipSpace(data, 0)
	if p >= len(data) || data[p] != '{' {
		return errors.New("json: the top-level value is not an object")
	}
	p = skipSpace(data, p+1)
	if p < len(data) && data[p] == '}' {
		return nil
	}
	for p < len(data) {
		end := skipString(data, p)
		if end < 0 {
			return errNotChecked
		}
		name := data[p+1 : end-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			u, err := Unquote(data[p:end])
			if err != nil {
				return errNotChecked
			}
			name = u
		}
		p = skipSpace(data, end)
		if p >= len(data) || data[p] != ':' {
			return errNotChecked
		}
		p = skipSpace(data, p+1)
		vend := skipValue(data, p)
		if vend < 0 {
			return errNotChecked
		}
		if !fn(name, data[p:vend]) {
			return nil
		}
		p = skipSpace(data, vend)
		if p >= len(data) {
			return errNotChecked
		}
		if data[p] == '}' {
			return nil
		}
		if data[p] != ',' {
			return errNotChecked
		}
		p = skipSpace(data, p+1)
	}
	return errNotChecked
}

var errNotChecked = errors.New("json: malformed object (input not checked with jsonx.Check)")

func skipSpace(d []byte, p int) int {
	for p < len(d) && (d[p] == ' ' || d[p] == '\t' || d[p] == '\n' || d[p] == '\r') {
		p++
	}
	return p
}

// skipString returns the offset after the string starting at p, or -1.
// A quote ends the string unless an odd run of backslashes precedes it
// (each backslash escapes the next byte); the quotes are found with
// bytes.IndexByte, many times faster than a loop over the bytes of the
// strings of a hundred kilobytes (embedded images) that credentials carry.
func skipString(d []byte, p int) int {
	if p >= len(d) || d[p] != '"' {
		return -1
	}
	start := p + 1
	for i := start; ; {
		q := bytes.IndexByte(d[i:], '"')
		if q < 0 {
			return -1
		}
		end := i + q
		n := 0
		for j := end - 1; j >= start && d[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return end + 1
		}
		i = end + 1
	}
}

// skipValue returns the offset after the value starting at p, or -1.
func skipValue(d []byte, p int) int {
	if p >= len(d) {
		return -1
	}
	switch d[p] {
	case '"':
		return skipString(d, p)
	case '{', '[':
		depth := 0
		for p < len(d) {
			switch d[p] {
			case '"':
				p = skipString(d, p)
				if p < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return p + 1
				}
			}
			p++
		}
		return -1
	}
	for p < len(d) {
		switch d[p] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return p
		}
		p++
	}
	return p
}

// Unquote decodes the JSON string literal s (with its quotes) and returns
// its bytes. It checks s as Check does (escapes, UTF-8, no lone
// surrogates) and fails unless s is exactly one string literal.
func Unquote(s []byte) ([]byte, error) {
	if len(s) < 2 || s[0] != '"' {
		return nil, &Error{Offset: 0, Path: "$", Reason: "not a JSON string"}
	}
	sc := scanner{data: s}
	out := make([]byte, 0, len(s))
	if err := sc.str(&out); err != nil {
		return nil, err
	}
	if sc.pos != len(s) {
		return nil, &Error{Offset: int64(sc.pos), Path: "$", Reason: "data after the JSON string"}
	}
	return out, nil
}

// Elements calls fn for each element of the top-level array in data, in
// order, with the exact bytes of the element, until fn returns false. Like
// Members, it expects data to have passed Check.
func Elements(data []byte, fn func(i int, value []byte) bool) error {
	p := skipSpace(data, 0)
	if p >= len(data) || data[p] != '[' {
		return errors.New("json: the top-level value is not an array")
	}
	p = skipSpace(data, p+1)
	if p < len(data) && data[p] == ']' {
		return nil
	}
	for i := 0; p < len(data); i++ {
		end := skipValue(data, p)
		if end < 0 {
			return errNotChecked
		}
		if !fn(i, data[p:end]) {
			return nil
		}
		p = skipSpace(data, end)
		if p >= len(data) {
			return errNotChecked
		}
		if data[p] == ']' {
			return nil
		}
		if data[p] != ',' {
			return errNotChecked
		}
		p = skipSpace(data, p+1)
	}
	return errNotChecked
}
