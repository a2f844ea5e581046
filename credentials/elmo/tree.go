package elmo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits of the reader. A document beyond one is refused before anything
// else is done with it.
const (
	// DefaultMaxBytes is the largest document Import reads when
	// Options.MaxBytes is zero: 32 MiB, room for a transcript with
	// thousands of course units and its PDF attachments.
	DefaultMaxBytes = 32 << 20
	// DefaultMaxDepth is the deepest element nesting accepted when
	// Options.MaxDepth is zero. ELMO's own structures nest about 20 deep
	// (a degree, its modules, courses and classes); extensions a few more.
	DefaultMaxDepth = 64
	// DefaultMaxElements is the largest number of elements accepted when
	// Options.MaxElements is zero.
	DefaultMaxElements = 2_000_000
)

// node is one element of the document, as read.
type node struct {
	space, local string
	attrs        []xml.Attr
	children     []*node
	parent       *node
	text         string // the concatenated character data of the element itself
	line, col    int
	start, end   int64  // byte offsets of the element in the document
	pos, same    int    // its position among its parent's children of its name, and their number
	used         bool   // the mapping carried the element
	reported     bool   // the mapping reported the element as having no ELM home
	unknown      string // why the schema check did not read it, when it did not
}

// name is the element's local name, prefixed by "{namespace}" when it is
// not in the ELMO namespace.
func (n *node) name() string {
	if n.space == Namespace || n.space == "" || strings.HasPrefix(n.space, ewpTorsPrefix) {
		return n.local
	}
	return "{" + n.space + "}" + n.local
}

// attr returns the value of the attribute with no namespace named local.
func (n *node) attr(local string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// lang returns the element's xml:lang attribute, "" when absent.
func (n *node) lang() string {
	for _, a := range n.attrs {
		if a.Name.Local == "lang" && a.Name.Space == xmlNS {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// child returns the first child in the ELMO namespace named local, or nil.
func (n *node) child(local string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.local == local && c.space == Namespace {
			return c
		}
	}
	return nil
}

// all returns the children in the ELMO namespace named local.
func (n *node) all(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.local == local && c.space == Namespace {
			out = append(out, c)
		}
	}
	return out
}

// token is the element's text as xs:token: whitespace collapsed.
func (n *node) token() string {
	if n == nil {
		return ""
	}
	return collapse(n.text)
}

// collapse applies the xs:token whitespace facet: runs of white space
// become one space, none leading or trailing.
func collapse(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") && !strings.Contains(s, "  ") && strings.TrimSpace(s) == s {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// path returns the element's XML path, such as
// "/elmo/report/learningOpportunitySpecification[2]/title[1]": a position
// is given where the parent has more than one child of that name.
func (n *node) path() string {
	var parts []string
	for e := n; e != nil; e = e.parent {
		seg := e.name()
		if e.same > 1 {
			seg += "[" + strconv.Itoa(e.pos) + "]"
		}
		parts = append(parts, seg)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// number sets every element's position among the children of its parent
// that share its name, once, so that a path costs its depth only.
func number(root *node) {
	stack := []*node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(n.children) == 0 {
			continue
		}
		type key struct{ space, local string }
		counts := make(map[key]int, 8)
		for _, c := range n.children {
			k := key{c.space, c.local}
			counts[k]++
			c.pos = counts[k]
		}
		for _, c := range n.children {
			c.same = counts[key{c.space, c.local}]
			stack = append(stack, c)
		}
	}
}

// mark records that the element (and its text) is carried by the mapping.
func (n *node) mark() *node {
	if n != nil {
		n.used = true
	}
	return n
}

// markTree marks the element and everything in it.
func (n *node) markTree() {
	if n == nil {
		return
	}
	n.used = true
	for _, c := range n.children {
		c.markTree()
	}
}

const xmlNS = "http://www.w3.org/XML/1998/namespace"

// ErrMalformed is wrapped by the error for a document that is not
// well-formed XML, holds a DTD or an entity, or exceeds a limit.
var ErrMalformed = errors.New("elmo: malformed XML")

// SyntaxError is a document that is not well-formed XML, or that the reader
// refuses (DTD, entity, limits). It wraps ErrMalformed.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return "elmo: " + e.Msg
	}
	return fmt.Sprintf("elmo: line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return ErrMalformed }

type limits struct {
	maxBytes    int64
	maxDepth    int
	maxElements int
}

// parseTree reads data into a tree of elements. It refuses what is not
// well-formed, DOCTYPE declarations (and so every entity other than the
// five XML predefines), and documents beyond the limits.
func parseTree(data []byte, lim limits) (*node, error) {
	if int64(len(data)) > lim.maxBytes {
		return nil, &SyntaxError{Msg: fmt.Sprintf("the document is %d bytes, more than the %d accepted", len(data), lim.maxBytes)}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// No Entity map: an entity other than the predefined five is an error,
	// and no CharsetReader: documents are UTF-8 (an encoding declaration
	// naming anything else is refused).
	var root, cur *node
	depth, count := 0, 0
	var text strings.Builder
	for {
		line, col := d.InputPos()
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			msg := err.Error()
			if errors.As(err, &se) {
				msg = se.Msg
			}
			if strings.Contains(msg, "CharsetReader") {
				msg = "the document is not in UTF-8 (its encoding declaration names another): convert it to UTF-8"
			}
			return nil, &SyntaxError{Line: line, Column: col, Msg: msg}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			count++
			if depth > lim.maxDepth {
				return nil, &SyntaxError{Line: line, Column: col, Msg: fmt.Sprintf("elements nest more than %d deep", lim.maxDepth)}
			}
			if count > lim.maxElements {
				return nil, &SyntaxError{Line: line, Column: col, Msg: fmt.Sprintf("the document has more than %d elements", lim.maxElements)}
			}
			if cur != nil {
				cur.text += text.String()
			}
			text.Reset()
			n := &node{space: t.Name.Space, local: t.Name.Local, line: line, col: col, start: off, parent: cur}
			if len(t.Attr) > 0 {
				n.attrs = t.Attr
			}
			if cur == nil {
				if root != nil {
					return nil, &SyntaxError{Line: line, Column: col, Msg: "more than one root element"}
				}
				root = n
			} else {
				cur.children = append(cur.children, n)
			}
			cur = n
		case xml.EndElement:
			depth--
			cur.end = d.InputOffset()
			cur.text += text.String()
			text.Reset()
			cur = cur.parent
		case xml.CharData:
			if cur == nil {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, &SyntaxError{Line: line, Column: col, Msg: "text outside the root element"}
				}
				continue
			}
			text.Write(t)
		case xml.Directive:
			return nil, &SyntaxError{Line: line, Column: col, Msg: "a DOCTYPE or other <!…> declaration: DTDs and entity declarations are refused"}
		case xml.ProcInst:
			if t.Target != "xml" && root == nil && cur == nil {
				continue
			}
		}
	}
	if root == nil {
		return nil, &SyntaxError{Msg: "no root element"}
	}
	number(root)
	return root, nil
}
