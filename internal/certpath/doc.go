// Package certpath checks what crypto/x509 leaves to the caller when a
// certification path is built by hand, as Diplomat builds the paths of
// x5c chains, JAdES seals, status-list seals, time-stamping authorities and
// the certificates of trusted lists: the constraints of every certificate
// of the path (basic constraints and path length of every CA, key usage and
// extended key usage of the end entity and their nesting, unknown critical
// extensions), and, for a link that does not verify, the real reason in
// words (an insecure algorithm such as SHA-1, an issuer that is not a CA, a
// signature that does not verify).
//
// It is one function for every path Diplomat reads, so that a rule added
// here holds for all of them. It does not build paths, read validity
// periods (a time question, kept apart from a broken path), fetch anything
// or decide trust: the callers do.
package certpath
