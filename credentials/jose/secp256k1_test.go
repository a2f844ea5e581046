package jose

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// Deterministic ECDSA (RFC 6979) over secp256k1 with SHA-256: the vector
// widely used by Bitcoin libraries (private key 1, message "Satoshi
// Nakamoto"), low-S form.
func TestSecp256k1SignerMatchesRFC6979Vector(t *testing.T) {
	var one [32]byte
	one[31] = 1
	s := NewSecp256k1Signer(secp256k1.PrivKeyFromBytes(one[:]))
	input := []byte("Satoshi Nakamoto")
	sig, err := jwa.Sign(ES256K, s, input)
	if err != nil {
		t.Fatal(err)
	}
	want := "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8" +
		"2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"
	if hex.EncodeToString(sig) != want {
		t.Fatalf("signature = %x, want %s", sig, want)
	}
	if jwa.Verify(ES256K, s.Public(), input, sig) != nil {
		t.Fatal("the vector does not verify")
	}
	if !textbookVerify(s.Public().(*secp256k1.PublicKey), input, sig) {
		t.Fatal("the vector does not verify with the textbook check")
	}
}

// textbookVerify is ECDSA verification over secp256k1 written out with
// math/big from SEC 1 §4.1.4, independent of the decred package, to cross
// check it.
func textbookVerify(pub *secp256k1.PublicKey, msg, sig []byte) bool {
	p, _ := new(big.Int).SetString("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f", 16)
	n, _ := new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
	gx, _ := new(big.Int).SetString("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", 16)
	gy, _ := new(big.Int).SetString("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8", 16)
	type pt struct{ x, y *big.Int } // nil x: the point at infinity
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	add := func(a, b pt) pt {
		if a.x == nil {
			return b
		}
		if b.x == nil {
			return a
		}
		var l *big.Int
		if a.x.Cmp(b.x) == 0 {
			if new(big.Int).Add(a.y, b.y).Mod(new(big.Int).Add(a.y, b.y), p).Sign() == 0 {
				return pt{}
			}
			num := new(big.Int).Mul(big.NewInt(3), new(big.Int).Mul(a.x, a.x))
			den := new(big.Int).ModInverse(new(big.Int).Mul(big.NewInt(2), a.y), p)
			l = mod(num.Mul(num, den))
		} else {
			num := new(big.Int).Sub(b.y, a.y)
			den := new(big.Int).ModInverse(mod(new(big.Int).Sub(b.x, a.x)), p)
			l = mod(num.Mul(num, den))
		}
		x := mod(new(big.Int).Sub(new(big.Int).Sub(new(big.Int).Mul(l, l), a.x), b.x))
		y := mod(new(big.Int).Sub(new(big.Int).Mul(l, new(big.Int).Sub(a.x, x)), a.y))
		return pt{x, y}
	}
	mul := func(k *big.Int, a pt) pt {
		r := pt{}
		for i := k.BitLen() - 1; i >= 0; i-- {
			r = add(r, r)
			if k.Bit(i) == 1 {
				r = add(r, a)
			}
		}
		return r
	}
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(n) >= 0 || s.Cmp(n) >= 0 {
		return false
	}
	h := sha256.Sum256(msg)
	e := new(big.Int).SetBytes(h[:])
	w := new(big.Int).ModInverse(s, n)
	u1 := new(big.Int).Mod(new(big.Int).Mul(e, w), n)
	u2 := new(big.Int).Mod(new(big.Int).Mul(r, w), n)
	q := pt{pub.X(), pub.Y()}
	x := add(mul(u1, pt{gx, gy}), mul(u2, q))
	return x.x != nil && new(big.Int).Mod(x.x, n).Cmp(r) == 0
}

func TestES256KRoundTripCrossChecked(t *testing.T) {
	r := mapResolver{}
	k := newKey(t, "secp256k1", "did:example:ebsi-ti", r)
	doc := vc11("did:example:ebsi-ti", `"id":"urn:uuid:1",`)
	tok, err := JWTVCJSON{}.Sign(context.Background(), doc, k.signing(), credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := decodePart(t, tok, 0); h["alg"] != ES256K || h["typ"] != "JWT" {
		t.Fatalf("header = %v", h)
	}
	if _, err := (JWTVCJSON{}).Verify(context.Background(), tok, r, credentials.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	parsed, err := parseCompact(tok, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !textbookVerify(k.signer.Public().(*secp256k1.PublicKey), parsed.signingInput, parsed.signature) {
		t.Fatal("our ES256K signature fails the textbook check")
	}
	parsed.signature[5] ^= 1
	if jwa.Verify(ES256K, k.signer.Public(), parsed.signingInput, parsed.signature) == nil {
		t.Fatal("a changed signature verifies")
	}
}

// The VC 1.1 test suite issues with an ES256K key whose private JWK it
// publishes; its public coordinates must come out of its d, and the JWK
// (crv "P-256K") must read as the same key.
func TestES256KKeyOfTheVCTestSuite(t *testing.T) {
	var cfg struct {
		JWT struct {
			Key json.RawMessage `json:"es256kPrivateKeyJwk"`
		} `json:"jwt"`
	}
	if err := json.Unmarshal(reftest.Read(t, "vectors/vc-jwt-1.1/vc-test-suite/config.json.jwt.example"), &cfg); err != nil {
		t.Fatal(err)
	}
	var j struct{ Kid, Crv, X, Y, D string }
	if err := json.Unmarshal(cfg.JWT.Key, &j); err != nil {
		t.Fatal(err)
	}
	if _, err := PublicKeyFromJWK(cfg.JWT.Key); err == nil {
		t.Fatal("a private JWK was read as a public key")
	}
	pubJWK, _ := json.Marshal(map[string]string{"kty": "EC", "crv": j.Crv, "x": j.X, "y": j.Y})
	pub, err := PublicKeyFromJWK(pubJWK)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := b64.DecodeString(j.D)
	s := NewSecp256k1Signer(secp256k1.PrivKeyFromBytes(d))
	if !s.Public().(*secp256k1.PublicKey).IsEqual(pub.(*secp256k1.PublicKey)) {
		t.Fatal("the JWK's x, y are not the public key of its d")
	}
	if jwa.KeyAlg(pub) != ES256K || jwa.KeyAlg(s.Public().(*secp256k1.PublicKey).ToECDSA()) != ES256K {
		t.Error("secp256k1 keys are not recognised for ES256K")
	}
}
