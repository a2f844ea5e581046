package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// ES256K (ECDSA over secp256k1 with SHA-256, RFC 8812) is done here with
// decred's secp256k1 package rather than through jwx, which supports it only
// behind the jwx_es256k build tag.

// secp256k1Public returns pub as a secp256k1 public key when it is one: a
// *secp256k1.PublicKey, or an *ecdsa.PublicKey on the secp256k1 curve.
func secp256k1Public(pub crypto.PublicKey) (*secp256k1.PublicKey, bool) {
	switch k := pub.(type) {
	case *secp256k1.PublicKey:
		return k, k != nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil || k.Curve.Params().Name != "secp256k1" || k.X == nil || k.Y == nil {
			return nil, false
		}
		var buf [65]byte
		buf[0] = 4
		if len(k.X.Bytes()) > 32 || len(k.Y.Bytes()) > 32 {
			return nil, false
		}
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

// verifyES256K checks a 64-byte R||S signature over input.
func verifyES256K(pub crypto.PublicKey, input, sig []byte) bool {
	k, ok := secp256k1Public(pub)
	if !ok || len(sig) != 64 {
		return false
	}
	var r, s secp256k1.ModNScalar
	if overflow := r.SetByteSlice(sig[:32]); overflow || r.IsZero() {
		return false
	}
	if overflow := s.SetByteSlice(sig[32:]); overflow || s.IsZero() {
		return false
	}
	h := sha256.Sum256(input)
	return secpecdsa.NewSignature(&r, &s).Verify(h[:], k)
}

// signECDSA signs input with a crypto.Signer holding an ECDSA key (any
// curve, secp256k1 included) and returns the fixed-size R||S form of JWS. The
// signer must return an ASN.1 DER signature, as crypto/ecdsa does.
func signECDSA(rand io.Reader, signer crypto.Signer, alg string, input []byte, size int) ([]byte, error) {
	der, err := signer.Sign(rand, digest(alg, input), hashOf(alg))
	if err != nil {
		return nil, fmt.Errorf("signing with %s: %w", alg, err)
	}
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		return nil, errors.New("signer returned a signature that is not an ASN.1 ECDSA signature")
	}
	if len(rs.R.Bytes()) > size || len(rs.S.Bytes()) > size {
		return nil, errors.New("signer returned an ECDSA signature too large for its curve")
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

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
