// Package ldproc is a JSON-LD 1.1 processor built for speed: expansion
// (JSON-LD 1.1 Processing Algorithms and API, section 5) and deserialisation
// to RDF (section 8), streaming quads in rdfc's form for canonicalisation.
//
// A Processor keeps every context it has processed, remote contexts keyed by
// URL and the SHA-256 digest of their bytes, and the active contexts that
// applying them (and the type- and property-scoped contexts they define)
// produces, so that a document naming contexts the process has seen before
// costs one walk of the document. A Processor is safe for concurrent use;
// its caches are shared by every goroutine that uses it.
//
// In safe mode (Options.Safe) it refuses, naming the JSON path, what
// JSON-LD would otherwise drop or mis-type silently: a property that no
// term defines, and an @id, @type or property that is a relative IRI
// reference (as under "@vocab": null). Redefining a protected term is an
// error in every mode.
//
// It is not a compactor, framer or flattener, it reads no JSON-LD from the
// network itself (contexts come from a ContextSource, such as the pinned
// jsonld.Loader), and it is not the reference: json-gold is, and the W3C
// expand and toRdf suites run against both.
package ldproc
