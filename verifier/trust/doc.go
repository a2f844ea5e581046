// Package trust holds what the European trust sources share: the errors an
// import or a lookup wraps, and the small helpers that keep their answers in
// one shape (verifier.TrustAnswer).
//
// The sources themselves are subpackages, one per way Europe says who is
// trusted:
//
//   - etsi: ETSI TS 119 612 trusted lists (the EU List of Trusted Lists and
//     the national lists it points to) and the classification of JAdES eSeals
//     as qualified, advanced or not trusted;
//   - ebsi: snapshots of the EBSI Trusted Issuers Registry and the walk of an
//     accreditation chain from a credential's termsOfUse up to a root;
//   - lote: ETSI TS 119 602 lists of trusted entities (JSON, plain or JWS);
//   - snapshot: the imported lists as kept in the store, replaced only by a
//     newer list that verifies.
//
// It is not a verifier (package verifier runs the checks and asks a
// verifier.TrustSource) and it never fetches a list from the network.
package trust
