// Package b64url decodes unpadded base64url (RFC 4648 §5) as
// base64.RawURLEncoding.Strict() does, faster on the long inputs of
// signed credentials (the payload of a compact JWS, a hundred kilobytes
// and more). It is for the hot paths of verification. It is not an
// encoder, nor a decoder of its own rules: whatever it does not take the
// fast way (a character outside the alphabet, the last group) is decoded
// by encoding/base64 itself, so that the result and the error are always
// the standard library's.
package b64url
