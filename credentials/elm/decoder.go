package elm

import (
	"encoding/json"
	"reflect"
	"sync"
)

// decodeFunc decodes the generic value v into rv, an addressable value of
// the type it was made for, as codec.decode does.
type decodeFunc func(c *codec, v any, rv reflect.Value) error

// fieldDecoder is one JSON member of a struct and the decoder of its field.
type fieldDecoder struct {
	index []int
	dec   *decodeFunc
}

var (
	treeDecoderType = reflect.TypeFor[treeDecoder]()
	noderType       = reflect.TypeFor[noder]()
	nodeType        = reflect.TypeFor[Node]()
)

// decoders holds a decoder for every type of the model (each struct type
// found by layouts, pointers to them, and every type their fields hold),
// made once from the layouts: ParseTree then follows them rather than
// asking reflection, for every value, which of the cases of codec.decode
// it falls in. They decode exactly as codec.decode does. It is computed on
// first use and never changed after.
var decoders = sync.OnceValue(func() map[reflect.Type]*decodeFunc {
	out := map[reflect.Type]*decodeFunc{}
	var build func(t reflect.Type) *decodeFunc
	build = func(t reflect.Type) *decodeFunc {
		if f, ok := out[t]; ok {
			return f
		}
		f := new(decodeFunc) // set below; recursive types find it here
		out[t] = f
		*f = makeDecoder(t, build)
		return f
	}
	for t := range layouts() {
		build(t)
		build(reflect.PointerTo(t))
	}
	return out
})

// decoderOf returns the decoder of t, or nil for a type outside the model.
func decoderOf(t reflect.Type) *decodeFunc { return decoders()[t] }

func makeDecoder(t reflect.Type, build func(reflect.Type) *decodeFunc) decodeFunc {
	if reflect.PointerTo(t).Implements(treeDecoderType) {
		return func(c *codec, v any, rv reflect.Value) error {
			return rv.Addr().Interface().(treeDecoder).decodeTree(c, v)
		}
	}
	if t == numberType {
		return func(_ *codec, v any, rv reflect.Value) error {
			n, ok := v.(json.Number)
			if !ok {
				return errMismatch
			}
			rv.SetString(string(n))
			return nil
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := t.Elem()
		dec := build(elem)
		return func(c *codec, v any, rv reflect.Value) error {
			if v == nil {
				return errMismatch
			}
			p := reflect.New(elem)
			if err := (*dec)(c, v, p.Elem()); err != nil {
				return err
			}
			rv.Set(p)
			return nil
		}
	case reflect.Interface:
		switch t {
		case anyType:
			return func(_ *codec, v any, rv reflect.Value) error {
				if v != nil {
					rv.Set(reflect.ValueOf(v))
				}
				return nil
			}
		case claimType:
			byType := map[reflect.Type]*decodeFunc{}
			for _, cl := range []Claim{new(LearningAchievement), new(LearningActivity), new(LearningAssessment), new(LearningEntitlement), new(GenericClaim)} {
				t := reflect.TypeOf(cl).Elem()
				byType[t] = build(t)
			}
			return func(c *codec, v any, rv reflect.Value) error {
				cl := newClaim(v)
				cv := reflect.ValueOf(cl).Elem()
				if err := (*byType[cv.Type()])(c, v, cv); err != nil {
					return err
				}
				rv.Set(reflect.ValueOf(cl))
				return nil
			}
		}
	case reflect.String:
		return func(_ *codec, v any, rv reflect.Value) error {
			s, ok := v.(string)
			if !ok {
				return errMismatch
			}
			rv.SetString(s)
			return nil
		}
	case reflect.Bool:
		return func(_ *codec, v any, rv reflect.Value) error {
			b, ok := v.(bool)
			if !ok {
				return errMismatch
			}
			rv.SetBool(b)
			return nil
		}
	case reflect.Struct:
		return structDecoder(t, build)
	}
	return func(*codec, any, reflect.Value) error { return errMismatch }
}

// structDecoder is codec.decodeStruct for t, its fields' decoders found
// once.
func structDecoder(t reflect.Type, build func(reflect.Type) *decodeFunc) decodeFunc {
	if !reflect.PointerTo(t).Implements(noderType) {
		return func(*codec, any, reflect.Value) error { return errMismatch }
	}
	si := layoutOf(t)
	fields := make(map[string]fieldDecoder, len(si.byName))
	for name, f := range si.byName {
		fields[name] = fieldDecoder{index: f.index, dec: build(t.FieldByIndex(f.index).Type)}
	}
	var nodeIndex []int // the embedded Node, where node() finds it
	if f, ok := t.FieldByName("Node"); ok && f.Type == nodeType {
		nodeIndex = f.Index
	}
	return func(c *codec, v any, rv reflect.Value) error {
		var n *Node
		if nodeIndex != nil {
			n = rv.FieldByIndex(nodeIndex).Addr().Interface().(*Node)
		} else {
			n = rv.Addr().Interface().(noder).node()
		}
		switch tv := v.(type) {
		case string:
			n.ID, n.Ref = tv, true
			return nil
		case map[string]any:
			for k, val := range tv {
				if f, ok := fields[k]; ok {
					fv := rv.FieldByIndex(f.index)
					if err := (*f.dec)(c, val, fv); err == nil && !fv.IsZero() {
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
}
