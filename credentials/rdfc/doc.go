// Package rdfc is RDF Dataset Canonicalization (RDFC-1.0, W3C
// Recommendation 2024) and the RDF quads it works on: their terms, an
// N-Quads parser, and the canonical N-Quads serialisation.
//
// Canonicalize relabels the blank nodes of a dataset deterministically and
// returns its canonical N-Quads, the bytes Data Integrity cryptosuites hash.
// The hash function is a parameter (SHA-256 by default, SHA-384 for
// ecdsa-rdfc-2019 with P-384). The work it spends on blank nodes that only
// the Hash N-Degree Quads algorithm can tell apart (the specification's
// "poison graphs") is bounded by a budget that grows with the size of the
// dataset and by a deadline: a dataset over either is refused with an error
// wrapping ErrTooComplex, quickly, and never after exponential work. Every
// credential Diplomat issues is a tree of blank nodes and costs a small
// fraction of its budget.
//
// It is not a JSON-LD processor (credentials/jsonld/ldrdf turns JSON-LD into
// quads) and it reads N-Quads only: no Turtle, no TriG.
package rdfc
