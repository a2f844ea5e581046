package jsonx

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Limits bounds what Check and Decode accept. The zero value of each field
// means its default.
type Limits struct {
	// MaxBytes is the largest input accepted. Zero (or a negative value)
	// means DefaultMaxBytes.
	MaxBytes int
	// MaxDepth is the deepest nesting of objects and arrays accepted: a
	// top-level object is depth 1. Zero (or a negative value) means
	// DefaultMaxDepth.
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
//
// Errors for input over a limit wrap ErrLimit (errors.Is(err, ErrLimit)).
type Error struct {
	// Offset is the byte offset in the input where the problem was seen,
	// or -1 when unknown. For input over the size limit it is the limit.
	Offset int64
	// Path is the JSON path of the offending value, e.g. "$.proof.type" or
	// "$.credentialSubject.hasClaim[0].title"; member names that are not
	// plain words are written in brackets ($["a.b"]). "" when unknown.
	Path string
	// Reason says what is wrong, e.g. "duplicate member name \"id\"".
	Reason string

	err error // wrapped sentinel (ErrLimit) or nil
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

// Unwrap returns ErrLimit for errors about a size or depth limit, nil
// otherwise.
func (e *Error) Unwrap() error { return e.err }

// ErrLimit is wrapped by errors for input over a size or depth limit.
var ErrLimit = errors.New("over limit")

// Check reports whether data is one well-formed JSON value (RFC 8259)
// within lim, with no duplicate member names in any object. Surrounding
// whitespace is allowed; anything else after the value is not.
//
// Check is stricter than encoding/json in two ways, both from I-JSON
// (RFC 7493): strings must be valid UTF-8, and \u escapes must not encode
// a lone surrogate. Member names are compared after decoding escapes, so
// "a" and "\u0061" are duplicates.
//
// Check reads data in one pass and does not allocate for objects of up to
// 16 members beyond a small per-call stack. The error is an *Error.
func Check(data []byte, lim Limits) error {
	if len(data) > lim.maxBytes() {
		return &Error{
			Offset: int64(lim.maxBytes()),
			Reason: fmt.Sprintf("input of %d bytes is over the limit of %d bytes", len(data), lim.maxBytes()),
			err:    ErrLimit,
		}
	}
	return check(data, lim, nil)
}

// CheckMembers is Check, and calls fn with each member of data when data
// is an object, in document order, as the one pass reaches its end: name
// is the decoded member name, value the member's value as it is in data
// (no surrounding whitespace). Neither slice may be kept past fn's return
// unless copied (value aliases data). fn is called before the rest of
// data is checked: when CheckMembers returns an error, what fn was given
// must be discarded. It saves a second pass over data where a caller
// needs both the check and the members.
func CheckMembers(data []byte, lim Limits, fn func(name, value []byte)) error {
	return check(data, lim, fn)
}

func check(data []byte, lim Limits, fn func(name, value []byte)) error {
	if len(data) > lim.maxBytes() {
		return &Error{
			Offset: int64(lim.maxBytes()),
			Reason: fmt.Sprintf("input of %d bytes is over the limit of %d bytes", len(data), lim.maxBytes()),
			err:    ErrLimit,
		}
	}
	s, _ := scanners.Get().(*scanner)
	if s == nil {
		s = &scanner{stack: make([]frame, 0, 16)}
	}
	s.data, s.pos, s.maxDepth, s.stack, s.members = data, 0, lim.maxDepth(), s.stack[:0], fn
	err := s.run()
	s.data, s.members = nil, nil
	scanners.Put(s)
	return err
}

// Decode checks data with Check, then decodes it into v with encoding/json.
// A value of the wrong type for v is reported as an *Error with the path of
// the member.
func Decode(data []byte, v any, lim Limits) error {
	if err := Check(data, lim); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			p := "$"
			if te.Field != "" {
				p = "$." + te.Field
			}
			return &Error{Offset: te.Offset, Path: p, Reason: fmt.Sprintf("expected %s, found JSON %s", te.Type, te.Value)}
		}
		return &Error{Offset: -1, Reason: err.Error()}
	}
	return nil
}

// smallObject is the number of members up to which duplicate names are
// found by a linear scan; above it, a map (reused between objects at the
// same depth) takes over.
const smallObject = 16

type span struct{ start, end int }

// frame is one open object or array.
type frame struct {
	obj bool
	// idx is the index of the current element (arrays) or of the current
	// member's name in names (objects); -1 before the first.
	idx int
	// arena holds the decoded names of the object's members, back to back;
	// names are their spans. Both are reused between objects at the same
	// depth.
	arena []byte
	names []span
	set   map[string]struct{}
}

// scanners recycles scanners, with their stacks and name arenas, between
// calls to Check.
var scanners sync.Pool

type scanner struct {
	data     []byte
	pos      int
	maxDepth int
	stack    []frame
	// members, when set, is given each member of a top-level object
	// (CheckMembers); vstart is where the current one's value starts.
	members func(name, value []byte)
	vstart  int
}

const (
	stValue = iota // a value is expected
	stAfter        // a value has just ended
	stName         // an object member name is expected
)

func (s *scanner) run() error {
	data := s.data
	state := stValue
	for {
		switch state {
		case stValue:
			s.skipWS()
			if s.pos >= len(data) {
				return s.fail(s.pos, "unexpected end of input, expecting a value")
			}
			if s.members != nil && len(s.stack) == 1 {
				s.vstart = s.pos
			}
			switch c := data[s.pos]; {
			case c == '{' || c == '[':
				if len(s.stack) >= s.maxDepth {
					e := s.fail(s.pos, fmt.Sprintf("nesting deeper than %d levels", s.maxDepth))
					e.err = ErrLimit
					return e
				}
				s.push(c == '{')
				s.pos++
				s.skipWS()
				if s.pos < len(data) && (data[s.pos] == '}' && c == '{' || data[s.pos] == ']' && c == '[') {
					s.pos++
					s.stack = s.stack[:len(s.stack)-1]
					state = stAfter
					continue
				}
				if c == '{' {
					state = stName
				} else {
					s.stack[len(s.stack)-1].idx = 0
				}
			case c == '"':
				if err := s.str(nil); err != nil {
					return err
				}
				state = stAfter
			case c == '-' || c >= '0' && c <= '9':
				if err := s.number(); err != nil {
					return err
				}
				state = stAfter
			case c == 't':
				if err := s.literal("true"); err != nil {
					return err
				}
				state = stAfter
			case c == 'f':
				if err := s.literal("false"); err != nil {
					return err
				}
				state = stAfter
			case c == 'n':
				if err := s.literal("null"); err != nil {
					return err
				}
				state = stAfter
			default:
				return s.fail(s.pos, "invalid character "+quoteByte(c)+" looking for the beginning of a value")
			}

		case stAfter:
			s.skipWS()
			if len(s.stack) == 0 {
				if s.pos < len(data) {
					return s.fail(s.pos, "invalid character "+quoteByte(data[s.pos])+" after the top-level value")
				}
				return nil
			}
			if s.pos >= len(data) {
				return s.fail(s.pos, "unexpected end of input")
			}
			top := &s.stack[len(s.stack)-1]
			c := data[s.pos]
			if s.members != nil && len(s.stack) == 1 && top.obj && (c == ',' || c == '}') {
				end := s.pos
				for end > s.vstart && isSpace(data[end-1]) {
					end--
				}
				sp := top.names[len(top.names)-1]
				s.members(top.arena[sp.start:sp.end], data[s.vstart:end])
			}
			switch {
			case c == ',':
				s.pos++
				if top.obj {
					state = stName
				} else {
					top.idx++
					state = stValue
				}
			case c == '}' && top.obj || c == ']' && !top.obj:
				s.pos++
				s.stack = s.stack[:len(s.stack)-1]
			case top.obj:
				return s.fail(s.pos, "invalid character "+quoteByte(c)+" after an object member, expecting ',' or '}'")
			default:
				return s.fail(s.pos, "invalid character "+quoteByte(c)+" after an array element, expecting ',' or ']'")
			}

		case stName:
			s.stack[len(s.stack)-1].idx = -1 // errors before the name is read belong to the object
			s.skipWS()
			if s.pos >= len(data) {
				return s.fail(s.pos, "unexpected end of input, expecting an object member name")
			}
			if data[s.pos] != '"' {
				return s.fail(s.pos, "invalid character "+quoteByte(data[s.pos])+" looking for an object member name")
			}
			start := s.pos
			top := &s.stack[len(s.stack)-1]
			a0 := len(top.arena)
			if err := s.str(&top.arena); err != nil {
				return err
			}
			top = &s.stack[len(s.stack)-1]
			if err := s.member(top, a0, start); err != nil {
				return err
			}
			s.skipWS()
			if s.pos >= len(data) {
				return s.fail(s.pos, "unexpected end of input, expecting ':'")
			}
			if data[s.pos] != ':' {
				return s.fail(s.pos, "invalid character "+quoteByte(data[s.pos])+" after an object member name, expecting ':'")
			}
			s.pos++
			state = stValue
		}
	}
}

// member records the name just decoded into top.arena[a0:] and reports a
// duplicate.
func (s *scanner) member(top *frame, a0, start int) error {
	name := top.arena[a0:]
	n := len(top.names)
	dup := false
	if n < smallObject {
		for _, sp := range top.names {
			if sp.end-sp.start == len(name) && string(top.arena[sp.start:sp.end]) == string(name) {
				dup = true
				break
			}
		}
	} else {
		if top.set == nil {
			top.set = make(map[string]struct{}, 2*smallObject)
		}
		if n == smallObject { // switch to the map
			clear(top.set)
			for _, sp := range top.names {
				top.set[string(top.arena[sp.start:sp.end])] = struct{}{}
			}
		}
		if _, ok := top.set[string(name)]; ok {
			dup = true
		} else {
			top.set[string(name)] = struct{}{}
		}
	}
	top.names = append(top.names, span{a0, len(top.arena)})
	top.idx = n
	if dup {
		return s.fail(start, "duplicate member name "+strconv.Quote(string(name)))
	}
	return nil
}

func (s *scanner) push(obj bool) {
	if len(s.stack) < cap(s.stack) {
		s.stack = s.stack[:len(s.stack)+1]
		f := &s.stack[len(s.stack)-1]
		f.obj, f.idx = obj, -1
		f.arena, f.names = f.arena[:0], f.names[:0]
		return
	}
	if s.stack == nil {
		s.stack = make([]frame, 0, 16)
	}
	s.stack = append(s.stack, frame{obj: obj, idx: -1})
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
		s.pos += len(lit)
		return nil
	}
	for i := 0; i < len(lit); i++ {
		if s.pos+i >= len(s.data) {
			return s.fail(s.pos+i, "unexpected end of input in literal "+lit)
		}
		if s.data[s.pos+i] != lit[i] {
			return s.fail(s.pos+i, "invalid character "+quoteByte(s.data[s.pos+i])+" in literal "+lit)
		}
	}
	return nil // unreachable
}

func (s *scanner) number() error {
	d := s.data
	p := s.pos
	if d[p] == '-' {
		p++
	}
	switch {
	case p >= len(d):
		return s.fail(p, "unexpected end of input in number")
	case d[p] == '0':
		p++
	case d[p] >= '1' && d[p] <= '9':
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
	default:
		return s.fail(p, "invalid character "+quoteByte(d[p])+" in number, expecting a digit")
	}
	if p < len(d) && d[p] == '.' {
		p++
		q := p
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
		if p == q {
			return s.failNum(p, "after the decimal point")
		}
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		q := p
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
		if p == q {
			return s.failNum(p, "in the exponent")
		}
	}
	s.pos = p
	return nil
}

func (s *scanner) failNum(p int, where string) *Error {
	if p >= len(s.data) {
		return s.fail(p, "unexpected end of input in number, expecting a digit "+where)
	}
	return s.fail(p, "invalid character "+quoteByte(s.data[p])+" in number, expecting a digit "+where)
}

// plain marks the bytes a string may hold without further checks: not the
// quote, not the backslash, no control characters, ASCII only.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// str scans the string starting at s.pos (at its opening quote). When dst is
// not nil the decoded string is appended to it.
func (s *scanner) str(dst *[]byte) error {
	d := s.data
	p := s.pos + 1
	for {
		q := p
		// Eight bytes at a time while none is a quote, a backslash, a
		// control character or non-ASCII, then byte by byte.
		for p+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[p:])
			if ((x-ones*0x20)|(x^(ones*'"')-ones)|(x^(ones*'\\')-ones)|x)&highs != 0 {
				break
			}
			p += 8
		}
		for p < len(d) && plain[d[p]] {
			p++
		}
		if dst != nil {
			*dst = append(*dst, d[q:p]...)
		}
		if p >= len(d) {
			return s.fail(p, "unexpected end of input in string")
		}
		switch c := d[p]; {
		case c == '"':
			s.pos = p + 1
			return nil
		case c == '\\':
			n, err := s.escape(p, dst)
			if err != nil {
				return err
			}
			p = n
		case c < 0x20:
			return s.fail(p, "invalid control character "+quoteByte(c)+" in string")
		default:
			n := utf8Len(d[p:])
			if n == 0 {
				return s.fail(p, "invalid UTF-8 in string")
			}
			if dst != nil {
				*dst = append(*dst, d[p:p+n]...)
			}
			p += n
		}
	}
}

// escape reads the escape sequence at p (at the backslash) and returns the
// offset after it.
func (s *scanner) escape(p int, dst *[]byte) (int, error) {
	d := s.data
	if p+1 >= len(d) {
		return 0, s.fail(p+1, "unexpected end of input in string escape")
	}
	var b byte
	switch d[p+1] {
	case '"', '\\', '/':
		b = d[p+1]
	case 'b':
		b = '\b'
	case 'f':
		b = '\f'
	case 'n':
		b = '\n'
	case 'r':
		b = '\r'
	case 't':
		b = '\t'
	case 'u':
		r, ok := hex4(d, p+2)
		if !ok {
			return 0, s.fail(p, "invalid \\u escape in string")
		}
		next := p + 6
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return 0, s.fail(p, "lone surrogate \\u"+string(d[p+2:p+6])+" in string")
		case r >= 0xD800 && r <= 0xDBFF:
			lo, ok := rune(0), false
			if next+1 < len(d) && d[next] == '\\' && d[next+1] == 'u' {
				lo, ok = hex4(d, next+2)
			}
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return 0, s.fail(p, "lone surrogate \\u"+string(d[p+2:p+6])+" in string")
			}
			r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			next += 6
		}
		if dst != nil {
			*dst = appendRune(*dst, r)
		}
		return next, nil
	default:
		return 0, s.fail(p, "invalid escape "+quoteByte(d[p+1])+" in string")
	}
	if dst != nil {
		*dst = append(*dst, b)
	}
	return p + 2, nil
}

func hex4(d []byte, p int) (rune, bool) {
	if p+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[p : p+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// utf8Len returns the length of the valid UTF-8 sequence (of two bytes or
// more) at the start of b, or 0 if it is not valid: no overlong forms, no
// surrogates, nothing above U+10FFFF.
func utf8Len(b []byte) int {
	c := b[0]
	cont := func(i int, lo, hi byte) bool { return i < len(b) && b[i] >= lo && b[i] <= hi }
	switch {
	case c >= 0xC2 && c <= 0xDF:
		if cont(1, 0x80, 0xBF) {
			return 2
		}
	case c == 0xE0:
		if cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c >= 0xE1 && c <= 0xEC || c == 0xEE || c == 0xEF:
		if cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c == 0xED:
		if cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c == 0xF0:
		if cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	case c >= 0xF1 && c <= 0xF3:
		if cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	case c == 0xF4:
		if cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	}
	return 0
}

func appendRune(b []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(b, byte(r))
	case r < 0x800:
		return append(b, 0xC0|byte(r>>6), 0x80|byte(r)&0x3F)
	case r < 0x10000:
		return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return append(b, 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}

// fail builds an error at offset off with the path of the current position.
func (s *scanner) fail(off int, reason string) *Error {
	return &Error{Offset: int64(off), Path: s.path(), Reason: reason}
}

// path renders the JSON path of the current position. It runs only when an
// error is reported.
func (s *scanner) path() string {
	var b strings.Builder
	b.WriteByte('$')
	for i := range s.stack {
		f := &s.stack[i]
		if f.idx < 0 {
			break
		}
		if !f.obj {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.idx))
			b.WriteByte(']')
			continue
		}
		sp := f.names[f.idx]
		AppendName(&b, string(f.arena[sp.start:sp.end]))
	}
	return b.String()
}

// AppendName writes the path step for the object member name to b: ".name"
// for a plain name, `["na.me"]` when the name is empty or holds characters
// that would make the path ambiguous (. [ ] quotes, backslash, space,
// control characters).
func AppendName(b *strings.Builder, name string) {
	if name != "" && !strings.ContainsAny(name, ".[]\"'\\ \t\r\n") && !hasControl(name) {
		b.WriteByte('.')
		b.WriteString(name)
		return
	}
	b.WriteByte('[')
	b.WriteString(strconv.Quote(name))
	b.WriteByte(']')
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7F {
			return true
		}
	}
	return false
}
