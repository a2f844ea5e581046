package ldproc

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Container flags.
const (
	cGraph uint8 = 1 << iota
	cID
	cIndex
	cLanguage
	cList
	cSet
	cType
)

// term is a term definition.
type term struct {
	id        string // IRI mapping; "" with null set: mapped to null
	null      bool
	reverse   bool
	typ       string // type mapping, "" when none
	hasLang   bool
	lang      string // "" with hasLang: language null
	hasDir    bool
	dir       string
	container uint8
	index     string
	nest      string
	prefix    bool
	protected bool
	hasCtx    bool
	ctx       any // scoped context, as found
	baseURL   string
	// cacheable: defined by a remote (pinned) context, so that contexts
	// derived through its scoped context may be kept.
	cacheable bool
	// iriOK: id is an IRI (not a keyword or blank node), and wf says
	// whether it is well-formed, computed once.
	iriOK, wf bool
}

func (t *term) has(c uint8) bool { return t != nil && t.container&c != 0 }

// sameAs compares two definitions, ignoring protection (step 27 of Create
// Term Definition).
func (t *term) sameAs(o *term) bool {
	a, b := *t, *o
	a.protected, b.protected = false, false
	a.cacheable, b.cacheable = false, false
	a.iriOK, b.iriOK, a.wf, b.wf = false, false, false, false
	ac, bc := a.ctx, b.ctx
	a.ctx, b.ctx = nil, nil
	a.baseURL, b.baseURL = "", ""
	return a == b && reflect.DeepEqual(ac, bc)
}

// Context is an active context. It is immutable once made; contexts derived
// from it by pinned contexts are remembered in it.
type Context struct {
	terms    map[string]*term
	hasBase  bool
	base     string
	origBase string
	hasVocab bool
	vocab    string
	lang     string
	dir      string
	previous *Context
	mode10   bool // processing mode json-ld-1.0

	derived sync.Map // derivation key → *Context

	aliasOnce sync.Once
	alias     *aliases
}

type deriveKey struct {
	url       string
	term      *term
	propagate bool
	override  bool
}

func newContext(base string, mode10 bool) *Context {
	return &Context{terms: map[string]*term{}, hasBase: base != "", base: base, origBase: base, mode10: mode10}
}

func (c *Context) clone() *Context {
	return &Context{terms: maps.Clone(c.terms), hasBase: c.hasBase, base: c.base, origBase: c.origBase,
		hasVocab: c.hasVocab, vocab: c.vocab, lang: c.lang, dir: c.dir, previous: c.previous, mode10: c.mode10}
}

func (c *Context) hasProtected() bool {
	for _, t := range c.terms {
		if t.protected {
			return true
		}
	}
	return false
}

func isKeyword(s string) bool {
	if len(s) < 2 || s[0] != '@' {
		return false
	}
	switch s {
	case "@base", "@container", "@context", "@default", "@direction", "@embed",
		"@explicit", "@graph", "@id", "@import", "@included", "@index",
		"@json", "@language", "@list", "@nest", "@none", "@omitDefault",
		"@prefix", "@preserve", "@protected", "@requireAll", "@reverse",
		"@set", "@type", "@value", "@version", "@vocab", "@propagate":
		return true
	}
	return false
}

// aliases are the keys that expand to @type, @value and @id in a context:
// the keyword and the terms defined as its alias.
type aliases struct{ typ, value, id, none []string }

func (c *Context) aliases() *aliases {
	c.aliasOnce.Do(func() {
		a := &aliases{typ: []string{"@type"}, value: []string{"@value"}, id: []string{"@id"}}
		for name, t := range c.terms {
			if isKeyword(name) {
				continue
			}
			switch t.id {
			case "@type":
				a.typ = append(a.typ, name)
			case "@value":
				a.value = append(a.value, name)
			case "@id":
				a.id = append(a.id, name)
			case "@none":
				a.none = append(a.none, name)
			}
		}
		c.alias = a
	})
	return c.alias
}

// keywordLike reports whether s has the form of a keyword (@ followed by
// letters only), which JSON-LD ignores when it is not a keyword.
func keywordLike(s string) bool {
	if len(s) < 2 || s[0] != '@' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

const maxRemoteContexts = 32

// ctxProc carries what one context processing needs.
type ctxProc struct {
	p    *Processor
	opts *Options
}

// process is the Context Processing algorithm. remote lists the URLs being
// processed (for cycles); cacheable says whether localContext comes from
// a pinned remote context.
func (cp *ctxProc) process(active *Context, local any, baseURL string, remote []string, override, propagate, validate, cacheable bool) (*Context, error) {
	if m, ok := local.(map[string]any); ok {
		if v, ok := m["@propagate"]; ok {
			b, ok := v.(bool)
			if !ok {
				return nil, errf("invalid @propagate value", "%v", v)
			}
			propagate = b
		}
	}
	result := active
	cloned := false
	mutable := func() {
		if !cloned {
			result = result.clone()
			cloned = true
		}
	}
	if !propagate && active.previous == nil {
		mutable()
		result.previous = active
	}
	list, isList := local.([]any)
	if !isList {
		list = []any{local}
	}
	for _, ctx := range list {
		switch c := ctx.(type) {
		case nil:
			if !override && result.hasProtected() {
				return nil, errf("invalid context nullification", "a context with protected terms cannot be set to null")
			}
			prev := result
			result = newContext(active.origBase, active.mode10)
			cloned = true
			if !propagate {
				result.previous = prev
			}
			continue
		case string:
			u := resolveIRI(baseURL, c)
			if !validate && slices.Contains(remote, u) {
				continue
			}
			if len(remote) >= maxRemoteContexts {
				return nil, errf("context overflow", "more than %d nested remote contexts", maxRemoteContexts)
			}
			key := deriveKey{url: u, propagate: propagate, override: override}
			if d, ok := result.derived.Load(key); ok {
				result, cloned = d.(*Context), false
				continue
			}
			doc, err := cp.p.load(cp.opts, u)
			if err != nil {
				return nil, err
			}
			next, err := cp.process(result, doc, u, append(slices.Clip(remote), u), override, propagate, validate, true)
			if err != nil {
				return nil, err
			}
			// Only contexts derived from a context kept for the life of
			// the Processor are kept in it: a context made for one
			// document must not hold memory for ever.
			if !cloned {
				if d, loaded := result.derived.LoadOrStore(key, next); loaded {
					next = d.(*Context)
				}
			}
			result, cloned = next, false
			continue
		case map[string]any:
			if err := cp.processMap(&result, &cloned, active, c, baseURL, remote, override, cacheable); err != nil {
				return nil, err
			}
		default:
			return nil, errf("invalid local context", "a context must be null, a string or an object, not %T", ctx)
		}
	}
	return result, nil
}

func (cp *ctxProc) processMap(resultp **Context, cloned *bool, active *Context, c map[string]any, baseURL string, remote []string, override, cacheable bool) error {
	result := *resultp
	if !*cloned {
		result = result.clone()
		*cloned = true
	}
	*resultp = result
	if v, ok := c["@version"]; ok {
		if f, ok := number(v); !ok || f != 1.1 {
			return errf("invalid @version value", "%v", v)
		}
		if result.mode10 {
			return errf("processing mode conflict", "@version 1.1 in json-ld-1.0 mode")
		}
	}
	if v, ok := c["@import"]; ok {
		if result.mode10 {
			return errf("invalid context entry", "@import in json-ld-1.0 mode")
		}
		s, ok := v.(string)
		if !ok {
			return errf("invalid @import value", "%v", v)
		}
		u := resolveIRI(baseURL, s)
		doc, err := cp.p.load(cp.opts, u)
		if err != nil {
			return err
		}
		imp, ok := doc.(map[string]any)
		if !ok {
			return errf("invalid remote context", "%s: imported context is not an object", u)
		}
		if _, ok := imp["@import"]; ok {
			return errf("invalid context entry", "%s: an imported context must not @import", u)
		}
		merged := maps.Clone(imp)
		maps.Copy(merged, c)
		c = merged
	}
	if v, ok := c["@base"]; ok && len(remote) == 0 {
		switch b := v.(type) {
		case nil:
			result.hasBase, result.base = false, ""
		case string:
			switch {
			case isAbsoluteIRI(b):
				result.hasBase, result.base = true, b
			case result.hasBase:
				result.base = resolveIRI(result.base, b)
			default:
				return errf("invalid base IRI", "%q with no base to resolve it against", b)
			}
		default:
			return errf("invalid base IRI", "%v", v)
		}
	}
	if v, ok := c["@vocab"]; ok {
		switch s := v.(type) {
		case nil:
			result.hasVocab, result.vocab = false, ""
		case string:
			if !isBlankLabel(s) && !isAbsoluteIRI(s) && result.mode10 {
				return errf("invalid vocab mapping", "%q", s)
			}
			iri, err := cp.expandIRI(result, s, true, true, nil, nil, remote)
			if err != nil {
				return err
			}
			if iri == nil {
				return errf("invalid vocab mapping", "%q", s)
			}
			result.hasVocab, result.vocab = true, *iri
		default:
			return errf("invalid vocab mapping", "%v", v)
		}
	}
	if v, ok := c["@language"]; ok {
		switch s := v.(type) {
		case nil:
			result.lang = ""
		case string:
			result.lang = strings.ToLower(s)
		default:
			return errf("invalid default language", "%v", v)
		}
	}
	if v, ok := c["@direction"]; ok {
		if result.mode10 {
			return errf("invalid context entry", "@direction in json-ld-1.0 mode")
		}
		switch v {
		case nil:
			result.dir = ""
		case "ltr", "rtl":
			result.dir = v.(string)
		default:
			return errf("invalid base direction", "%v", v)
		}
	}
	if v, ok := c["@propagate"]; ok {
		if result.mode10 {
			return errf("invalid context entry", "@propagate in json-ld-1.0 mode")
		}
		if _, ok := v.(bool); !ok {
			return errf("invalid @propagate value", "%v", v)
		}
	}
	protected := false
	if v, ok := c["@protected"]; ok {
		b, ok := v.(bool)
		if !ok {
			return errf("invalid @protected value", "%v", v)
		}
		protected = b
	}
	defined := map[string]bool{}
	tp := termProc{cp: cp, active: result, local: c, defined: defined, baseURL: baseURL, protected: protected, override: override, remote: remote, cacheable: cacheable}
	for k := range c {
		switch k {
		case "@base", "@direction", "@import", "@language", "@propagate", "@protected", "@version", "@vocab":
			continue
		}
		if err := tp.define(k); err != nil {
			return err
		}
	}
	return nil
}

type termProc struct {
	cp        *ctxProc
	active    *Context
	local     map[string]any
	defined   map[string]bool
	baseURL   string
	protected bool
	override  bool
	remote    []string
	cacheable bool
}

var genDelims = ":/?#[]@"

// define is the Create Term Definition algorithm.
func (tp *termProc) define(name string) error {
	if done, ok := tp.defined[name]; ok {
		if done {
			return nil
		}
		return errf("cyclic IRI mapping", "term %q", name)
	}
	if name == "" {
		return errf("invalid term definition", "empty term")
	}
	tp.defined[name] = false
	value := tp.local[name]
	active := tp.active
	mode10 := active.mode10
	if name == "@type" {
		m, ok := value.(map[string]any)
		if mode10 || !ok || len(m) == 0 {
			return errf("keyword redefinition", "@type")
		}
		for k, v := range m {
			switch {
			case k == "@container" && v == "@set":
			case k == "@protected":
			default:
				return errf("keyword redefinition", "@type may only be given @container @set and @protected")
			}
		}
	} else if isKeyword(name) {
		return errf("keyword redefinition", "%s", name)
	} else if keywordLike(name) {
		tp.defined[name] = true
		return nil
	}
	previous := active.terms[name]
	delete(active.terms, name)
	simple := false
	var m map[string]any
	switch v := value.(type) {
	case nil:
		m = map[string]any{"@id": nil}
	case string:
		m = map[string]any{"@id": v}
		simple = true
	case map[string]any:
		m = v
	default:
		return errf("invalid term definition", "term %q: %v", name, value)
	}
	def := &term{cacheable: tp.cacheable}
	if v, ok := m["@protected"]; ok {
		if mode10 {
			return errf("invalid term definition", "@protected in json-ld-1.0 mode")
		}
		b, ok := v.(bool)
		if !ok {
			return errf("invalid @protected value", "term %q", name)
		}
		def.protected = b
	} else {
		def.protected = tp.protected
	}
	if v, ok := m["@type"]; ok {
		s, ok := v.(string)
		if !ok {
			return errf("invalid type mapping", "term %q: %v", name, v)
		}
		t, err := tp.cp.expandIRI(active, s, false, true, tp.local, tp.defined, tp.remote)
		if err != nil {
			return err
		}
		if t == nil {
			return errf("invalid type mapping", "term %q: %q", name, s)
		}
		switch *t {
		case "@json", "@none":
			if mode10 {
				return errf("invalid type mapping", "term %q: %s in json-ld-1.0 mode", name, *t)
			}
		case "@id", "@vocab":
		default:
			if !isAbsoluteIRI(*t) || isBlankLabel(*t) {
				return errf("invalid type mapping", "term %q: %q", name, s)
			}
		}
		def.typ = *t
	}
	if v, ok := m["@reverse"]; ok {
		if _, ok := m["@id"]; ok {
			return errf("invalid reverse property", "term %q has both @reverse and @id", name)
		}
		if _, ok := m["@nest"]; ok {
			return errf("invalid reverse property", "term %q has both @reverse and @nest", name)
		}
		s, ok := v.(string)
		if !ok {
			return errf("invalid IRI mapping", "term %q: @reverse %v", name, v)
		}
		if keywordLike(s) {
			tp.defined[name] = true
			return nil
		}
		id, err := tp.cp.expandIRI(active, s, false, true, tp.local, tp.defined, tp.remote)
		if err != nil {
			return err
		}
		if id == nil || !strings.Contains(*id, ":") {
			return errf("invalid IRI mapping", "term %q: @reverse %q", name, s)
		}
		def.id = *id
		if c, ok := m["@container"]; ok {
			switch c {
			case "@set", "@index", nil:
				if c != nil {
					def.container = map[any]uint8{"@set": cSet, "@index": cIndex}[c]
				}
			default:
				return errf("invalid reverse property", "term %q: @container %v", name, c)
			}
		}
		if v, ok := m["@index"]; ok {
			s, isStr := v.(string)
			if mode10 || def.container&cIndex == 0 || !isStr || isKeyword(s) {
				return errf("invalid term definition", "term %q: @index %v", name, v)
			}
			def.index = s
		}
		def.reverse = true
		active.terms[name] = def
		tp.defined[name] = true
		return nil
	}
	idv, hasID := m["@id"]
	switch {
	case hasID && idv != name:
		if idv == nil {
			def.null = true
			break
		}
		s, ok := idv.(string)
		if !ok {
			return errf("invalid IRI mapping", "term %q: @id %v", name, idv)
		}
		if !isKeyword(s) && keywordLike(s) {
			tp.defined[name] = true
			return nil
		}
		id, err := tp.cp.expandIRI(active, s, false, true, tp.local, tp.defined, tp.remote)
		if err != nil {
			return err
		}
		if id == nil || (!isKeyword(*id) && !strings.Contains(*id, ":")) {
			return errf("invalid IRI mapping", "term %q: @id %q", name, s)
		}
		if *id == "@context" {
			return errf("invalid keyword alias", "term %q", name)
		}
		def.id = *id
		if i := strings.IndexByte(name[min(1, len(name)):], ':'); (i >= 0 && i+1 < len(name)-1) || strings.Contains(name, "/") {
			tp.defined[name] = true
			e, err := tp.cp.expandIRI(active, name, false, true, tp.local, tp.defined, tp.remote)
			if err != nil {
				return err
			}
			if e == nil || *e != def.id {
				return errf("invalid IRI mapping", "term %q expands to %q, not to its @id %q", name, deref(e), def.id)
			}
		}
		if !strings.ContainsAny(name, ":/") && simple && (isBlankLabel(def.id) || strings.IndexByte(genDelims, def.id[len(def.id)-1]) >= 0) {
			def.prefix = true
		}
	case strings.IndexByte(name[1:], ':') >= 0:
		prefix, suffix, _ := strings.Cut(name, ":")
		if _, ok := tp.local[prefix]; ok {
			if err := tp.define(prefix); err != nil {
				return err
			}
		}
		if pt := active.terms[prefix]; pt != nil && !pt.null {
			def.id = pt.id + suffix
		} else {
			def.id = name
		}
	case strings.Contains(name, "/"):
		id, err := tp.cp.expandIRI(active, name, false, true, nil, nil, tp.remote)
		if err != nil {
			return err
		}
		if id == nil || !isAbsoluteIRI(*id) {
			return errf("invalid IRI mapping", "term %q", name)
		}
		def.id = *id
	case name == "@type":
		def.id = "@type"
	default:
		if !active.hasVocab {
			return errf("invalid IRI mapping", "term %q has no @id and there is no @vocab", name)
		}
		def.id = active.vocab + name
	}
	if v, ok := m["@container"]; ok {
		c, err := containerOf(v, mode10)
		if err != nil {
			return errf("invalid container mapping", "term %q: %v", name, err.Detail)
		}
		def.container = c
		if c&cType != 0 {
			switch def.typ {
			case "":
				def.typ = "@id"
			case "@id", "@vocab":
			default:
				return errf("invalid type mapping", "term %q: a @type container needs @type @id or @vocab", name)
			}
		}
	}
	if v, ok := m["@index"]; ok {
		s, isStr := v.(string)
		if mode10 || def.container&cIndex == 0 || !isStr {
			return errf("invalid term definition", "term %q: @index %v", name, v)
		}
		e, err := tp.cp.expandIRI(active, s, false, true, tp.local, tp.defined, tp.remote)
		if err != nil {
			return err
		}
		if e == nil || !isAbsoluteIRI(*e) || isKeyword(s) {
			return errf("invalid term definition", "term %q: @index %q", name, s)
		}
		def.index = s
	}
	if v, ok := m["@context"]; ok {
		if mode10 {
			return errf("invalid term definition", "term %q: @context in json-ld-1.0 mode", name)
		}
		if _, err := tp.cp.process(active, v, tp.baseURL, slices.Clone(tp.remote), true, true, false, tp.cacheable); err != nil {
			if e, ok := err.(*Error); ok && e.Code == CodeLoadingRemote {
				return err
			}
			return errf("invalid scoped context", "term %q: %v", name, err)
		}
		def.hasCtx, def.ctx, def.baseURL = true, v, tp.baseURL
	}
	if v, ok := m["@language"]; ok {
		if _, typed := m["@type"]; !typed {
			switch s := v.(type) {
			case nil:
				def.hasLang = true
			case string:
				def.hasLang, def.lang = true, strings.ToLower(s)
			default:
				return errf("invalid language mapping", "term %q: %v", name, v)
			}
		}
	}
	if v, ok := m["@direction"]; ok {
		if _, typed := m["@type"]; !typed {
			switch v {
			case nil:
				def.hasDir = true
			case "ltr", "rtl":
				def.hasDir, def.dir = true, v.(string)
			default:
				return errf("invalid base direction", "term %q: %v", name, v)
			}
		}
	}
	if v, ok := m["@nest"]; ok {
		s, isStr := v.(string)
		if mode10 {
			return errf("invalid term definition", "term %q: @nest in json-ld-1.0 mode", name)
		}
		if !isStr || (isKeyword(s) && s != "@nest") {
			return errf("invalid @nest value", "term %q: %v", name, v)
		}
		def.nest = s
	}
	if v, ok := m["@prefix"]; ok {
		if mode10 || strings.ContainsAny(name, ":/") {
			return errf("invalid term definition", "term %q: @prefix", name)
		}
		b, ok := v.(bool)
		if !ok {
			return errf("invalid @prefix value", "term %q: %v", name, v)
		}
		if b && isKeyword(def.id) {
			return errf("invalid term definition", "term %q: a keyword alias cannot be a prefix", name)
		}
		def.prefix = b
	}
	for k := range m {
		switch k {
		case "@id", "@reverse", "@container", "@context", "@direction", "@index", "@language", "@nest", "@prefix", "@protected", "@type":
		default:
			return errf("invalid term definition", "term %q: %s", name, k)
		}
	}
	if !def.null && !isKeyword(def.id) && !isBlankLabel(def.id) {
		def.iriOK, def.wf = true, wellFormedIRI(def.id)
	}
	if !tp.override && previous != nil && previous.protected {
		if !def.sameAs(previous) {
			return errf(CodeProtectedRedefining, "term %q is protected", name)
		}
		def = previous // shared with other contexts: never written again
	}
	active.terms[name] = def
	tp.defined[name] = true
	return nil
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func containerOf(v any, mode10 bool) (uint8, *Error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		list = []any{x}
	case []any:
		if mode10 {
			return 0, errf("", "an array in json-ld-1.0 mode")
		}
		list = x
	default:
		return 0, errf("", "%v", v)
	}
	var c uint8
	for _, e := range list {
		s, _ := e.(string)
		var f uint8
		switch s {
		case "@graph":
			f = cGraph
		case "@id":
			f = cID
		case "@index":
			f = cIndex
		case "@language":
			f = cLanguage
		case "@list":
			f = cList
		case "@set":
			f = cSet
		case "@type":
			f = cType
		default:
			return 0, errf("", "%v", e)
		}
		if mode10 && f&(cGraph|cID|cType) != 0 {
			return 0, errf("", "%s in json-ld-1.0 mode", s)
		}
		c |= f
	}
	if len(list) > 1 {
		switch {
		case c&cList != 0:
			return 0, errf("", "@list cannot be combined")
		case c&cGraph != 0:
			if c&^(cGraph|cID|cIndex|cSet) != 0 || c&(cID|cIndex) == cID|cIndex {
				return 0, errf("", "%v", v)
			}
		case c&cSet != 0:
			if bitsSet(c&^cSet) > 1 {
				return 0, errf("", "%v", v)
			}
		default:
			return 0, errf("", "%v", v)
		}
	}
	return c, nil
}

func bitsSet(c uint8) int {
	n := 0
	for ; c != 0; c &= c - 1 {
		n++
	}
	return n
}

// ptr returns a pointer to a copy of s, so that the caller's s does not
// escape (expandIRI's value is copied only when returned as is).
func ptr(s string) *string { return &s }

// expandIRI is the IRI Expansion algorithm; nil is null.
func (cp *ctxProc) expandIRI(active *Context, value string, docRelative, vocab bool, local map[string]any, defined map[string]bool, remote []string) (*string, error) {
	if vocab && local == nil && (len(value) == 0 || value[0] != '@') {
		if t := active.terms[value]; t != nil {
			if t.null && !isKeyword(t.id) {
				return nil, nil
			}
			return &t.id, nil // no copy
		}
	}
	s, ok, err := cp.expandIRIString(active, value, docRelative, vocab, local, defined, remote)
	if !ok || err != nil {
		return nil, err
	}
	return &s, nil
}

// expandIRIString is expandIRI returning the IRI as a string, and false
// for null: nothing is allocated for an IRI that needs no building.
func (cp *ctxProc) expandIRIString(active *Context, value string, docRelative, vocab bool, local map[string]any, defined map[string]bool, remote []string) (string, bool, error) {
	if vocab && local == nil && (len(value) == 0 || value[0] != '@') {
		// The common case: a term of the active context.
		if t := active.terms[value]; t != nil {
			if t.null && !isKeyword(t.id) {
				return "", false, nil
			}
			return t.id, true, nil
		}
	}
	if isKeyword(value) {
		return value, true, nil
	}
	if keywordLike(value) {
		return "", false, nil
	}
	if local != nil {
		if _, ok := local[value]; ok && !defined[value] {
			tp := termProc{cp: cp, active: active, local: local, defined: defined, remote: remote}
			if err := tp.define(value); err != nil {
				return "", false, err
			}
		}
	}
	if t := active.terms[value]; t != nil {
		if isKeyword(t.id) {
			return t.id, true, nil
		}
		if vocab {
			if t.null {
				return "", false, nil
			}
			return t.id, true, nil
		}
	}
	if i := strings.IndexByte(value, ':'); i >= 1 {
		prefix, suffix := value[:i], value[i+1:]
		if prefix == "_" || strings.HasPrefix(suffix, "//") {
			return value, true, nil
		}
		if local != nil {
			if _, ok := local[prefix]; ok && !defined[prefix] {
				tp := termProc{cp: cp, active: active, local: local, defined: defined, remote: remote}
				if err := tp.define(prefix); err != nil {
					return "", false, err
				}
			}
		}
		if t := active.terms[prefix]; t != nil && !t.null && t.prefix {
			return t.id + suffix, true, nil
		}
		if isAbsoluteIRI(value) {
			return value, true, nil
		}
	}
	if vocab && active.hasVocab {
		return active.vocab + value, true, nil
	}
	if docRelative {
		if active.hasBase {
			return resolveIRI(active.base, value), true, nil
		}
		return value, true, nil
	}
	return value, true, nil
}

// number returns v as a float64 if it is a JSON number (float64, or
// json.Number as a decoder with UseNumber gives it).
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	}
	return 0, false
}
