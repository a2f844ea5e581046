package jades

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
)

type keyKind int

const (
	kindRSA keyKind = iota + 1
	kindRSAPSS
	kindECDSA
	kindEdDSA
)

// algorithm is one JWS signature algorithm (RFC 7518) JAdES allows.
type algorithm struct {
	name  string
	hash  crypto.Hash
	kind  keyKind
	curve elliptic.Curve // for ECDSA
}

// minRSABits is the smallest RSA modulus accepted for signing and verifying.
const minRSABits = 2048

// lookupAlg returns the algorithm named by a JWS "alg" value. "none", the
// HMAC algorithms and anything unknown are errors: a seal is an asymmetric
// signature with the certificate's key.
func lookupAlg(name string) (algorithm, error) {
	switch name {
	case "RS256":
		return algorithm{name, crypto.SHA256, kindRSA, nil}, nil
	case "RS384":
		return algorithm{name, crypto.SHA384, kindRSA, nil}, nil
	case "RS512":
		return algorithm{name, crypto.SHA512, kindRSA, nil}, nil
	case "PS256":
		return algorithm{name, crypto.SHA256, kindRSAPSS, nil}, nil
	case "PS384":
		return algorithm{name, crypto.SHA384, kindRSAPSS, nil}, nil
	case "PS512":
		return algorithm{name, crypto.SHA512, kindRSAPSS, nil}, nil
	case "ES256":
		return algorithm{name, crypto.SHA256, kindECDSA, elliptic.P256()}, nil
	case "ES384":
		return algorithm{name, crypto.SHA384, kindECDSA, elliptic.P384()}, nil
	case "ES512":
		return algorithm{name, crypto.SHA512, kindECDSA, elliptic.P521()}, nil
	case "EdDSA":
		return algorithm{name, 0, kindEdDSA, nil}, nil
	}
	switch {
	case strings.EqualFold(name, "none"):
		return algorithm{}, invalid("protected header: alg", "%q is not allowed: a JAdES signature must be signed", name)
	case strings.HasPrefix(name, "HS"):
		return algorithm{}, invalid("protected header: alg", "%q is not allowed: HMAC is not a signature with the certificate's key", name)
	}
	return algorithm{}, invalid("protected header: alg", "unsupported algorithm %q", name)
}

// checkKey reports whether pub is a key alg can verify with. It returns an
// error wrapping ErrInvalidProof on a mismatch between the algorithm and the
// certificate's key, and ErrUnsupportedKey for a key too weak to accept.
func checkKey(alg algorithm, pub crypto.PublicKey) error {
	const where = "protected header: alg"
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg.kind != kindRSA && alg.kind != kindRSAPSS {
			return invalid(where, "%s does not match the certificate's RSA key", alg.name)
		}
		if k.N.BitLen() < minRSABits {
			return &Error{Kind: credentials.ErrUnsupportedKey, Where: "x5c[0]", Reason: fmt.Sprintf("RSA key of %d bits, fewer than %d", k.N.BitLen(), minRSABits)}
		}
	case *ecdsa.PublicKey:
		if alg.kind != kindECDSA {
			return invalid(where, "%s does not match the certificate's EC key", alg.name)
		}
		if k.Curve != alg.curve {
			return invalid(where, "%s does not match the certificate's curve %s", alg.name, k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
		if alg.kind != kindEdDSA {
			return invalid(where, "%s does not match the certificate's Ed25519 key", alg.name)
		}
	default:
		return &Error{Kind: credentials.ErrUnsupportedKey, Where: "x5c[0]", Reason: fmt.Sprintf("unsupported key type %T", pub)}
	}
	return nil
}

// verifySignature checks sig over input with pub; checkKey must have
// accepted the pair.
func verifySignature(alg algorithm, pub crypto.PublicKey, input, sig []byte) bool {
	switch alg.kind {
	case kindRSA, kindRSAPSS:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return false
		}
		d := digest(alg.hash, input)
		if alg.kind == kindRSA {
			return rsa.VerifyPKCS1v15(k, alg.hash, d, sig) == nil
		}
		return rsa.VerifyPSS(k, alg.hash, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case kindECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return false
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k, digest(alg.hash, input), r, s)
	case kindEdDSA:
		k, ok := pub.(ed25519.PublicKey)
		return ok && ed25519.Verify(k, input, sig)
	}
	return false
}

func digest(h crypto.Hash, data []byte) []byte {
	w := h.New()
	w.Write(data)
	return w.Sum(nil)
}

// signingAlg chooses the algorithm for a signer's public key: rsaAlg ("RS256"
// or "PS256") for RSA of 2048 bits or more, ES256 for P-256, ES384 for
// P-384. Any other key is an error wrapping ErrUnsupportedKey.
func signingAlg(pub crypto.PublicKey, rsaAlg string) (algorithm, error) {
	unsupported := func(format string, args ...any) (algorithm, error) {
		return algorithm{}, &Error{Kind: credentials.ErrUnsupportedKey, Reason: fmt.Sprintf(format, args...)}
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return unsupported("RSA key of %d bits, fewer than %d", k.N.BitLen(), minRSABits)
		}
		switch rsaAlg {
		case "", "RS256":
			return lookupAlg("RS256")
		case "PS256":
			return lookupAlg("PS256")
		}
		return unsupported("RSA algorithm %q: RS256 or PS256 expected", rsaAlg)
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return lookupAlg("ES256")
		case elliptic.P384():
			return lookupAlg("ES384")
		}
		return unsupported("EC key on curve %s: P-256 or P-384 expected", k.Curve.Params().Name)
	}
	return unsupported("key type %T: an eSeal is RSA (2048 bits or more) or EC (P-256, P-384)", pub)
}

// sign signs input with signer under alg and returns the JWS signature value
// (r||s for ECDSA).
func sign(alg algorithm, signer crypto.Signer, input []byte) ([]byte, error) {
	d := digest(alg.hash, input)
	switch alg.kind {
	case kindRSA:
		return signer.Sign(rand.Reader, d, alg.hash)
	case kindRSAPSS:
		return signer.Sign(rand.Reader, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: alg.hash})
	case kindECDSA:
		der, err := signer.Sign(rand.Reader, d, alg.hash)
		if err != nil {
			return nil, err
		}
		var rs struct{ R, S *big.Int }
		rest, err := asn1.Unmarshal(der, &rs)
		if err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil {
			return nil, fmt.Errorf("signer returned an ECDSA signature that is not ASN.1 DER")
		}
		size := (alg.curve.Params().BitSize + 7) / 8
		if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
			return nil, fmt.Errorf("signer returned an ECDSA signature out of range for %s", alg.curve.Params().Name)
		}
		out := make([]byte, 2*size)
		rs.R.FillBytes(out[:size])
		rs.S.FillBytes(out[size:])
		return out, nil
	}
	return nil, fmt.Errorf("algorithm %s cannot sign", alg.name)
}
