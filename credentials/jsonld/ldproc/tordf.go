package ldproc

import (
	"iter"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/diplomat-edu/diplomat/credentials/internal/jcs"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
)

const (
	rdfNS      = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rdfType    = rdfNS + "type"
	rdfFirst   = rdfNS + "first"
	rdfRest    = rdfNS + "rest"
	rdfNil     = rdfNS + "nil"
	rdfJSON    = rdfNS + "JSON"
	rdfValue   = rdfNS + "value"
	rdfLang    = rdfNS + "language"
	rdfDir     = rdfNS + "direction"
	xsdNS      = "http://www.w3.org/2001/XMLSchema#"
	xsdBoolean = xsdNS + "boolean"
	xsdInteger = xsdNS + "integer"
	xsdDouble  = xsdNS + "double"
	i18nNS     = "https://www.w3.org/ns/i18n#"
)

// rdfWriter is the Deserialize JSON-LD to RDF algorithm, walking the
// expanded form directly instead of a node map: the dataset is the same
// up to blank node labels and duplicates, which canonicalisation removes.
type rdfWriter struct {
	opts  *Options
	quads []rdfc.Quad
	blank map[string]string
	n     int
	// labels holds the next blank node labels, made in batches (one
	// allocation for many); ends[i] is where the i-th ends.
	labels string
	ends   []int32
	next   int
	// blanks counts the blank nodes made or named (treeWalker's memo:
	// what made none can be skipped when met again).
	blanks int
	// While two walkers write (treeWalker.split), they number blank nodes
	// in batches taken from shared, and share blank under mu.
	shared *atomic.Int64
	mu     *sync.Mutex
}

func toRDF(dst []rdfc.Quad, expanded []any, opts *Options) []rdfc.Quad {
	w := &rdfWriter{opts: opts, blank: map[string]string{}, quads: dst}
	for _, el := range expanded {
		if m, ok := el.(map[string]any); ok {
			w.node(m, rdfc.Term{}, true)
		}
	}
	return w.quads
}

func (w *rdfWriter) newBlank() rdfc.Term {
	w.blanks++
	return rdfc.Term{Kind: rdfc.Blank, Value: w.label()}
}

// labelBatch is how many blank node labels are made at once.
const labelBatch = 128

// label returns "b<n>" for the next n.
func (w *rdfWriter) label() string {
	if w.next == len(w.ends) {
		if w.shared != nil {
			w.n = int(w.shared.Add(labelBatch) - labelBatch)
		}
		var b []byte
		w.ends = w.ends[:0]
		for i := range labelBatch {
			b = append(b, 'b')
			b = strconv.AppendInt(b, int64(w.n+i), 10)
			w.ends = append(w.ends, int32(len(b)))
		}
		w.labels, w.next = string(b), 0
	}
	start := int32(0)
	if w.next > 0 {
		start = w.ends[w.next-1]
	}
	l := w.labels[start:w.ends[w.next]]
	w.next++
	w.n++
	return l
}

// id returns the term for an @id or @type value, and whether it is usable.
func (w *rdfWriter) id(s string) (rdfc.Term, bool) {
	if isBlankLabel(s) {
		w.blanks++
		if w.mu != nil {
			w.mu.Lock()
			defer w.mu.Unlock()
		}
		l, ok := w.blank[s]
		if !ok {
			l = w.label()
			w.blank[s] = l
		}
		return rdfc.Term{Kind: rdfc.Blank, Value: l}, true
	}
	return rdfc.Term{Kind: rdfc.IRI, Value: s}, wellFormedIRI(s)
}

func (w *rdfWriter) emit(s, p, o, g rdfc.Term, ok bool) {
	if ok {
		w.quads = append(w.quads, rdfc.Quad{s, p, o, g})
	}
}

// node writes the triples of a node object in graph (ok false: graph is
// not well-formed and nothing in it is written) and returns its subject.
func (w *rdfWriter) node(m map[string]any, graph rdfc.Term, gok bool) (rdfc.Term, bool) {
	var subj rdfc.Term
	sok := true
	if idv, has := m["@id"]; has {
		id, _ := idv.(string)
		subj, sok = w.id(id)
	} else {
		subj = w.newBlank()
	}
	ok := sok && gok
	for k, v := range w.entries(m) {
		switch k {
		case "@id", "@index", "@context":
		case "@type":
			for _, t := range asArray(v) {
				s, _ := t.(string)
				o, tok := w.id(s)
				w.emit(subj, rdfc.NewIRI(rdfType), o, graph, ok && tok)
			}
		case "@graph":
			for _, it := range asArray(v) {
				if im, isMap := it.(map[string]any); isMap {
					w.node(im, subj, sok)
				}
			}
		case "@included":
			for _, it := range asArray(v) {
				if im, isMap := it.(map[string]any); isMap {
					w.node(im, graph, gok)
				}
			}
		case "@reverse":
			rm, _ := v.(map[string]any)
			for p, items := range w.entries(rm) {
				pred, pok := w.predicate(p)
				for _, it := range asArray(items) {
					if im, isMap := it.(map[string]any); isMap {
						o, ook := w.node(im, graph, gok)
						w.emit(o, pred, subj, graph, ok && pok && ook)
					}
				}
			}
		default:
			pred, pok := w.predicate(k)
			for _, it := range asArray(v) {
				o, ook := w.object(it, graph, gok)
				w.emit(subj, pred, o, graph, ok && pok && ook)
			}
		}
	}
	return subj, sok
}

func (w *rdfWriter) predicate(p string) (rdfc.Term, bool) {
	if isBlankLabel(p) {
		t, _ := w.id(p)
		return t, w.opts.GeneralizedRDF
	}
	if isKeyword(p) {
		return rdfc.Term{}, false
	}
	return rdfc.NewIRI(p), wellFormedIRI(p)
}

// object converts an expanded value to a term, writing what it needs.
func (w *rdfWriter) object(v any, graph rdfc.Term, gok bool) (rdfc.Term, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return rdfc.Term{}, false
	}
	if val, ok := m["@value"]; ok {
		return w.literal(m, val, graph, gok)
	}
	if list, ok := m["@list"]; ok {
		return w.list(asArray(list), graph, gok)
	}
	return w.node(m, graph, gok)
}

func (w *rdfWriter) list(items []any, graph rdfc.Term, gok bool) (rdfc.Term, bool) {
	if len(items) == 0 {
		return rdfc.NewIRI(rdfNil), true
	}
	head := w.newBlank()
	cur := head
	for i, it := range items {
		o, ook := w.object(it, graph, gok)
		w.emit(cur, rdfc.NewIRI(rdfFirst), o, graph, gok && ook)
		var next rdfc.Term
		if i == len(items)-1 {
			next = rdfc.NewIRI(rdfNil)
		} else {
			next = w.newBlank()
		}
		w.emit(cur, rdfc.NewIRI(rdfRest), next, graph, gok)
		cur = next
	}
	return head, true
}

func (w *rdfWriter) literal(m map[string]any, val any, graph rdfc.Term, gok bool) (rdfc.Term, bool) {
	dt, _ := m["@type"].(string)
	lang, _ := m["@language"].(string)
	dir, _ := m["@direction"].(string)
	if dir != "" && dt == "" && w.opts.RDFDirection == "compound-literal" {
		lex, _, ok := lexical(val, dt)
		if !ok || (lang != "" && !wellFormedLang(lang)) {
			return rdfc.Term{}, false
		}
		b := w.newBlank()
		w.emit(b, rdfc.NewIRI(rdfValue), rdfc.NewLiteral(lex, "", ""), graph, gok)
		if lang != "" {
			w.emit(b, rdfc.NewIRI(rdfLang), rdfc.NewLiteral(strings.ToLower(lang), "", ""), graph, gok)
		}
		w.emit(b, rdfc.NewIRI(rdfDir), rdfc.NewLiteral(dir, "", ""), graph, gok)
		return b, true
	}
	return w.literalTerm(val, dt, lang, dir)
}

// lexical returns the lexical form and datatype of a value object's
// value, as Object to RDF makes them.
func lexical(val any, dt string) (string, string, bool) {
	if dt == "@json" {
		b, err := jcs.Marshal(val)
		if err != nil {
			return "", "", false
		}
		return string(b), rdfJSON, true
	}
	if f, ok := number(val); ok {
		val = f
	}
	switch x := val.(type) {
	case bool:
		if dt == "" {
			dt = xsdBoolean
		}
		return strconv.FormatBool(x), dt, true
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1e21 || dt == xsdDouble {
			if dt == "" {
				dt = xsdDouble
			}
			return canonicalDouble(x), dt, true
		}
		if dt == "" {
			dt = xsdInteger
		}
		if x == 0 {
			return "0", dt, true // not "-0"
		}
		return strconv.FormatFloat(x, 'f', 0, 64), dt, true
	case string:
		return x, dt, true
	}
	return "", "", false
}

// literalTerm is the literal for a value (not a compound literal).
func (w *rdfWriter) literalTerm(val any, dt, lang, dir string) (rdfc.Term, bool) {
	lex, dt, ok := lexical(val, dt)
	if !ok {
		return rdfc.Term{}, false
	}
	return w.lexicalTerm(lex, dt, lang, dir)
}

// literalString is literalTerm for a string (which an any would copy to
// the heap).
func (w *rdfWriter) literalString(s, dt, lang, dir string) (rdfc.Term, bool) {
	if dt == "@json" {
		return w.literalTerm(s, dt, lang, dir)
	}
	return w.lexicalTerm(s, dt, lang, dir)
}

// lexicalTerm is the literal of a lexical form and datatype.
func (w *rdfWriter) lexicalTerm(lex, dt, lang, dir string) (rdfc.Term, bool) {
	if dt != "" && !wellFormedIRI(dt) {
		return rdfc.Term{}, false
	}
	if lang != "" && !wellFormedLang(lang) {
		return rdfc.Term{}, false
	}
	if dir != "" && dt == "" && w.opts.RDFDirection == "i18n-datatype" {
		return rdfc.NewLiteral(lex, i18nNS+strings.ToLower(lang)+"_"+dir, ""), true
	}
	if lang != "" && dt == "" {
		return rdfc.NewLiteral(lex, rdfc.RDFLangString, lang), true
	}
	return rdfc.NewLiteral(lex, dt, ""), true
}

// canonicalDouble is the canonical lexical form of an xsd:double, as
// JSON-LD writes it (1.1E0, -1.0E-1).
func canonicalDouble(f float64) string {
	s := strconv.FormatFloat(f, 'E', 15, 64) // d.dddddddddddddddE±XX
	mant, exp, _ := strings.Cut(s, "E")
	mant = strings.TrimRight(mant, "0")
	if strings.HasSuffix(mant, ".") {
		mant += "0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// wellFormedLang checks a BCP 47 tag's form: letters, then dash-separated
// groups of up to 8 letters or digits.
func wellFormedLang(tag string) bool {
	part, n := 0, 0 // the group, and its length so far
	for i := 0; i <= len(tag); i++ {
		if i == len(tag) || tag[i] == '-' {
			if n == 0 || n > 8 {
				return false
			}
			part, n = part+1, 0
			continue
		}
		c := tag[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (part == 0 || c < '0' || c > '9') {
			return false
		}
		n++
	}
	return true
}

// entries ranges over m, in key order when Options.Ordered asks for it.
func (w *rdfWriter) entries(m map[string]any) iter.Seq2[string, any] {
	if !w.opts.Ordered {
		return maps.All(m)
	}
	return func(yield func(string, any) bool) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
