package ldproc

import (
	"context"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
	"github.com/diplomat-edu/diplomat/internal/par"
)

// The fast path of ToRDF (fast.go) over a document decoded by
// jsontree.Parse, rather than the generic values of encoding/json: the
// same walk, reading members from an array instead of maps. What the fast
// path does not read, and any error, is handed to the full algorithms as
// generic values (jsontree.Tree.Any), which give the same dataset and the
// errors with their codes and paths.

// AppendRDFTree is AppendRDF for the value doc of t.
func (p *Processor) AppendRDFTree(ctx context.Context, dst []rdfc.Quad, t *jsontree.Tree, doc *jsontree.Node, opts Options) ([]rdfc.Quad, error) {
	opts.ctx = ctx
	if qs, err := p.fastTreeToRDF(dst, t, doc, &opts); err == nil {
		return qs, nil
	}
	expanded, err := p.Expand(ctx, t.Any(doc), opts)
	if err != nil {
		return nil, err
	}
	return toRDF(dst, expanded, &opts), nil
}

type treeWalker struct {
	t       *jsontree.Tree
	e       *expander
	w       *rdfWriter
	pending []pair
	sorted  []*jsontree.Node // members in key order (Options.Ordered), a stack
	// seen holds the node objects already walked whose triples have no
	// blank node: met again, with the same bytes, under the same active
	// context and property, they would give the same triples again (the
	// expansion is a function of those), which canonicalisation would
	// remove as duplicates; their subject is all that is needed. Credentials
	// repeat such objects (the same Concept in every course unit).
	seen map[seenKey]seenNode
	// The node object being walked, when its subject was known before its
	// members (it has no value key): its triples are written as their
	// objects are found, rather than kept on pending until the subject is
	// known, which halves the pointers written per triple.
	direct bool
	subj   rdfc.Term
	sok    bool
	// With Options.Parallel, the walker of a helper goroutine (split), made
	// at the first split, and whether a split is under way.
	helper    *treeWalker
	splitting bool
	scratch   *walkScratch // the helper's, from Processor.scratch
}

// add records the triple of the object being walked with predicate pred
// and object o (ok: both usable).
func (f *treeWalker) add(pred, o rdfc.Term, ok bool) {
	if f.direct {
		f.w.emit(f.subj, pred, o, rdfc.Term{}, f.sok && ok)
		return
	}
	f.pending = append(f.pending, pair{pred, o, ok})
}

type seenKey struct {
	active  *Context
	prop    string
	hasProp bool
	baseURL string
	source  string
}

type seenNode struct {
	subj rdfc.Term
	ok   bool
}

func (p *Processor) fastTreeToRDF(dst []rdfc.Quad, t *jsontree.Tree, doc *jsontree.Node, opts *Options) ([]rdfc.Quad, error) {
	if opts.ExpandContext != nil || opts.RDFDirection == "compound-literal" {
		return nil, errSlow
	}
	if opts.ProcessingMode != "" && opts.ProcessingMode != "json-ld-1.1" {
		return nil, errSlow
	}
	if doc.Kind() != jsontree.Object {
		return nil, errSlow
	}
	cp := &ctxProc{p: p, opts: opts}
	f := &treeWalker{t: t, e: &expander{cp: cp, safe: opts.Safe}, w: &rdfWriter{opts: opts, blank: map[string]string{}}}
	s, _ := p.scratch.Get().(*walkScratch)
	if s == nil {
		s = &walkScratch{}
	}
	f.pending, f.sorted = s.pending[:0], s.sorted[:0]
	defer func() {
		clear(f.pending[:cap(f.pending)])
		clear(f.sorted[:cap(f.sorted)])
		s.pending, s.sorted = f.pending[:0], f.sorted[:0]
		p.scratch.Put(s)
	}()
	f.w.quads = dst
	if _, _, err := f.object(p.root(opts), "", false, doc, opts.Base, true); err != nil {
		if f.helper != nil {
			f.helper.release()
		}
		return nil, err
	}
	if f.helper != nil {
		f.w.quads = append(f.w.quads, f.helper.w.quads...)
		f.helper.release()
	}
	return f.w.quads, nil
}

// Splitting the items of an array (treeWalker.split): an array of at least
// splitItems node objects, splitBytes of source or more, in pieces of
// splitPiece items.
const (
	splitItems = 8
	splitBytes = 16 << 10
	splitPiece = 2
)

// splittable reports whether the items of an array are worth sharing with
// a helper goroutine: f may (Options.Parallel, not Ordered, no split under
// way), and they are many large node objects.
func (f *treeWalker) splittable(its []jsontree.Node) bool {
	if !f.w.opts.Parallel || f.w.opts.Ordered || f.splitting || len(its) < splitItems || runtime.GOMAXPROCS(0) < 2 {
		return false
	}
	size := 0
	for i := range its {
		src, ok := f.t.Source(&its[i])
		if !ok || its[i].Kind() != jsontree.Object {
			return false
		}
		size += len(src)
	}
	return size >= splitBytes
}

// split walks the node objects its, the value of property key (predicate
// pred), with a helper goroutine (par.Pieces) taking some, and adds their
// triples to the object being walked, in order. The helper's walker has its
// own stacks and writer (whose quads fastTreeToRDF adds at the end); the
// two writers number blank nodes from one counter and share the labels of
// blank node identifiers. Contexts are safe for concurrent use.
func (f *treeWalker) split(active *Context, key string, pred rdfc.Term, pok bool, its []jsontree.Node, baseURL string) error {
	if f.helper == nil {
		shared := new(atomic.Int64)
		// Past every label of the batch f's writer has begun.
		shared.Store(int64(f.w.n + len(f.w.ends) - f.w.next))
		mu := new(sync.Mutex)
		f.w.shared, f.w.mu = shared, mu
		h := &treeWalker{t: f.t, e: &expander{cp: f.e.cp, safe: f.e.safe}, w: &rdfWriter{opts: f.w.opts, blank: f.w.blank, shared: shared, mu: mu}}
		h.scratch, _ = f.e.cp.p.scratch.Get().(*walkScratch)
		if h.scratch == nil {
			h.scratch = &walkScratch{}
		}
		h.pending, h.sorted, h.w.quads = h.scratch.pending[:0], h.scratch.sorted[:0], h.scratch.quads[:0]
		f.helper = h
	}
	type result struct {
		o   rdfc.Term
		ok  bool
		err error
	}
	res := make([]result, len(its))
	walkers := [2]*treeWalker{f, f.helper}
	f.splitting, f.helper.splitting = true, true
	par.Pieces((len(its)+splitPiece-1)/splitPiece, func(w, k int) {
		wk := walkers[w]
		for i := k * splitPiece; i < min(len(its), (k+1)*splitPiece); i++ {
			r := &res[i]
			r.o, r.ok, r.err = wk.object(active, key, true, &its[i], baseURL, false)
		}
	})
	f.splitting = false
	for i := range res {
		if res[i].err != nil {
			return res[i].err
		}
		if res[i].ok {
			f.add(pred, res[i].o, pok)
		}
	}
	return nil
}

// release gives a helper's memory back to the pool (its quads are not
// referred to after: fastTreeToRDF has copied them).
func (f *treeWalker) release() {
	s := f.scratch
	clear(f.pending[:cap(f.pending)])
	clear(f.sorted[:cap(f.sorted)])
	clear(f.w.quads[:cap(f.w.quads)])
	s.pending, s.sorted, s.quads = f.pending[:0], f.sorted[:0], f.w.quads[:0]
	f.e.cp.p.scratch.Put(s)
}

// members returns el's members, in key order with Options.Ordered (then
// pushed on f.sorted: the caller truncates it to the mark returned).
func (f *treeWalker) members(el *jsontree.Node) ([]jsontree.Node, []*jsontree.Node, int) {
	items := f.t.Items(el)
	if !f.w.opts.Ordered {
		return items, nil, len(f.sorted)
	}
	start := len(f.sorted)
	for i := range items {
		f.sorted = append(f.sorted, &items[i])
	}
	keys := f.sorted[start:]
	slices.SortFunc(keys, func(a, b *jsontree.Node) int { return strings.Compare(f.t.Name(a), f.t.Name(b)) })
	return nil, keys, start
}

// object is fastWalker.object for a node of the tree.
func (f *treeWalker) object(active *Context, prop string, hasProp bool, el *jsontree.Node, baseURL string, top bool) (rdfc.Term, bool, error) {
	e, t := f.e, f.t
	// A node object with an identifier met before: see treeWalker.seen.
	var key seenKey
	memo := false
	if !top {
		if src, ok := t.Source(el); ok && f.hasID(active, el) {
			key = seenKey{active, prop, hasProp, baseURL, src}
			if n, ok := f.seen[key]; ok {
				return n.subj, n.ok, nil
			}
			memo = true
		}
	}
	blanks := f.w.blanks
	var propDef *term
	if hasProp {
		propDef = active.terms[prop]
	}
	active, typeScoped, inputType, err := e.treeObjectContext(active, propDef, t, el, baseURL)
	if err != nil {
		return rdfc.Term{}, false, errSlow
	}
	if inputType == "@json" {
		return rdfc.Term{}, false, errSlow
	}
	var (
		id                        string
		hasID, hasOther           bool
		value                     *jsontree.Node
		lang                      string
		hasLang, hasDir, hasIndex bool
		types                     []string
		typeVal                   string // the @type of a value object, when a string
		hasTypeVal                bool
		dir                       string
	)
	// The subject first, unless el may be a value object.
	parent := struct {
		direct bool
		subj   rdfc.Term
		sok    bool
	}{f.direct, f.subj, f.sok}
	f.direct = false
	if !f.hasKey(el, active.aliases().value) {
		var idNode *jsontree.Node
		for _, k := range active.aliases().id {
			if n := t.Get(el, k); n != nil {
				if idNode != nil {
					return rdfc.Term{}, false, errSlow
				}
				idNode = n
			}
		}
		if idNode != nil {
			if idNode.Kind() != jsontree.String {
				return rdfc.Term{}, false, errSlow
			}
			s := t.Text(idNode)
			x, ok := e.expandIRIs(active, s, true, false)
			if !ok || e.checkIRIs(x, ok, s, "@id") != nil {
				return rdfc.Term{}, false, errSlow
			}
			id, hasID = x, true
			f.subj, f.sok = f.w.id(id)
		} else {
			f.subj, f.sok = f.w.newBlank(), true
		}
		f.direct = true
	}
	start := len(f.pending)
	items, sorted, mark := f.members(el)
	defer func() {
		f.sorted = f.sorted[:mark]
		f.direct, f.subj, f.sok = parent.direct, parent.subj, parent.sok
	}()
	n := len(items) + len(sorted)
	for i := range n {
		var v *jsontree.Node
		if sorted != nil {
			v = sorted[i]
		} else {
			v = &items[i]
		}
		key := t.Name(v)
		if key == "@context" {
			continue
		}
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
			if f.direct {
				continue // read above
			}
			if v.Kind() != jsontree.String || hasID {
				return rdfc.Term{}, false, errSlow
			}
			s := t.Text(v)
			x, ok := e.expandIRIs(active, s, true, false)
			if !ok || e.checkIRIs(x, ok, s, "@id") != nil {
				return rdfc.Term{}, false, errSlow
			}
			id, hasID = x, true
		case "@type":
			switch v.Kind() {
			case jsontree.String:
				s := t.Text(v)
				x, ok := e.expandIRIs(typeScoped, s, true, true)
				if !ok || e.checkIRIs(x, ok, s, "@type") != nil {
					return rdfc.Term{}, false, errSlow
				}
				types = append(types, x)
				typeVal, hasTypeVal = x, true
			case jsontree.Array:
				its := t.Items(v)
				for j := range its {
					if its[j].Kind() != jsontree.String {
						return rdfc.Term{}, false, errSlow
					}
					s := t.Text(&its[j])
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
			if k := v.Kind(); k == jsontree.Array || k == jsontree.Object || value != nil {
				return rdfc.Term{}, false, errSlow
			}
			value = v
		case "@language":
			if v.Kind() != jsontree.String {
				return rdfc.Term{}, false, errSlow
			}
			lang, hasLang = lowerASCII(t.Text(v)), true
		case "@direction":
			if v.Kind() != jsontree.String {
				return rdfc.Term{}, false, errSlow
			}
			if dir = t.Text(v); dir != "ltr" && dir != "rtl" {
				return rdfc.Term{}, false, errSlow
			}
			hasDir = true
		case "@index":
			if v.Kind() != jsontree.String {
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
	if value != nil {
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
		if value.Kind() == jsontree.Null {
			return rdfc.Term{}, false, nil
		}
		if value.Kind() != jsontree.String && hasLang {
			return rdfc.Term{}, false, errSlow
		}
		if top || !hasProp {
			return rdfc.Term{}, false, nil
		}
		t, ok := f.literal(value, dt, lang, dir)
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
	switch {
	case f.direct:
		subj, sok = f.subj, f.sok
	case hasID:
		subj, sok = f.w.id(id)
	default:
		subj = f.w.newBlank()
	}
	for _, t := range types {
		o, tok := f.w.id(t)
		f.w.emit(subj, rdfc.NewIRI(rdfType), o, rdfc.Term{}, sok && tok)
	}
	for _, p := range f.pending[start:] {
		f.w.emit(subj, p.pred, p.obj, rdfc.Term{}, sok && p.ok)
	}
	f.pending = f.pending[:start]
	if memo && hasID && f.w.blanks == blanks {
		if f.seen == nil {
			f.seen = map[seenKey]seenNode{}
		}
		f.seen[key] = seenNode{subj, sok}
	}
	return subj, sok, nil
}

// hasKey reports whether el has a member named one of keys.
func (f *treeWalker) hasKey(el *jsontree.Node, keys []string) bool {
	for _, k := range keys {
		if f.t.Get(el, k) != nil {
			return true
		}
	}
	return false
}

// hasID reports whether el has a member named @id or one of its aliases
// in active (a type-scoped context may define others: those objects are
// not remembered, which changes nothing but speed).
func (f *treeWalker) hasID(active *Context, el *jsontree.Node) bool {
	for _, k := range active.aliases().id {
		if f.t.Get(el, k) != nil {
			return true
		}
	}
	return false
}

// literal is the literal of a scalar node.
func (f *treeWalker) literal(v *jsontree.Node, dt, lang, dir string) (rdfc.Term, bool) {
	switch v.Kind() {
	case jsontree.String:
		return f.w.literalString(f.t.Text(v), dt, lang, dir)
	case jsontree.Number:
		return f.w.literalTerm(json.Number(f.t.Text(v)), dt, lang, dir)
	case jsontree.True:
		return f.w.literalTerm(true, dt, lang, dir)
	case jsontree.False:
		return f.w.literalTerm(false, dt, lang, dir)
	}
	return rdfc.Term{}, false
}

// property is fastWalker.property for a node of the tree.
func (f *treeWalker) property(active *Context, key string, def *term, iri string, v *jsontree.Node, baseURL string) error {
	if def != nil && (def.typ == "@json" || def.reverse || def.container&(cList|cGraph|cIndex|cID|cType) != 0) {
		return errSlow
	}
	t := f.t
	var pred rdfc.Term
	var pok bool
	if def != nil && def.iriOK && def.id == iri {
		pred, pok = rdfc.Term{Kind: rdfc.IRI, Value: iri}, def.wf
	} else {
		pred, pok = f.w.predicate(iri)
	}
	if def.has(cLanguage) && v.Kind() == jsontree.Object {
		d := active.dir
		if def.hasDir {
			d = def.dir
		}
		items, sorted, mark := f.members(v)
		defer func() { f.sorted = f.sorted[:mark] }()
		for i := range len(items) + len(sorted) {
			var m *jsontree.Node
			if sorted != nil {
				m = sorted[i]
			} else {
				m = &items[i]
			}
			lang := t.Name(m)
			l := lowerASCII(lang)
			if lang == "@none" || f.e.expandsToNone(active, lang) {
				l = ""
			}
			vals := []jsontree.Node{*m}
			if m.Kind() == jsontree.Array {
				vals = t.Items(m)
			}
			for j := range vals {
				switch vals[j].Kind() {
				case jsontree.Null:
					continue
				case jsontree.String:
				default:
					return errSlow
				}
				o, ook := f.w.literalString(t.Text(&vals[j]), "", l, d)
				f.add(pred, o, pok && ook)
			}
		}
		return nil
	}
	if v.Kind() == jsontree.Array {
		its := t.Items(v)
		if f.splittable(its) {
			return f.split(active, key, pred, pok, its, baseURL)
		}
		for i := range its {
			if its[i].Kind() == jsontree.Array {
				return errSlow
			}
			if err := f.value(active, key, def, pred, pok, &its[i], baseURL); err != nil {
				return err
			}
		}
		return nil
	}
	return f.value(active, key, def, pred, pok, v, baseURL)
}

// value is fastWalker.value for a node of the tree.
func (f *treeWalker) value(active *Context, key string, def *term, pred rdfc.Term, pok bool, v *jsontree.Node, baseURL string) error {
	switch v.Kind() {
	case jsontree.Null:
		return nil
	case jsontree.Object:
		o, ok, err := f.object(active, key, true, v, baseURL, false)
		if err != nil {
			return err
		}
		if ok {
			f.add(pred, o, pok)
		}
		return nil
	case jsontree.Array:
		return errSlow
	}
	if def != nil && def.hasCtx {
		var err error
		if active, err = f.e.derive(active, def, true, true); err != nil {
			return errSlow
		}
		def = active.terms[key]
	}
	isStr := v.Kind() == jsontree.String
	// Value expansion, without building the value object.
	if isStr && def != nil && (def.typ == "@id" || def.typ == "@vocab") {
		s := f.t.Text(v)
		x, ok := f.e.expandIRIs(active, s, true, def.typ == "@vocab")
		if f.e.checkIRIs(x, ok, s, "@id") != nil {
			return errSlow
		}
		if !ok {
			return nil
		}
		o, ook := f.w.id(x)
		f.add(pred, o, pok && ook)
		return nil
	}
	var dt, lang, dir string
	if def != nil && def.typ != "" && def.typ != "@id" && def.typ != "@vocab" && def.typ != "@none" {
		dt = def.typ
	} else if isStr {
		lang, dir = active.lang, active.dir
		if def != nil && def.hasLang {
			lang = def.lang
		}
		if def != nil && def.hasDir {
			dir = def.dir
		}
	}
	o, ook := f.literal(v, dt, lang, dir)
	f.add(pred, o, pok && ook)
	return nil
}

// treeObjectContext is objectContext (without keys) for a node of the
// tree.
func (e *expander) treeObjectContext(active *Context, propDef *term, t *jsontree.Tree, el *jsontree.Node, baseURL string) (*Context, *Context, string, error) {
	if active.previous != nil {
		a := active.aliases()
		revert := true
		for _, k := range a.value {
			if t.Get(el, k) != nil {
				revert = false
			}
		}
		if el.Len() == 1 {
			for _, k := range a.id {
				if t.Get(el, k) != nil {
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
	if c := t.Get(el, "@context"); c != nil {
		var err error
		e.push("@context")
		if active, err = e.cp.process(active, t.Any(c), baseURL, nil, false, true, true, false); err != nil {
			return nil, nil, "", e.fail(err)
		}
		e.pop()
	}
	typeScoped := active
	var typeNode *jsontree.Node
	for _, k := range typeScoped.aliases().typ {
		if n := t.Get(el, k); n != nil {
			if typeNode != nil {
				return nil, nil, "", errMultipleTypeKeys
			}
			typeNode = n
		}
	}
	if typeNode == nil {
		return active, typeScoped, "", nil
	}
	var types [8]string
	list := types[:0]
	switch typeNode.Kind() {
	case jsontree.String:
		list = append(list, t.Text(typeNode))
	case jsontree.Array:
		its := t.Items(typeNode)
		for i := range its {
			if its[i].Kind() != jsontree.String {
				return nil, nil, "", errMultipleTypeKeys // the full algorithm says what is wrong
			}
			list = append(list, t.Text(&its[i]))
		}
	}
	if len(list) == 0 {
		return active, typeScoped, "", nil
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
	var inputType string
	t2, err := e.expandIRI(active, last, false, true)
	if err != nil {
		return nil, nil, "", e.fail(err)
	}
	if t2 != nil {
		inputType = *t2
	}
	return active, typeScoped, inputType, nil
}
