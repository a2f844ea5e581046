// Package jsontree decodes JSON that has already been checked (by
// internal/jsonx.Check) into the generic values encoding/json gives with
// UseNumber: map[string]any, []any, string, json.Number, bool and nil.
//
// It copies the input into one string and slices every string and number
// out of it, so that a document costs one copy plus its maps and slices:
// several times less than encoding/json. The values share that string, so
// keeping any of them keeps the whole document in memory; it is for
// documents processed and dropped (Data Integrity's canonicalisation), not
// for values kept for long.
//
// Decode and Parse are not validators: given JSON that Check did not
// accept they return garbage or an error, never a panic. ParseChecked is:
// it accepts what Check accepts, and no more.
package jsontree

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrInvalid is returned for input that is not well-formed JSON.
var ErrInvalid = errors.New("jsontree: invalid JSON (not checked first)")

// Decode returns the value of data, which jsonx.Check accepted.
func Decode(data []byte) (any, error) {
	d := decoder{s: string(data)}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Member is a top-level member of an object: its name, and where its value
// starts and ends in the input.
type Member struct {
	Name       string
	Start, End int
}

// DecodeObject is Decode for data whose value must be an object (else
// ErrNotObject); it also returns the object's members, in input order.
func DecodeObject(data []byte) (map[string]any, []Member, error) {
	d := decoder{s: string(data)}
	d.space()
	if d.p >= len(d.s) || d.s[d.p] != '{' {
		return nil, nil, ErrNotObject
	}
	var members []Member
	m, err := d.object(0, &members)
	if err != nil {
		return nil, nil, err
	}
	return m, members, nil
}

// ErrNotObject is returned by DecodeObject for a value that is not an
// object.
var ErrNotObject = errors.New("jsontree: not a JSON object")

type decoder struct {
	s string
	p int
	// strict (ParseChecked) refuses what jsonx.Check refuses in strings:
	// control characters, invalid UTF-8 and lone surrogates.
	strict bool
}

const maxDepth = 10000

func (d *decoder) space() {
	for d.p < len(d.s) {
		switch d.s[d.p] {
		case ' ', '\t', '\n', '\r':
			d.p++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if d.p >= len(d.s) || depth > maxDepth {
		return nil, ErrInvalid
	}
	switch c := d.s[d.p]; {
	case c == '{':
		return d.object(depth, nil)
	case c == '[':
		d.p++
		a := make([]any, 0, 4)
		d.space()
		if d.p < len(d.s) && d.s[d.p] == ']' {
			d.p++
			return a, nil
		}
		for {
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			d.space()
			if d.p >= len(d.s) {
				return nil, ErrInvalid
			}
			if d.s[d.p] == ',' {
				d.p++
				continue
			}
			if d.s[d.p] == ']' {
				d.p++
				return a, nil
			}
			return nil, ErrInvalid
		}
	case c == '"':
		return d.str()
	case c == 't':
		return d.lit("true", true)
	case c == 'f':
		return d.lit("false", false)
	case c == 'n':
		return d.lit("null", nil)
	default:
		start := d.p
		if !d.number() {
			return nil, ErrInvalid
		}
		return json.Number(d.s[start:d.p]), nil
	}
}

// object reads the object at d.p, recording its members in members when
// it is not nil.
func (d *decoder) object(depth int, members *[]Member) (map[string]any, error) {
	d.p++
	m := make(map[string]any)
	d.space()
	if d.p < len(d.s) && d.s[d.p] == '}' {
		d.p++
		return m, nil
	}
	for {
		d.space()
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.p >= len(d.s) || d.s[d.p] != ':' {
			return nil, ErrInvalid
		}
		d.p++
		d.space()
		start := d.p
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		if members != nil {
			*members = append(*members, Member{k, start, d.p})
		}
		d.space()
		if d.p >= len(d.s) {
			return nil, ErrInvalid
		}
		if d.s[d.p] == ',' {
			d.p++
			continue
		}
		if d.s[d.p] == '}' {
			d.p++
			return m, nil
		}
		return nil, ErrInvalid
	}
}

func (d *decoder) lit(word string, v any) (any, error) {
	if len(d.s)-d.p < len(word) || d.s[d.p:d.p+len(word)] != word {
		return nil, ErrInvalid
	}
	d.p += len(word)
	return v, nil
}

// str reads a string at d.p, slicing it out of the input when it has no
// escape.
func (d *decoder) str() (string, error) {
	if d.p >= len(d.s) || d.s[d.p] != '"' {
		return "", ErrInvalid
	}
	d.p++
	start := d.p
	// Most strings (names, short values) end within a few bytes: a loop
	// finds the end faster than two IndexByte calls, which take over for
	// the rest of a long string.
	i := start
	for lim := min(len(d.s), start+32); i < lim; i++ {
		switch d.s[i] {
		case '"':
			d.p = i + 1
			return d.text(d.s[start:i])
		case '\\':
			d.p = i
			return d.escaped(start)
		}
	}
	end := strings.IndexByte(d.s[i:], '"')
	if end < 0 {
		return "", ErrInvalid
	}
	if j := strings.IndexByte(d.s[i:i+end], '\\'); j >= 0 {
		d.p = i + j
		return d.escaped(start)
	}
	d.p = i + end + 1
	return d.text(d.s[start : i+end])
}

// text returns s, a string's characters, or ErrInvalid if d is strict and
// s is not valid text (validText).
func (d *decoder) text(s string) (string, error) {
	if d.strict && !validText(s) {
		return "", ErrInvalid
	}
	return s, nil
}

// validText reports whether s is valid UTF-8 (as jsonx.Check has it:
// no surrogates, overlong forms or code points above U+10FFFF) without
// control characters (below U+0020).
func validText(s string) bool {
	i := 0
	// Eight bytes at a time while all are printable ASCII.
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if ((x-0x2020202020202020)|x)&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 {
			return false
		} else if c >= 0x80 {
			return utf8.ValidString(s[i:]) && !hasControl(s[i:])
		}
	}
	return true
}

// hasControl reports whether s has a byte below 0x20.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

func (d *decoder) escaped(start int) (string, error) {
	if d.strict && hasControl(d.s[start:d.p]) {
		return "", ErrInvalid
	}
	b := []byte(d.s[start:d.p])
	for d.p < len(d.s) {
		c := d.s[d.p]
		switch c {
		case '"':
			d.p++
			// Escapes make valid UTF-8 (or were refused), which neither
			// completes nor breaks a sequence of the other bytes.
			if d.strict && !utf8.Valid(b) {
				return "", ErrInvalid
			}
			return string(b), nil
		case '\\':
			if d.p+1 >= len(d.s) {
				return "", ErrInvalid
			}
			e := d.s[d.p+1]
			d.p += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", ErrInvalid
				}
				if utf16.IsSurrogate(r) {
					if d.strict && r >= 0xDC00 {
						return "", ErrInvalid // a lone low surrogate
					}
					r2 := rune(-1)
					if d.p+1 < len(d.s) && d.s[d.p] == '\\' && d.s[d.p+1] == 'u' {
						save := d.p
						d.p += 2
						if x, ok := d.hex4(); ok {
							r2 = x
						} else {
							d.p = save
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
					} else if d.strict {
						return "", ErrInvalid // a lone high surrogate
					} else {
						if r2 >= 0 {
							d.p -= 6 // not a pair: read the second escape on its own
						}
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", ErrInvalid
			}
		default:
			if c < 0x20 && d.strict {
				return "", ErrInvalid
			}
			b = append(b, c)
			d.p++
		}
	}
	return "", ErrInvalid
}

func (d *decoder) hex4() (rune, bool) {
	if d.p+4 > len(d.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(d.s[d.p:d.p+4], 16, 16)
	if err != nil {
		return 0, false
	}
	d.p += 4
	return rune(v), true
}
