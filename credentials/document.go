package credentials

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Version is the VC Data Model version a document declares by its base
// context, the first entry of @context.
type Version string

const (
	// Version11 is VC Data Model 1.1 (base context ContextV1).
	Version11 Version = "1.1"
	// Version20 is VC Data Model 2.0 (base context ContextV2).
	Version20 Version = "2.0"
)

// The base contexts. One of them must be the first entry of @context.
const (
	ContextV1 = "https://www.w3.org/2018/credentials/v1"
	ContextV2 = "https://www.w3.org/ns/credentials/v2"
)

// ParseOptions bounds what ParseCredential and ParsePresentation accept. The
// zero value applies the defaults.
type ParseOptions struct {
	// MaxBytes is the largest document accepted. Zero means 8 MiB
	// (jsonx.DefaultMaxBytes).
	MaxBytes int
	// MaxDepth is the deepest nesting of JSON objects and arrays accepted.
	// Zero means 64 (jsonx.DefaultMaxDepth).
	MaxDepth int
}

func (o ParseOptions) limits() jsonx.Limits {
	return jsonx.Limits{MaxBytes: o.MaxBytes, MaxDepth: o.MaxDepth}
}

// member is one top-level member of a document, its value as raw JSON.
type member struct {
	name  string
	value json.RawMessage
}

// document is a JSON object kept as its members in document order, so that
// writing it back loses nothing.
type document struct {
	members []member
	raw     []byte
}

// parseDocument checks data with jsonx and splits the top-level object into
// members. Errors wrap ErrMalformed and, for JSON problems, a *jsonx.Error.
func parseDocument(kind string, data []byte, opts ParseOptions) (document, error) {
	if err := jsonx.Check(data, opts.limits()); err != nil {
		return document{}, fmt.Errorf("%s: %w: %w", kind, ErrMalformed, err)
	}
	d := document{raw: data}
	err := jsonx.Members(data, func(name string, value []byte) bool {
		d.members = append(d.members, member{name, value})
		return true
	})
	if err != nil {
		return document{}, fmt.Errorf("%s: %w: the JSON value is not an object", kind, ErrMalformed)
	}
	return d, nil
}

func (d *document) index(name string) int {
	for i := range d.members {
		if d.members[i].name == name {
			return i
		}
	}
	return -1
}

// Member returns the raw JSON value of the top-level member name, or nil
// when it is absent. The returned slice must not be modified.
func (d *document) Member(name string) json.RawMessage {
	if i := d.index(name); i >= 0 {
		return d.members[i].value
	}
	return nil
}

// Names returns the names of the top-level members in document order.
func (d *document) Names() []string {
	names := make([]string, len(d.members))
	for i, m := range d.members {
		names[i] = m.name
	}
	return names
}

// setMember replaces (or adds, at the end) member name with value encoded
// as JSON.
func (d *document) setMember(name string, value any) error {
	var raw []byte
	switch v := value.(type) {
	case json.RawMessage:
		raw = v
	default:
		var err error
		if raw, err = json.Marshal(value); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	if !json.Valid(raw) {
		return fmt.Errorf("set %s: value is not valid JSON", name)
	}
	raw = bytes.Clone(raw)
	if i := d.index(name); i >= 0 {
		d.members[i].value = raw
	} else {
		d.members = append(d.members, member{name, raw})
	}
	return nil
}

func (d *document) deleteMember(name string) {
	if i := d.index(name); i >= 0 {
		d.members = slices.Delete(d.members, i, i+1)
	}
}

// encode writes the members compactly: first those of order that are
// present, in that order, then the others in document order, then those of
// last.
func (d *document) encode(order, last []string) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(d.raw) + 64)
	buf.WriteByte('{')
	n := 0
	write := func(m member) error {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		k, err := json.Marshal(m.name)
		if err != nil {
			return err
		}
		buf.Write(k)
		buf.WriteByte(':')
		return json.Compact(&buf, m.value)
	}
	done := make([]bool, len(d.members))
	emit := func(names []string) error {
		for _, name := range names {
			if i := d.index(name); i >= 0 && !done[i] {
				done[i] = true
				if err := write(d.members[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := emit(order); err != nil {
		return nil, err
	}
	for i, m := range d.members {
		if !done[i] && !slices.Contains(last, m.name) {
			done[i] = true
			if err := write(m); err != nil {
				return nil, err
			}
		}
	}
	if err := emit(last); err != nil {
		return nil, err
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// versionOf returns the version named by the first entry of a raw @context
// value, or "" when it names neither base context.
func versionOf(ctx json.RawMessage) Version {
	var first string
	var list []json.RawMessage
	if json.Unmarshal(ctx, &first) != nil {
		if json.Unmarshal(ctx, &list) != nil || len(list) == 0 || json.Unmarshal(list[0], &first) != nil {
			return ""
		}
	}
	switch first {
	case ContextV1:
		return Version11
	case ContextV2:
		return Version20
	}
	return ""
}

// stringOrList decodes a JSON string or array of strings; ok is false for
// any other shape.
func stringOrList(raw json.RawMessage) (list []string, ok bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, true
	}
	if json.Unmarshal(raw, &list) == nil {
		return list, true
	}
	return nil, false
}

// objectOrList splits a raw value that is an object or an array into its
// elements (an object counts as one). Other shapes give nil.
func objectOrList(raw json.RawMessage) []json.RawMessage {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
		return list
	}
	return []json.RawMessage{raw}
}

// idOf returns the string id of a raw value that is a string (itself) or an
// object with a string id.
func idOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.ID
	}
	return ""
}
