// Package status encodes and decodes the status lists of credentials: the
// W3C Bitstring Status List v1.0 (encodedList: multibase base64url, "u"
// prefix, of the GZIP-compressed bitstring), its predecessor StatusList2021
// as EBSI uses it (base64 of the GZIP-compressed bitstring, no multibase
// prefix), and the IETF Token Status List (draft-ietf-oauth-status-list) of
// SD-JWT VC: the list (1, 2, 4 or 8 bits per token, least significant bits
// first, ZLIB-compressed in its lst), the claims of its Status List Token
// and the status claim of a referenced token.
//
// A Bitstring is a list of statuses, one bit each (or statusSize bits with
// Status); bit 0 is the most significant bit of byte 0. A TokenList holds
// statuses of Bits bits, index 0 in the least significant bits of byte 0.
// Decoding is safe on untrusted input: the decompressed size is bounded
// (MaxBytes, a GZIP or ZLIB bomb stops there), a Bitstring shorter than the
// 131,072-bit minimum of its specification is refused, and claims are read
// by exact member name within jsonx limits.
//
// It is not a status list credential builder or checker: the issuer wraps an
// encoded list in a credential (or a Status List Token, signed by
// sdjwt.StatusListJWT) and signs it, and the verifier fetches, checks and
// reads it. Nothing here touches the network or a clock.
package status
