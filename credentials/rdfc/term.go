package rdfc

import (
	"encoding/binary"
	"strings"
)

// Kind is what a Term is.
type Kind uint8

// The kinds of terms. The zero Kind is the default graph, as the graph of a
// Quad in no named graph.
const (
	DefaultGraph Kind = iota
	IRI
	Blank
	Literal
)

// Well-known datatype IRIs.
const (
	XSDString     = "http://www.w3.org/2001/XMLSchema#string"
	RDFLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// Term is an RDF term. For an IRI, Value is the IRI; for a blank node, Value
// is its label without "_:"; for a literal, Value is its lexical form,
// Datatype its datatype IRI (XSDString for a simple literal, RDFLangString
// with Lang set for a language-tagged string) and Lang its language tag.
// Terms are comparable with ==.
type Term struct {
	Kind     Kind
	Value    string
	Datatype string
	Lang     string
}

// NewIRI, NewBlank and NewLiteral build terms.
func NewIRI(iri string) Term { return Term{Kind: IRI, Value: iri} }

// NewBlank returns the blank node labelled label (without "_:").
func NewBlank(label string) Term { return Term{Kind: Blank, Value: label} }

// NewLiteral returns a literal; an empty datatype means xsd:string, or
// rdf:langString when lang is set.
func NewLiteral(value, datatype, lang string) Term {
	if datatype == "" {
		datatype = XSDString
		if lang != "" {
			datatype = RDFLangString
		}
	}
	return Term{Kind: Literal, Value: value, Datatype: datatype, Lang: lang}
}

// Quad is subject, predicate, object and graph; a graph of Kind
// DefaultGraph puts the quad in the default graph.
type Quad [4]Term

// AppendNQuad appends q as one canonical N-Quads line, newline included.
func AppendNQuad(b []byte, q Quad) []byte {
	for i := range q {
		if q[i].Kind == DefaultGraph {
			continue
		}
		if i > 0 {
			b = append(b, ' ')
		}
		b = AppendTerm(b, q[i])
	}
	return append(b, " .\n"...)
}

// AppendTerm appends t in canonical N-Quads form.
func AppendTerm(b []byte, t Term) []byte {
	switch t.Kind {
	case IRI:
		b = append(b, '<')
		b = append(b, t.Value...)
		return append(b, '>')
	case Blank:
		b = append(b, "_:"...)
		return append(b, t.Value...)
	case Literal:
		b = append(b, '"')
		b = appendEscaped(b, t.Value)
		b = append(b, '"')
		switch {
		case t.Datatype == RDFLangString && t.Lang != "":
			b = append(b, '@')
			b = append(b, t.Lang...)
		case t.Datatype != "" && t.Datatype != XSDString:
			b = append(b, "^^<"...)
			b = append(b, t.Datatype...)
			b = append(b, '>')
		}
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

// needsEscape marks the bytes canonical N-Quads escapes in a literal.
var needsEscape = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'], t[0x7f] = true, true, true
	return t
}()

// appendEscaped escapes a literal's lexical form as canonical N-Quads asks:
// \" \\ \n \r \t \b \f as such, other control characters as \u00XX.
func appendEscaped(b []byte, s string) []byte {
	for {
		i := 0
		// Eight bytes at a time while none needs escaping.
		for ; i+8 <= len(s); i += 8 {
			x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
			if hasLess(x, 0x20)|hasByte(x, '"')|hasByte(x, '\\')|hasByte(x, 0x7f) != 0 {
				break
			}
		}
		for i < len(s) && !needsEscape[s[i]] {
			i++
		}
		b = append(b, s[:i]...)
		if i == len(s) {
			return b
		}
		switch c := s[i]; c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
		}
		s = s[i+1:]
	}
}

const lo8, hi8 = 0x0101010101010101, 0x8080808080808080

// hasLess is non-zero if a byte of x is below n (n <= 128).
func hasLess(x, n uint64) uint64 { return (x - lo8*n) & ^x & hi8 }

// hasByte is non-zero if a byte of x is b.
func hasByte(x uint64, b byte) uint64 {
	y := x ^ (lo8 * uint64(b))
	return (y - lo8) & ^y & hi8
}

// String returns q as an N-Quads line.
func (q Quad) String() string { return string(AppendNQuad(nil, q)) }

// Serialize returns quads as N-Quads, one line each, in the order given.
func Serialize(quads []Quad) []byte {
	var sb strings.Builder
	var buf []byte
	for _, q := range quads {
		buf = AppendNQuad(buf[:0], q)
		sb.Write(buf)
	}
	return []byte(sb.String())
}
