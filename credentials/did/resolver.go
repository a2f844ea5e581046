package did

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Resolver resolves did:key and did:jwk offline and did:web through Web. It
// implements credentials.KeyResolver. The zero value resolves did:key and
// did:jwk only. A Resolver is safe for concurrent use if Web is.
type Resolver struct {
	// Web fetches the bytes at an https URL (a did.json as WebURL builds
	// it). Nil means did:web is not resolved: ResolveKey returns an error
	// wrapping credentials.ErrUnknownKey that says so. The function owns
	// timeouts, size limits and caching; the document is checked with
	// jsonx limits (1 MiB) after it returns.
	Web func(ctx context.Context, url string) ([]byte, error)
	// Documents, when set, keeps the did:web documents ResolveKey parses,
	// by the exact bytes Web returned: a verifier whose Web answers from
	// its cache then does not parse the same document for every
	// credential. Nil parses every time. Resolve always parses, since it
	// hands the document to its caller.
	Documents *DocumentCache
}

// DocumentCache keeps parsed DID documents by their exact bytes: at most
// its size of them, of up to 64 KiB each. It is safe for concurrent use.
// The documents it keeps are shared, so only this package reads them, and
// never modifies them.
type DocumentCache struct {
	mu   sync.Mutex
	size int
	m    map[string]*Document
}

// maxCachedDocument is the largest document DocumentCache keeps.
const maxCachedDocument = 64 << 10

// NewDocumentCache returns a DocumentCache of at most size documents.
func NewDocumentCache(size int) *DocumentCache {
	return &DocumentCache{size: max(size, 1), m: map[string]*Document{}}
}

// parse is ParseDocument, answered from the cache when data was parsed
// before. A document that does not parse is not kept.
func (c *DocumentCache) parse(data []byte) (*Document, error) {
	if c == nil || len(data) > maxCachedDocument {
		return ParseDocument(data)
	}
	c.mu.Lock()
	doc, ok := c.m[string(data)]
	c.mu.Unlock()
	if ok {
		return doc, nil
	}
	doc, err := ParseDocument(data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		for k := range c.m { // any one goes
			delete(c.m, k)
			break
		}
	}
	c.m[string(data)] = doc
	return doc, nil
}

var _ credentials.KeyResolver = Resolver{}

// ErrWebNotConfigured is wrapped by errors for did:web identifiers when
// Resolver.Web is nil.
var ErrWebNotConfigured = errors.New("did:web resolution is not configured")

// maxDocument is the largest did:web document accepted.
const maxDocument = 1 << 20

// ResolveError is returned by Resolver: what failed to resolve and why. It
// wraps credentials.ErrUnknownKey and the cause.
type ResolveError struct {
	ID  string // the identifier asked for
	Err error  // the cause
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("did: cannot resolve %s: %v", short(e.ID), strings.TrimPrefix(e.Err.Error(), "did: "))
}

// Unwrap returns credentials.ErrUnknownKey and the cause.
func (e *ResolveError) Unwrap() []error { return []error{credentials.ErrUnknownKey, e.Err} }

// ResolveKey returns the verification method id names. For did:key and
// did:jwk the fragment, if any, must match the key ("#"+multikey, "#0"); a
// bare DID means its key. For did:web the document is fetched with Web, its
// id must equal the DID, the method is found by id (a bare DID means the
// first assertionMethod), and its controller must be the DID. Every error
// is a *ResolveError wrapping credentials.ErrUnknownKey.
//
// The method's Relationships are always set (non-nil): for did:key and
// did:jwk those of the implied document (all four, or none for a did:jwk
// whose JWK use is "enc"), for did:web those the document lists the method
// under, possibly none. ResolveKey does not refuse a method for its
// relationships: the caller knows which one the proof needs
// (assertionMethod for a credential, authentication for a presentation).
func (r Resolver) ResolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	vm, err := r.resolveKey(ctx, id)
	if err != nil {
		return nil, &ResolveError{ID: id, Err: err}
	}
	return vm, nil
}

func (r Resolver) resolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	switch {
	case strings.HasPrefix(id, "did:key:"):
		msid, err := keyID(id)
		if err != nil {
			return nil, err
		}
		pub, err := ParseMultikey(msid)
		if err != nil {
			return nil, err
		}
		did := "did:key:" + msid
		return &credentials.VerificationMethod{ID: did + "#" + msid, Controller: did, Key: pub, Relationships: relationshipNames(impliedRelationships(""))}, nil
	case strings.HasPrefix(id, "did:jwk:"):
		j, pub, err := parseJWKDID(id)
		if err != nil {
			return nil, err
		}
		did, _, _ := strings.Cut(id, "#")
		return &credentials.VerificationMethod{ID: did + "#0", Controller: did, Key: pub, Relationships: relationshipNames(impliedRelationships(j.Use))}, nil
	case strings.HasPrefix(id, "did:web:"):
		return r.resolveWeb(ctx, id)
	}
	method := id
	if rest, ok := strings.CutPrefix(id, "did:"); ok {
		method, _, _ = strings.Cut(rest, ":")
		method = "did:" + method
	}
	return nil, fmt.Errorf("DID method %q is not supported (did:key, did:jwk, did:web are): %w", short(method), credentials.ErrUnsupportedKey)
}

func (r Resolver) resolveWeb(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	did, frag, hasFrag := strings.Cut(id, "#")
	if strings.Contains(did, "?") {
		return nil, fmt.Errorf("did:web URL with a query: %w", credentials.ErrMalformed)
	}
	if r.Web == nil {
		return nil, ErrWebNotConfigured
	}
	doc, err := r.webDocument(ctx, did, r.Documents)
	if err != nil {
		return nil, err
	}
	var vm *VerificationMethod
	if hasFrag {
		vm, err = doc.Method(did + "#" + frag)
	} else {
		vm, err = doc.First(AssertionMethod)
	}
	if err != nil {
		return nil, err
	}
	if vm.Controller != did {
		return nil, fmt.Errorf("verification method %s has controller %q, not the DID: %w", short(vm.ID), short(vm.Controller), credentials.ErrMalformed)
	}
	pub, err := vm.PublicKey()
	if err != nil {
		return nil, err
	}
	return &credentials.VerificationMethod{ID: doc.absolute(vm.ID), Controller: did, Key: pub, Relationships: doc.Relationships(vm.ID)}, nil
}

// impliedRelationships are the relationships of the only method of a
// did:key or did:jwk document. A did:jwk whose JWK has use "enc" is for key
// agreement only (did:jwk specification), which Document does not model;
// any use other than "sig" is treated alike.
func impliedRelationships(use string) []Relationship {
	switch use {
	case "", "sig":
		return relationships
	}
	return nil
}

func relationshipNames(rels []Relationship) []string {
	out := make([]string, len(rels))
	for i, r := range rels {
		out[i] = string(r)
	}
	return out
}

// Resolve returns the DID document of a did:key, did:jwk or did:web DID (a
// fragment is dropped). did:web needs Web, as for ResolveKey. Errors are
// *ResolveError.
func (r Resolver) Resolve(ctx context.Context, did string) (*Document, error) {
	doc, err := r.resolve(ctx, did)
	if err != nil {
		return nil, &ResolveError{ID: did, Err: err}
	}
	return doc, nil
}

func (r Resolver) resolve(ctx context.Context, id string) (*Document, error) {
	did, _, _ := strings.Cut(id, "#")
	switch {
	case strings.HasPrefix(did, "did:key:"):
		return KeyDocument(did)
	case strings.HasPrefix(did, "did:jwk:"):
		j, pub, err := parseJWKDID(did)
		if err != nil {
			return nil, err
		}
		vm, err := NewJWKMethod(did+"#0", did, pub)
		if err != nil {
			return nil, err
		}
		doc := &Document{Context: []string{ContextDID, ContextJWK}, ID: did}
		doc.AddMethod(vm, impliedRelationships(j.Use)...)
		return doc, nil
	case strings.HasPrefix(did, "did:web:"):
		if r.Web == nil {
			return nil, ErrWebNotConfigured
		}
		return r.webDocument(ctx, did, nil)
	}
	return nil, fmt.Errorf("DID method of %q is not supported: %w", short(did), credentials.ErrUnsupportedKey)
}

// webDocument fetches and parses the document of a did:web DID, through
// cache when it is not nil (the document is then shared: read only).
func (r Resolver) webDocument(ctx context.Context, did string, cache *DocumentCache) (*Document, error) {
	u, err := WebURL(did)
	if err != nil {
		return nil, err
	}
	data, err := r.Web(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	doc, err := cache.parse(data)
	if err != nil {
		return nil, fmt.Errorf("document at %s: %w", u, err)
	}
	if doc.ID != did {
		return nil, fmt.Errorf("document at %s has id %q, not %s: %w", u, short(doc.ID), did, credentials.ErrMalformed)
	}
	return doc, nil
}

// ParseDocument parses a DID document from untrusted JSON (at most 1 MiB,
// checked with jsonx first). Errors wrap credentials.ErrMalformed.
func ParseDocument(data []byte) (*Document, error) {
	var doc Document
	if err := jsonx.Decode(data, &doc, jsonx.Limits{MaxBytes: maxDocument}); err != nil {
		return nil, fmt.Errorf("%w: %w", credentials.ErrMalformed, err)
	}
	if doc.ID == "" {
		return nil, fmt.Errorf("DID document without id: %w", credentials.ErrMalformed)
	}
	return &doc, nil
}
