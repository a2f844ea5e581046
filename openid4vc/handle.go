package openid4vc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"math/big"
)

// HandleBytes is the entropy of every handle NewHandle makes: 256 bits,
// twice the 128 bits the specifications ask of codes, nonces and states.
const HandleBytes = 32

var b64 = base64.RawURLEncoding

// NewHandle returns a fresh unguessable value (HandleBytes random bytes,
// base64url without padding, 43 characters): pre-authorized and
// authorization codes, access tokens, nonces, states, request and
// transaction ids. It uses crypto/rand, which does not fail on the
// platforms Go supports.
func NewHandle() string {
	var b [HandleBytes]byte
	rand.Read(b[:])
	return b64.EncodeToString(b[:])
}

// Key returns the storage key of a handle: base64url SHA-256 of it. Records
// are stored under the digest, never under the handle itself, so that the
// store's contents do not let anyone use a live code or token, and so that
// looking one up compares digests, not secrets.
func Key(handle string) string {
	s := sha256.Sum256([]byte(handle))
	return b64.EncodeToString(s[:])
}

// Equal compares two secret strings in constant time (for equal lengths).
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Digits returns n random decimal digits (a transaction or sign-in code).
func Digits(n int) string {
	out := make([]byte, n)
	ten := big.NewInt(10)
	for i := range out {
		d, _ := rand.Int(rand.Reader, ten)
		out[i] = byte('0' + d.Int64())
	}
	return string(out)
}

// Base32Code returns n random characters from an alphabet without look-alike
// characters (a transaction code in input mode text).
func Base32Code(n int) string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		d, _ := rand.Int(rand.Reader, max)
		out[i] = alphabet[d.Int64()]
	}
	return string(out)
}
