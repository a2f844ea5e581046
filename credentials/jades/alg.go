package jades

import (
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

// verifyAlgs are the JWS algorithms (RFC 7518) Verify accepts: the
// asymmetric ones of ETSI TS 119 182-1 with a key of an X.509 certificate.
var verifyAlgs = []string{
	jwa.RS256, jwa.RS384, jwa.RS512, jwa.PS256, jwa.PS384, jwa.PS512,
	jwa.ES256, jwa.ES384, jwa.ES512, jwa.EdDSA,
}

// checkAlg refuses a JWS "alg" value Verify does not accept: "none", the
// HMAC algorithms and anything unknown are errors wrapping ErrInvalidProof:
// a seal is an asymmetric signature with the certificate's key.
func checkAlg(name string) error {
	const where = "protected header: alg"
	err := jwa.Check(name, verifyAlgs)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwa.ErrUnsigned):
		return invalid(where, "%q is not allowed: a JAdES signature must be signed", name)
	case errors.Is(err, jwa.ErrHMAC):
		return invalid(where, "%q is not allowed: HMAC is not a signature with the certificate's key", name)
	}
	return invalid(where, "unsupported algorithm %q", name)
}

// checkKey reports whether pub is a key alg can verify with. It returns an
// error wrapping ErrInvalidProof on a mismatch between the algorithm and the
// certificate's key, and ErrUnsupportedKey for a key type no algorithm uses
// or an RSA key too weak to accept.
func checkKey(alg string, pub crypto.PublicKey) error {
	err := jwa.CheckKey(alg, pub)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwa.ErrWeakKey), errors.Is(err, jwa.ErrKeyType):
		return &Error{Kind: credentials.ErrUnsupportedKey, Where: "x5c[0]", Reason: err.Error()}
	}
	return invalid("protected header: alg", "%s does not match the certificate's %s key", alg, jwa.KeyName(pub))
}

// signingAlg chooses the algorithm for a signer's public key: rsaAlg ("RS256"
// or "PS256") for RSA of 2048 bits or more, ES256 for P-256, ES384 for
// P-384. Any other key is an error wrapping ErrUnsupportedKey.
func signingAlg(pub crypto.PublicKey, rsaAlg string) (string, error) {
	algs := []string{jwa.ES256, jwa.ES384}
	if _, ok := pub.(*rsa.PublicKey); ok {
		switch rsaAlg {
		case "", jwa.RS256:
			algs = []string{jwa.RS256}
		case jwa.PS256:
			algs = []string{jwa.PS256}
		default:
			return "", &Error{Kind: credentials.ErrUnsupportedKey, Reason: fmt.Sprintf("RSA algorithm %q: RS256 or PS256 expected", rsaAlg)}
		}
	}
	alg, err := jwa.AlgFor(pub, algs)
	if errors.Is(err, jwa.ErrWeakKey) {
		return "", &Error{Kind: credentials.ErrUnsupportedKey, Reason: err.Error()}
	}
	if err != nil {
		return "", &Error{Kind: credentials.ErrUnsupportedKey, Reason: "a " + jwa.KeyName(pub) + " key: an eSeal is RSA (2048 bits or more) or EC (P-256, P-384)"}
	}
	return alg, nil
}
