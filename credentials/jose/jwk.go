package jose

import (
	"crypto"
	"crypto/ecdsa"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
)

// maxJWKBytes bounds a JWK read by PublicKeyFromJWK.
const maxJWKBytes = 16 << 10

// PublicKeyFromJWK reads a public JSON Web Key (RFC 7517) into a Go public
// key: ed25519.PublicKey (OKP Ed25519), *ecdsa.PublicKey (EC P-256, P-384,
// P-521), *rsa.PublicKey (RSA of 2048 bits or more) or *secp256k1.PublicKey
// (EC secp256k1, also written P-256K). A JWK with private members is
// refused, so that a private key is never taken for a public one by mistake.
// It parses with credentials/did. Errors wrap credentials.ErrUnsupportedKey
// or credentials.ErrMalformed.
func PublicKeyFromJWK(data []byte) (crypto.PublicKey, error) {
	if len(data) > maxJWKBytes {
		return nil, fmt.Errorf("%w: jwk of %d bytes is over the limit of %d bytes", credentials.ErrMalformed, len(data), maxJWKBytes)
	}
	j, err := did.ParseJWKJSON(data)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	pub, err := j.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == secp256k1.S256() {
		var x, y secp256k1.FieldVal
		x.SetByteSlice(k.X.Bytes())
		y.SetByteSlice(k.Y.Bytes())
		return secp256k1.NewPublicKey(&x, &y), nil
	}
	return pub, nil
}
