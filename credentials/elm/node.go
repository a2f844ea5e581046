package elm

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Node holds what every ELM object has: its identifier, its type names, and
// the properties this package has no field for.
type Node struct {
	// ID is the node's IRI ("id"), e.g. "urn:epass:person:1".
	ID string `json:"id"`
	// Type lists the node's type names ("type"), e.g. "Organisation".
	Type Many[string] `json:"type"`
	// Extra holds every property of the node that has no field, and any
	// value that did not fit its field's Go type, exactly as read: values are
	// string, bool, nil, json.Number, []any or map[string]any. Marshal writes
	// them back beside the fields; a key that is also a set field is ignored.
	Extra map[string]any `json:"-"`
	// Ref is true when the value was a bare IRI string referring to a node
	// described elsewhere; only ID is set, and it is written back as a
	// string.
	Ref bool `json:"-"`
}

func (n *Node) node() *Node { return n }

// HasType reports whether the node's type list contains name.
func (n *Node) HasType(name string) bool { return slices.Contains(n.Type.Items, name) }

// Many is a property that may hold one value or several. JSON gives either a
// single value or an array; Single records which, so that writing back
// reproduces the input.
type Many[T any] struct {
	// Items are the values in document order.
	Items []T
	// Single is true when the value was read as a single value rather than an
	// array; it is written back as a single value when there is exactly one
	// item. The zero value writes an array.
	Single bool
}

// One returns a Many holding v, written as a single value.
func One[T any](v T) Many[T] { return Many[T]{Items: []T{v}, Single: true} }

// List returns a Many holding vs, written as an array.
func List[T any](vs ...T) Many[T] { return Many[T]{Items: vs} }

// First returns the first item, or the zero value and false when empty.
func (m Many[T]) First() (T, bool) {
	if len(m.Items) == 0 {
		var zero T
		return zero, false
	}
	return m.Items[0], true
}

// Len is the number of items.
func (m Many[T]) Len() int { return len(m.Items) }

// Text is the text of one language in a language map: one string, or an
// array of strings.
type Text struct {
	// Values are the strings, in order.
	Values []string
	// Array is true when the value was read as an array ({"en":["…"]}); the
	// zero value writes a single string when there is exactly one value.
	Array bool
}

// String joins the values with "; ".
func (t Text) String() string { return strings.Join(t.Values, "; ") }

// LangMap is a JSON-LD language map: a language tag ("en", "fr") to its text,
// as in {"en":"Master of Science"} or {"en":["Master of Science"]}.
type LangMap map[string]Text

// Lang returns a LangMap with one plain string per language, from pairs of
// language tag and text.
func Lang(tagText ...string) LangMap {
	m := LangMap{}
	for i := 0; i+1 < len(tagText); i += 2 {
		m[tagText[i]] = Text{Values: []string{tagText[i+1]}}
	}
	return m
}

// Get returns the text for the first of the given language tags that is
// present (compared case-insensitively, ignoring surrounding space), then
// English, then the alphabetically first tag; "" when the map is empty.
func (m LangMap) Get(prefer ...string) string {
	s, _ := m.Pick(prefer...)
	return s
}

// Pick is Get that also returns the language tag chosen.
func (m LangMap) Pick(prefer ...string) (text, tag string) {
	if len(m) == 0 {
		return "", ""
	}
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	for _, want := range append(slices.Clone(prefer), "en") {
		for k, v := range m {
			if norm(k) == norm(want) && len(v.Values) > 0 {
				return v.String(), k
			}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return m[keys[0]].String(), keys[0]
}

// DateTime is an xsd:dateTime as written in the credential, kept as text so
// that writing back reproduces it exactly.
type DateTime string

// Time parses the value as an xsd:dateTime (a value without a time zone is
// read as UTC; a bare xsd:date is accepted as midnight UTC).
func (d DateTime) Time() (time.Time, error) {
	s := strings.TrimSpace(string(d))
	// The lexical forms of xsd:dateTime, with and without a time zone and
	// fractional seconds, then xsd:date.
	layouts := [...]string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xsd:dateTime", string(d))
}
