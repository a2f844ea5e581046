// Package status encodes and decodes the bitstrings of credential status
// lists: the W3C Bitstring Status List v1.0 (encodedList: multibase base64url,
// "u" prefix, of the GZIP-compressed bitstring) and its predecessor
// StatusList2021 as EBSI uses it (base64 of the GZIP-compressed bitstring, no
// multibase prefix).
//
// A Bitstring is a list of statuses, one bit each (or statusSize bits with
// Status); bit 0 is the most significant bit of byte 0. Decoding is safe on
// untrusted input: the decompressed size is bounded (MaxBytes by default, a
// GZIP bomb stops there) and a list shorter than the 131,072-bit minimum of
// the specification is refused.
//
// It is not a status list credential builder or checker: the issuer wraps an
// encoded list in a credential and signs it, and the verifier fetches, checks
// and reads it. Nothing here touches the network or a clock.
package status
