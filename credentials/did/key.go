package did

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"

	"github.com/diplomat-edu/diplomat/credentials"
)

// Multicodec codes of the public key types did:key and Multikey carry.
const (
	codecEd25519 = 0xed
	codecP256    = 0x1200
	codecP384    = 0x1201
)

// Multikey returns the publicKeyMultibase form of pub: "z" (base58btc) followed
// by the base58btc encoding of the multicodec varint of the key type and the
// key bytes (32 bytes for Ed25519, the compressed SEC 1 point for P-256 and
// P-384). Other key types return an error wrapping
// credentials.ErrUnsupportedKey.
func Multikey(pub crypto.PublicKey) (string, error) {
	var codec uint64
	var key []byte
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("did: ed25519 public key of %d bytes: %w", len(k), credentials.ErrUnsupportedKey)
		}
		codec, key = codecEd25519, k
	case *ecdsa.PublicKey:
		crv, size, err := curveName(k.Curve)
		if err != nil {
			return "", err
		}
		raw, err := ecPoint(k)
		if err != nil {
			return "", err
		}
		switch crv {
		case "P-256":
			codec = codecP256
		case "P-384":
			codec = codecP384
		case "secp256k1":
			codec = codecSecp256k1
		default:
			return "", fmt.Errorf("did: ECDSA curve %s has no Multikey form here: %w", crv, credentials.ErrUnsupportedKey)
		}
		key = make([]byte, 1+size)
		key[0] = 2 | raw[len(raw)-1]&1
		copy(key[1:], raw[1:1+size])
	default:
		return "", fmt.Errorf("did: public key of type %T has no Multikey form: %w", pub, credentials.ErrUnsupportedKey)
	}
	buf := binary.AppendUvarint(nil, codec)
	return "z" + base58.Encode(append(buf, key...)), nil
}

// ParseMultikey returns the public key of a publicKeyMultibase value as
// Multikey produces it. Only base58btc ("z") is accepted, the varint must be
// minimal, and EC points must be compressed and on the curve.
func ParseMultikey(mb string) (crypto.PublicKey, error) {
	enc, ok := strings.CutPrefix(mb, "z")
	if !ok {
		return nil, fmt.Errorf("did: multibase value %q is not base58btc (prefix z): %w", short(mb), credentials.ErrMalformed)
	}
	if len(enc) > 256 {
		return nil, fmt.Errorf("did: multibase value of %d characters is too long for a public key: %w", len(enc), credentials.ErrMalformed)
	}
	data, err := base58.Decode(enc)
	if err != nil || len(data) == 0 {
		return nil, fmt.Errorf("did: multibase value %q is not valid base58btc: %w", short(mb), credentials.ErrMalformed)
	}
	codec, n := binary.Uvarint(data)
	if n <= 0 || n != len(binary.AppendUvarint(nil, codec)) {
		return nil, fmt.Errorf("did: multibase value %q has no valid multicodec prefix: %w", short(mb), credentials.ErrMalformed)
	}
	key := data[n:]
	switch codec {
	case codecEd25519:
		if len(key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("did: ed25519-pub key of %d bytes, want 32: %w", len(key), credentials.ErrMalformed)
		}
		return ed25519.PublicKey(append([]byte(nil), key...)), nil
	case codecP256:
		return decompress(elliptic.P256(), 32, key)
	case codecP384:
		return decompress(elliptic.P384(), 48, key)
	}
	if pub, ok, err := parseExtraCodec(codec, key); ok {
		return pub, err
	}
	return nil, fmt.Errorf("did: multicodec 0x%x is not a supported public key type: %w", codec, credentials.ErrUnsupportedKey)
}

func decompress(curve elliptic.Curve, size int, key []byte) (*ecdsa.PublicKey, error) {
	if len(key) != 1+size || (key[0] != 2 && key[0] != 3) {
		return nil, fmt.Errorf("did: %s key is not a compressed point of %d bytes: %w", curve.Params().Name, 1+size, credentials.ErrMalformed)
	}
	x, y := elliptic.UnmarshalCompressed(curve, key)
	if x == nil {
		return nil, fmt.Errorf("did: %s point is not on the curve: %w", curve.Params().Name, credentials.ErrMalformed)
	}
	raw := make([]byte, 1+2*size)
	raw[0] = 4
	x.FillBytes(raw[1 : 1+size])
	y.FillBytes(raw[1+size:])
	return ecFromUncompressed(curve, raw)
}

// KeyDID returns the did:key of pub: "did:key:" followed by its Multikey
// form. Its verification method is the DID, "#", and the Multikey value
// again.
func KeyDID(pub crypto.PublicKey) (string, error) {
	mk, err := Multikey(pub)
	if err != nil {
		return "", err
	}
	return "did:key:" + mk, nil
}

// ParseKey returns the public key of a did:key DID or DID URL. A fragment, if
// present, must equal the method-specific identifier (the Multikey value); a
// path or query is refused.
func ParseKey(didOrURL string) (crypto.PublicKey, error) {
	msid, err := keyID(didOrURL)
	if err != nil {
		return nil, err
	}
	return ParseMultikey(msid)
}

func keyID(didOrURL string) (string, error) {
	msid, ok := strings.CutPrefix(didOrURL, "did:key:")
	if !ok {
		return "", fmt.Errorf("did: %q is not a did:key: %w", short(didOrURL), credentials.ErrMalformed)
	}
	msid, frag, hasFrag := strings.Cut(msid, "#")
	if strings.ContainsAny(msid, "?/:") {
		return "", fmt.Errorf("did: did:key with a path, query or extra colon: %w", credentials.ErrMalformed)
	}
	if hasFrag && frag != msid {
		return "", fmt.Errorf("did: did:key fragment %q does not match the key %q: %w", short(frag), short(msid), credentials.ErrMalformed)
	}
	return msid, nil
}

// KeyDocument returns the DID document a did:key implies: one Multikey
// verification method, DID#multikey, referenced from authentication,
// assertionMethod, capabilityInvocation and capabilityDelegation. A DID URL
// is accepted; its fragment is checked and dropped.
func KeyDocument(did string) (*Document, error) {
	msid, err := keyID(did)
	if err != nil {
		return nil, err
	}
	pub, err := ParseMultikey(msid)
	if err != nil {
		return nil, err
	}
	id := "did:key:" + msid
	vm, err := NewMultikeyMethod(id+"#"+msid, id, pub)
	if err != nil {
		return nil, err
	}
	doc := &Document{Context: []string{ContextDID, ContextMultikey}, ID: id}
	doc.AddMethod(vm, Authentication, AssertionMethod, CapabilityInvocation, CapabilityDelegation)
	return doc, nil
}
