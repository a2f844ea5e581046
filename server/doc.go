// Package server is Diplomat's HTTP service (diplomat serve): the VC-API
// (issue, verify, status, the register, batches), the documents verifiers
// fetch (the did:web document, status lists at exactly the URLs credentials
// name, the eSeal chain, the JWKS), a verification page and a registrar
// console rendered with html/template, and the operations around them
// (configuration, bearer tokens with scopes, per-client rate limits, an
// audit log, Prometheus metrics, health and readiness, graceful shutdown).
//
// Every route is listed in routes.go; handlers decode, call the libraries
// (issuer, verifier, templates, keys), encode, and send every error through
// one writer (errors.go) that maps domain errors to status codes and RFC
// 9457 problems. What the service keeps beyond the issuer's register is
// behind small interfaces (TokenStore, AuditLog, BatchStore, and the
// OpenID4VC library's openid4vc.Records for everything with an expiry)
// implemented over the bbolt store by BoltStorage. A store that several
// nodes share (a database backend of keys.Store) brings its own records and
// batches, a change count each node checks before its public answers, a
// ping for /readyz and metrics, found on the store's backend (cluster.go).
//
// It is not a library of verification or issuance (those are packages
// issuer and verifier), and it parses no command line: cmd/diplomat builds
// the Options and calls Serve.
package server
