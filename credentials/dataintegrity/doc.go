// Package dataintegrity signs and verifies W3C Data Integrity proofs
// (DataIntegrityProof) with the cryptosuites eddsa-rdfc-2022 (Ed25519),
// ecdsa-rdfc-2019 (P-256 with SHA-256, P-384 with SHA-384), eddsa-jcs-2022
// and ecdsa-jcs-2019 (the same keys, over JCS, RFC 8785), and ecdsa-sd-2023
// (selective disclosure: base proofs, derived proofs with Suite.Derive).
//
// A Suite implements credentials.Mechanism. Signing canonicalises the
// document and the proof configuration (RDFC-1.0 through a Canonicalizer,
// or JCS), hashes both, signs proofHash ‖ documentHash and writes the
// signature as the proofValue; a document that already carries proofs gets
// one more (a proof set). Verifying checks every proof of the set: its type
// and cryptosuite, proofPurpose, created/expires, the challenge and domain
// the verifier expects, the @context it was made under, the signature, and
// that the verification method's controller is the document's issuer
// (credential) or holder (presentation).
//
// The JSON-LD engine is credentials/jsonld/ldproc by default, json-gold
// when asked (Options.Engine); both run in safe mode (an undefined term, a
// relative IRI, a protected term redefined: refused, with the JSON path),
// inline contexts are refused unless Options.AllowInlineContexts, and the
// work of canonicalisation is bounded (Options.Work). JSON-LD contexts come
// from a jsonld.Loader: nothing is fetched unless that loader was configured
// to fetch.
//
// It is not for bbs-2023 or the legacy suites (Ed25519Signature2020 is
// verified, never made, through aries-framework-go: Legacy), and it does
// not judge trust in the issuer: the caller does, with what Verify returns.
package dataintegrity
