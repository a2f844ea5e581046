package jsonx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// DecodeAny checks data with Check, then returns its value as generic Go
// values: exactly what encoding/json's Decoder with UseNumber gives when
// decoding into an any (map[string]any, []any, string, json.Number, bool and
// nil; an empty array is a non-nil []any), built in one pass over the
// checked bytes and several times faster than encoding/json. The error is
// Check's.
//
// It is for readers that walk a whole document as generic values (an ELM
// credential); for typed values, use Decode.
func DecodeAny(data []byte, lim Limits) (any, error) {
	if err := Check(data, lim); err != nil {
		return nil, err
	}
	return DecodeChecked(data), nil
}

// DecodeChecked is DecodeAny for data that has already passed Check (with
// any limits), for a caller that checked the same bytes a moment before:
// it does not check them again, and on data that did not pass Check it may
// panic. Like Members, it trusts its caller.
func DecodeChecked(data []byte) any {
	b := treeBuilder{d: data, names: make(map[string]string, 64), values: make(map[string]any, 64)}
	b.p = skipSpace(data, 0)
	return b.value()
}

// treeBuilder builds the value of input that passed Check, so it validates
// nothing: every byte sequence it meets is known to be well-formed.
type treeBuilder struct {
	d []byte
	p int
	// names interns member names, and values short string values
	// already boxed in an interface: documents repeat them ("id", "type",
	// "Concept"), and one copy of each is enough.
	names  map[string]string
	values map[string]any
	buf    []byte
}

// maxInterned is the longest string value interned.
const maxInterned = 32

func (b *treeBuilder) value() any {
	d := b.d
	switch c := d[b.p]; c {
	case '{':
		m := map[string]any{}
		b.p = skipSpace(d, b.p+1)
		if d[b.p] == '}' {
			b.p++
			return m
		}
		for {
			k := b.name(b.str())
			b.p = skipSpace(d, b.p)
			b.p = skipSpace(d, b.p+1) // ':'
			m[k] = b.value()
			b.p = skipSpace(d, b.p)
			if d[b.p] == '}' {
				b.p++
				return m
			}
			b.p = skipSpace(d, b.p+1) // ','
		}
	case '[':
		a := make([]any, 0, 4)
		b.p = skipSpace(d, b.p+1)
		if d[b.p] == ']' {
			b.p++
			return a
		}
		for {
			a = append(a, b.value())
			b.p = skipSpace(d, b.p)
			if d[b.p] == ']' {
				b.p++
				return a
			}
			b.p = skipSpace(d, b.p+1) // ','
		}
	case '"':
		return b.value1(b.str())
	case 't':
		b.p += 4
		return true
	case 'f':
		b.p += 5
		return false
	case 'n':
		b.p += 4
		return nil
	}
	start := b.p
	for b.p < len(d) {
		switch d[b.p] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return json.Number(d[start:b.p])
		}
		b.p++
	}
	return json.Number(d[start:b.p])
}

// str decodes the string at b.p (its opening quote). The bytes are those
// of the input, or of b.buf for a string with escapes: valid until the
// next call.
func (b *treeBuilder) str() []byte {
	d := b.d
	p := b.p + 1
	q := p
	// Most strings have no escape: the closing quote is then the first
	// quote, and bytes.IndexByte finds it and the absence of a backslash
	// before it far faster than a loop over a long string.
	if e := bytes.IndexByte(d[p:], '"'); e >= 0 && bytes.IndexByte(d[p:p+e], '\\') < 0 {
		b.p = p + e + 1
		return d[p : p+e]
	}
	for {
		// Eight bytes at a time while none is a quote or a backslash.
		for p+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[p:])
			if ((x^(ones*'"')-ones)|(x^(ones*'\\')-ones))&^x&highs != 0 {
				break
			}
			p += 8
		}
		for d[p] != '"' && d[p] != '\\' {
			p++
		}
		if d[p] == '"' {
			b.p = p + 1
			return d[q:p]
		}
		// An escape: decode the rest into buf.
		buf := append(b.buf[:0], d[q:p]...)
		sc := scanner{data: d}
		for d[p] != '"' {
			if d[p] == '\\' {
				p, _ = sc.escape(p, &buf)
				continue
			}
			buf = append(buf, d[p])
			p++
		}
		b.buf = buf
		b.p = p + 1
		return buf
	}
}

// name returns the member name s, interned.
func (b *treeBuilder) name(s []byte) string {
	if v, ok := b.names[string(s)]; ok {
		return v
	}
	v := string(s)
	b.names[v] = v
	return v
}

// value1 returns the string value s as an any: interned, boxed once, when
// short.
func (b *treeBuilder) value1(s []byte) any {
	if len(s) > maxInterned {
		return string(s)
	}
	if v, ok := b.values[string(s)]; ok {
		return v
	}
	v := string(s)
	b.values[v] = v
	return v
}

// Within names the members DecodeCheckedWithin decodes, by name, each with
// the Within of its own members; a nil Within decodes the member whole.
// Arrays are transparent: their elements have the Within of the array.
type Within map[string]Within

// DecodeCheckedWithin is DecodeChecked for a document of which a caller
// needs only some parts as values: a member of an object the Within of
// that object does not name keeps its object or array as a
// json.RawMessage, the bytes of data (aliased: data must not change while
// the value is in use); scalars are always decoded. Like DecodeChecked, it
// trusts data to have passed Check.
func DecodeCheckedWithin(data []byte, w Within) any {
	b := treeBuilder{d: data, names: make(map[string]string, 64), values: make(map[string]any, 64)}
	b.p = skipSpace(data, 0)
	return b.within(w)
}

// within is value for the parts of the document w names.
func (b *treeBuilder) within(w Within) any {
	if w == nil {
		return b.value()
	}
	d := b.d
	switch d[b.p] {
	case '{':
		m := map[string]any{}
		b.p = skipSpace(d, b.p+1)
		if d[b.p] == '}' {
			b.p++
			return m
		}
		for {
			k := b.name(b.str())
			b.p = skipSpace(d, b.p)
			b.p = skipSpace(d, b.p+1) // ':'
			if sub, ok := w[k]; ok {
				m[k] = b.within(sub)
			} else if c := d[b.p]; c == '{' || c == '[' {
				end := skipValue(d, b.p)
				m[k] = json.RawMessage(d[b.p:end:end])
				b.p = end
			} else {
				m[k] = b.value()
			}
			b.p = skipSpace(d, b.p)
			if d[b.p] == '}' {
				b.p++
				return m
			}
			b.p = skipSpace(d, b.p+1) // ','
		}
	case '[':
		a := make([]any, 0, 4)
		b.p = skipSpace(d, b.p+1)
		if d[b.p] == ']' {
			b.p++
			return a
		}
		for {
			a = append(a, b.within(w))
			b.p = skipSpace(d, b.p)
			if d[b.p] == ']' {
				b.p++
				return a
			}
			b.p = skipSpace(d, b.p+1) // ','
		}
	}
	return b.value()
}
