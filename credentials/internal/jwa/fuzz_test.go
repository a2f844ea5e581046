package jwa_test

import (
	"errors"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

// FuzzVerify feeds arbitrary signatures to every algorithm with a fitting
// key: Verify must not panic, and must refuse anything but the signature
// made for the input.
func FuzzVerify(f *testing.F) {
	k := testKeys(f)
	pairs := []struct{ alg, key string }{
		{jwa.EdDSA, "ed25519"}, {jwa.ES256, "p256"}, {jwa.ES384, "p384"}, {jwa.ES512, "p521"},
		{jwa.ES256K, "secp256k1"}, {jwa.RS256, "rsa2048"}, {jwa.PS512, "rsa2048"},
	}
	input := []byte("eyJhbGciOiJ4In0.e30")
	for i, p := range pairs {
		sig, err := jwa.Sign(p.alg, k[p.key], input)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), sig)
		f.Add(uint8(i), sig[:len(sig)-1])
		f.Add(uint8(i), make([]byte, len(sig)))
	}
	f.Add(uint8(1), []byte{0xff})
	f.Fuzz(func(t *testing.T, which uint8, sig []byte) {
		p := pairs[int(which)%len(pairs)]
		err := jwa.Verify(p.alg, k[p.key].Public(), []byte("another input"), sig)
		if !errors.Is(err, jwa.ErrSignature) {
			t.Fatalf("%s: arbitrary signature %x: %v, want ErrSignature", p.alg, sig, err)
		}
	})
}
