package sdjwt

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// appendJSON appends v as encoding/json's Encoder with SetEscapeHTML(false)
// writes it (without the final newline): member names sorted, the same
// string escapes. It writes the generic values an issuer builds
// (map[string]any, []any, []string, map[string]string, string,
// json.Number, bool, nil, int and int64) itself, a large credential's
// disclosures and payload several times faster than encoding/json's
// reflection, and hands anything else to encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	e, _ := encoders.Get().(*encoder)
	if e == nil {
		e = &encoder{}
	}
	out, err := e.append(b, v)
	clear(e.keys[:cap(e.keys)]) // keep no claim names alive in the pool
	e.keys = e.keys[:0]
	encoders.Put(e)
	return out, err
}

// encoders keep the member-name buffers of appendJSON between calls.
var encoders sync.Pool

// encoder is appendJSON's state: one buffer for the sorted member names of
// every object being written, each object's names after its parents'.
type encoder struct{ keys []string }

// bufferKeys appends the names of m to e.keys, sorted, and returns them
// and the length to cut e.keys back to once they are written. The slice
// returned stays valid while nested objects append after it.
func bufferKeys[V any](e *encoder, m map[string]V) ([]string, int) {
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	ks := e.keys[start:]
	slices.Sort(ks)
	return ks, start
}

// appendObject appends m, members sorted, each value written by value.
func appendObject[V any](e *encoder, b []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '{')
	ks, start := bufferKeys(e, m)
	for i, k := range ks {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, k)
		b = append(b, ':')
		var err error
		if b, err = value(b, m[k]); err != nil {
			return nil, err
		}
	}
	e.keys = e.keys[:start]
	return append(b, '}'), nil
}

func (e *encoder) append(b []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, t), nil
	case string:
		return appendQuoted(b, t), nil
	case json.Number:
		if t == "" {
			return append(b, '0'), nil
		}
		if !validNumber(string(t)) {
			return appendEncoded(b, v)
		}
		return append(b, t...), nil
	case checkedJSON:
		return append(b, jsonx.CompactValid(t)...), nil
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case []any:
		if t == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, el := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.append(b, el); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if t == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendQuoted(b, e)
		}
		return append(b, ']'), nil
	case map[string]any:
		return appendObject(e, b, t, e.append)
	case map[string]string:
		return appendObject(e, b, t, func(b []byte, s string) ([]byte, error) { return appendQuoted(b, s), nil })
	}
	return appendEncoded(b, v)
}

// appendEncoded appends v as encoding/json writes it, HTML unescaped.
func appendEncoded(b []byte, v any) ([]byte, error) {
	buf := jsonBuffer{b: b}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := buf.b
	if n := len(out); n > len(b) && out[n-1] == '\n' {
		out = out[:n-1]
	}
	return out, nil
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string the way encoding/json does with
// HTML escaping off: \" \\ \b \f \n \r \t, other control characters as
// \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// validNumber reports whether s is a JSON number (RFC 8259 section 6).
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}
