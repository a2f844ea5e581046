package jose

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"io"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// ES256K (ECDSA over secp256k1 with SHA-256, RFC 8812) is done with
// decred's secp256k1 package (in credentials/internal/jwa) rather than
// through jwx, which supports it only behind the jwx_es256k build tag.

// Secp256k1Signer is a crypto.Signer for a secp256k1 private key, for
// ES256K (jwt_vc_json). Its Public method returns a *secp256k1.PublicKey and
// Sign returns an ASN.1 DER signature (deterministic, RFC 6979, low S) of a
// 32-byte digest.
type Secp256k1Signer struct {
	key *secp256k1.PrivateKey
}

// NewSecp256k1Signer wraps a secp256k1 private key as a crypto.Signer.
func NewSecp256k1Signer(key *secp256k1.PrivateKey) *Secp256k1Signer {
	return &Secp256k1Signer{key: key}
}

var _ crypto.Signer = (*Secp256k1Signer)(nil)

// Public returns the *secp256k1.PublicKey.
func (s *Secp256k1Signer) Public() crypto.PublicKey { return s.key.PubKey() }

// Sign signs a SHA-256 digest. rand is not used: nonces are derived as RFC
// 6979 describes.
func (s *Secp256k1Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.SHA256 || len(digest) != sha256.Size {
		return nil, errors.New("secp256k1 signer signs SHA-256 digests only")
	}
	return secpecdsa.Sign(s.key, digest).Serialize(), nil
}
