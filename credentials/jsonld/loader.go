package jsonld

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"github.com/piprate/json-gold/ld"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Cache is a store of contexts installed by the operator.
type Cache interface {
	// LookupContext returns the bytes stored for url. It returns an error
	// wrapping fs.ErrNotExist if url is not cached; any other error is a
	// failure of the cache itself and is returned to the caller as is.
	LookupContext(url string) ([]byte, error)
}

// CacheWriter stores contexts, for Import and for fetched contexts.
type CacheWriter interface {
	// PutContext stores data as the context for url, replacing any previous
	// bytes. data has already been checked against the pin table.
	PutContext(url string, data []byte) error
}

// Options configure a Loader. The zero value loads only the contexts built
// into the binary.
type Options struct {
	// Cache is consulted after the built-in contexts. Nil: no cache.
	Cache Cache
	// Fetch enables fetching pinned contexts over HTTPS when neither the
	// built-in contexts nor Cache have them. Nil: never touch the network.
	Fetch *FetchOptions
	// Limits bound the size and depth of every context parsed. The zero
	// value means the jsonx defaults (8 MiB, 64 levels).
	Limits jsonx.Limits
}

// Loader is a json-gold ld.DocumentLoader that serves only pinned contexts.
// It keeps every context it has parsed for its lifetime; it is safe for
// concurrent use.
type Loader struct {
	opts    Options
	builtin map[string][]byte

	mu     sync.Mutex
	parsed map[string]any
}

var _ ld.DocumentLoader = (*Loader)(nil)

// New returns a Loader configured by opts.
func New(opts Options) *Loader {
	return &Loader{opts: opts, builtin: builtinContexts(), parsed: map[string]any{}}
}

// LoadDocument implements ld.DocumentLoader. json-gold gives it no context, so
// an opt-in fetch runs under context.Background and the fetch timeout; use
// Bind to tie fetches to a caller's context.
func (l *Loader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	return l.load(context.Background(), u)
}

// Bind returns an ld.DocumentLoader that loads through l with ctx governing
// any fetch.
func (l *Loader) Bind(ctx context.Context) ld.DocumentLoader { return bound{l, ctx} }

type bound struct {
	l   *Loader
	ctx context.Context
}

func (b bound) LoadDocument(u string) (*ld.RemoteDocument, error) { return b.l.load(b.ctx, u) }

// Context returns the bytes of the context for url, after its pin check, and
// the source it came from ("builtin", "cache" or "fetch").
func (l *Loader) Context(ctx context.Context, url string) ([]byte, string, error) {
	want := pins[url]
	if want == nil {
		return nil, "", &ContextError{URL: url, Err: fmt.Errorf("%w: not among the contexts Diplomat accepts (see docs/jsonld.md)", ErrUnknownContext)}
	}
	if b, ok := l.builtin[url]; ok {
		if err := check(url, "builtin", b); err != nil {
			return nil, "", err
		}
		return b, "builtin", nil
	}
	if l.opts.Cache != nil {
		b, err := l.opts.Cache.LookupContext(url)
		switch {
		case err == nil:
			if err := check(url, "cache", b); err != nil {
				return nil, "", err
			}
			return b, "cache", nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, "", fmt.Errorf("context %s: reading the context cache: %w", url, err)
		}
	}
	if l.opts.Fetch != nil {
		b, err := l.opts.Fetch.fetch(ctx, url, l.opts.Limits)
		if err != nil {
			return nil, "", &ContextError{URL: url, Source: "fetch", Err: fmt.Errorf("%w: %w", ErrUnknownContext, err)}
		}
		if err := check(url, "fetch", b); err != nil {
			return nil, "", err
		}
		if w := l.opts.Fetch.Store; w != nil {
			if err := w.PutContext(url, b); err != nil {
				return nil, "", fmt.Errorf("context %s: storing the fetched context: %w", url, err)
			}
		}
		return b, "fetch", nil
	}
	return nil, "", &ContextError{URL: url, Err: fmt.Errorf("%w: not installed; %s", ErrUnknownContext, InstallHint)}
}

func (l *Loader) load(ctx context.Context, u string) (*ld.RemoteDocument, error) {
	l.mu.Lock()
	doc, ok := l.parsed[u]
	l.mu.Unlock()
	if !ok {
		b, src, err := l.Context(ctx, u)
		if err != nil {
			return nil, err
		}
		if err := jsonx.Check(b, l.opts.Limits); err != nil {
			return nil, &ContextError{URL: u, Source: src, Err: fmt.Errorf("%w: %w", ErrUnknownContext, err)}
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&doc); err != nil {
			return nil, &ContextError{URL: u, Source: src, Err: fmt.Errorf("%w: %w", ErrUnknownContext, err)}
		}
		l.mu.Lock()
		l.parsed[u] = doc
		l.mu.Unlock()
	}
	// json-gold reads context documents without modifying them, so the
	// parsed form is shared between loads.
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// check verifies b against the digests pinned for url.
func check(url, source string, b []byte) error {
	got := Digest(b)
	want := pins[url]
	if slices.Contains(want, got) {
		return nil
	}
	if want == nil {
		return &ContextError{URL: url, Source: source, Err: fmt.Errorf("%w: not among the contexts Diplomat accepts (see docs/jsonld.md)", ErrUnknownContext)}
	}
	return &ContextError{URL: url, Source: source, Got: got, Want: slices.Clone(want), Err: ErrContextMismatch}
}

// Digest returns the lower-case hex SHA-256 of b, the form the pin table uses.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sortStrings(s []string) { slices.Sort(s) }
