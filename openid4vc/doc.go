// Package openid4vc holds what OpenID for Verifiable Credential Issuance 1.0
// (subpackage vci), OpenID for Verifiable Presentations 1.0 (vp) and the
// Digital Credentials Query Language (dcql) share: the OAuth error type that
// every endpoint answers with (Error), the storage contract their state
// lives in (Records), DPoP proofs (RFC 9449), response and request
// encryption (JWE with ECDH-ES), and unguessable handles (NewHandle).
//
// Where the specifications leave a choice, the packages follow the OpenID4VC
// High Assurance Interoperability Profile (HAIP) 1.0; docs/openid4vc.md says
// where and how.
//
// It is not an HTTP server and knows no routes: vci and vp offer the logic of
// each endpoint as methods and, on top of them, http.HandlerFunc methods that
// only decode, call that logic and encode; the service lists them in its
// routes.go. It is not a storage engine either: Records is the one interface
// a backend implements (bbolt, PostgreSQL); memstore is an in-memory one for
// tests and a single process, and storetest is the contract both real
// backends run. It never logs.
package openid4vc
