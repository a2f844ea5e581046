package jose

import (
	"crypto"
	"errors"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

// JWS algorithm names (RFC 7518, RFC 8037, RFC 8812) this package knows.
const (
	EdDSA  = jwa.EdDSA
	ES256  = jwa.ES256
	ES384  = jwa.ES384
	ES512  = jwa.ES512
	ES256K = jwa.ES256K
	RS256  = jwa.RS256
	PS256  = jwa.PS256
)

// checkAlg rejects a header alg that the mechanism does not accept: absent,
// "none", HMAC, or any name not in accepted. The error wraps ErrInvalidProof
// (ErrMalformed for an absent alg).
func checkAlg(name, alg string, accepted []string) error {
	if alg == "" {
		return fmt.Errorf("%w: header has no alg", credentials.ErrMalformed)
	}
	err := jwa.Check(alg, accepted)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwa.ErrUnsigned):
		return fmt.Errorf("%w: header alg %q: unsecured JWTs are not accepted", credentials.ErrInvalidProof, alg)
	case errors.Is(err, jwa.ErrHMAC):
		return fmt.Errorf("%w: header alg %q: HMAC algorithms are not accepted, a shared secret cannot identify an issuer", credentials.ErrInvalidProof, alg)
	}
	return fmt.Errorf("%w: header alg %q is not accepted for %s (accepted: %s)", credentials.ErrInvalidProof, alg, name, strings.Join(accepted, ", "))
}

// signingAlg picks the algorithm for signing with pub, among accepted. The
// error wraps ErrUnsupportedKey; there is no fallback to another algorithm.
func signingAlg(name string, pub crypto.PublicKey, accepted []string) (string, error) {
	if pub == nil {
		return "", fmt.Errorf("%w: signer has no public key", credentials.ErrUnsupportedKey)
	}
	alg, err := jwa.AlgFor(pub, accepted)
	if err != nil {
		return "", fmt.Errorf("%w: %s cannot sign with a %s key; it signs with %s", credentials.ErrUnsupportedKey, name, jwa.KeyName(pub), strings.Join(accepted, ", "))
	}
	return alg, nil
}

// verifyToken checks the signature of tok with k: the algorithm must fit
// the key, and the signature must verify over the signing input. The error
// wraps ErrInvalidProof.
func verifyToken(tok *compactJWS, k *signerKey) error {
	alg := tok.header.Alg
	err := jwa.Verify(alg, k.key, tok.signingInput, tok.signature)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwa.ErrWeakKey):
		return fmt.Errorf("%w: header alg %s with a %s key: RSA keys under %d bits are not accepted", credentials.ErrInvalidProof, alg, jwa.KeyName(k.key), jwa.MinRSABits)
	case errors.Is(err, jwa.ErrSignature):
		return fmt.Errorf("%w: %v", credentials.ErrInvalidProof, err)
	}
	return fmt.Errorf("%w: header alg %s does not match the key of kid or x5c, which is %s", credentials.ErrInvalidProof, alg, jwa.KeyName(k.key))
}
