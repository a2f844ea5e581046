package ldproc

import (
	"errors"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
)

// The fast path of ToRDF: expansion and conversion to RDF in one walk of the
// document, without building the expanded form, for the JSON-LD that
// credentials use (node objects, @id, @type, value objects, language maps,
// arrays; contexts of every kind). Anything else (@graph, @list, @reverse,
// @nest, @included, index maps, @json literals), and any error, ends it:
// ToRDF then runs the full algorithms, which give the same dataset and the
// errors with their codes. The W3C toRdf suite runs through both.

// errSlow ends the fast path.
var errSlow = errors.New("ldproc: not on the fast path")

type pair struct {
	pred, obj rdfc.Term
	ok        bool
}

type fastWalker struct {
	e       *expander
	w       *rdfWriter
	pending []pair
	keys    []entry
	// anonymous, when set, receives every node object without @id.
	anonymous func(m map[string]any)
	// blankIDs, when set, is called for every @id that is a blank node
	// identifier, and ends the walk with the error it returns.
	blankIDs func(id string) error
}

func (p *Processor) fastToRDF(dst []rdfc.Quad, doc any, opts *Options) ([]rdfc.Quad, error) {
	if opts.ExpandContext != nil || opts.RDFDirection == "compound-literal" {
		return nil, errSlow
	}
	if opts.ProcessingMode != "" && opts.ProcessingMode != "json-ld-1.1" {
		return nil, errSlow
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, errSlow
	}
	cp := &ctxProc{p: p, opts: opts}
	f := &fastWalker{e: &expander{cp: cp, safe: opts.Safe}, w: &rdfWriter{opts: opts, blank: map[string]string{}}}
	s, _ := p.scratch.Get().(*walkScratch)
	if s == nil {
		s = &walkScratch{}
	}
	f.pending, f.keys = s.pending[:0], s.keys[:0]
	defer func() {
		// Drop what the stacks point to, keep their memory.
		clear(f.pending[:cap(f.pending)])
		clear(f.keys[:cap(f.keys)])
		s.pending, s.keys = f.pending[:0], f.keys[:0]
		p.scratch.Put(s)
	}()
	f.w.quads = dst
	if _, _, err := f.object(p.root(opts), "", false, m, opts.Base, true); err != nil {
		return nil, err
	}
	return f.w.quads, nil
}

// walkScratch is the memory of a fastWalker's stacks, kept between walks.
type walkScratch struct {
	pending []pair
	keys    []entry
	sorted  []*jsontree.Node // treeWalker's
	quads   []rdfc.Quad      // a split's helper's (treeWalker.split)
}

// entry is a member of an object.
type entry struct {
	key string
	v   any
}

// object walks a map element: a node object (whose triples it writes and
// whose subject it returns) or a value object (its literal). ok is false
// when there is no usable term (dropped, or not well-formed).
func (f *fastWalker) object(active *Context, prop string, hasProp bool, el map[string]any, baseURL string, top bool) (rdfc.Term, bool, error) {
	e := f.e
	var propDef *term
	if hasProp {
		propDef = active.terms[prop]
	}
	active, typeScoped, inputType, err := e.objectContext(active, propDef, el, nil, baseURL, false)
	if err != nil {
		return rdfc.Term{}, false, errSlow
	}
	if inputType == "@json" {
		return rdfc.Term{}, false, errSlow
	}
	var (
		id                        string
		hasID, hasValue, hasOther bool
		value                     any
		lang, dir                 string
		hasLang, hasDir, hasIndex bool
		types                     []string
		typeVal                   string // the @type of a value object, when a string
		hasTypeVal                bool
	)
	start := len(f.pending)
	keys, kstart := f.keysOf(el)
	defer func() { f.keys = f.keys[:kstart] }()
	for _, kv := range keys {
		key, v := kv.key, kv.v
		if key == "@context" {
			continue
		}
		// IRI expansion of a key, its common case (a term) first: the
		// definition serves the property too.
		def := active.terms[key]
		var iri string
		var ok bool
		if def != nil && key != "" && key[0] != '@' {
			iri, ok = def.id, !def.null || isKeyword(def.id)
		} else {
			iri, ok = e.expandIRIs(active, key, false, true)
		}
		if !ok || (!isKeyword(iri) && !hasColon(iri)) {
			if e.safe {
				return rdfc.Term{}, false, errSlow
			}
			continue
		}
		switch iri {
		case "@id":
			s, ok := v.(string)
			if !ok || hasID {
				return rdfc.Term{}, false, errSlow
			}
			x, ok := e.expandIRIs(active, s, true, false)
			if !ok || e.checkIRIs(x, ok, s, "@id") != nil {
				return rdfc.Term{}, false, errSlow
			}
			id, hasID = x, true
		case "@type":
			switch t := v.(type) {
			case string:
				x, ok := e.expandIRIs(typeScoped, t, true, true)
				if !ok || e.checkIRIs(x, ok, t, "@type") != nil {
					return rdfc.Term{}, false, errSlow
				}
				types = append(types, x)
				typeVal, hasTypeVal = x, true
			case []any:
				for _, it := range t {
					s, ok := it.(string)
					if !ok {
						return rdfc.Term{}, false, errSlow
					}
					x, ok := e.expandIRIs(typeScoped, s, true, true)
					if !ok || e.checkIRIs(x, ok, s, "@type") != nil {
						return rdfc.Term{}, false, errSlow
					}
					types = append(types, x)
				}
				typeVal, hasTypeVal = "", false
			default:
				return rdfc.Term{}, false, errSlow
			}
		case "@value":
			if v != nil && !isScalar(v) || hasValue {
				return rdfc.Term{}, false, errSlow
			}
			value, hasValue = v, true
		case "@language":
			s, ok := v.(string)
			if !ok {
				return rdfc.Term{}, false, errSlow
			}
			lang, hasLang = lowerASCII(s), true
		case "@direction":
			if v != "ltr" && v != "rtl" {
				return rdfc.Term{}, false, errSlow
			}
			dir, hasDir = v.(string), true
		case "@index":
			if _, ok := v.(string); !ok {
				return rdfc.Term{}, false, errSlow
			}
			hasIndex = true
		default:
			if isKeyword(iri) {
				return rdfc.Term{}, false, errSlow
			}
			hasOther = true
			if err := f.property(active, key, def, iri, v, baseURL); err != nil {
				return rdfc.Term{}, false, err
			}
		}
	}
	if hasValue {
		f.pending = f.pending[:start]
		if hasOther || hasID || len(types) > 1 || (!hasTypeVal && len(types) == 1) {
			return rdfc.Term{}, false, errSlow
		}
		dt := ""
		if hasTypeVal {
			dt = typeVal
			if hasLang || hasDir || !wellFormedIRI(dt) {
				return rdfc.Term{}, false, errSlow
			}
		}
		if value == nil {
			return rdfc.Term{}, false, nil
		}
		if _, isStr := value.(string); !isStr && hasLang {
			return rdfc.Term{}, false, errSlow
		}
		if top || !hasProp {
			return rdfc.Term{}, false, nil
		}
		_ = hasIndex
		t, ok := f.w.literalTerm(value, dt, lang, dir)
		return t, ok, nil
	}
	if hasLang && !hasOther && !hasID && len(types) == 0 && !hasIndex && !hasDir {
		// Only @language: dropped.
		f.pending = f.pending[:start]
		return rdfc.Term{}, false, nil
	}
	if hasLang || hasDir {
		return rdfc.Term{}, false, errSlow // an invalid node object
	}
	var subj rdfc.Term
	sok := true
	if hasID {
		if f.blankIDs != nil && isBlankLabel(id) {
			if err := f.blankIDs(id); err != nil {
				return rdfc.Term{}, false, err
			}
		}
		subj, sok = f.w.id(id)
	} else {
		subj = f.w.newBlank()
		if f.anonymous != nil {
			f.anonymous(el)
		}
	}
	for _, t := range types {
		o, tok := f.w.id(t)
		f.w.emit(subj, rdfc.NewIRI(rdfType), o, rdfc.Term{}, sok && tok)
	}
	for _, p := range f.pending[start:] {
		f.w.emit(subj, p.pred, p.obj, rdfc.Term{}, sok && p.ok)
	}
	f.pending = f.pending[:start]
	return subj, sok, nil
}

// keysOf pushes m's members (in key order with Options.Ordered) on the
// stack the recursion shares, and returns them and where they start, to
// which the caller truncates the stack when done. (A range over a function
// would move the caller's variables to the heap.)
func (f *fastWalker) keysOf(m map[string]any) ([]entry, int) {
	start := len(f.keys)
	for k, v := range m {
		f.keys = append(f.keys, entry{k, v})
	}
	keys := f.keys[start:]
	if f.w.opts.Ordered {
		slices.SortFunc(keys, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	}
	return keys, start
}

func hasColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				} else if b[j] >= 0x80 {
					return stringsToLower(s)
				}
			}
			return string(b)
		}
	}
	return s
}

// property walks the value of a property entry key (expanded to iri,
// defined by def in active).
func (f *fastWalker) property(active *Context, key string, def *term, iri string, v any, baseURL string) error {
	if def != nil && (def.typ == "@json" || def.reverse || def.container&(cList|cGraph|cIndex|cID|cType) != 0) {
		return errSlow
	}
	var pred rdfc.Term
	var pok bool
	if def != nil && def.iriOK && def.id == iri {
		pred, pok = rdfc.Term{Kind: rdfc.IRI, Value: iri}, def.wf
	} else {
		pred, pok = f.w.predicate(iri)
	}
	if def.has(cLanguage) {
		if m, ok := v.(map[string]any); ok {
			d := active.dir
			if def.hasDir {
				d = def.dir
			}
			langs, kstart := f.keysOf(m)
			defer func() { f.keys = f.keys[:kstart] }()
			for _, kv := range langs {
				lang, items := kv.key, kv.v
				l := lowerASCII(lang)
				if lang == "@none" || f.e.expandsToNone(active, lang) {
					l = ""
				}
				for _, it := range asArray(items) {
					if it == nil {
						continue
					}
					s, ok := it.(string)
					if !ok {
						return errSlow
					}
					o, ook := f.w.literalString(s, "", l, d)
					f.pending = append(f.pending, pair{pred, o, pok && ook})
				}
			}
			return nil
		}
	}
	if a, ok := v.([]any); ok {
		for _, it := range a {
			if _, nested := it.([]any); nested {
				return errSlow
			}
			if err := f.value(active, key, def, pred, pok, it, baseURL); err != nil {
				return err
			}
		}
		return nil
	}
	return f.value(active, key, def, pred, pok, v, baseURL)
}

// value walks one value of a property.
func (f *fastWalker) value(active *Context, key string, def *term, pred rdfc.Term, pok bool, v any, baseURL string) error {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		o, ok, err := f.object(active, key, true, x, baseURL, false)
		if err != nil {
			return err
		}
		if ok {
			f.pending = append(f.pending, pair{pred, o, pok})
		}
		return nil
	case []any:
		return errSlow
	}
	if !isScalar(v) {
		return errSlow
	}
	if def != nil && def.hasCtx {
		var err error
		if active, err = f.e.derive(active, def, true, true); err != nil {
			return errSlow
		}
		def = active.terms[key]
	}
	// Value expansion, without building the value object.
	if s, isStr := v.(string); isStr && def != nil && (def.typ == "@id" || def.typ == "@vocab") {
		x, ok := f.e.expandIRIs(active, s, true, def.typ == "@vocab")
		if f.e.checkIRIs(x, ok, s, "@id") != nil {
			return errSlow
		}
		if !ok {
			return nil
		}
		o, ook := f.w.id(x)
		f.pending = append(f.pending, pair{pred, o, pok && ook})
		return nil
	}
	var dt, lang, dir string
	if def != nil && def.typ != "" && def.typ != "@id" && def.typ != "@vocab" && def.typ != "@none" {
		dt = def.typ
	} else if _, isStr := v.(string); isStr {
		lang, dir = active.lang, active.dir
		if def != nil && def.hasLang {
			lang = def.lang
		}
		if def != nil && def.hasDir {
			dir = def.dir
		}
	}
	o, ook := f.w.literalTerm(v, dt, lang, dir)
	f.pending = append(f.pending, pair{pred, o, pok && ook})
	return nil
}
