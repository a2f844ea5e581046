// Package netguard builds the HTTP clients Diplomat fetches with, so that
// every fetcher (status lists and did:web documents in verifier, JSON-LD
// contexts in credentials/jsonld, the EBSI registries in
// verifier/trust/ebsi) applies the same rules: https only unless allowed, a
// timeout, no proxy, a redirect policy, a size limit on the body read, and
// no connection to a loopback, private, link-local, unspecified, multicast
// or otherwise non-public address unless allowed.
//
// The address rule is applied by the dialer's Control function, on the
// address actually dialled after name resolution, on every connection a
// client opens (redirect hops included): a host name that resolves to
// 127.0.0.1, or a redirect to http://169.254.169.254/, is refused however it
// is spelled.
//
// It is not a fetcher: it makes no request itself, caches nothing and knows
// nothing of what is fetched. Callers build a client with NewClient, check
// URLs with CheckURL and read bodies with ReadBody.
package netguard
