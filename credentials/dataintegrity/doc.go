// Package dataintegrity signs and verifies W3C Data Integrity proofs
// (DataIntegrityProof) with the RDFC cryptosuites: eddsa-rdfc-2022 (Ed25519)
// and ecdsa-rdfc-2019 (P-256 with SHA-256, P-384 with SHA-384).
//
// A Suite implements credentials.Mechanism. Signing canonicalises the
// document and the proof configuration with RDFC-1.0 (through a
// Canonicalizer), hashes both, signs proofHash ‖ documentHash and writes the
// signature as a multibase base58btc proofValue; a document that already
// carries proofs gets one more (a proof set). Verifying checks every proof of
// the set: its type and cryptosuite, proofPurpose, created/expires, the
// challenge and domain the verifier expects, the @context it was made under,
// the signature, and that the verification method's controller is the
// document's issuer (credential) or holder (presentation).
//
// JSON-LD contexts come from a jsonld.Loader: nothing is fetched unless that
// loader was configured to fetch. It is not for the JCS cryptosuites
// (eddsa-jcs-2022, ecdsa-jcs-2019), selective disclosure (ecdsa-sd-2023,
// bbs-2023) or the legacy suites (Ed25519Signature2020, verified in tests
// through aries-framework-go only), and it does not judge trust in the
// issuer: the caller does, with what Verify returns.
package dataintegrity
