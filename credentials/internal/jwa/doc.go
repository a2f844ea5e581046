// Package jwa is the one registry of JWS signature algorithms (RFC 7518,
// RFC 8037, RFC 8812, RFC 9864) that the JOSE-based securing mechanisms of
// Diplomat share: jose (vc+jwt, jwt_vc_json), sdjwt and jades.
//
// It knows, for each algorithm name, its hash and the key it needs (Ed25519;
// ECDSA on P-256, P-384, P-521 or secp256k1; RSA of at least MinRSABits),
// signs with a crypto.Signer (ECDSA signatures as fixed-size r‖s), and
// verifies with a public key. "none", the HMAC algorithms and any name not in
// the registry are refused.
//
// It is not a policy: which algorithms a mechanism signs with and which it
// verifies stays with the mechanism, which passes its list to Check and
// AlgFor, and words its own errors from the sentinels here. It does not parse
// JOSE headers or keys (credentials/did parses JWKs).
package jwa
