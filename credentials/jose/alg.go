package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"math/big"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
)

// JWS algorithm names (RFC 7518, RFC 8037, RFC 8812) this package knows.
const (
	EdDSA  = "EdDSA"
	ES256  = "ES256"
	ES384  = "ES384"
	ES512  = "ES512"
	ES256K = "ES256K"
	RS256  = "RS256"
	PS256  = "PS256"
)

// minRSABits is the smallest RSA modulus accepted for RS256/PS256.
const minRSABits = 2048

// checkAlg rejects a header alg that the mechanism does not accept: absent,
// "none", HMAC, or any name not in accepted. The error wraps ErrInvalidProof
// (ErrMalformed for an absent alg).
func checkAlg(name, alg string, accepted []string) error {
	switch {
	case alg == "":
		return fmt.Errorf("%w: header has no alg", credentials.ErrMalformed)
	case strings.EqualFold(alg, "none"):
		return fmt.Errorf("%w: header alg %q: unsecured JWTs are not accepted", credentials.ErrInvalidProof, alg)
	case strings.HasPrefix(strings.ToUpper(alg), "HS"):
		return fmt.Errorf("%w: header alg %q: HMAC algorithms are not accepted, a shared secret cannot identify an issuer", credentials.ErrInvalidProof, alg)
	}
	for _, a := range accepted {
		if a == alg {
			return nil
		}
	}
	return fmt.Errorf("%w: header alg %q is not accepted for %s (accepted: %s)", credentials.ErrInvalidProof, alg, name, strings.Join(accepted, ", "))
}

// keyName describes a public key for messages: "Ed25519", "P-256", "RSA-2048".
func keyName(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return "Ed25519"
	case *ecdsa.PublicKey:
		if k.Curve == nil {
			return "ECDSA without curve"
		}
		return k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	}
	if _, ok := secp256k1Public(pub); ok {
		return "secp256k1"
	}
	return fmt.Sprintf("%T", pub)
}

// curveAlg gives the ECDSA algorithm of a standard curve.
func curveAlg(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return ES256
	case elliptic.P384():
		return ES384
	case elliptic.P521():
		return ES512
	}
	return ""
}

// keyAlg returns the one JWS algorithm a public key signs with, or "" for a
// key type this package does not sign with. RSA keys have no single
// algorithm and are reported as "".
func keyAlg(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) == ed25519.PublicKeySize {
			return EdDSA
		}
	case *ecdsa.PublicKey:
		if _, ok := secp256k1Public(k); ok {
			return ES256K
		}
		return curveAlg(k.Curve)
	default:
		if _, ok := secp256k1Public(pub); ok {
			return ES256K
		}
	}
	return ""
}

// signingAlg picks the algorithm for signing with pub, among accepted. The
// error wraps ErrUnsupportedKey; there is no fallback to another algorithm.
func signingAlg(name string, pub crypto.PublicKey, accepted []string) (string, error) {
	if pub == nil {
		return "", fmt.Errorf("%w: signer has no public key", credentials.ErrUnsupportedKey)
	}
	if _, ok := pub.(*rsa.PublicKey); ok {
		return "", fmt.Errorf("%w: %s does not sign with RSA keys", credentials.ErrUnsupportedKey, name)
	}
	alg := keyAlg(pub)
	if alg == "" {
		return "", fmt.Errorf("%w: %s cannot sign with a %s key", credentials.ErrUnsupportedKey, name, keyName(pub))
	}
	for _, a := range accepted {
		if a == alg {
			return alg, nil
		}
	}
	return "", fmt.Errorf("%w: %s does not sign with %s (%s key); it signs with %s", credentials.ErrUnsupportedKey, name, alg, keyName(pub), strings.Join(accepted, ", "))
}

// checkKeyForAlg rejects a verification key whose type does not match alg:
// ES256 with an Ed25519 key, RS256 with an EC key, ES384 with a P-256 key.
// The error wraps ErrInvalidProof.
func checkKeyForAlg(alg string, pub crypto.PublicKey) error {
	ok := false
	switch alg {
	case EdDSA, ES256, ES384, ES512, ES256K:
		ok = keyAlg(pub) == alg
	case RS256, PS256:
		k, isRSA := pub.(*rsa.PublicKey)
		if isRSA && k.N.BitLen() < minRSABits {
			return fmt.Errorf("%w: header alg %s with a %s key: RSA keys under %d bits are not accepted", credentials.ErrInvalidProof, alg, keyName(pub), minRSABits)
		}
		ok = isRSA
	}
	if !ok {
		return fmt.Errorf("%w: header alg %s does not match the key of kid or x5c, which is %s", credentials.ErrInvalidProof, alg, keyName(pub))
	}
	return nil
}

// verifySignature checks sig over input with pub under alg, using the
// standard library (and secp256k1 for ES256K). Call checkKeyForAlg first. The
// error wraps ErrInvalidProof.
func verifySignature(alg string, pub crypto.PublicKey, input, sig []byte) error {
	bad := fmt.Errorf("%w: %s signature does not verify with the %s key", credentials.ErrInvalidProof, alg, keyName(pub))
	switch alg {
	case EdDSA:
		k, _ := pub.(ed25519.PublicKey)
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(k, input, sig) {
			return bad
		}
		return nil
	case ES256, ES384, ES512:
		k, _ := pub.(*ecdsa.PublicKey)
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("%w: %s signature is %d bytes, want %d", credentials.ErrInvalidProof, alg, len(sig), 2*size)
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest(alg, input), r, s) {
			return bad
		}
		return nil
	case ES256K:
		if !verifyES256K(pub, input, sig) {
			return bad
		}
		return nil
	case RS256:
		k, _ := pub.(*rsa.PublicKey)
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest(alg, input), sig) != nil {
			return bad
		}
		return nil
	case PS256:
		k, _ := pub.(*rsa.PublicKey)
		if rsa.VerifyPSS(k, crypto.SHA256, digest(alg, input), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
			return bad
		}
		return nil
	}
	return fmt.Errorf("%w: header alg %q is not supported", credentials.ErrInvalidProof, alg)
}

// hashOf is the hash function of alg.
func hashOf(alg string) crypto.Hash {
	switch alg {
	case ES384:
		return crypto.SHA384
	case ES512:
		return crypto.SHA512
	}
	return crypto.SHA256
}

// digest hashes input with the hash of alg.
func digest(alg string, input []byte) []byte {
	switch alg {
	case ES384:
		h := sha512.Sum384(input)
		return h[:]
	case ES512:
		h := sha512.Sum512(input)
		return h[:]
	}
	h := sha256.Sum256(input)
	return h[:]
}
