// Package jose secures credentials and presentations as compact JSON Web
// Signatures: VC-JOSE ("vc+jwt", "vp+jwt", the W3C VC 2.0 recommendation
// Securing Verifiable Credentials using JOSE and COSE) and the JWT encoding of
// VC Data Model 1.1 ("jwt_vc_json", "jwt_vp_json", as EBSI and OpenID4VCI use
// it). Each format is a credentials.Mechanism: VCJWT, VPJWT, JWTVCJSON and
// JWTVPJSON.
//
// Signing takes a crypto.Signer (Ed25519, ECDSA P-256/P-384/P-521 and, for
// jwt_vc_json, secp256k1) and picks the one algorithm that fits its key.
// Verification reads the compact JWS itself (split, base64url, standard
// library signature check, one jsonx-checked decode of the payload); the key
// comes from the kid header (a DID URL resolved through a
// credentials.KeyResolver) or from the x5c header, and must belong to the
// issuer the payload names (iss, issuer or holder).
//
// It is not a general JOSE library: it does not encrypt (JWE), does not read
// the JWS JSON serialization (JAdES is credentials/jades), does not handle
// selective disclosure (credentials/sdjwt) and never fetches a key over the
// network. It does not judge trust: a verified signature says which key signed,
// and Verified.Chain hands any x5c chain to the caller to evaluate. Validity
// periods of the data model (validFrom/validUntil) are the verifier's; only the
// JWT time claims (nbf, exp, iat) are checked here.
package jose
