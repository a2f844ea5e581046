package ldproc

import (
	"encoding/json"
	"slices"
	"strings"
)

type expander struct {
	cp   *ctxProc
	safe bool
	path path
}

func (e *expander) push(k any) { e.path = append(e.path, k) }
func (e *expander) pop()       { e.path = e.path[:len(e.path)-1] }

// fail returns err with the current path.
func (e *expander) fail(err error) error {
	if je, ok := err.(*Error); ok && je.Path == "" {
		je.Path = e.path.String()
	}
	return err
}

func (e *expander) safeErr(format string, args ...any) error {
	err := errf(CodeSafeMode, format, args...)
	err.Path = e.path.String()
	return err
}

func (e *expander) expandIRI(active *Context, v string, docRelative, vocab bool) (*string, error) {
	return e.cp.expandIRI(active, v, docRelative, vocab, nil, nil, nil)
}

// expandIRIs is expandIRI as a string, false for null (without a local
// context, IRI expansion has no error).
func (e *expander) expandIRIs(active *Context, v string, docRelative, vocab bool) (string, bool) {
	s, ok, err := e.cp.expandIRIString(active, v, docRelative, vocab, nil, nil, nil)
	return s, ok && err == nil
}

// expandsToNone says whether key (of a language or index map) expands to
// @none: only @none itself or a term aliasing it can, since whatever else
// expansion builds is an IRI.
func (e *expander) expandsToNone(active *Context, key string) bool {
	return key == "@none" || slices.Contains(active.aliases().none, key)
}

// derive applies a scoped context of term def (or the context local) to
// active, remembering the result when both are kept for the Processor's
// life.
func (e *expander) derive(active *Context, def *term, override, propagate bool) (*Context, error) {
	key := deriveKey{term: def, propagate: propagate, override: override}
	if def.cacheable {
		if d, ok := active.derived.Load(key); ok {
			return d.(*Context), nil
		}
	}
	c, err := e.cp.process(active, def.ctx, def.baseURL, nil, override, propagate, true, def.cacheable)
	if err != nil {
		return nil, err
	}
	if def.cacheable {
		if d, loaded := active.derived.LoadOrStore(key, c); loaded {
			c = d.(*Context)
		}
	}
	return c, nil
}

func asArray(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, json.Number, bool:
		return true
	}
	return false
}

// expand is the Expansion algorithm. prop is the active property (hasProp
// false: null).
func (e *expander) expand(active *Context, prop string, hasProp bool, element any, baseURL string, fromMap bool) (any, error) {
	if element == nil {
		return nil, nil
	}
	var propDef *term
	if hasProp {
		propDef = active.terms[prop]
	}
	switch el := element.(type) {
	case []any:
		result := make([]any, 0, len(el))
		for i, item := range el {
			e.push(i)
			x, err := e.expand(active, prop, hasProp, item, baseURL, fromMap)
			if err != nil {
				return nil, err
			}
			e.pop()
			if propDef.has(cList) {
				if a, ok := x.([]any); ok {
					x = map[string]any{"@list": a}
				}
			}
			switch a := x.(type) {
			case nil:
			case []any:
				result = append(result, a...)
			default:
				result = append(result, x)
			}
		}
		return result, nil
	case map[string]any:
		return e.expandObject(active, prop, hasProp, propDef, el, baseURL, fromMap)
	default:
		if !isScalar(element) {
			return nil, e.fail(errf("invalid JSON", "%T", element))
		}
		if !hasProp || prop == "@graph" {
			return nil, nil
		}
		if propDef != nil && propDef.hasCtx {
			var err error
			if active, err = e.derive(active, propDef, true, true); err != nil {
				return nil, e.fail(err)
			}
		}
		return e.expandValue(active, prop, element)
	}
}

// expandValue is the Value Expansion algorithm.
func (e *expander) expandValue(active *Context, prop string, value any) (any, error) {
	def := active.terms[prop]
	if def != nil {
		if s, ok := value.(string); ok {
			switch def.typ {
			case "@id":
				iri, err := e.expandIRI(active, s, true, false)
				if err != nil {
					return nil, e.fail(err)
				}
				if err := e.checkIRI(iri, s, "@id"); err != nil {
					return nil, err
				}
				return map[string]any{"@id": derefAny(iri)}, nil
			case "@vocab":
				iri, err := e.expandIRI(active, s, true, true)
				if err != nil {
					return nil, e.fail(err)
				}
				if err := e.checkIRI(iri, s, "@id"); err != nil {
					return nil, err
				}
				return map[string]any{"@id": derefAny(iri)}, nil
			}
		}
	}
	result := map[string]any{"@value": value}
	if def != nil && def.typ != "" && def.typ != "@id" && def.typ != "@vocab" && def.typ != "@none" {
		result["@type"] = def.typ
		return result, nil
	}
	if _, ok := value.(string); ok {
		lang, dir := active.lang, active.dir
		if def != nil && def.hasLang {
			lang = def.lang
		}
		if def != nil && def.hasDir {
			dir = def.dir
		}
		if lang != "" {
			result["@language"] = lang
		}
		if dir != "" {
			result["@direction"] = dir
		}
	}
	return result, nil
}

func derefAny(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// checkIRI is safe mode's check of an expanded @id or @type.
// checkIRIs is checkIRI for expandIRIs' result.
func (e *expander) checkIRIs(iri string, ok bool, raw, what string) error {
	if !ok {
		return e.checkIRI(nil, raw, what)
	}
	return e.checkIRI(&iri, raw, what)
}

func (e *expander) checkIRI(iri *string, raw, what string) error {
	if !e.safe {
		return nil
	}
	if iri == nil {
		return e.safeErr("%s %q expands to no IRI", what, raw)
	}
	if !isAbsoluteIRI(*iri) && !isBlankLabel(*iri) && !isKeyword(*iri) {
		return e.safeErr("%s %q is a relative IRI reference", what, raw)
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (e *expander) expandObject(active *Context, prop string, hasProp bool, propDef *term, el map[string]any, baseURL string, fromMap bool) (any, error) {
	keys := sortedKeys(el)
	active, typeScoped, inputType, err := e.objectContext(active, propDef, el, keys, baseURL, fromMap)
	if err != nil {
		return nil, err
	}
	result := map[string]any{}
	var nests []string
	if err := e.expandEntries(active, typeScoped, prop, hasProp, el, keys, baseURL, inputType, result, &nests); err != nil {
		return nil, err
	}
	// Step 14: nested entries.
	if len(nests) > 0 {
		if err := e.expandNests(active, typeScoped, prop, hasProp, el, nests, baseURL, inputType, result); err != nil {
			return nil, err
		}
	}
	return e.finishObject(result, prop, hasProp)
}

// expandNests expands the @nest entries keys of m into result.
func (e *expander) expandNests(active, typeScoped *Context, prop string, hasProp bool, m map[string]any, keys []string, baseURL, inputType string, result map[string]any) error {
	slices.Sort(keys)
	for _, k := range keys {
		e.push(k)
		nestCtx := active
		if d := active.terms[k]; d != nil && d.hasCtx {
			var err error
			if nestCtx, err = e.derive(active, d, true, true); err != nil {
				return e.fail(err)
			}
		}
		for j, v := range asArray(m[k]) {
			mm, ok := v.(map[string]any)
			if !ok {
				return e.fail(errf("invalid @nest value", "%v", v))
			}
			e.push(j)
			for k := range mm {
				iri, err := e.expandIRI(active, k, false, true)
				if err != nil {
					return e.fail(err)
				}
				if iri != nil && *iri == "@value" {
					return e.fail(errf("invalid @nest value", "a nested object cannot be a value object"))
				}
			}
			var more []string
			if err := e.expandEntries(nestCtx, typeScoped, prop, hasProp, mm, sortedKeys(mm), baseURL, inputType, result, &more); err != nil {
				return err
			}
			if len(more) > 0 {
				if err := e.expandNests(nestCtx, typeScoped, prop, hasProp, mm, more, baseURL, inputType, result); err != nil {
					return err
				}
			}
			e.pop()
		}
		e.pop()
	}
	return nil
}

func appendValues(result map[string]any, key string, v any) {
	existing, _ := result[key].([]any)
	switch x := v.(type) {
	case []any:
		result[key] = append(existing, x...)
	default:
		result[key] = append(existing, v)
	}
}

// hasEntry reports whether v is a map with the entry k.
func hasEntry(v any, k string) bool {
	m, ok := v.(map[string]any)
	if ok {
		_, ok = m[k]
	}
	return ok
}

func isValueObject(v any) bool { return hasEntry(v, "@value") }

func isListObject(v any) bool { return hasEntry(v, "@list") }

func isGraphObject(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	if _, ok := m["@graph"]; !ok {
		return false
	}
	for k := range m {
		if k != "@graph" && k != "@id" && k != "@index" && k != "@context" {
			return false
		}
	}
	return true
}

// expandEntries is step 13 of the Expansion algorithm.
func (e *expander) expandEntries(active, typeScoped *Context, prop string, hasProp bool, el map[string]any, keys []string, baseURL, inputType string, result map[string]any, nests *[]string) error {
	mode10 := active.mode10
	for _, key := range keys {
		if key == "@context" {
			continue
		}
		value := el[key]
		e.push(key)
		iriP, err := e.expandIRI(active, key, false, true)
		if err != nil {
			return e.fail(err)
		}
		if iriP == nil || (!strings.Contains(*iriP, ":") && !isKeyword(*iriP)) {
			if e.safe {
				if iriP == nil || (active.terms[key] == nil && !active.hasVocab) {
					return e.safeErr("property %q is not defined by the document's contexts", key)
				}
				return e.safeErr("property %q expands to the relative IRI %q", key, *iriP)
			}
			e.pop()
			continue
		}
		iri := *iriP
		if isKeyword(iri) {
			if prop == "@reverse" && hasProp {
				return e.fail(errf("invalid reverse property map", "keyword %s in a @reverse map", iri))
			}
			if _, dup := result[iri]; dup && iri != "@included" && iri != "@type" {
				return e.fail(errf("colliding keywords", "%s", iri))
			}
			var ev any
			switch iri {
			case "@id":
				s, ok := value.(string)
				if !ok {
					return e.fail(errf("invalid @id value", "%v", value))
				}
				x, err := e.expandIRI(active, s, true, false)
				if err != nil {
					return e.fail(err)
				}
				if err := e.checkIRI(x, s, "@id"); err != nil {
					return err
				}
				if x == nil {
					// Kept as null: the node has an @id that is no IRI,
					// and gets no triples.
					result["@id"] = nil
					e.pop()
					continue
				}
				ev = *x
			case "@type":
				var types []any
				switch v := value.(type) {
				case string:
					types = []any{v}
				case []any:
					types = v
				default:
					return e.fail(errf("invalid type value", "%v", value))
				}
				out := make([]any, 0, len(types))
				for _, t := range types {
					s, ok := t.(string)
					if !ok {
						return e.fail(errf("invalid type value", "%v", t))
					}
					x, err := e.expandIRI(typeScoped, s, true, true)
					if err != nil {
						return e.fail(err)
					}
					if err := e.checkIRI(x, s, "@type"); err != nil {
						return err
					}
					if x != nil {
						out = append(out, *x)
					}
				}
				if _, isStr := value.(string); isStr && len(out) == 1 {
					ev = out[0]
				} else {
					ev = out
				}
				if prev, ok := result["@type"]; ok {
					ev = append(slices.Clone(asArray(prev)), asArray(ev)...)
				}
			case "@graph":
				x, err := e.expand(active, "@graph", true, value, baseURL, false)
				if err != nil {
					return err
				}
				if x == nil {
					x = []any{}
				}
				ev = asArray(x)
			case "@included":
				if mode10 {
					e.pop()
					continue
				}
				// Expanded as the value of a property, so that a string
				// or value object is kept, and refused below.
				x, err := e.expand(active, "@included", true, value, baseURL, false)
				if err != nil {
					return err
				}
				if x == nil {
					x = []any{}
				}
				list := asArray(x)
				for _, it := range list {
					m, ok := it.(map[string]any)
					if !ok || isValueObject(m) || isListObject(m) {
						return e.fail(errf("invalid @included value", "an included value must be a node object"))
					}
					if _, ok := m["@set"]; ok {
						return e.fail(errf("invalid @included value", "an included value must be a node object"))
					}
				}
				if prev, ok := result["@included"]; ok {
					list = append(slices.Clone(asArray(prev)), list...)
				}
				ev = list
			case "@value":
				if inputType == "@json" {
					if mode10 {
						return e.fail(errf("invalid value object value", "@json in json-ld-1.0 mode"))
					}
					ev = value
				} else {
					if value != nil && !isScalar(value) {
						return e.fail(errf("invalid value object value", "%v", value))
					}
					ev = value
					if value == nil {
						result["@value"] = nil
						e.pop()
						continue
					}
				}
			case "@language":
				s, ok := value.(string)
				if !ok {
					return e.fail(errf("invalid language-tagged string", "%v", value))
				}
				ev = strings.ToLower(s)
			case "@direction":
				if mode10 {
					e.pop()
					continue
				}
				if value != "ltr" && value != "rtl" {
					return e.fail(errf("invalid base direction", "%v", value))
				}
				ev = value
			case "@index":
				s, ok := value.(string)
				if !ok {
					return e.fail(errf("invalid @index value", "%v", value))
				}
				ev = s
			case "@list":
				if !hasProp || prop == "@graph" {
					e.pop()
					continue
				}
				x, err := e.expand(active, prop, hasProp, value, baseURL, false)
				if err != nil {
					return err
				}
				if x == nil {
					x = []any{}
				}
				ev = asArray(x)
			case "@set":
				x, err := e.expand(active, prop, hasProp, value, baseURL, false)
				if err != nil {
					return err
				}
				ev = x
			case "@reverse":
				m, ok := value.(map[string]any)
				if !ok {
					return e.fail(errf("invalid @reverse value", "%v", value))
				}
				x, err := e.expand(active, "@reverse", true, m, baseURL, false)
				if err != nil {
					return err
				}
				xm, _ := x.(map[string]any)
				if rev, ok := xm["@reverse"].(map[string]any); ok {
					for p, items := range rev {
						appendValues(result, p, items)
					}
				}
				var rm map[string]any
				for p, items := range xm {
					if p == "@reverse" {
						continue
					}
					if rm == nil {
						rm, _ = result["@reverse"].(map[string]any)
						if rm == nil {
							rm = map[string]any{}
							result["@reverse"] = rm
						}
					}
					for _, it := range asArray(items) {
						if isValueObject(it) || isListObject(it) {
							return e.fail(errf("invalid reverse property value", "a reverse property value must be a node object"))
						}
						appendValues(rm, p, it)
					}
				}
				e.pop()
				continue
			case "@nest":
				*nests = append(*nests, key)
				e.pop()
				continue
			default:
				// Framing keywords and others carry nothing here.
				e.pop()
				continue
			}
			if ev != nil || (iri == "@value" && inputType == "@json") {
				result[iri] = ev
			}
			e.pop()
			continue
		}
		def := active.terms[key]
		var ev any
		switch {
		case def != nil && def.typ == "@json":
			ev = map[string]any{"@value": value, "@type": "@json"}
		case def.has(cLanguage) && isMap(value):
			ev, err = e.languageMap(active, def, value.(map[string]any))
			if err != nil {
				return err
			}
		case def.has(cIndex|cType|cID) && isMap(value):
			ev, err = e.indexMap(active, key, def, value.(map[string]any), baseURL)
			if err != nil {
				return err
			}
		default:
			ev, err = e.expand(active, key, true, value, baseURL, false)
			if err != nil {
				return err
			}
		}
		if ev == nil {
			e.pop()
			continue
		}
		if def.has(cList) && !isListObject(ev) {
			ev = map[string]any{"@list": asArray(ev)}
		}
		if def.has(cGraph) && !def.has(cID) && !def.has(cIndex) {
			items := asArray(ev)
			out := make([]any, len(items))
			for i, it := range items {
				out[i] = map[string]any{"@graph": asArray(it)}
			}
			ev = out
		}
		if def != nil && def.reverse {
			rm, _ := result["@reverse"].(map[string]any)
			if rm == nil {
				rm = map[string]any{}
				result["@reverse"] = rm
			}
			for _, it := range asArray(ev) {
				if isValueObject(it) || isListObject(it) {
					return e.fail(errf("invalid reverse property value", "a reverse property value must be a node object"))
				}
				appendValues(rm, iri, it)
			}
		} else {
			if _, ok := ev.([]any); !ok {
				ev = []any{ev}
			}
			appendValues(result, iri, ev)
		}
		e.pop()
	}
	return nil
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

func (e *expander) languageMap(active *Context, def *term, m map[string]any) (any, error) {
	out := []any{}
	dir := active.dir
	if def.hasDir {
		dir = def.dir
	}
	for _, lang := range sortedKeys(m) {
		e.push(lang)
		iri, err := e.expandIRI(active, lang, false, true)
		if err != nil {
			return nil, e.fail(err)
		}
		for _, item := range asArray(m[lang]) {
			if item == nil {
				continue
			}
			s, ok := item.(string)
			if !ok {
				return nil, e.fail(errf("invalid language map value", "%v", item))
			}
			v := map[string]any{"@value": s}
			if lang != "@none" && (iri == nil || *iri != "@none") {
				v["@language"] = strings.ToLower(lang)
			}
			if dir != "" {
				v["@direction"] = dir
			}
			out = append(out, v)
		}
		e.pop()
	}
	return out, nil
}

func (e *expander) indexMap(active *Context, key string, def *term, m map[string]any, baseURL string) (any, error) {
	out := []any{}
	indexKey := "@index"
	if def.index != "" {
		indexKey = def.index
	}
	for _, index := range sortedKeys(m) {
		e.push(index)
		mapCtx := active
		if def.has(cID | cType) {
			if active.previous != nil {
				mapCtx = active.previous
			}
		}
		if def.has(cType) {
			if d := mapCtx.terms[index]; d != nil && d.hasCtx {
				var err error
				if mapCtx, err = e.derive(mapCtx, d, false, true); err != nil {
					return nil, e.fail(err)
				}
			}
		} else if !def.has(cID) {
			mapCtx = active
		}
		expIdx, err := e.expandIRI(active, index, false, true)
		if err != nil {
			return nil, e.fail(err)
		}
		isNone := expIdx != nil && *expIdx == "@none"
		x, err := e.expand(mapCtx, key, true, asArray(m[index]), baseURL, true)
		if err != nil {
			return nil, err
		}
		for _, item := range asArray(x) {
			if def.has(cGraph) && !isGraphObject(item) {
				item = map[string]any{"@graph": asArray(item)}
			}
			im, _ := item.(map[string]any)
			switch {
			case def.has(cIndex) && indexKey != "@index" && !isNone:
				re, err := e.expandValue(active, indexKey, index)
				if err != nil {
					return nil, err
				}
				ek, err := e.expandIRI(active, indexKey, false, true)
				if err != nil {
					return nil, e.fail(err)
				}
				if im == nil || ek == nil {
					break
				}
				if isValueObject(im) {
					return nil, e.fail(errf("invalid value object", "a value object cannot take an @index property"))
				}
				vals := []any{re}
				if prev, ok := im[*ek]; ok {
					vals = append(vals, asArray(prev)...)
				}
				im[*ek] = vals
			case def.has(cIndex) && !isNone:
				if im != nil {
					if _, ok := im["@index"]; !ok {
						im["@index"] = index
					}
				}
			case def.has(cID) && !isNone:
				if im != nil {
					if _, ok := im["@id"]; !ok {
						x, err := e.expandIRI(active, index, true, false)
						if err != nil {
							return nil, e.fail(err)
						}
						im["@id"] = derefAny(x)
					}
				}
			case def.has(cType) && !isNone:
				if im != nil {
					types := []any{derefAny(expIdx)}
					if prev, ok := im["@type"]; ok {
						types = append(types, asArray(prev)...)
					}
					im["@type"] = types
				}
			}
			out = append(out, item)
		}
		e.pop()
	}
	return out, nil
}

// finishObject is steps 15 to 20 of the Expansion algorithm.
func (e *expander) finishObject(result map[string]any, prop string, hasProp bool) (any, error) {
	if v, ok := result["@value"]; ok {
		for k := range result {
			switch k {
			case "@direction", "@index", "@language", "@type", "@value":
			default:
				return nil, e.fail(errf("invalid value object", "a value object cannot have %s", k))
			}
		}
		_, hasType := result["@type"]
		_, hasLang := result["@language"]
		_, hasDir := result["@direction"]
		if hasType && (hasLang || hasDir) {
			return nil, e.fail(errf("invalid value object", "a value object cannot have both @type and @language or @direction"))
		}
		if result["@type"] == "@json" {
			return result, nil
		}
		if v == nil {
			return nil, nil
		}
		if a, ok := v.([]any); ok && len(a) == 0 {
			return nil, nil
		}
		if _, isStr := v.(string); !isStr && hasLang {
			return nil, e.fail(errf("invalid language-tagged value", "%v", v))
		}
		if hasType {
			t, ok := result["@type"].(string)
			if !ok || !wellFormedIRI(t) || isBlankLabel(t) {
				return nil, e.fail(errf("invalid typed value", "%v", result["@type"]))
			}
		}
	} else if t, ok := result["@type"]; ok {
		if _, isArr := t.([]any); !isArr {
			result["@type"] = []any{t}
		}
	} else {
		_, hasSet := result["@set"]
		_, hasList := result["@list"]
		if hasSet || hasList {
			if len(result) > 2 {
				return nil, e.fail(errf("invalid set or list object", "only @index may accompany @set or @list"))
			}
			if len(result) == 2 {
				if _, ok := result["@index"]; !ok {
					return nil, e.fail(errf("invalid set or list object", "only @index may accompany @set or @list"))
				}
			}
			if hasSet {
				return result["@set"], nil
			}
		}
	}
	if _, ok := result["@language"]; ok && len(result) == 1 {
		return nil, nil
	}
	if !hasProp || prop == "@graph" {
		_, hasValue := result["@value"]
		_, hasList := result["@list"]
		if len(result) == 0 || hasValue || hasList {
			return nil, nil
		}
		if _, ok := result["@id"]; ok && len(result) == 1 {
			return nil, nil
		}
	}
	return result, nil
}

// errMultipleTypeKeys is objectContext's answer, without sorted keys, for
// an object whose types it leaves to the full algorithm: several entries
// expanding to @type (their order matters), or a type that is no string.
var errMultipleTypeKeys = errf("internal", "several keys expand to @type")

// objectContext is steps 7 to 12 of the Expansion algorithm: the active
// context of a map element (reverted, property-scoped, embedded and
// type-scoped), the type-scoped context and the input type. keys are el's
// keys in order; nil: the aliases of @type are looked up instead, and
// errMultipleTypeKeys is returned when that is not enough.
func (e *expander) objectContext(active *Context, propDef *term, el map[string]any, keys []string, baseURL string, fromMap bool) (*Context, *Context, string, error) {
	// Step 7: a context that does not propagate is reverted, unless el is
	// a value object or a lone @id (the keys expanding to @value or @id
	// are those keywords and their aliases).
	if active.previous != nil && !fromMap {
		a := active.aliases()
		revert := true
		for _, k := range a.value {
			if _, ok := el[k]; ok {
				revert = false
			}
		}
		if len(el) == 1 {
			for _, k := range a.id {
				if _, ok := el[k]; ok {
					revert = false
				}
			}
		}
		if revert {
			active = active.previous
		}
	}
	if propDef != nil && propDef.hasCtx {
		var err error
		if active, err = e.derive(active, propDef, true, true); err != nil {
			return nil, nil, "", e.fail(err)
		}
	}
	if c, ok := el["@context"]; ok {
		var err error
		e.push("@context")
		if active, err = e.cp.process(active, c, baseURL, nil, false, true, true, false); err != nil {
			return nil, nil, "", e.fail(err)
		}
		e.pop()
	}
	typeScoped := active
	var typeKeys []string
	if keys == nil {
		for _, k := range typeScoped.aliases().typ {
			if _, ok := el[k]; ok {
				typeKeys = append(typeKeys, k)
			}
		}
		if len(typeKeys) > 1 {
			return nil, nil, "", errMultipleTypeKeys
		}
	} else {
		for _, k := range keys {
			iri, err := e.expandIRI(typeScoped, k, false, true)
			if err != nil {
				return nil, nil, "", e.fail(err)
			}
			if iri != nil && *iri == "@type" {
				typeKeys = append(typeKeys, k)
			}
		}
	}
	var inputType string
	for n, k := range typeKeys {
		var types [8]string
		list := types[:0]
		switch v := el[k].(type) {
		case string:
			list = append(list, v)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					list = append(list, s)
				} else if keys == nil {
					return nil, nil, "", errMultipleTypeKeys // the full algorithm says what is wrong
				}
			}
		}
		if len(list) == 0 {
			continue
		}
		last := list[len(list)-1]
		slices.Sort(list)
		for _, s := range list {
			if d := typeScoped.terms[s]; d != nil && d.hasCtx {
				var err error
				if active, err = e.derive(active, d, false, false); err != nil {
					return nil, nil, "", e.fail(err)
				}
			}
		}
		if n == 0 {
			t, err := e.expandIRI(active, last, false, true)
			if err != nil {
				return nil, nil, "", e.fail(err)
			}
			if t != nil {
				inputType = *t
			}
		}
	}
	return active, typeScoped, inputType, nil
}
