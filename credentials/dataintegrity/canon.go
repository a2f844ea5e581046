package dataintegrity

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/piprate/json-gold/ld"

	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/jsonld/ldproc"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
)

// Canonicalizer turns a JSON-LD document into its canonical N-Quads
// (RDFC-1.0), the bytes Data Integrity hashes. Implementations must be safe
// for concurrent use: a Suite canonicalises the document and the proof
// configuration at the same time.
type Canonicalizer interface {
	// Canonicalize returns the canonical N-Quads of doc, a JSON-LD document
	// as encoding/json decodes it (map[string]any; numbers as float64 or
	// json.Number), using h as RDFC-1.0's hash function (SHA-256, or
	// SHA-384 for ecdsa-rdfc-2019 with P-384). doc must not be modified.
	// It returns an error wrapping jsonld.ErrUnknownContext or
	// jsonld.ErrContextMismatch (as a *jsonld.ContextError naming the URL)
	// when a context cannot be loaded, one wrapping ErrTooComplex when the
	// dataset is over the work bound, and one wrapping ErrCanonicalize for
	// any other failure, including a property the contexts do not define.
	Canonicalize(ctx context.Context, doc any, h crypto.Hash) ([]byte, error)
}

// ErrCanonicalize is wrapped by errors from canonicalisation.
var ErrCanonicalize = errors.New("canonicalizing JSON-LD")

// ErrTooComplex is wrapped by canonicalisation errors for a dataset whose
// blank nodes would need more work, or time, than the bound allows (a
// "poison graph"). It is rdfc.ErrTooComplex.
var ErrTooComplex = rdfc.ErrTooComplex

// Engines: the JSON-LD processors a Suite can canonicalise with.
const (
	// EngineLDProc is credentials/jsonld/ldproc, built for speed, with
	// processed contexts kept for the life of the Suite. The default.
	EngineLDProc = "ldproc"
	// EngineJSONGold is github.com/piprate/json-gold, the reference.
	EngineJSONGold = "json-gold"
)

// LDProc is the Canonicalizer built on credentials/jsonld/ldproc: JSON-LD
// expansion in safe mode (an undefined term, or a relative @id, @type or
// property, is an error naming its JSON path), conversion to RDF, then
// RDFC-1.0 (credentials/rdfc) under the bounds of Work. Its processed
// contexts are shared by every call.
type LDProc struct {
	proc *ldproc.Processor
	work rdfc.Options
	// Quad buffers, reused between calls: kept holds up to keptQuads of
	// them (of at most maxQuadHint quads each) for the life of the
	// LDProc, the pool any others. The pool alone is emptied by every
	// garbage collection, which the verification of a large credential
	// may well trigger, and a new buffer is 0.8 MB for the 60-unit
	// transcript.
	kept    chan *[]rdfc.Quad
	quads   sync.Pool
	largest atomic.Int64 // the most quads a dataset had
}

const (
	// maxQuadHint bounds the quads a buffer is made for in advance, and
	// those of a buffer kept (2 MB).
	maxQuadHint = 8192
	// keptQuads is the number of buffers kept: two, since a Suite
	// canonicalises a document and its proof configuration at once.
	keptQuads = 2
)

var _ Canonicalizer = (*LDProc)(nil)

// NewLDProc returns an LDProc that loads contexts through loader (nil: the
// built-in contexts only) and bounds canonicalisation by work (its Hash is
// ignored: each call says which).
func NewLDProc(loader *jsonld.Loader, work rdfc.Options) *LDProc {
	if loader == nil {
		loader = jsonld.New(jsonld.Options{})
	}
	return &LDProc{proc: ldproc.New(loader), work: work, kept: make(chan *[]rdfc.Quad, keptQuads)}
}

// Canonicalize implements Canonicalizer.
func (c *LDProc) Canonicalize(ctx context.Context, doc any, h crypto.Hash) ([]byte, error) {
	r, err := c.Dataset(ctx, doc, h)
	if err != nil {
		return nil, err
	}
	return r.NQuads, nil
}

// Dataset is Canonicalize returning the canonical quads and blank node
// labels too.
func (c *LDProc) Dataset(ctx context.Context, doc any, h crypto.Hash) (*rdfc.Result, error) {
	return c.dataset(ctx, h, false, func(dst []rdfc.Quad) ([]rdfc.Quad, error) {
		return c.proc.AppendRDF(ctx, dst, doc, ldproc.Options{Safe: true})
	})
}

// dataset canonicalises the quads toRDF appends to the slice it is given;
// with digest, the result has the hash of the N-Quads by h, not them.
func (c *LDProc) dataset(ctx context.Context, h crypto.Hash, digest bool, toRDF func([]rdfc.Quad) ([]rdfc.Quad, error)) (*rdfc.Result, error) {
	if h != crypto.SHA256 && h != crypto.SHA384 {
		return nil, fmt.Errorf("%w: hash %v (RDFC-1.0 here uses SHA-256 or SHA-384)", ErrCanonicalize, h)
	}
	var buf *[]rdfc.Quad
	select {
	case buf = <-c.kept:
	default:
		buf, _ = c.quads.Get().(*[]rdfc.Quad)
	}
	if buf == nil {
		// A new buffer is made the size of the largest dataset seen (up
		// to a bound), rather than grown quad by quad (a quarter of the
		// conversion to RDF of a large credential).
		b := make([]rdfc.Quad, 0, min(c.largest.Load(), maxQuadHint))
		buf = &b
	}
	defer func() {
		clear(*buf) // drop the strings the quads hold
		*buf = (*buf)[:0]
		if cap(*buf) <= maxQuadHint {
			select {
			case c.kept <- buf:
				return
			default:
			}
		}
		c.quads.Put(buf)
	}()
	quads, err := toRDF((*buf)[:0])
	if err != nil {
		return nil, canonError(err)
	}
	*buf = quads
	if n := int64(len(quads)); n > c.largest.Load() {
		c.largest.Store(n)
	}
	o := c.work
	o.Hash = h
	if digest {
		o.Digest = h
	}
	r, err := rdfc.Canonicalize(ctx, quads, o)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCanonicalize, err)
	}
	return r, nil
}

// digest returns the hash by h of the canonical N-Quads of doc, without
// keeping them (rdfc.Options.Digest).
func (c *LDProc) digest(ctx context.Context, doc any, h crypto.Hash) ([]byte, error) {
	r, err := c.dataset(ctx, h, true, func(dst []rdfc.Quad) ([]rdfc.Quad, error) {
		return c.proc.AppendRDF(ctx, dst, doc, ldproc.Options{Safe: true})
	})
	if err != nil {
		return nil, err
	}
	return r.Digest, nil
}

// digestTree is digest for the value doc of t (jsontree.Parse).
func (c *LDProc) digestTree(ctx context.Context, t *jsontree.Tree, doc *jsontree.Node, h crypto.Hash) ([]byte, error) {
	r, err := c.dataset(ctx, h, true, func(dst []rdfc.Quad) ([]rdfc.Quad, error) {
		return c.proc.AppendRDFTree(ctx, dst, t, doc, ldproc.Options{Safe: true, Parallel: true})
	})
	if err != nil {
		return nil, err
	}
	return r.Digest, nil
}

// canonError keeps a context error as the caller's contract has it.
func canonError(err error) error {
	var ce *jsonld.ContextError
	if errors.As(err, &ce) {
		return ce
	}
	return fmt.Errorf("%w: %w", ErrCanonicalize, err)
}

// RDFC is the Canonicalizer built on json-gold, the reference engine:
// JSON-LD expansion in json-gold's safe mode (a property that expands to no
// IRI is an error, not dropped) and conversion to RDF by json-gold, then
// RDFC-1.0 (credentials/rdfc) under the bounds of Work.
type RDFC struct {
	// Loader serves the contexts. Nil: a loader with the built-in contexts
	// only.
	Loader *jsonld.Loader
	// Work bounds canonicalisation (its Hash is ignored). The zero value
	// means rdfc's defaults.
	Work rdfc.Options
}

var _ Canonicalizer = RDFC{}

// Canonicalize implements Canonicalizer.
func (c RDFC) Canonicalize(ctx context.Context, doc any, h crypto.Hash) ([]byte, error) {
	quads, err := c.quads(ctx, doc, h)
	if err != nil {
		return nil, err
	}
	o := c.Work
	o.Hash = h
	r, err := rdfc.Canonicalize(ctx, quads, o)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCanonicalize, err)
	}
	return r.NQuads, nil
}

func (c RDFC) quads(ctx context.Context, doc any, h crypto.Hash) (out []rdfc.Quad, err error) {
	if h != crypto.SHA256 && h != crypto.SHA384 {
		return nil, fmt.Errorf("%w: hash %v (RDFC-1.0 here uses SHA-256 or SHA-384)", ErrCanonicalize, h)
	}
	loader := c.Loader
	if loader == nil {
		loader = jsonld.New(jsonld.Options{})
	}
	rec := &recordingLoader{inner: loader.Bind(ctx)}
	defer func() {
		// json-gold is third-party code walking untrusted input: a panic
		// in it becomes an error here, never a crash of the caller.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: json-gold failed: %v", ErrCanonicalize, r)
		}
	}()
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = rec
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.SafeMode = true
	// JsonLdProcessor.ToRDF copies its options without SafeMode, so the
	// expansion is called directly, as the processor would call it.
	api := ld.NewJsonLdApi()
	expanded, err := api.Expand(ld.NewContext(nil, opts), "", floatNumbers(doc), opts, false, nil)
	if err != nil {
		if e := rec.error(); e != nil {
			return nil, e
		}
		return nil, fmt.Errorf("%w: %v", ErrCanonicalize, err)
	}
	dataset, err := api.ToRDF(expandedList(expanded), opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCanonicalize, err)
	}
	return quadsOf(dataset)
}

// floatNumbers returns v with json.Number values as float64, which is what
// json-gold reads (a copy where there are any).
func floatNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x
		}
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = floatNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = floatNumbers(e)
		}
		return out
	}
	return v
}

// quadsOf converts a json-gold dataset.
func quadsOf(ds *ld.RDFDataset) ([]rdfc.Quad, error) {
	var out []rdfc.Quad
	for name, triples := range ds.Graphs {
		var g rdfc.Term
		switch {
		case name == "@default" || name == "":
		case strings.HasPrefix(name, "_:"):
			g = rdfc.NewBlank(name[2:])
		default:
			g = rdfc.NewIRI(name)
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
			out = append(out, rdfc.Quad{s, p, o, g})
		}
	}
	return out, nil
}

func termOf(n ld.Node) (rdfc.Term, error) {
	// json-gold 0.9 makes value terms; pointers are kept for any caller
	// still building datasets by hand.
	switch v := n.(type) {
	case ld.IRI:
		return rdfc.NewIRI(v.Value), nil
	case *ld.IRI:
		return rdfc.NewIRI(v.Value), nil
	case ld.BlankNode:
		return rdfc.NewBlank(strings.TrimPrefix(v.Attribute, "_:")), nil
	case *ld.BlankNode:
		return rdfc.NewBlank(strings.TrimPrefix(v.Attribute, "_:")), nil
	case ld.Literal:
		return rdfc.NewLiteral(v.Value, v.Datatype, v.Language), nil
	case *ld.Literal:
		return rdfc.NewLiteral(v.Value, v.Datatype, v.Language), nil
	}
	return rdfc.Term{}, fmt.Errorf("%w: unexpected RDF term %T", ErrCanonicalize, n)
}

// recordingLoader keeps the first loading error, which json-gold replaces
// by a generic message, so that the caller sees the URL and the hint.
type recordingLoader struct {
	inner ld.DocumentLoader
	mu    sync.Mutex
	err   error
}

func (r *recordingLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	d, err := r.inner.LoadDocument(u)
	if err != nil {
		r.mu.Lock()
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
	}
	return d, err
}

func (r *recordingLoader) error() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// expandedList is the last step of the JSON-LD expansion algorithm: the
// result as an array, a lone @graph unwrapped.
func expandedList(expanded any) []any {
	if m, ok := expanded.(map[string]any); ok {
		if len(m) == 0 {
			return []any{}
		}
		if g, ok := m["@graph"]; ok && len(m) == 1 {
			expanded = g
		}
	}
	switch e := expanded.(type) {
	case nil:
		return []any{}
	case []any:
		return e
	}
	return []any{expanded}
}
