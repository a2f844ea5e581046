package jwa_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"sync"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

var (
	keysOnce sync.Once
	keys     map[string]crypto.Signer
)

// testKeys returns one signer of each kind, made once.
func testKeys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	keysOnce.Do(func() {
		keys = map[string]crypto.Signer{}
		_, ed, _ := ed25519.GenerateKey(rand.Reader)
		keys["ed25519"] = ed
		for name, c := range map[string]elliptic.Curve{"p256": elliptic.P256(), "p384": elliptic.P384(), "p521": elliptic.P521(), "p224": elliptic.P224()} {
			k, _ := ecdsa.GenerateKey(c, rand.Reader)
			keys[name] = k
		}
		sk, _ := secp256k1.GeneratePrivateKey()
		keys["secp256k1"] = sk.ToECDSA()
		r2048, _ := rsa.GenerateKey(rand.Reader, 2048)
		keys["rsa2048"] = r2048
		r1024, _ := rsa.GenerateKey(rand.Reader, 1024)
		keys["rsa1024"] = r1024
	})
	return keys
}

var all = []string{jwa.EdDSA, jwa.Ed25519, jwa.ES256, jwa.ES384, jwa.ES512, jwa.ES256K,
	jwa.RS256, jwa.RS384, jwa.RS512, jwa.PS256, jwa.PS384, jwa.PS512}

// Every algorithm signs and verifies with its key; a changed input or
// signature, a signature of the wrong length, and a key of another type or
// curve are refused with the sentinel that says why.
func TestEveryAlgorithm(t *testing.T) {
	k := testKeys(t)
	for _, tc := range []struct {
		alg, key, wrongType, wrongCurve string
		sigLen                          int
	}{
		{jwa.EdDSA, "ed25519", "p256", "", 64},
		{jwa.Ed25519, "ed25519", "rsa2048", "", 64},
		{jwa.ES256, "p256", "ed25519", "p384", 64},
		{jwa.ES384, "p384", "rsa2048", "p256", 96},
		{jwa.ES512, "p521", "ed25519", "p384", 132},
		{jwa.ES256K, "secp256k1", "ed25519", "p256", 64},
		{jwa.RS256, "rsa2048", "p256", "", 256},
		{jwa.RS384, "rsa2048", "ed25519", "", 256},
		{jwa.RS512, "rsa2048", "p384", "", 256},
		{jwa.PS256, "rsa2048", "p256", "", 256},
		{jwa.PS384, "rsa2048", "secp256k1", "", 256},
		{jwa.PS512, "rsa2048", "p521", "", 256},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			input := []byte("eyJhbGciOiJ4In0.eyJpc3MiOiJ4In0")
			signer := k[tc.key]
			pub := signer.Public()
			if err := jwa.CheckKey(tc.alg, pub); err != nil {
				t.Fatalf("CheckKey: %v", err)
			}
			sig, err := jwa.Sign(tc.alg, signer, input)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != tc.sigLen {
				t.Fatalf("signature of %d bytes, want %d", len(sig), tc.sigLen)
			}
			if err := jwa.Verify(tc.alg, pub, input, sig); err != nil {
				t.Fatalf("own signature: %v", err)
			}
			changed := append([]byte{}, input...)
			changed[3] ^= 1
			if err := jwa.Verify(tc.alg, pub, changed, sig); !errors.Is(err, jwa.ErrSignature) {
				t.Errorf("changed input: %v, want ErrSignature", err)
			}
			tampered := append([]byte{}, sig...)
			tampered[len(tampered)/2] ^= 0x40
			if err := jwa.Verify(tc.alg, pub, input, tampered); !errors.Is(err, jwa.ErrSignature) {
				t.Errorf("tampered signature: %v, want ErrSignature", err)
			}
			for _, n := range []int{0, len(sig) - 1, len(sig) + 1} {
				if err := jwa.Verify(tc.alg, pub, input, append(sig[:0:0], make([]byte, n)...)); !errors.Is(err, jwa.ErrSignature) {
					t.Errorf("signature of %d bytes: %v, want ErrSignature", n, err)
				}
			}
			other := k[tc.wrongType].Public()
			if err := jwa.Verify(tc.alg, other, input, sig); !errors.Is(err, jwa.ErrKeyMismatch) {
				t.Errorf("%s key: %v, want ErrKeyMismatch", tc.wrongType, err)
			}
			if _, err := jwa.Sign(tc.alg, k[tc.wrongType], input); !errors.Is(err, jwa.ErrKeyMismatch) {
				t.Errorf("signing with a %s key: %v, want ErrKeyMismatch", tc.wrongType, err)
			}
			if tc.wrongCurve != "" {
				if err := jwa.Verify(tc.alg, k[tc.wrongCurve].Public(), input, sig); !errors.Is(err, jwa.ErrKeyMismatch) {
					t.Errorf("%s key: %v, want ErrKeyMismatch", tc.wrongCurve, err)
				}
			}
			if tc.key == "rsa2048" {
				weak := k["rsa1024"]
				if err := jwa.Verify(tc.alg, weak.Public(), input, sig); !errors.Is(err, jwa.ErrWeakKey) {
					t.Errorf("1024-bit key: %v, want ErrWeakKey", err)
				}
				if _, err := jwa.Sign(tc.alg, weak, input); !errors.Is(err, jwa.ErrWeakKey) {
					t.Errorf("signing with a 1024-bit key: %v, want ErrWeakKey", err)
				}
			}
		})
	}
}

// none, HMAC and unknown names are refused by Check, and by Sign and Verify
// whatever the key; a registered name outside the caller's list is refused
// by Check.
func TestRefusedAlgorithms(t *testing.T) {
	ed := testKeys(t)["ed25519"]
	for _, tc := range []struct {
		alg  string
		want error
	}{
		{"none", jwa.ErrUnsigned},
		{"NONE", jwa.ErrUnsigned},
		{"HS256", jwa.ErrHMAC},
		{"hs512", jwa.ErrHMAC},
		{"", jwa.ErrNotAccepted},
		{"ES256X", jwa.ErrNotAccepted},
		{"eddsa", jwa.ErrNotAccepted},
		{"RS1", jwa.ErrNotAccepted},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			if err := jwa.Check(tc.alg, append(all, tc.alg)); !errors.Is(err, tc.want) {
				t.Errorf("Check = %v, want %v", err, tc.want)
			}
			if _, err := jwa.Sign(tc.alg, ed, []byte("x")); !errors.Is(err, jwa.ErrNotAccepted) {
				t.Errorf("Sign = %v, want ErrNotAccepted", err)
			}
			if err := jwa.Verify(tc.alg, ed.Public(), []byte("x"), make([]byte, 64)); !errors.Is(err, jwa.ErrNotAccepted) {
				t.Errorf("Verify = %v, want ErrNotAccepted", err)
			}
		})
	}
	if err := jwa.Check(jwa.RS256, []string{jwa.ES256, jwa.EdDSA}); !errors.Is(err, jwa.ErrNotAccepted) {
		t.Errorf("RS256 outside the list: %v, want ErrNotAccepted", err)
	}
	if err := jwa.Check(jwa.ES256, []string{jwa.ES256, jwa.EdDSA}); err != nil {
		t.Errorf("ES256 in the list: %v", err)
	}
}

// Keys no algorithm uses are ErrKeyType, not a mismatch.
func TestUnsupportedKeys(t *testing.T) {
	k := testKeys(t)
	for name, pub := range map[string]crypto.PublicKey{
		"P-224":           k["p224"].Public(),
		"short Ed25519":   ed25519.PublicKey(make([]byte, 31)),
		"nil":             nil,
		"RSA without N":   &rsa.PublicKey{},
		"a string as key": "key",
	} {
		t.Run(name, func(t *testing.T) {
			if err := jwa.Verify(jwa.ES256, pub, []byte("x"), make([]byte, 64)); !errors.Is(err, jwa.ErrKeyType) {
				t.Errorf("Verify = %v, want ErrKeyType", err)
			}
			if alg, err := jwa.AlgFor(pub, all); !errors.Is(err, jwa.ErrKeyType) {
				t.Errorf("AlgFor = %q, %v, want ErrKeyType", alg, err)
			}
		})
	}
}

// AlgFor picks the first preference the key fits, and no other.
func TestAlgFor(t *testing.T) {
	k := testKeys(t)
	for _, tc := range []struct {
		key   string
		prefs []string
		want  string
		err   error
	}{
		{"ed25519", []string{jwa.ES256, jwa.EdDSA}, jwa.EdDSA, nil},
		{"p384", []string{jwa.ES256, jwa.ES384, jwa.EdDSA}, jwa.ES384, nil},
		{"p521", []string{jwa.ES256, jwa.ES384}, "", jwa.ErrKeyMismatch},
		{"secp256k1", []string{jwa.ES256, jwa.ES256K}, jwa.ES256K, nil},
		{"rsa2048", []string{jwa.ES256, jwa.PS256, jwa.RS256}, jwa.PS256, nil},
		{"rsa2048", []string{jwa.ES256, jwa.EdDSA}, "", jwa.ErrKeyMismatch},
		{"rsa1024", []string{jwa.RS256}, "", jwa.ErrWeakKey},
	} {
		got, err := jwa.AlgFor(k[tc.key].Public(), tc.prefs)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("AlgFor(%s, %v) = %q, %v; want %q, %v", tc.key, tc.prefs, got, err, tc.want, tc.err)
		}
	}
}

// KeyName and KeyAlg describe each kind of key.
func TestKeyNameAndAlg(t *testing.T) {
	k := testKeys(t)
	sk, _ := secp256k1.GeneratePrivateKey()
	for _, tc := range []struct {
		pub       crypto.PublicKey
		name, alg string
	}{
		{k["ed25519"].Public(), "Ed25519", jwa.EdDSA},
		{k["p256"].Public(), "P-256", jwa.ES256},
		{k["p521"].Public(), "P-521", jwa.ES512},
		{k["secp256k1"].Public(), "secp256k1", jwa.ES256K},
		{sk.PubKey(), "secp256k1", jwa.ES256K},
		{k["rsa2048"].Public(), "RSA-2048", ""},
		{k["p224"].Public(), "P-224", ""},
	} {
		if n, a := jwa.KeyName(tc.pub), jwa.KeyAlg(tc.pub); n != tc.name || a != tc.alg {
			t.Errorf("%T: KeyName %q KeyAlg %q, want %q %q", tc.pub, n, a, tc.name, tc.alg)
		}
	}
}
