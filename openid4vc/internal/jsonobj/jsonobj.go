// Package jsonobj decodes untrusted protocol messages into Go structs with
// the checks of internal/jsonx (size, depth, duplicate members, strict
// strings) and one more: a member whose name differs only by case from a
// field's JSON name is refused, since encoding/json would read "Nonce" as
// "nonce" and let a message mean one thing to Diplomat and another to every
// other reader. Unknown members are ignored, as the OAuth and OpenID
// specifications require.
package jsonobj

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// ErrCase is wrapped when a member name matches a field only by case.
var ErrCase = errors.New("member names are case-sensitive")

// Decode checks data and decodes it into v (a pointer to a struct, a map
// or a slice of them). Errors are *jsonx.Error for malformed input, or name
// the member and wrap ErrCase.
func Decode(data []byte, v any, lim jsonx.Limits) error {
	tree, err := jsonx.DecodeAny(data, lim)
	if err != nil {
		return err
	}
	if err := exact(tree, reflect.TypeOf(v), "$"); err != nil {
		return err
	}
	return jsonx.Decode(data, v, lim)
}

// exact walks the decoded tree with the Go type it will be decoded into.
func exact(v any, t reflect.Type, at string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // the type reads its own members
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil // a type error, reported by encoding/json
		}
		fields := fieldsOf(t)
		for name, val := range obj {
			f, ok := fields.exact[name]
			if !ok {
				if want, clash := fields.folded[strings.ToLower(name)]; clash {
					return fmt.Errorf("%s: member %q is not %q: %w", at, name, want, ErrCase)
				}
				continue
			}
			if err := exact(val, f.typ, at+"."+name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, e := range arr {
			if err := exact(e, t.Elem(), fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for k, e := range obj {
			if err := exact(e, t.Elem(), at+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

type field struct{ typ reflect.Type }

type fieldSet struct {
	exact  map[string]field
	folded map[string]string
}

var cache sync.Map // reflect.Type → *fieldSet

func fieldsOf(t reflect.Type) *fieldSet {
	if fs, ok := cache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{exact: map[string]field{}, folded: map[string]string{}}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if sf.Anonymous && name == "" {
				et := sf.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					add(et)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			fs.exact[name] = field{typ: sf.Type}
			fs.folded[strings.ToLower(name)] = name
		}
	}
	add(t)
	cache.Store(t, fs)
	return fs
}
