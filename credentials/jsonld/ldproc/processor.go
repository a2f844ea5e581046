package ldproc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/diplomat-edu/diplomat/credentials/rdfc"
)

// ContextSource serves context documents by URL. *jsonld.Loader is one: it
// serves pinned contexts only.
type ContextSource interface {
	// Context returns the bytes of the context document at url, or an
	// error saying why it cannot be used.
	Context(ctx context.Context, url string) ([]byte, string, error)
}

// Options configure one expansion or conversion. The zero value processes
// in JSON-LD 1.1 mode with no base IRI, outside safe mode.
type Options struct {
	// Base is the document's base IRI. Empty: none.
	Base string
	// ExpandContext is a context applied before the document's own.
	ExpandContext any
	// ProcessingMode is "json-ld-1.1" (the zero value) or "json-ld-1.0".
	ProcessingMode string
	// Safe refuses what JSON-LD would drop or leave relative (see the
	// package documentation), with an error wrapping ErrSafeMode.
	Safe bool
	// RDFDirection is how ToRDF writes a base direction: "" (dropped),
	// "i18n-datatype" or "compound-literal".
	RDFDirection string
	// GeneralizedRDF keeps triples whose predicate is a blank node.
	GeneralizedRDF bool
	// Ordered walks every object's entries in key order, so that ToRDF
	// gives the same quads in the same order, with the same blank node
	// labels, every time (and Skolemize numbers nodes in that order).
	// Canonical N-Quads do not depend on it; what relies on the canonical
	// labels of indistinguishable blank nodes does (ecdsa-sd-2023).
	Ordered bool
	// Parallel lets AppendRDFTree share the conversion of a large document
	// with a helper goroutine when two processors are there (not with
	// Ordered): the quads are the same, but their order and blank node
	// labels are not, which canonical N-Quads do not depend on.
	Parallel bool

	ctx context.Context
}

// Processor expands JSON-LD and converts it to RDF, keeping the contexts it
// processes. It is safe for concurrent use.
type Processor struct {
	src ContextSource

	mu    sync.Mutex
	docs  map[string]remoteDoc
	roots map[rootKey]*Context

	scratch sync.Pool // *walkScratch
}

type remoteDoc struct {
	digest string
	ctx    any
}

type rootKey struct {
	base   string
	mode10 bool
}

// New returns a Processor that loads remote contexts from src (nil: no
// remote context can be loaded).
func New(src ContextSource) *Processor {
	return &Processor{src: src, docs: map[string]remoteDoc{}, roots: map[rootKey]*Context{}}
}

// Digest returns the SHA-256 (hex) of the bytes the Processor holds for
// the context url, and whether it holds any.
func (p *Processor) Digest(url string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.docs[url]
	return d.digest, ok
}

// load returns the @context of the remote context document at url. Each URL
// is asked of the source once: its bytes, pinned by digest, do not change.
func (p *Processor) load(opts *Options, url string) (any, error) {
	p.mu.Lock()
	d, ok := p.docs[url]
	p.mu.Unlock()
	if ok {
		return d.ctx, nil
	}
	if p.src == nil {
		return nil, &Error{Code: CodeLoadingRemote, Detail: url + ": no context source"}
	}
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	b, _, err := p.src.Context(ctx, url)
	if err != nil {
		return nil, &Error{Code: CodeLoadingRemote, Detail: err.Error(), Err: err}
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, &Error{Code: CodeLoadingRemote, Detail: fmt.Sprintf("%s: %v", url, err)}
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, errf("invalid remote context", "%s is not a JSON object", url)
	}
	c, ok := m["@context"]
	if !ok {
		return nil, errf("invalid remote context", "%s has no @context", url)
	}
	sum := sha256.Sum256(b)
	p.mu.Lock()
	if prev, ok := p.docs[url]; ok {
		c = prev.ctx
	} else {
		p.docs[url] = remoteDoc{digest: hex.EncodeToString(sum[:]), ctx: c}
	}
	p.mu.Unlock()
	return c, nil
}

func (p *Processor) root(opts *Options) *Context {
	k := rootKey{opts.Base, opts.ProcessingMode == "json-ld-1.0"}
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.roots[k]
	if r == nil {
		r = newContext(k.base, k.mode10)
		p.roots[k] = r
	}
	return r
}

// Expand returns the expanded form of doc (as encoding/json decodes JSON
// into any). doc is not modified; the result may share values with it.
func (p *Processor) Expand(ctx context.Context, doc any, opts Options) ([]any, error) {
	opts.ctx = ctx
	if opts.ProcessingMode != "" && opts.ProcessingMode != "json-ld-1.1" && opts.ProcessingMode != "json-ld-1.0" {
		return nil, errf("invalid processing mode", "%q", opts.ProcessingMode)
	}
	active := p.root(&opts)
	cp := &ctxProc{p: p, opts: &opts}
	if opts.ExpandContext != nil {
		ec := opts.ExpandContext
		if m, ok := ec.(map[string]any); ok {
			if inner, ok := m["@context"]; ok {
				ec = inner
			}
		}
		var err error
		if active, err = cp.process(active, ec, opts.Base, nil, false, true, true, false); err != nil {
			return nil, err
		}
	}
	e := &expander{cp: cp, safe: opts.Safe}
	out, err := e.expand(active, "", false, doc, opts.Base, false)
	if err != nil {
		if je, ok := err.(*Error); ok && je.Path == "" && len(e.path) > 0 {
			je.Path = e.path.String()
		}
		return nil, err
	}
	if m, ok := out.(map[string]any); ok && len(m) == 1 {
		if g, ok := m["@graph"]; ok {
			out = g
		}
	}
	switch o := out.(type) {
	case nil:
		return []any{}, nil
	case []any:
		return o, nil
	}
	return []any{out}, nil
}

// ToRDF expands doc and returns its RDF dataset as quads, in no particular
// order and possibly with duplicates (rdfc.Canonicalize removes them).
func (p *Processor) ToRDF(ctx context.Context, doc any, opts Options) ([]rdfc.Quad, error) {
	return p.AppendRDF(ctx, nil, doc, opts)
}

// AppendRDF is ToRDF appending the quads to dst, whose memory it reuses.
func (p *Processor) AppendRDF(ctx context.Context, dst []rdfc.Quad, doc any, opts Options) ([]rdfc.Quad, error) {
	opts.ctx = ctx
	if qs, err := p.fastToRDF(dst, doc, &opts); err == nil {
		return qs, nil
	}
	expanded, err := p.Expand(ctx, doc, opts)
	if err != nil {
		return nil, err
	}
	return toRDF(dst, expanded, &opts), nil
}

// ErrNotSkolemizable is wrapped by Skolemize's errors for a document it
// cannot give identifiers to: one the fast path does not read (@graph,
// @list, @reverse, @nest, @included, index maps, @json), or with blank node
// identifiers of its own.
var ErrNotSkolemizable = errors.New("JSON-LD document cannot be skolemized")

// Skolemize returns a deep copy of doc (compacted JSON-LD, as encoding/json
// decodes it) in which every node object without an identifier has one:
// an "@id" member prefix+"N" (N = 0, 1, ...), added in the JSON as it is,
// without compaction. Selective disclosure needs it (ecdsa-sd-2023), to
// find the quads of a part of the document among those of the whole.
func (p *Processor) Skolemize(ctx context.Context, doc any, opts Options, prefix string) (any, error) {
	opts.ctx = ctx
	opts.Ordered = true
	cp := deepCopy(doc)
	m, ok := cp.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", ErrNotSkolemizable)
	}
	var anon []map[string]any
	f := &fastWalker{e: &expander{cp: &ctxProc{p: p, opts: &opts}, safe: opts.Safe}, w: &rdfWriter{opts: &opts, blank: map[string]string{}}}
	f.anonymous = func(m map[string]any) { anon = append(anon, m) }
	f.blankIDs = func(id string) error {
		return fmt.Errorf("%w: it names the blank node %s", ErrNotSkolemizable, id)
	}
	if _, _, err := f.object(p.root(&opts), "", false, m, opts.Base, true); err != nil {
		if err == errSlow {
			// The full algorithms say what is wrong, if anything is.
			if _, err := p.Expand(ctx, doc, opts); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: it uses JSON-LD beyond node objects, values, language maps and arrays", ErrNotSkolemizable)
		}
		return nil, err
	}
	for i, a := range anon {
		a["@id"] = prefix + strconv.Itoa(i)
	}
	return m, nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
