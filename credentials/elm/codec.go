package elm

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Parse reads an ELM credential in the compact JSON form EDC produces. The
// input is first checked by internal/jsonx with its default limits (size,
// depth, duplicate member names); errors wrap credentials.ErrMalformed.
//
// Parse is lenient about shapes, strict about syntax: a property whose value
// does not fit its field (a number where text is expected, say) is kept in
// the node's Extra map rather than refused, so that reading then writing
// loses nothing; Check reports what the EDC profiles require.
func Parse(data []byte) (*EuropeanDigitalCredential, error) {
	tree, err := decodeTree(data)
	if err != nil {
		return nil, err
	}
	obj, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("elm: %w: a credential must be a JSON object, found %s", credentials.ErrMalformed, kindOf(tree))
	}
	return ParseTree(obj)
}

// ParseTree is Parse for a credential already decoded into generic values,
// as jsonx.DecodeAny (or encoding/json with UseNumber) gives them: numbers
// must be json.Number to fit the model's number fields. A caller that
// decodes a document once for several readers passes the tree here rather
// than the bytes to Parse.
//
// The credential shares maps and slices with tree (the values of Extra and
// of fields typed any): neither may be modified while the other is in use.
// A nil tree is an error wrapping credentials.ErrMalformed.
func ParseTree(tree map[string]any) (*EuropeanDigitalCredential, error) {
	if tree == nil {
		return nil, fmt.Errorf("elm: %w: a credential must be a JSON object, found null", credentials.ErrMalformed)
	}
	c := new(EuropeanDigitalCredential)
	if err := newCodec().decode(tree, reflect.ValueOf(c).Elem()); err != nil {
		return nil, fmt.Errorf("elm: %w: %v", credentials.ErrMalformed, err)
	}
	return c, nil
}

// Marshal writes the credential as JSON. Object members come out in
// alphabetical order; values, single-or-array forms and language-map forms
// are those read by Parse or set by the caller.
func Marshal(c *EuropeanDigitalCredential) ([]byte, error) {
	if c == nil {
		return nil, errors.New("elm: nil credential")
	}
	return json.Marshal(ToTree(c))
}

// ToTree returns the credential as generic JSON values (map[string]any,
// []any, string, bool, json.Number, nil), as Marshal would write it.
func ToTree(c *EuropeanDigitalCredential) map[string]any {
	v, _ := newCodec().encode(reflect.ValueOf(c).Elem())
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// decodeTree checks data with jsonx and decodes it into generic values,
// keeping numbers as json.Number so that they are written back exactly.
func decodeTree(data []byte) (any, error) {
	v, err := jsonx.DecodeAny(data, jsonx.Limits{})
	if err != nil {
		return nil, fmt.Errorf("elm: %w: %w", credentials.ErrMalformed, err)
	}
	return v, nil
}

// unmarshalNode is the UnmarshalJSON of every model type.
func unmarshalNode(data []byte, v any) error {
	tree, err := decodeTree(data)
	if err != nil {
		return err
	}
	return newCodec().decode(tree, reflect.ValueOf(v).Elem())
}

// marshalNode is the MarshalJSON of every model type.
func marshalNode(v any) ([]byte, error) {
	t, ok := newCodec().encode(reflect.ValueOf(v).Elem())
	if !ok {
		return []byte("{}"), nil
	}
	return json.Marshal(t)
}

// kindOf names the JSON kind of a decoded value (jsonx.Kind).
func kindOf(v any) string { return jsonx.Kind(v) }

// errMismatch says a JSON value does not fit a field's Go type; the caller
// keeps the value in Extra instead.
var errMismatch = errors.New("value does not fit the field")

// treeDecoder and treeEncoder are implemented by the model's value types
// that need their own JSON shape (Many, LangMap).
type treeDecoder interface {
	decodeTree(c *codec, v any) error
}

type treeEncoder interface {
	encodeTree(c *codec) (any, bool)
}

type noder interface{ node() *Node }

type fieldInfo struct {
	name  string
	index []int
}

type structInfo struct {
	byName map[string]fieldInfo
	order  []fieldInfo
}

// codec converts between generic JSON values and the model's structs. The
// layouts of the model's types come from layouts; those of other struct
// types (none today) are kept for the duration of one call.
type codec struct {
	infos map[reflect.Type]*structInfo
	// strs is a slab the string slices of one decoding (Many[string]
	// items, LangMap texts) are cut from, each with its capacity equal to
	// its length so that an append moves it out: a credential holds
	// hundreds of them, most of one string.
	strs []string
}

// strings returns a slice of n strings for a decoded value.
func (c *codec) strings(n int) []string {
	if n == 0 {
		return []string{} // not nil: an empty array is written back
	}
	if n > 16 {
		return make([]string, n)
	}
	if len(c.strs)+n > cap(c.strs) {
		c.strs = make([]string, 0, 256)
	}
	c.strs = c.strs[:len(c.strs)+n]
	return c.strs[len(c.strs)-n : len(c.strs) : len(c.strs)]
}

func newCodec() *codec { return &codec{} }

var (
	anyType    = reflect.TypeFor[any]()
	claimType  = reflect.TypeFor[Claim]()
	numberType = reflect.TypeFor[json.Number]()
)

func (c *codec) info(t reflect.Type) *structInfo {
	if si, ok := layouts()[t]; ok {
		return si
	}
	if si, ok := c.infos[t]; ok {
		return si
	}
	si := layoutOf(t)
	if c.infos == nil {
		c.infos = map[reflect.Type]*structInfo{}
	}
	c.infos[t] = si
	return si
}

// layouts holds the layout of every struct type of the model, found from
// EuropeanDigitalCredential and the claim types. It is computed on first
// use and never changed after: reflecting on some forty types again for
// every Parse cost a fifth of it.
var layouts = sync.OnceValue(func() map[reflect.Type]*structInfo {
	out := map[reflect.Type]*structInfo{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			visit(t.Elem())
		case reflect.Interface:
			if t == claimType {
				for _, cl := range []Claim{new(LearningAchievement), new(LearningActivity), new(LearningAssessment), new(LearningEntitlement), new(GenericClaim)} {
					visit(reflect.TypeOf(cl))
				}
			}
		case reflect.Struct:
			if _, seen := out[t]; seen {
				return
			}
			out[t] = layoutOf(t)
			for i := range t.NumField() {
				visit(t.Field(i).Type)
			}
		}
	}
	visit(reflect.TypeFor[EuropeanDigitalCredential]())
	visit(claimType)
	return out
})

// layoutOf finds the JSON members of struct type t.
func layoutOf(t reflect.Type) *structInfo {
	si := &structInfo{byName: map[string]fieldInfo{}}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(append([]int(nil), prefix...), i)
			tag := f.Tag.Get("json")
			if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			if _, dup := si.byName[name]; dup {
				continue // the shallower field wins, as in encoding/json
			}
			fi := fieldInfo{name: name, index: idx}
			si.byName[name] = fi
			si.order = append(si.order, fi)
		}
	}
	walk(t, nil)
	return si
}

func (c *codec) decode(v any, rv reflect.Value) error {
	if rv.CanAddr() {
		if dec := decoderOf(rv.Type()); dec != nil {
			return (*dec)(c, v, rv)
		}
		if td, ok := rv.Addr().Interface().(treeDecoder); ok {
			return td.decodeTree(c, v)
		}
	}
	if rv.Type() == numberType {
		n, ok := v.(json.Number)
		if !ok {
			return errMismatch
		}
		rv.SetString(string(n))
		return nil
	}
	switch rv.Kind() {
	case reflect.Pointer:
		if v == nil {
			return errMismatch
		}
		p := reflect.New(rv.Type().Elem())
		if err := c.decode(v, p.Elem()); err != nil {
			return err
		}
		rv.Set(p)
		return nil
	case reflect.Interface:
		switch rv.Type() {
		case anyType:
			if v != nil {
				rv.Set(reflect.ValueOf(v))
			}
			return nil
		case claimType:
			cl := newClaim(v)
			if err := c.decode(v, reflect.ValueOf(cl).Elem()); err != nil {
				return err
			}
			rv.Set(reflect.ValueOf(cl))
			return nil
		}
		return errMismatch
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return errMismatch
		}
		rv.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return errMismatch
		}
		rv.SetBool(b)
		return nil
	case reflect.Struct:
		return c.decodeStruct(v, rv)
	}
	return errMismatch
}

func (c *codec) decodeStruct(v any, rv reflect.Value) error {
	nd, ok := rv.Addr().Interface().(noder)
	if !ok {
		return errMismatch
	}
	n := nd.node()
	switch t := v.(type) {
	case string:
		n.ID, n.Ref = t, true
		return nil
	case map[string]any:
		si := c.info(rv.Type())
		for k, val := range t {
			if f, ok := si.byName[k]; ok {
				fv := rv.FieldByIndex(f.index)
				if err := c.decode(val, fv); err == nil && !fv.IsZero() {
					continue
				}
				fv.SetZero()
			}
			if n.Extra == nil {
				n.Extra = map[string]any{}
			}
			n.Extra[k] = val
		}
		return nil
	}
	return errMismatch
}

// encode returns the JSON value of rv and whether it is present at all.
func (c *codec) encode(rv reflect.Value) (any, bool) {
	if rv.CanAddr() {
		if te, ok := rv.Addr().Interface().(treeEncoder); ok {
			return te.encodeTree(c)
		}
	}
	if rv.Type() == numberType {
		if rv.String() == "" {
			return nil, false
		}
		return json.Number(rv.String()), true
	}
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, false
		}
		return c.encode(rv.Elem())
	case reflect.Interface:
		if rv.IsNil() {
			return nil, rv.Type() == anyType
		}
		if rv.Type() == anyType {
			return rv.Elem().Interface(), true
		}
		return c.encode(rv.Elem())
	case reflect.String:
		if rv.String() == "" {
			return nil, false
		}
		return rv.String(), true
	case reflect.Bool:
		return rv.Bool(), true
	case reflect.Struct:
		return c.encodeStruct(rv)
	}
	return nil, false
}

func (c *codec) encodeStruct(rv reflect.Value) (any, bool) {
	var n *Node
	if rv.CanAddr() {
		if nd, ok := rv.Addr().Interface().(noder); ok {
			n = nd.node()
		}
	}
	if n == nil {
		return nil, false
	}
	if n.Ref {
		return n.ID, true
	}
	si := c.info(rv.Type())
	m := make(map[string]any, len(si.order)+len(n.Extra))
	for _, f := range si.order {
		if v, ok := c.encode(rv.FieldByIndex(f.index)); ok {
			m[f.name] = v
		}
	}
	for k, v := range n.Extra {
		if _, set := m[k]; !set {
			m[k] = v
		}
	}
	return m, true
}

func (m *Many[T]) decodeTree(c *codec, v any) error {
	if ms, ok := any(m).(*Many[string]); ok {
		return decodeStrings(ms, c, v)
	}
	arr, isArr := v.([]any)
	if !isArr {
		arr = []any{v}
	}
	items := make([]T, len(arr))
	dec := decoderOf(reflect.TypeFor[T]())
	for i, e := range arr {
		var err error
		if ev := reflect.ValueOf(&items[i]).Elem(); dec != nil {
			err = (*dec)(c, e, ev)
		} else {
			err = c.decode(e, ev)
		}
		if err != nil {
			return err
		}
	}
	m.Items, m.Single = items, !isArr
	return nil
}

// decodeStrings is Many.decodeTree for strings, without reflection, the items
// cut from c's slab.
func decodeStrings(m *Many[string], c *codec, v any) error {
	if s, ok := v.(string); ok {
		items := c.strings(1)
		items[0] = s
		m.Items, m.Single = items, true
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		return errMismatch
	}
	items := c.strings(len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return errMismatch
		}
		items[i] = s
	}
	m.Items, m.Single = items, false
	return nil
}

func (m *Many[T]) encodeTree(c *codec) (any, bool) {
	if m.Items == nil {
		return nil, false
	}
	out := make([]any, 0, len(m.Items))
	for i := range m.Items {
		ev := reflect.ValueOf(&m.Items[i]).Elem()
		v, ok := c.encode(ev)
		if !ok && ev.Kind() == reflect.String {
			v = ev.String() // an empty string item stays an item
		}
		out = append(out, v)
	}
	if m.Single && len(out) == 1 {
		return out[0], true
	}
	return out, true
}

func (l *LangMap) decodeTree(c *codec, v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return errMismatch
	}
	m := make(LangMap, len(obj))
	for k, e := range obj {
		switch t := e.(type) {
		case string:
			vals := c.strings(1)
			vals[0] = t
			m[k] = Text{Values: vals}
		case []any:
			vals := c.strings(len(t))
			for i, s := range t {
				str, ok := s.(string)
				if !ok {
					return errMismatch
				}
				vals[i] = str
			}
			m[k] = Text{Values: vals, Array: true}
		default:
			return errMismatch
		}
	}
	*l = m
	return nil
}

func (l *LangMap) encodeTree(*codec) (any, bool) {
	if *l == nil {
		return nil, false
	}
	out := make(map[string]any, len(*l))
	for k, t := range *l {
		if !t.Array && len(t.Values) == 1 {
			out[k] = t.Values[0]
			continue
		}
		arr := make([]any, len(t.Values))
		for i, s := range t.Values {
			arr[i] = s
		}
		out[k] = arr
	}
	return out, true
}
