package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Kind is the kind of a Node.
type Kind uint8

// The kinds of JSON values.
const (
	Null Kind = iota
	False
	True
	Number
	String
	Array
	Object
)

// Tree is a JSON document decoded by Parse: the same values as Decode
// gives, without an interface or a map per value. Its Nodes hold no
// pointers (their strings are offsets into the input, their items a range
// of one array), so that a document of thousands of values is a few
// allocations the garbage collector need not scan, and reading it walks an
// array instead of maps. An object keeps its members in input order
// (jsonx.Check has refused duplicate names).
//
// A Tree is not safe for concurrent use while nodes are added to it
// (FromAny, NewObject); reading it is.
type Tree struct {
	src   string   // the input
	strs  []string // strings that are not in src (unescaped, or added)
	nodes []Node   // the items of every array and object
	root  Node
	// InlineContexts counts the members named "@context" whose value is
	// neither a string, null, nor an array of strings and nulls: the
	// contexts written into the document rather than named by URL.
	InlineContexts int
}

// Node is one value of a Tree; read it through the Tree's methods.
type Node struct {
	kind  Kind
	flags uint8 // inStrs*: the name or text is an index in Tree.strs
	// name and text: offset and length in Tree.src, or index in Tree.strs;
	// for an object read from the input, text is its source (Source).
	name, nameLen int32
	text, textLen int32
	// items: offset and length in Tree.nodes.
	first, count int32
}

const (
	nameInStrs = 1 << iota
	textInStrs
)

// Kind returns the kind of n.
func (n *Node) Kind() Kind { return n.kind }

// Len returns the number of members or elements of n.
func (n *Node) Len() int { return int(n.count) }

// Root returns the document's value.
func (t *Tree) Root() *Node { return &t.root }

// Items returns the members of an object or the elements of an array, in
// input order. The slice must not be modified.
func (t *Tree) Items(n *Node) []Node {
	return t.nodes[n.first : n.first+n.count : n.first+n.count]
}

// Name returns the name of an object member ("" for other nodes).
func (t *Tree) Name(n *Node) string {
	if n.flags&nameInStrs != 0 {
		return t.strs[n.name]
	}
	return t.src[n.name : n.name+n.nameLen]
}

// Text returns a String's value or a Number's text (as json.Number has it).
func (t *Tree) Text(n *Node) string {
	if n.flags&textInStrs != 0 {
		return t.strs[n.text]
	}
	return t.src[n.text : n.text+n.textLen]
}

// Source returns the bytes of the input an object was read from, and
// false for an object that was not read from the input (NewObject,
// FromAny). Two objects with the same source have the same value.
func (t *Tree) Source(n *Node) (string, bool) {
	if n.kind != Object || n.textLen == 0 {
		return "", false
	}
	return t.src[n.text : n.text+n.textLen], true
}

// Get returns the member of object n named name, or nil.
func (t *Tree) Get(n *Node, name string) *Node {
	items := t.Items(n)
	for i := range items {
		if t.Name(&items[i]) == name {
			return &items[i]
		}
	}
	return nil
}

// Any returns n as Decode would have given it: map[string]any, []any
// (non-nil, even empty), string, json.Number, bool or nil.
func (t *Tree) Any(n *Node) any {
	switch n.kind {
	case False:
		return false
	case True:
		return true
	case Number:
		return json.Number(t.Text(n))
	case String:
		return t.Text(n)
	case Array:
		items := t.Items(n)
		a := make([]any, len(items))
		for i := range items {
			a[i] = t.Any(&items[i])
		}
		return a
	case Object:
		items := t.Items(n)
		m := make(map[string]any, len(items))
		for i := range items {
			m[t.Name(&items[i])] = t.Any(&items[i])
		}
		return m
	}
	return nil
}

// ErrNotJSON is returned by FromAny for a value that is not what
// encoding/json decodes.
var ErrNotJSON = errors.New("jsontree: not a JSON value")

// FromAny adds v, a value as Decode or encoding/json gives it (numbers as
// json.Number or float64), to the tree and returns its node; object
// members come in no particular order.
func (t *Tree) FromAny(v any) (Node, error) {
	switch x := v.(type) {
	case nil:
		return Node{}, nil
	case bool:
		if x {
			return Node{kind: True}, nil
		}
		return Node{kind: False}, nil
	case json.Number:
		return t.textNode(Number, string(x)), nil
	case float64:
		return t.textNode(Number, strconv.FormatFloat(x, 'g', -1, 64)), nil
	case string:
		return t.textNode(String, x), nil
	case []any:
		items := make([]Node, len(x))
		for i, e := range x {
			n, err := t.FromAny(e)
			if err != nil {
				return Node{}, err
			}
			items[i] = n
		}
		return t.container(Array, items), nil
	case map[string]any:
		items := make([]Node, 0, len(x))
		for k, e := range x {
			n, err := t.FromAny(e)
			if err != nil {
				return Node{}, err
			}
			items = append(items, t.Named(n, k))
		}
		return t.container(Object, items), nil
	}
	return Node{}, ErrNotJSON
}

// Named returns n as a member named name.
func (t *Tree) Named(n Node, name string) Node {
	t.strs = append(t.strs, name)
	n.name, n.nameLen, n.flags = int32(len(t.strs)-1), 0, n.flags|nameInStrs
	return n
}

// NewObject adds an object of members (nodes of t, as Items or Named
// return them) and returns it.
func (t *Tree) NewObject(members []Node) Node { return t.container(Object, members) }

func (t *Tree) textNode(k Kind, s string) Node {
	t.strs = append(t.strs, s)
	return Node{kind: k, flags: textInStrs, text: int32(len(t.strs) - 1)}
}

func (t *Tree) container(k Kind, items []Node) Node {
	first := len(t.nodes)
	t.nodes = append(t.nodes, items...)
	return Node{kind: k, first: int32(first), count: int32(len(items))}
}

// ErrTooLarge is returned by Parse for input over 1 GiB.
var ErrTooLarge = errors.New("jsontree: document too large")

// Parse decodes data, which jsonx.Check accepted, into a Tree. Strings
// without escapes share one copy of data, as with Decode.
func Parse(data []byte) (*Tree, error) {
	return parse(data, false, 0)
}

func parse(data []byte, strict bool, depth int) (*Tree, error) {
	if len(data) > math.MaxInt32/2 {
		return nil, ErrTooLarge
	}
	// Every member or element follows a '{', a '[' or a ',': their count
	// bounds the nodes (closely: few strings hold commas or brackets), so
	// that the array is allocated once.
	// Room is left for a copy of the top level, which a reader may make
	// (an object without one member: NewObject).
	n := bytes.Count(data, []byte{','}) + bytes.Count(data, []byte{'{'}) + bytes.Count(data, []byte{'['})
	t := &Tree{src: string(data), nodes: make([]Node, 0, n+32)}
	d := nodeDecoder{decoder: decoder{s: t.src, strict: strict}, t: t, maxDepth: depth}
	d.space()
	root, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if strict {
		d.space()
		if d.p < len(d.s) {
			return nil, ErrInvalid // after the value
		}
	}
	t.root = root
	return t, nil
}

// ParseChecked is Parse for data that has not been checked: it accepts
// exactly what jsonx.Check(data, lim) accepts, in one pass instead of two,
// and returns Check's error (with its offset and path) for the rest.
func ParseChecked(data []byte, lim jsonx.Limits) (*Tree, error) {
	maxBytes, depth := lim.MaxBytes, lim.MaxDepth
	if maxBytes <= 0 {
		maxBytes = jsonx.DefaultMaxBytes
	}
	if depth <= 0 {
		depth = jsonx.DefaultMaxDepth
	}
	var t *Tree
	err := ErrInvalid
	if len(data) <= maxBytes {
		t, err = parse(data, true, depth)
	}
	if err == nil {
		return t, nil
	}
	// Refused: Check says why and where (and a refusal Check does not
	// share, which would be a bug here, is still a refusal).
	if cerr := jsonx.Check(data, lim); cerr != nil {
		return nil, cerr
	}
	return nil, err
}

// nodeDecoder builds a Tree: the members or elements of the containers
// being read wait on stack, and each container's are appended to the
// tree's nodes once it is complete.
type nodeDecoder struct {
	decoder
	t     *Tree
	stack []Node
	// With decoder.strict: the deepest nesting accepted (a top-level
	// container is depth 1), and a set for finding duplicate names.
	maxDepth int
	names    map[string]struct{}
}

func (d *nodeDecoder) value(depth int) (Node, error) {
	if d.p >= len(d.s) || depth > maxDepth {
		return Node{}, ErrInvalid
	}
	switch c := d.s[d.p]; {
	case c == '{':
		if d.strict && depth >= d.maxDepth {
			return Node{}, ErrInvalid
		}
		return d.object(depth)
	case c == '[':
		if d.strict && depth >= d.maxDepth {
			return Node{}, ErrInvalid
		}
		d.p++
		mark := len(d.stack)
		d.space()
		if d.p < len(d.s) && d.s[d.p] == ']' {
			d.p++
			return Node{kind: Array}, nil
		}
		for {
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return Node{}, err
			}
			d.stack = append(d.stack, v)
			d.space()
			if d.p >= len(d.s) {
				return Node{}, ErrInvalid
			}
			if d.s[d.p] == ',' {
				d.p++
				continue
			}
			if d.s[d.p] == ']' {
				d.p++
				return d.items(Array, mark), nil
			}
			return Node{}, ErrInvalid
		}
	case c == '"':
		n := Node{kind: String}
		var err error
		n.text, n.textLen, n.flags, err = d.strRef(textInStrs)
		return n, err
	case c == 't':
		_, err := d.lit("true", nil)
		return Node{kind: True}, err
	case c == 'f':
		_, err := d.lit("false", nil)
		return Node{kind: False}, err
	case c == 'n':
		_, err := d.lit("null", nil)
		return Node{kind: Null}, err
	default:
		start := d.p
		if !d.number() {
			return Node{}, ErrInvalid
		}
		return Node{kind: Number, text: int32(start), textLen: int32(d.p - start)}, nil
	}
}

// number reads a number and reports whether there was one: with strict,
// as RFC 8259 has it, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?;
// otherwise any run of the characters numbers are made of (the input was
// checked).
func (d *decoder) number() bool {
	if !d.strict {
		start := d.p
		for d.p < len(d.s) && isNumberByte(d.s[d.p]) {
			d.p++
		}
		return d.p > start
	}
	s, p := d.s, d.p
	digits := func() bool {
		q := p
		for p < len(s) && s[p] >= '0' && s[p] <= '9' {
			p++
		}
		return p > q
	}
	if p < len(s) && s[p] == '-' {
		p++
	}
	switch {
	case p < len(s) && s[p] == '0':
		p++
	case !digits():
		return false
	}
	if p < len(s) && s[p] == '.' {
		p++
		if !digits() {
			return false
		}
	}
	if p < len(s) && (s[p] == 'e' || s[p] == 'E') {
		p++
		if p < len(s) && (s[p] == '+' || s[p] == '-') {
			p++
		}
		if !digits() {
			return false
		}
	}
	d.p = p
	return true
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// strRef reads a string and returns where it is: in the input (offset and
// length), or, when it has escapes, in Tree.strs (index, and flag set).
func (d *nodeDecoder) strRef(flag uint8) (int32, int32, uint8, error) {
	start := d.p + 1
	s, err := d.str()
	if err != nil {
		return 0, 0, 0, err
	}
	if d.p-1-start == len(s) { // no escape: s is the input's bytes
		return int32(start), int32(len(s)), 0, nil
	}
	d.t.strs = append(d.t.strs, s)
	return int32(len(d.t.strs) - 1), 0, flag, nil
}

func (d *nodeDecoder) object(depth int) (Node, error) {
	start := d.p
	d.p++
	mark := len(d.stack)
	d.space()
	if d.p < len(d.s) && d.s[d.p] == '}' {
		d.p++
		return Node{kind: Object, text: int32(start), textLen: int32(d.p - start)}, nil
	}
	for {
		d.space()
		name, nameLen, flags, err := d.strRef(nameInStrs)
		if err != nil {
			return Node{}, err
		}
		d.space()
		if d.p >= len(d.s) || d.s[d.p] != ':' {
			return Node{}, ErrInvalid
		}
		d.p++
		d.space()
		v, err := d.value(depth + 1)
		if err != nil {
			return Node{}, err
		}
		v.name, v.nameLen, v.flags = name, nameLen, v.flags|flags
		if d.t.Name(&v) == "@context" && !d.urlContext(&v) {
			d.t.InlineContexts++
		}
		d.stack = append(d.stack, v)
		d.space()
		if d.p >= len(d.s) {
			return Node{}, ErrInvalid
		}
		if d.s[d.p] == ',' {
			d.p++
			continue
		}
		if d.s[d.p] == '}' {
			d.p++
			if d.strict && d.duplicate(d.stack[mark:]) {
				return Node{}, ErrInvalid
			}
			n := d.items(Object, mark)
			n.text, n.textLen = int32(start), int32(d.p-start)
			return n, nil
		}
		return Node{}, ErrInvalid
	}
}

// duplicate reports whether two of an object's members have one name.
func (d *nodeDecoder) duplicate(members []Node) bool {
	if len(members) <= 16 {
		for i := 1; i < len(members); i++ {
			name := d.t.Name(&members[i])
			for j := range i {
				if d.t.Name(&members[j]) == name {
					return true
				}
			}
		}
		return false
	}
	if d.names == nil {
		d.names = make(map[string]struct{}, len(members))
	}
	clear(d.names)
	for i := range members {
		name := d.t.Name(&members[i])
		if _, ok := d.names[name]; ok {
			return true
		}
		d.names[name] = struct{}{}
	}
	return false
}

// items moves the stack's nodes from mark to the tree, as the items of a
// container of kind k.
func (d *nodeDecoder) items(k Kind, mark int) Node {
	n := d.t.container(k, d.stack[mark:])
	d.stack = d.stack[:mark]
	return n
}

// urlContext reports whether v, an @context value, names contexts by URL
// only: a string, null, or an array of strings and nulls.
func (d *nodeDecoder) urlContext(v *Node) bool {
	switch v.kind {
	case String, Null:
		return true
	case Array:
		items := d.t.Items(v)
		for i := range items {
			if k := items[i].kind; k != String && k != Null {
				return false
			}
		}
		return true
	}
	return false
}
