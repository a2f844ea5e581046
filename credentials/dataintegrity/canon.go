package dataintegrity

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"sync"

	"github.com/piprate/json-gold/ld"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
)

// Canonicalizer turns a JSON-LD document into its canonical N-Quads
// (RDFC-1.0), the bytes Data Integrity hashes. Implementations must be safe
// for concurrent use: a Suite canonicalises the document and the proof
// configuration at the same time.
type Canonicalizer interface {
	// Canonicalize returns the canonical N-Quads of doc, a JSON-LD document
	// as encoding/json decodes it (map[string]any), using h as RDFC-1.0's
	// hash function (SHA-256, or SHA-384 for ecdsa-rdfc-2019 with P-384).
	// doc must not be modified. It returns an error wrapping jsonld.ErrUnknownContext or
	// jsonld.ErrContextMismatch (as a *jsonld.ContextError naming the URL)
	// when a context cannot be loaded, and one wrapping ErrCanonicalize for
	// any other failure, including a property the contexts do not define.
	Canonicalize(ctx context.Context, doc any, h crypto.Hash) ([]byte, error)
}

// ErrCanonicalize is wrapped by errors from canonicalisation.
var ErrCanonicalize = errors.New("canonicalizing JSON-LD")

// RDFC is the Canonicalizer built on json-gold: JSON-LD expansion in safe
// mode (a property that expands to no IRI is an error, not dropped) and
// conversion to RDF by json-gold, then RDFC-1.0 (rdfc.go) with the hash
// asked for. With SHA-256 its output is that of json-gold's URDNA2015.
type RDFC struct {
	// Loader serves the contexts. Nil: a loader with the built-in contexts
	// only.
	Loader *jsonld.Loader
}

var _ Canonicalizer = RDFC{}

// Canonicalize implements Canonicalizer.
func (c RDFC) Canonicalize(ctx context.Context, doc any, h crypto.Hash) (out []byte, err error) {
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
	expanded, err := api.Expand(ld.NewContext(nil, opts), "", doc, opts, false, nil)
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
	quads, err := quadsOf(dataset)
	if err != nil {
		return nil, err
	}
	return rdfc10(quads, h)
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
