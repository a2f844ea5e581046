// Package sdjwt implements SD-JWT (RFC 9901) and SD-JWT VC (typ dc+sd-jwt,
// draft-ietf-oauth-sd-jwt-vc): issuing with a disclosure Frame, presenting a
// subset of Disclosures with a Key Binding JWT, and verifying both, with the
// credentials.Mechanism interface on top (Mechanism). It also maps European
// Learning Model credentials to SD-JWT VC claims, in Diplomat's own layout
// (MapELM) and in the layout of the EU's DC4EU pilots (MapELMDC4EU,
// ELMFromDC4EU).
//
// The pieces are separate steps: Parse checks form only; VerifySignature,
// Process (digests and Disclosures) and VerifyKeyBinding each check one
// thing; Mechanism.Verify runs them all in order with key resolution and
// time checks. Signing and verifying use the standard library for JWS
// (ES256, ES384, ES512, EdDSA; RS256 and PS256 with RSA keys of 2048 bits or
// more for verifying only); alg none, HMAC and any crit header are refused.
//
// VC and VP secure W3C VC Data Model 2.0 credentials and presentations with
// SD-JWT as the VC-JOSE-COSE recommendation defines it (vc+sd-jwt,
// vp+sd-jwt): the payload is the credential itself, without vct, and a kid
// without a scheme names a key of the issuer. They share Frame, Present,
// the digest checks and the KB-JWT with Mechanism.
//
// It is not a wallet or an OpenID4VCI/VP client, does not fetch type
// metadata (vct) or issuer metadata (.well-known/jwt-vc-issuer), and does
// not judge trust in an x5c chain: it returns the chain in
// credentials.Verified for the caller to judge. Only cnf.jwk holder binding
// is supported.
package sdjwt
