package did

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/diplomat-edu/diplomat/credentials"
)

// secp256k1 public keys (multicodec secp256k1-pub 0xe7, JWK crv
// "secp256k1") are decoded and encoded as *ecdsa.PublicKey on
// secp256k1.S256(), the curve of github.com/decred/dcrd/dcrec/secp256k1.
// crypto/ecdsa verifies with such keys through its generic code path.
const codecSecp256k1 = 0xe7

func isSecp256k1(c elliptic.Curve) bool { return c == elliptic.Curve(secp256k1.S256()) }

// parseExtraCodec decodes key types beyond Ed25519, P-256 and P-384. ok is
// false when codec is not one of them.
func parseExtraCodec(codec uint64, key []byte) (pub crypto.PublicKey, ok bool, err error) {
	if codec != codecSecp256k1 {
		return nil, false, nil
	}
	if len(key) != secp256k1.PubKeyBytesLenCompressed {
		return nil, true, fmt.Errorf("did: secp256k1 key is not a compressed point of 33 bytes: %w", credentials.ErrMalformed)
	}
	pk, err := secp256k1.ParsePubKey(key)
	if err != nil {
		return nil, true, fmt.Errorf("did: secp256k1 point is not on the curve: %w", credentials.ErrMalformed)
	}
	return pk.ToECDSA(), true, nil
}

// secpUncompressed returns the uncompressed SEC 1 encoding of a secp256k1
// key, checking that the point is on the curve.
func secpUncompressed(k *ecdsa.PublicKey) ([]byte, error) {
	if k.X == nil || k.Y == nil || !k.Curve.IsOnCurve(k.X, k.Y) {
		return nil, fmt.Errorf("did: invalid secp256k1 public key: %w", credentials.ErrUnsupportedKey)
	}
	raw := make([]byte, 65)
	raw[0] = 4
	k.X.FillBytes(raw[1:33])
	k.Y.FillBytes(raw[33:])
	return raw, nil
}

func secpFromUncompressed(raw []byte) (*ecdsa.PublicKey, error) {
	pk, err := secp256k1.ParsePubKey(raw)
	if err != nil {
		return nil, fmt.Errorf("did: secp256k1 point is not on the curve: %w", credentials.ErrMalformed)
	}
	return pk.ToECDSA(), nil
}
