package b64url

import (
	"encoding/base64"
	"encoding/binary"
)

var std = base64.RawURLEncoding.Strict()

// invalid marks a byte outside the alphabet in the tables below.
const invalid = 1 << 31

// dec0 to dec3 give the value of a character in each of the four places
// of a group, shifted into its bits of the 24 the group decodes to; a
// byte outside the alphabet has the invalid bit.
var dec0, dec1, dec2, dec3 = func() (t0, t1, t2, t3 [256]uint32) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range 256 {
		t0[i], t1[i], t2[i], t3[i] = invalid, invalid, invalid, invalid
	}
	for v, c := range []byte(alphabet) {
		t0[c], t1[c], t2[c], t3[c] = uint32(v)<<18, uint32(v)<<12, uint32(v)<<6, uint32(v)
	}
	return
}()

// DecodedLen is base64.RawURLEncoding.DecodedLen.
func DecodedLen(n int) int { return std.DecodedLen(n) }

// Decode decodes src into dst, which must have room for DecodedLen(len(src))
// bytes, and returns the number of bytes written, exactly as
// base64.RawURLEncoding.Strict().Decode does (newlines ignored, non-zero
// trailing bits refused), error included.
func Decode(dst, src []byte) (int, error) {
	var bad uint32
	n := 0
	i := 0
	if len(dst) >= std.DecodedLen(len(src)) {
		// Eight characters at a time, while 8 bytes of dst remain to
		// write the 6 into with one store.
		for ; i+8 <= len(src) && n+8 <= len(dst); i += 8 {
			s := src[i : i+8 : i+8]
			v := dec0[s[0]] | dec1[s[1]] | dec2[s[2]] | dec3[s[3]]
			w := dec0[s[4]] | dec1[s[5]] | dec2[s[6]] | dec3[s[7]]
			bad |= v | w
			binary.BigEndian.PutUint64(dst[n:], uint64(v)<<40|uint64(w)<<16)
			n += 6
		}
	}
	for ; i+4 <= len(src) && n+3 <= len(dst); i += 4 {
		v := dec0[src[i]] | dec1[src[i+1]] | dec2[src[i+2]] | dec3[src[i+3]]
		bad |= v
		dst[n], dst[n+1], dst[n+2] = byte(v>>16), byte(v>>8), byte(v)
		n += 3
	}
	if bad&invalid != 0 || len(dst) < std.DecodedLen(len(src)) {
		// A character outside the alphabet (a newline the standard
		// decoder skips, or an error it reports where it is): its way.
		return std.Decode(dst, src)
	}
	// The last group, of 2 to 4 characters, with its checks.
	m, err := std.Decode(dst[n:], src[i:])
	if err != nil {
		if ce, ok := err.(base64.CorruptInputError); ok {
			return n + m, base64.CorruptInputError(int64(ce) + int64(i))
		}
		return n + m, err
	}
	return n + m, nil
}

// DecodeString returns the bytes s encodes, as
// base64.RawURLEncoding.Strict().DecodeString does.
func DecodeString(s string) ([]byte, error) {
	dst := make([]byte, DecodedLen(len(s)))
	n, err := Decode(dst, []byte(s))
	return dst[:n], err
}
