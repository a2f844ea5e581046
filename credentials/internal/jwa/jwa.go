package jwa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// JWS algorithm names in the registry.
const (
	EdDSA   = "EdDSA"   // Ed25519 (RFC 8037)
	Ed25519 = "Ed25519" // Ed25519, fully specified (RFC 9864)
	ES256   = "ES256"   // ECDSA P-256, SHA-256
	ES384   = "ES384"   // ECDSA P-384, SHA-384
	ES512   = "ES512"   // ECDSA P-521, SHA-512
	ES256K  = "ES256K"  // ECDSA secp256k1, SHA-256 (RFC 8812)
	RS256   = "RS256"   // RSASSA-PKCS1-v1_5, SHA-256
	RS384   = "RS384"
	RS512   = "RS512"
	PS256   = "PS256" // RSASSA-PSS, SHA-256, salt as long as the hash
	PS384   = "PS384"
	PS512   = "PS512"
)

// MinRSABits is the smallest RSA modulus accepted for signing or verifying.
const MinRSABits = 2048

// Sentinels. Every error of this package is an *Error wrapping exactly one
// of them (except the signer's own errors, which Sign returns as they are),
// so that a mechanism maps it to its own credentials sentinel and wording.
var (
	// ErrUnsigned: alg "none" (in any case).
	ErrUnsigned = errors.New("unsecured JWS are not accepted")
	// ErrHMAC: an HMAC algorithm (HS256…), whose shared secret cannot
	// identify a signer.
	ErrHMAC = errors.New("HMAC algorithms are not accepted")
	// ErrNotAccepted: an algorithm not in the caller's list, or not in the
	// registry.
	ErrNotAccepted = errors.New("algorithm not accepted")
	// ErrKeyType: a key no algorithm of the registry uses (an ECDSA key on
	// another curve, X25519, a malformed Ed25519 key…).
	ErrKeyType = errors.New("key type not supported")
	// ErrKeyMismatch: a supported key that the algorithm does not use
	// (ES256 with an Ed25519 key, ES384 with a P-256 key).
	ErrKeyMismatch = errors.New("algorithm does not match the key")
	// ErrWeakKey: an RSA key under MinRSABits, whatever the algorithm.
	ErrWeakKey = errors.New("RSA key too short")
	// ErrSignature: a signature that does not verify, including one of the
	// wrong length.
	ErrSignature = errors.New("signature does not verify")
)

// Error is an error of this package: Reason says what is wrong (naming the
// algorithm and key), Kind is the sentinel it wraps.
type Error struct {
	Kind   error
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

type keyType int

const (
	keyEd25519 keyType = iota + 1
	keyECDSA
	keySecp256k1
	keyRSA
)

// algorithm is one entry of the registry.
type algorithm struct {
	name  string
	hash  crypto.Hash // 0 for Ed25519, which hashes itself
	key   keyType
	pss   bool           // RSA: PSS rather than PKCS #1 v1.5
	curve elliptic.Curve // ECDSA on a standard curve
	size  int            // ECDSA: bytes of r and of s
}

// lookup returns the registry entry of name, matched exactly.
func lookup(name string) (algorithm, bool) {
	switch name {
	case EdDSA, Ed25519:
		return algorithm{name: name, key: keyEd25519}, true
	case ES256:
		return algorithm{name: name, hash: crypto.SHA256, key: keyECDSA, curve: elliptic.P256(), size: 32}, true
	case ES384:
		return algorithm{name: name, hash: crypto.SHA384, key: keyECDSA, curve: elliptic.P384(), size: 48}, true
	case ES512:
		return algorithm{name: name, hash: crypto.SHA512, key: keyECDSA, curve: elliptic.P521(), size: 66}, true
	case ES256K:
		return algorithm{name: name, hash: crypto.SHA256, key: keySecp256k1, size: 32}, true
	case RS256, PS256:
		return algorithm{name: name, hash: crypto.SHA256, key: keyRSA, pss: name == PS256}, true
	case RS384, PS384:
		return algorithm{name: name, hash: crypto.SHA384, key: keyRSA, pss: name == PS384}, true
	case RS512, PS512:
		return algorithm{name: name, hash: crypto.SHA512, key: keyRSA, pss: name == PS512}, true
	}
	return algorithm{}, false
}

// Check reports whether alg may be used under a mechanism's list accepted.
// It returns nil, or an error wrapping ErrUnsigned ("none" in any case),
// ErrHMAC (a name starting with HS in any case) or ErrNotAccepted (not in
// accepted, or in no registry entry).
func Check(alg string, accepted []string) error {
	switch {
	case strings.EqualFold(alg, "none"):
		return fail(ErrUnsigned, "alg %q: unsecured JWS are not accepted", alg)
	case strings.HasPrefix(strings.ToUpper(alg), "HS"):
		return fail(ErrHMAC, "alg %q: HMAC algorithms are not accepted", alg)
	}
	if _, ok := lookup(alg); !ok || !slices.Contains(accepted, alg) {
		return fail(ErrNotAccepted, "alg %q is not accepted (accepted: %s)", alg, strings.Join(accepted, ", "))
	}
	return nil
}

// KeyName describes a public key for messages: "Ed25519", "P-256",
// "secp256k1", "RSA-2048", or its Go type.
func KeyName(pub crypto.PublicKey) string {
	if _, ok := secp256k1Public(pub); ok {
		return "secp256k1"
	}
	switch k := pub.(type) {
	case nil:
		return "no key"
	case ed25519.PublicKey:
		return "Ed25519"
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil {
			return "ECDSA without curve"
		}
		return k.Curve.Params().Name
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return "RSA without modulus"
		}
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	}
	return fmt.Sprintf("%T", pub)
}

// KeyAlg returns the one algorithm a non-RSA public key signs with (EdDSA,
// ES256, ES384, ES512 or ES256K), or "" for an RSA key, which has several,
// and for a key no algorithm uses.
func KeyAlg(pub crypto.PublicKey) string {
	if _, ok := secp256k1Public(pub); ok {
		return ES256K
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) == ed25519.PublicKeySize {
			return EdDSA
		}
	case *ecdsa.PublicKey:
		if k == nil {
			return ""
		}
		switch k.Curve {
		case elliptic.P256():
			return ES256
		case elliptic.P384():
			return ES384
		case elliptic.P521():
			return ES512
		}
	}
	return ""
}

// CheckKey reports whether pub is a key alg signs and verifies with. The
// error wraps ErrWeakKey for an RSA key under MinRSABits (whatever alg),
// ErrKeyType for a key no algorithm uses, ErrKeyMismatch for a key another
// algorithm uses, and ErrNotAccepted for an alg not in the registry.
func CheckKey(alg string, pub crypto.PublicKey) error {
	a, ok := lookup(alg)
	if !ok {
		return fail(ErrNotAccepted, "alg %q is not supported", alg)
	}
	return a.checkKey(pub)
}

func (a algorithm) checkKey(pub crypto.PublicKey) error {
	if k, ok := pub.(*rsa.PublicKey); ok && k != nil && k.N != nil {
		if k.N.BitLen() < MinRSABits {
			return fail(ErrWeakKey, "RSA key of %d bits, fewer than %d", k.N.BitLen(), MinRSABits)
		}
		if a.key == keyRSA {
			return nil
		}
		return fail(ErrKeyMismatch, "alg %s does not match the %s key", a.name, KeyName(pub))
	}
	has := KeyAlg(pub)
	if has == "" {
		return fail(ErrKeyType, "a %s key is not supported", KeyName(pub))
	}
	if has == a.name || has == EdDSA && a.key == keyEd25519 {
		return nil
	}
	return fail(ErrKeyMismatch, "alg %s does not match the %s key", a.name, KeyName(pub))
}

// AlgFor returns the first algorithm of preferences that pub signs with.
// The error wraps ErrWeakKey or ErrKeyType when no algorithm could use pub,
// and ErrKeyMismatch when only algorithms outside preferences could.
func AlgFor(pub crypto.PublicKey, preferences []string) (string, error) {
	for _, alg := range preferences {
		err := CheckKey(alg, pub)
		if err == nil {
			return alg, nil
		}
		if errors.Is(err, ErrWeakKey) || errors.Is(err, ErrKeyType) {
			return "", err
		}
	}
	return "", fail(ErrKeyMismatch, "no algorithm among %s signs with a %s key", strings.Join(preferences, ", "), KeyName(pub))
}

// digest hashes input with h.
func digest(h crypto.Hash, input []byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(input)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(input)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(input)
		return s[:]
	}
	return input
}

// Sign signs input (the JWS signing input) with signer under alg, and
// returns the JWS signature: Ed25519 over input itself, RSA over its hash,
// ECDSA as r‖s of fixed size from the ASN.1 DER signature signer returns
// (as crypto/ecdsa and Diplomat's key backends do). The signer's public key
// must fit alg (see CheckKey). Errors of signer are wrapped.
func Sign(alg string, signer crypto.Signer, input []byte) ([]byte, error) {
	a, ok := lookup(alg)
	if !ok {
		return nil, fail(ErrNotAccepted, "alg %q is not supported", alg)
	}
	if signer == nil {
		return nil, fail(ErrKeyType, "no signer")
	}
	if err := a.checkKey(signer.Public()); err != nil {
		return nil, err
	}
	switch a.key {
	case keyEd25519:
		return signer.Sign(rand.Reader, input, crypto.Hash(0))
	case keyRSA:
		if a.pss {
			return signer.Sign(rand.Reader, digest(a.hash, input), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: a.hash})
		}
		return signer.Sign(rand.Reader, digest(a.hash, input), a.hash)
	}
	der, err := signer.Sign(rand.Reader, digest(a.hash, input), a.hash)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil {
		return nil, errors.New("signer returned an ECDSA signature that is not ASN.1 DER")
	}
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*a.size || rs.S.BitLen() > 8*a.size {
		return nil, fmt.Errorf("signer returned an ECDSA signature out of range for %s", alg)
	}
	out := make([]byte, 2*a.size)
	rs.R.FillBytes(out[:a.size])
	rs.S.FillBytes(out[a.size:])
	return out, nil
}

// Verify checks the JWS signature sig over input with pub under alg. The
// error wraps ErrSignature when sig does not verify or has the wrong length
// for alg, and otherwise what CheckKey returns for a key that does not fit.
func Verify(alg string, pub crypto.PublicKey, input, sig []byte) error {
	a, ok := lookup(alg)
	if !ok {
		return fail(ErrNotAccepted, "alg %q is not supported", alg)
	}
	if err := a.checkKey(pub); err != nil {
		return err
	}
	bad := func() error {
		return fail(ErrSignature, "%s signature does not verify with the %s key", alg, KeyName(pub))
	}
	switch a.key {
	case keyEd25519:
		if !ed25519.Verify(pub.(ed25519.PublicKey), input, sig) {
			return bad()
		}
		return nil
	case keyRSA:
		k := pub.(*rsa.PublicKey)
		var err error
		if a.pss {
			err = rsa.VerifyPSS(k, a.hash, digest(a.hash, input), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			err = rsa.VerifyPKCS1v15(k, a.hash, digest(a.hash, input), sig)
		}
		if err != nil {
			return bad()
		}
		return nil
	}
	if len(sig) != 2*a.size {
		return fail(ErrSignature, "%s signature is %d bytes, want %d", alg, len(sig), 2*a.size)
	}
	if a.key == keySecp256k1 {
		if !verifySecp256k1(pub, digest(a.hash, input), sig) {
			return bad()
		}
		return nil
	}
	r := new(big.Int).SetBytes(sig[:a.size])
	s := new(big.Int).SetBytes(sig[a.size:])
	if !ecdsa.Verify(pub.(*ecdsa.PublicKey), digest(a.hash, input), r, s) {
		return bad()
	}
	return nil
}

// secp256k1Public returns pub as a secp256k1 public key when it is one: a
// *secp256k1.PublicKey, or an *ecdsa.PublicKey on the secp256k1 curve (as
// credentials/did decodes them).
func secp256k1Public(pub crypto.PublicKey) (*secp256k1.PublicKey, bool) {
	switch k := pub.(type) {
	case *secp256k1.PublicKey:
		return k, k != nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil || k.Curve.Params().Name != "secp256k1" || k.X == nil || k.Y == nil {
			return nil, false
		}
		if len(k.X.Bytes()) > 32 || len(k.Y.Bytes()) > 32 {
			return nil, false
		}
		var buf [65]byte
		buf[0] = 4
		k.X.FillBytes(buf[1:33])
		k.Y.FillBytes(buf[33:])
		p, err := secp256k1.ParsePubKey(buf[:])
		if err != nil {
			return nil, false
		}
		return p, true
	}
	return nil, false
}

// verifySecp256k1 checks a 64-byte r‖s signature of a SHA-256 digest with
// decred's secp256k1, refusing r or s of zero or not below the order.
func verifySecp256k1(pub crypto.PublicKey, hash, sig []byte) bool {
	k, ok := secp256k1Public(pub)
	if !ok {
		return false
	}
	var r, s secp256k1.ModNScalar
	if overflow := r.SetByteSlice(sig[:32]); overflow || r.IsZero() {
		return false
	}
	if overflow := s.SetByteSlice(sig[32:]); overflow || s.IsZero() {
		return false
	}
	return secpecdsa.NewSignature(&r, &s).Verify(hash, k)
}
