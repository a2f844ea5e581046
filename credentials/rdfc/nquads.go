package rdfc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrSyntax is wrapped by ParseNQuads errors, which name the line.
var ErrSyntax = errors.New("N-Quads syntax error")

// ParseNQuads parses an N-Quads document (RDF 1.1 N-Quads: IRIs, blank
// nodes, literals with \u, \U and character escapes, comments). Duplicate
// statements are kept: Canonicalize removes them. An error wraps ErrSyntax
// and names the line and column.
func ParseNQuads(data []byte) ([]Quad, error) { return parse(data, false) }

// ParseGeneralizedNQuads is ParseNQuads that also accepts blank nodes as
// predicates (generalized RDF, as JSON-LD's produceGeneralizedRdf makes).
func ParseGeneralizedNQuads(data []byte) ([]Quad, error) { return parse(data, true) }

func parse(data []byte, generalized bool) ([]Quad, error) {
	p := nqParser{s: string(data), line: 1, generalized: generalized}
	var out []Quad
	for {
		p.skipSpaceAndComments(true)
		if p.i >= len(p.s) {
			return out, nil
		}
		q, err := p.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
}

type nqParser struct {
	s         string
	i         int
	line      int
	lineStart int

	generalized bool
}

func (p *nqParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d, column %d: %s", ErrSyntax, p.line, p.i-p.lineStart+1, fmt.Sprintf(format, args...))
}

// skipSpaceAndComments skips blanks and comments; newlines too when nl.
func (p *nqParser) skipSpaceAndComments(nl bool) {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; c {
		case ' ', '\t':
			p.i++
		case '\n', '\r':
			if !nl {
				return
			}
			p.i++
			if c == '\n' || (p.i < len(p.s) && p.s[p.i] != '\n') {
				p.line++
				p.lineStart = p.i
			}
		case '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' && p.s[p.i] != '\r' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *nqParser) statement() (Quad, error) {
	var q Quad
	var err error
	if q[0], err = p.term("subject", true, true, false); err != nil {
		return q, err
	}
	if q[1], err = p.term("predicate", true, p.generalized, false); err != nil {
		return q, err
	}
	if q[2], err = p.term("object", true, true, true); err != nil {
		return q, err
	}
	p.skipSpaceAndComments(false)
	if p.i < len(p.s) && p.s[p.i] != '.' {
		if q[3], err = p.term("graph label", true, true, false); err != nil {
			return q, err
		}
		p.skipSpaceAndComments(false)
	}
	if p.i >= len(p.s) || p.s[p.i] != '.' {
		return q, p.errorf("expected '.' at the end of the statement")
	}
	p.i++
	p.skipSpaceAndComments(false)
	if p.i < len(p.s) && p.s[p.i] != '\n' && p.s[p.i] != '\r' {
		return q, p.errorf("unexpected %q after the statement", p.rest())
	}
	return q, nil
}

func (p *nqParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20]
	}
	return r
}

func (p *nqParser) term(what string, iri, blank, literal bool) (Term, error) {
	p.skipSpaceAndComments(false)
	if p.i >= len(p.s) {
		return Term{}, p.errorf("missing %s", what)
	}
	switch c := p.s[p.i]; {
	case c == '<' && iri:
		v, err := p.iriRef()
		return Term{Kind: IRI, Value: v}, err
	case c == '_' && blank:
		v, err := p.blankLabel()
		return Term{Kind: Blank, Value: v}, err
	case c == '"' && literal:
		return p.literal()
	}
	return Term{}, p.errorf("%s expected, found %q", what, p.rest())
}

func (p *nqParser) iriRef() (string, error) {
	p.i++ // '<'
	start := p.i
	var b []byte
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '>':
			v := p.s[start:p.i]
			if b != nil {
				v = string(b)
			}
			p.i++
			if !hasScheme(v) {
				return "", p.errorf("IRI <%s> is not absolute", v)
			}
			return v, nil
		case c == '\\':
			if b == nil {
				b = []byte(p.s[start:p.i])
			}
			r, err := p.uchar(false)
			if err != nil {
				return "", err
			}
			if r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r) {
				return "", p.errorf("escaped character U+%04X is not allowed in an IRI", r)
			}
			b = utf8.AppendRune(b, r)
			continue
		case c <= 0x20 || strings.IndexByte("<\"{}|^`", c) >= 0:
			return "", p.errorf("character %q is not allowed in an IRI", c)
		}
		if b != nil {
			b = append(b, c)
		}
		p.i++
	}
	return "", p.errorf("unterminated IRI")
}

func hasScheme(iri string) bool {
	colon := strings.IndexByte(iri, ':')
	if colon < 1 {
		return false
	}
	for i := 0; i < colon; i++ {
		c := iri[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// uchar reads \uXXXX or \UXXXXXXXX (and, when echar, the character escapes
// of literals) at p.i.
func (p *nqParser) uchar(echar bool) (rune, error) {
	if p.i+1 >= len(p.s) {
		return 0, p.errorf("unterminated escape")
	}
	e := p.s[p.i+1]
	n := 0
	switch e {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		if echar {
			p.i += 2
			switch e {
			case 't':
				return '\t', nil
			case 'b':
				return '\b', nil
			case 'n':
				return '\n', nil
			case 'r':
				return '\r', nil
			case 'f':
				return '\f', nil
			case '"', '\'', '\\':
				return rune(e), nil
			}
			p.i -= 2
		}
		return 0, p.errorf("invalid escape \\%c", e)
	}
	if p.i+2+n > len(p.s) {
		return 0, p.errorf("unterminated \\%c escape", e)
	}
	v, err := strconv.ParseUint(p.s[p.i+2:p.i+2+n], 16, 32)
	if err != nil || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, p.errorf("invalid \\%c escape %q", e, p.s[p.i:p.i+2+n])
	}
	p.i += 2 + n
	return rune(v), nil
}

func isPNCharsU(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == ':' || r >= 0x80 && r != 0xD7 && r != 0xF7
}

func (p *nqParser) blankLabel() (string, error) {
	if !strings.HasPrefix(p.s[p.i:], "_:") {
		return "", p.errorf("blank node label expected")
	}
	p.i += 2
	start := p.i
	r, size := utf8.DecodeRuneInString(p.s[p.i:])
	if !(isPNCharsU(r) || r >= '0' && r <= '9') || r == utf8.RuneError {
		return "", p.errorf("invalid blank node label")
	}
	p.i += size
	for p.i < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		if isPNCharsU(r) || r >= '0' && r <= '9' || r == '-' || r == '.' {
			p.i += size
			continue
		}
		break
	}
	for p.s[p.i-1] == '.' { // a label does not end with '.'
		p.i--
	}
	return p.s[start:p.i], nil
}

func (p *nqParser) literal() (Term, error) {
	p.i++ // '"'
	start := p.i
	var b []byte
	for {
		if p.i >= len(p.s) {
			return Term{}, p.errorf("unterminated literal")
		}
		c := p.s[p.i]
		if c == '"' {
			break
		}
		switch c {
		case '\\':
			if b == nil {
				b = []byte(p.s[start:p.i])
			}
			r, err := p.uchar(true)
			if err != nil {
				return Term{}, err
			}
			b = utf8.AppendRune(b, r)
			continue
		case '\n', '\r':
			return Term{}, p.errorf("newline in a literal")
		}
		if b != nil {
			b = append(b, c)
		}
		p.i++
	}
	v := p.s[start:p.i]
	if b != nil {
		v = string(b)
	}
	if !utf8.ValidString(v) {
		return Term{}, p.errorf("literal is not UTF-8")
	}
	p.i++
	t := Term{Kind: Literal, Value: v, Datatype: XSDString}
	switch {
	case strings.HasPrefix(p.s[p.i:], "^^"):
		p.i += 2
		if p.i >= len(p.s) || p.s[p.i] != '<' {
			return Term{}, p.errorf("datatype IRI expected after ^^")
		}
		dt, err := p.iriRef()
		if err != nil {
			return Term{}, err
		}
		t.Datatype = dt
	case p.i < len(p.s) && p.s[p.i] == '@':
		p.i++
		start := p.i
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (p.i > start && (c == '-' || c >= '0' && c <= '9')) {
				p.i++
				continue
			}
			break
		}
		tag := p.s[start:p.i]
		if tag == "" || strings.HasSuffix(tag, "-") || strings.Contains(tag, "--") {
			return Term{}, p.errorf("invalid language tag %q", tag)
		}
		t.Datatype, t.Lang = RDFLangString, tag
	}
	return t, nil
}
