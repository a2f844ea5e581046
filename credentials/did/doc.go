// Package did encodes public keys as decentralized identifiers and resolves
// them back: did:key (multicodec + base58btc multibase), did:jwk (a JWK in
// base64url) and did:web (a DID document fetched over HTTPS by a function the
// caller provides). It also produces the RFC 7517 JWK form of a public key,
// its RFC 7638 thumbprint, its Multikey (publicKeyMultibase) form, and DID
// documents listing keys as JsonWebKey and Multikey verification methods.
//
// Supported keys are Ed25519 (ed25519.PublicKey), ECDSA P-256 and P-384
// (*ecdsa.PublicKey), and secp256k1 (*ecdsa.PublicKey on the curve of
// github.com/decred/dcrd/dcrec/secp256k1/v4, multicodec 0xe7, JWK crv
// "secp256k1"). RSA public keys (*rsa.PublicKey) and ECDSA P-521 keys have a
// JWK form and a thumbprint but no did:key or Multikey form here.
//
// It is not a general DID resolver: it knows these three methods, never
// touches the network itself (did:web documents come from Resolver.Web), and
// keeps no cache. It holds no private keys; see package keys for those.
//
// Errors: input that is not a well-formed DID, JWK or document wraps
// credentials.ErrMalformed; a key type, curve or multicodec that is not
// supported wraps credentials.ErrUnsupportedKey; Resolver errors also wrap
// credentials.ErrUnknownKey, as the credentials.KeyResolver contract asks.
package did
