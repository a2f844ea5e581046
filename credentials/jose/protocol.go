package jose

import (
	"crypto"
	"errors"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

// The functions below give protocols that sign and check their own compact
// JWTs (OpenID4VCI key proofs, DPoP proofs, OpenID4VP request objects) the
// algorithm registry the securing mechanisms share (credentials/internal/jwa),
// so that one table decides which algorithms exist, which key each needs,
// and how ECDSA signatures are encoded. They parse nothing: the caller
// splits the JWS and reads its header.

// CheckAlgorithm reports whether a JWS header alg may be used under
// accepted. "none" (any case), the HMAC algorithms and any name outside
// accepted or the registry are refused; an empty alg is refused as
// malformed. The error wraps credentials.ErrInvalidProof
// (credentials.ErrMalformed for an empty alg).
func CheckAlgorithm(alg string, accepted []string) error {
	return checkAlg("JWS", alg, accepted)
}

// AlgorithmFor returns the first algorithm of preferences that pub signs
// with. The error wraps credentials.ErrUnsupportedKey.
func AlgorithmFor(pub crypto.PublicKey, preferences []string) (string, error) {
	return signingAlg("JWS", pub, preferences)
}

// SignInput signs a JWS signing input (BASE64URL(header) "." BASE64URL(payload))
// with signer under alg and returns the signature bytes (ECDSA as r‖s). The
// signer's key must fit alg; the error then wraps
// credentials.ErrUnsupportedKey. Errors of the signer itself are wrapped.
func SignInput(alg string, signer crypto.Signer, input []byte) ([]byte, error) {
	sig, err := jwa.Sign(alg, signer, input)
	if err == nil {
		return sig, nil
	}
	var je *jwa.Error
	if errors.As(err, &je) {
		return nil, fmt.Errorf("%w: %v", credentials.ErrUnsupportedKey, err)
	}
	return nil, fmt.Errorf("signing: %w", err)
}

// VerifyInput checks the JWS signature sig over input with pub under alg.
// The error wraps credentials.ErrInvalidProof: a signature that does not
// verify, an alg that does not fit the key, or an RSA key under 2048 bits.
func VerifyInput(alg string, pub crypto.PublicKey, input, sig []byte) error {
	err := jwa.Verify(alg, pub, input, sig)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwa.ErrSignature):
		return fmt.Errorf("%w: %v", credentials.ErrInvalidProof, err)
	case errors.Is(err, jwa.ErrWeakKey):
		return fmt.Errorf("%w: RSA keys under %d bits are not accepted", credentials.ErrInvalidProof, jwa.MinRSABits)
	}
	return fmt.Errorf("%w: alg %s does not fit the %s key: %v", credentials.ErrInvalidProof, alg, jwa.KeyName(pub), strings.TrimSpace(err.Error()))
}

// KeyAlgorithm returns the one JWS algorithm a non-RSA public key signs with
// (EdDSA, ES256, ES384, ES512 or ES256K), or "" for RSA and unsupported keys.
func KeyAlgorithm(pub crypto.PublicKey) string { return jwa.KeyAlg(pub) }
