// Package ebsi answers the verifier's trust question from snapshots of the
// EBSI Trusted Issuers Registry (TIR, API v4/v5): it walks a credential's
// accreditation chain from its termsOfUse (IssuanceCertificate → the
// issuer's TIR attribute) through Trusted Issuer, Trusted Accreditation
// Organisations and a Root TAO to a configured root.
//
// At each link it checks that the attribute's hash is the SHA-256 of its
// body, that the accreditation JWT in the body (ES256 or ES256K, verified by
// credentials/jose) was signed by the accreditor with a key of the
// accreditor's DID document from the snapshot, that its credentialSubject.id
// is the accredited party, that its validity window holds at the time the
// credential was issued, that the issuer type is not Revoked, and, for the
// issuer itself, that some accreditedFor entry covers the credential's schema
// and types, and for every accreditor above it, that some accreditedFor entry
// names the credential's schema (an accreditor accredits only within its own
// accreditation). The chain ends at a RootTAO whose authorisation was issued by
// one of the configured roots.
//
// Snapshots are files (see Snapshot for the form): the TIR issuer records as
// the registry returns them plus the DID documents they need. By default
// nothing touches the network and did:ebsi is resolved only from the
// imported documents.
//
// Optionally, Client reads a configured TIR API v5 (and DID Registry v5)
// over https: timeouts, size limits, no connection to non-public addresses
// (internal/netguard), no redirects to other hosts, a cache
// with a TTL, lists followed page by page up to a bound. A Source given a
// Client (Options.Live, or NewLiveSource) fetches the chain of an issuer its
// snapshot does not hold and walks it with exactly the snapshot's checks.
// It is not a TIR writer (no JSON-RPC, no accreditation) and does not follow
// the URLs a credential names: it asks only the configured registry.
package ebsi
