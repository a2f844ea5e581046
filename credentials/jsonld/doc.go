// Package jsonld loads JSON-LD contexts for the processors that need them
// (Diplomat's own, credentials/jsonld/ldproc, json-gold, and
// aries-framework-go for the legacy suites), without touching the network.
//
// A Loader answers a context URL from, in order: the contexts that
// aries-framework-go v0.3.2 ships (compiled into the binary), a Cache the
// caller provides (Diplomat's store, filled by `diplomat contexts import DIR`),
// and, only when Options.Fetch is set, an HTTPS fetch. Whatever the source,
// a context is accepted only if the SHA-256 digest of its bytes is one of those
// pinned for its URL in the table in pins.go: an unpinned URL is refused with
// an error wrapping ErrUnknownContext, a pinned URL whose bytes differ with an
// error wrapping ErrContextMismatch. Import fills a cache from a folder, checking
// every file against the same table before anything is stored.
//
// It is not a JSON-LD processor (ldproc and json-gold are) and not a store: it reads a
// Cache and writes a CacheWriter that the caller implements. Formats that sign
// bytes (JAdES, JWT, SD-JWT) never go through it.
package jsonld
