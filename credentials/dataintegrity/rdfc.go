package dataintegrity

import (
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/piprate/json-gold/ld"
)

// This file is RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation
// 2024) over the quads json-gold produces, with the hash function as a
// parameter: ecdsa-rdfc-2019 with P-384 canonicalises with SHA-384, which
// json-gold's URDNA2015 (SHA-256 only) cannot do.

// ErrTooComplex is wrapped by canonicalisation errors for a dataset whose
// blank nodes would need more work than the limit allows (a "poison graph").
var ErrTooComplex = errors.New("dataset too complex to canonicalize")

// maxNDegreeCalls bounds the Hash N-Degree Quads work per dataset; RDFC-1.0
// asks implementations to guard against poison graphs. Real credentials stay
// far below it (blank nodes in them are trees).
const maxNDegreeCalls = 4096

type termKind byte

const (
	kindNone termKind = iota // the default graph
	kindIRI
	kindBlank
	kindLiteral
)

type term struct {
	kind                  termKind
	value, datatype, lang string
}

type quad [4]term // subject, predicate, object, graph

const (
	xsdString     = "http://www.w3.org/2001/XMLSchema#string"
	rdfLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// quadsOf converts a json-gold dataset.
func quadsOf(ds *ld.RDFDataset) ([]quad, error) {
	var out []quad
	for name, triples := range ds.Graphs {
		var g term
		switch {
		case name == "@default" || name == "":
		case strings.HasPrefix(name, "_:"):
			g = term{kind: kindBlank, value: name}
		default:
			g = term{kind: kindIRI, value: name}
		}
		for _, t := range triples {
			s, err := termOf(t.Subject)
			if err != nil {
				return nil, err
			}
			p, err := termOf(t.Predicate)
			if err != nil {
				return nil, err
			}
			o, err := termOf(t.Object)
			if err != nil {
				return nil, err
			}
			out = append(out, quad{s, p, o, g})
		}
	}
	return out, nil
}

func termOf(n ld.Node) (term, error) {
	// json-gold 0.9 makes value terms; pointers are kept for any caller
	// still building datasets by hand.
	switch v := n.(type) {
	case ld.IRI:
		return term{kind: kindIRI, value: v.Value}, nil
	case *ld.IRI:
		return term{kind: kindIRI, value: v.Value}, nil
	case ld.BlankNode:
		return term{kind: kindBlank, value: v.Attribute}, nil
	case *ld.BlankNode:
		return term{kind: kindBlank, value: v.Attribute}, nil
	case ld.Literal:
		return term{kind: kindLiteral, value: v.Value, datatype: v.Datatype, lang: v.Language}, nil
	case *ld.Literal:
		return term{kind: kindLiteral, value: v.Value, datatype: v.Datatype, lang: v.Language}, nil
	}
	return term{}, fmt.Errorf("%w: unexpected RDF term %T", ErrCanonicalize, n)
}

// issuer issues identifiers in order (the Issue Identifier algorithm).
type issuer struct {
	prefix string
	ids    map[string]string
	order  []string
}

func newIssuer(prefix string) *issuer { return &issuer{prefix: prefix, ids: map[string]string{}} }

func (is *issuer) issue(old string) string {
	if id, ok := is.ids[old]; ok {
		return id
	}
	id := is.prefix + strconv.Itoa(len(is.order))
	is.ids[old] = id
	is.order = append(is.order, old)
	return id
}

func (is *issuer) clone() *issuer {
	c := &issuer{prefix: is.prefix, ids: make(map[string]string, len(is.ids)), order: slices.Clone(is.order)}
	for k, v := range is.ids {
		c.ids[k] = v
	}
	return c
}

type canonState struct {
	h          crypto.Hash
	quads      []quad
	blankQuads map[string][]int
	canonical  *issuer
	firstHash  map[string]string
	calls      int
}

// rdfc10 returns the canonical N-Quads of quads, using h as the hash.
func rdfc10(quads []quad, h crypto.Hash) ([]byte, error) {
	seen := make(map[string]bool, len(quads))
	unique := quads[:0:0]
	for _, q := range quads {
		k := nquad(q, func(id string) string { return id })
		if !seen[k] {
			seen[k] = true
			unique = append(unique, q)
		}
	}
	quads = unique
	st := &canonState{h: h, quads: quads, blankQuads: map[string][]int{}, canonical: newIssuer("_:c14n"), firstHash: map[string]string{}}
	for i, q := range quads {
		for _, c := range []int{0, 2, 3} {
			if q[c].kind == kindBlank {
				ids := st.blankQuads[q[c].value]
				if len(ids) == 0 || ids[len(ids)-1] != i {
					st.blankQuads[q[c].value] = append(ids, i)
				}
			}
		}
	}
	hashToBlanks := map[string][]string{}
	for id := range st.blankQuads {
		hf := st.hashFirstDegree(id)
		hashToBlanks[hf] = append(hashToBlanks[hf], id)
	}
	hashes := make([]string, 0, len(hashToBlanks))
	for hf := range hashToBlanks {
		hashes = append(hashes, hf)
	}
	slices.Sort(hashes)
	var shared []string
	for _, hf := range hashes {
		if ids := hashToBlanks[hf]; len(ids) == 1 {
			st.canonical.issue(ids[0])
		} else {
			shared = append(shared, hf)
		}
	}
	for _, hf := range shared {
		type result struct {
			hash   string
			issuer *issuer
		}
		var paths []result
		for _, id := range hashToBlanks[hf] {
			if _, done := st.canonical.ids[id]; done {
				continue
			}
			tmp := newIssuer("_:b")
			tmp.issue(id)
			hn, is, err := st.hashNDegree(id, tmp)
			if err != nil {
				return nil, err
			}
			paths = append(paths, result{hn, is})
		}
		slices.SortStableFunc(paths, func(a, b result) int { return strings.Compare(a.hash, b.hash) })
		for _, r := range paths {
			for _, old := range r.issuer.order {
				st.canonical.issue(old)
			}
		}
	}
	lines := make([]string, len(quads))
	for i, q := range quads {
		lines[i] = nquad(q, func(id string) string { return st.canonical.ids[id] })
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	return []byte(strings.Join(lines, "")), nil
}

func (st *canonState) hash(s string) string {
	h := st.h.New()
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// hashFirstDegree is the Hash First Degree Quads algorithm.
func (st *canonState) hashFirstDegree(id string) string {
	if hf, ok := st.firstHash[id]; ok {
		return hf
	}
	qs := st.blankQuads[id]
	lines := make([]string, len(qs))
	for i, qi := range qs {
		lines[i] = nquad(st.quads[qi], func(b string) string {
			if b == id {
				return "_:a"
			}
			return "_:z"
		})
	}
	slices.Sort(lines)
	hf := st.hash(strings.Join(lines, ""))
	st.firstHash[id] = hf
	return hf
}

// hashRelated is the Hash Related Blank Node algorithm.
func (st *canonState) hashRelated(related string, q quad, is *issuer, position byte) string {
	var b strings.Builder
	b.WriteByte(position)
	if position != 'g' {
		b.WriteString("<" + q[1].value + ">")
	}
	switch {
	case st.canonical.ids[related] != "":
		b.WriteString(st.canonical.ids[related])
	case is.ids[related] != "":
		b.WriteString(is.ids[related])
	default:
		b.WriteString(st.hashFirstDegree(related))
	}
	return st.hash(b.String())
}

// hashNDegree is the Hash N-Degree Quads algorithm.
func (st *canonState) hashNDegree(id string, is *issuer) (string, *issuer, error) {
	st.calls++
	if st.calls > maxNDegreeCalls {
		return "", nil, fmt.Errorf("%w: %w: over %d Hash N-Degree Quads steps", ErrCanonicalize, ErrTooComplex, maxNDegreeCalls)
	}
	hn := map[string][]string{}
	for _, qi := range st.blankQuads[id] {
		q := st.quads[qi]
		for _, c := range []struct {
			i   int
			pos byte
		}{{0, 's'}, {2, 'o'}, {3, 'g'}} {
			t := q[c.i]
			if t.kind == kindBlank && t.value != id {
				rh := st.hashRelated(t.value, q, is, c.pos)
				if !slices.Contains(hn[rh], t.value) {
					hn[rh] = append(hn[rh], t.value)
				}
			}
		}
	}
	relatedHashes := make([]string, 0, len(hn))
	for rh := range hn {
		relatedHashes = append(relatedHashes, rh)
	}
	slices.Sort(relatedHashes)
	var data strings.Builder
	for _, rh := range relatedHashes {
		data.WriteString(rh)
		chosenPath := ""
		var chosenIssuer *issuer
		err := permute(hn[rh], func(perm []string) (bool, error) {
			issuerCopy := is.clone()
			var path strings.Builder
			var recursion []string
			for _, related := range perm {
				if c := st.canonical.ids[related]; c != "" {
					path.WriteString(c)
				} else {
					if _, ok := issuerCopy.ids[related]; !ok {
						recursion = append(recursion, related)
					}
					path.WriteString(issuerCopy.issue(related))
				}
				if chosenPath != "" && path.Len() >= len(chosenPath) && path.String() > chosenPath {
					return true, nil
				}
			}
			for _, related := range recursion {
				res, resIssuer, err := st.hashNDegree(related, issuerCopy)
				if err != nil {
					return false, err
				}
				path.WriteString(issuerCopy.issue(related))
				path.WriteString("<" + res + ">")
				issuerCopy = resIssuer
				if chosenPath != "" && path.Len() >= len(chosenPath) && path.String() > chosenPath {
					return true, nil
				}
			}
			if chosenPath == "" || path.String() < chosenPath {
				chosenPath = path.String()
				chosenIssuer = issuerCopy
			}
			return true, nil
		})
		if err != nil {
			return "", nil, err
		}
		data.WriteString(chosenPath)
		is = chosenIssuer
	}
	return st.hash(data.String()), is, nil
}

// permute calls f with every permutation of list (Heap's algorithm) until f
// returns false or an error.
func permute(list []string, f func([]string) (bool, error)) error {
	a := slices.Clone(list)
	slices.Sort(a)
	c := make([]int, len(a))
	if ok, err := f(a); err != nil || !ok {
		return err
	}
	for i := 0; i < len(a); {
		if c[i] < i {
			if i%2 == 0 {
				a[0], a[i] = a[i], a[0]
			} else {
				a[c[i]], a[i] = a[i], a[c[i]]
			}
			if ok, err := f(a); err != nil || !ok {
				return err
			}
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
	return nil
}

// nquad serialises q as one canonical N-Quads line, naming blank nodes with
// label.
func nquad(q quad, label func(string) string) string {
	var b strings.Builder
	for i, t := range q {
		if t.kind == kindNone {
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		switch t.kind {
		case kindIRI:
			b.WriteString("<" + t.value + ">")
		case kindBlank:
			b.WriteString(label(t.value))
		case kindLiteral:
			b.WriteByte('"')
			escapeLiteral(&b, t.value)
			b.WriteByte('"')
			switch {
			case t.datatype == rdfLangString && t.lang != "":
				b.WriteString("@" + t.lang)
			case t.datatype != "" && t.datatype != xsdString:
				b.WriteString("^^<" + t.datatype + ">")
			}
		}
	}
	b.WriteString(" .\n")
	return b.String()
}

// escapeLiteral writes s escaped as canonical N-Quads requires.
func escapeLiteral(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
}
