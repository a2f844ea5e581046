// Package verifier answers one question about a credential or presentation a
// person received: can it be trusted, why, and what does it certify.
//
// Verify detects the format, checks the proof with the securing mechanism,
// resolves the key, and runs the remaining checks (validity dates, status,
// issuer trust against the trust sources, ELM conformance, holder binding for
// presentations) into one Report: a verdict, every check with its result and
// reason, and a recognition summary.
//
// It is not an issuer (it never imports issuer) and not a trust list parser:
// trust sources, key resolvers and status fetchers are the small interfaces
// declared here (TrustSource, KeyResolver, StatusFetcher), implemented by the
// store's trust registry, the European trust sources and the HTTP fetcher.
// Nothing here touches the network unless a fetcher is configured.
package verifier
