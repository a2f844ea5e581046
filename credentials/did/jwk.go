package did

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// JWK is the public part of a JSON Web Key (RFC 7517) as it appears in DID
// documents, JWKS files and did:jwk identifiers. Its fields are in
// lexicographic order so that encoding/json writes members in that order.
//
// The zero value is not a valid key. A JWK never carries private members; Parse
// functions in this package refuse a JWK that has them.
type JWK struct {
	Alg string `json:"alg,omitempty"`
	Crv string `json:"crv,omitempty"`
	E   string `json:"e,omitempty"`
	Kid string `json:"kid,omitempty"`
	Kty string `json:"kty"`
	N   string `json:"n,omitempty"`
	Use string `json:"use,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

var b64 = base64.RawURLEncoding.Strict()

// member returns the field holding the JWK member name, nil for a member
// JWK does not keep.
func (j *JWK) member(name string) *string {
	switch name {
	case "alg":
		return &j.Alg
	case "crv":
		return &j.Crv
	case "e":
		return &j.E
	case "kid":
		return &j.Kid
	case "kty":
		return &j.Kty
	case "n":
		return &j.N
	case "use":
		return &j.Use
	case "x":
		return &j.X
	case "y":
		return &j.Y
	}
	return nil
}

// jwkMembers are the member names JWK keeps.
var jwkMembers = []string{"alg", "crv", "e", "kid", "kty", "n", "use", "x", "y"}

// UnmarshalJSON reads a JWK by its members' exact names (RFC 7517 names are
// case-sensitive; encoding/json alone would take "X" for "x"). A member
// whose name differs from one of JWK's only by case is refused, so that no
// reader can see another key than this one; other members are ignored (RFC
// 7517 section 4). Members JWK keeps must be strings.
func (j *JWK) UnmarshalJSON(data []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	if members == nil {
		return errors.New("did: JWK is not a JSON object")
	}
	*j = JWK{}
	for name, v := range members {
		dst := j.member(name)
		if dst == nil {
			for _, m := range jwkMembers {
				if strings.EqualFold(name, m) {
					return fmt.Errorf("did: JWK member %q: member names are case-sensitive (%q): %w", short(name), m, credentials.ErrMalformed)
				}
			}
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("did: JWK member %q is not a string: %w", name, credentials.ErrMalformed)
		}
	}
	return nil
}

// PublicJWK returns the JWK of pub, without kid, alg or use. pub is an
// ed25519.PublicKey, an *ecdsa.PublicKey on P-256, P-384, P-521 or
// secp256k1, or an *rsa.PublicKey. Any other type returns an error wrapping
// credentials.ErrUnsupportedKey.
func PublicJWK(pub crypto.PublicKey) (*JWK, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("did: ed25519 public key of %d bytes: %w", len(k), credentials.ErrUnsupportedKey)
		}
		return &JWK{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(k)}, nil
	case *ecdsa.PublicKey:
		crv, size, err := curveName(k.Curve)
		if err != nil {
			return nil, err
		}
		raw, err := ecPoint(k)
		if err != nil {
			return nil, err
		}
		return &JWK{Kty: "EC", Crv: crv, X: b64.EncodeToString(raw[1 : 1+size]), Y: b64.EncodeToString(raw[1+size:])}, nil
	case *rsa.PublicKey:
		if k.N == nil || k.E < 2 {
			return nil, fmt.Errorf("did: invalid RSA public key: %w", credentials.ErrUnsupportedKey)
		}
		return &JWK{Kty: "RSA", N: b64.EncodeToString(k.N.Bytes()), E: b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}, nil
	}
	return nil, fmt.Errorf("did: public key of type %T: %w", pub, credentials.ErrUnsupportedKey)
}

// PublicKey returns the public key the JWK describes: an ed25519.PublicKey
// (kty OKP, crv Ed25519), an *ecdsa.PublicKey (kty EC, crv P-256, P-384,
// P-521, or secp256k1, also read as P-256K),
// or an *rsa.PublicKey of at least 2048 bits (kty RSA). Coordinates must have
// exactly the curve's size and lie on the curve. A key that is not well formed
// returns an error wrapping credentials.ErrMalformed, an unsupported kty or crv
// one wrapping credentials.ErrUnsupportedKey.
func (j *JWK) PublicKey() (crypto.PublicKey, error) {
	switch j.Kty {
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, fmt.Errorf("did: JWK crv %q for kty OKP: %w", j.Crv, credentials.ErrUnsupportedKey)
		}
		if j.Y != "" || j.N != "" || j.E != "" {
			return nil, fmt.Errorf("did: OKP JWK with y, n or e members: %w", credentials.ErrMalformed)
		}
		x, err := b64.DecodeString(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("did: JWK member x is not a base64url Ed25519 key of 32 bytes: %w", credentials.ErrMalformed)
		}
		return ed25519.PublicKey(x), nil
	case "EC":
		curve, size, err := curveByName(j.Crv)
		if err != nil {
			return nil, err
		}
		if j.N != "" || j.E != "" {
			return nil, fmt.Errorf("did: EC JWK with n or e members: %w", credentials.ErrMalformed)
		}
		x, errX := b64.DecodeString(j.X)
		y, errY := b64.DecodeString(j.Y)
		if errX != nil || errY != nil || len(x) != size || len(y) != size {
			return nil, fmt.Errorf("did: JWK members x and y must be base64url coordinates of %d bytes for %s: %w", size, j.Crv, credentials.ErrMalformed)
		}
		return ecFromUncompressed(curve, append(append([]byte{4}, x...), y...))
	case "RSA":
		if j.Crv != "" || j.X != "" || j.Y != "" {
			return nil, fmt.Errorf("did: RSA JWK with crv, x or y members: %w", credentials.ErrMalformed)
		}
		n, errN := b64.DecodeString(j.N)
		e, errE := b64.DecodeString(j.E)
		if errN != nil || errE != nil || len(n) == 0 || n[0] == 0 || len(e) == 0 || len(e) > 4 || e[0] == 0 {
			return nil, fmt.Errorf("did: JWK members n and e are not base64url unsigned integers without leading zeros: %w", credentials.ErrMalformed)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < jwa.MinRSABits {
			return nil, fmt.Errorf("did: RSA key of %d bits, at least %d required: %w", pub.N.BitLen(), jwa.MinRSABits, credentials.ErrUnsupportedKey)
		}
		if pub.E < 3 || pub.E%2 == 0 {
			return nil, fmt.Errorf("did: RSA public exponent %d: %w", pub.E, credentials.ErrMalformed)
		}
		return pub, nil
	case "":
		return nil, fmt.Errorf("did: JWK without kty: %w", credentials.ErrMalformed)
	}
	return nil, fmt.Errorf("did: JWK kty %q: %w", j.Kty, credentials.ErrUnsupportedKey)
}

// Thumbprint returns the RFC 7638 thumbprint of the JWK: the base64url
// (unpadded) SHA-256 of its required members in lexicographic order. It
// returns an error if the JWK is not a supported, well-formed key.
func (j *JWK) Thumbprint() (string, error) {
	pub, err := j.PublicKey()
	if err != nil {
		return "", err
	}
	return Thumbprint(pub)
}

// Thumbprint returns the RFC 7638 JWK thumbprint of pub with SHA-256,
// base64url-encoded without padding. Diplomat uses it as the kid of its keys.
// pub is any key PublicJWK accepts.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	j, err := PublicJWK(pub)
	if err != nil {
		return "", err
	}
	// The members are base64url strings and fixed names, none of which need
	// escaping in JSON, so the canonical form is written directly.
	var canon string
	switch j.Kty {
	case "OKP":
		canon = `{"crv":"` + j.Crv + `","kty":"OKP","x":"` + j.X + `"}`
	case "EC":
		canon = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
	case "RSA":
		canon = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
	}
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:]), nil
}

// JWKDID returns the did:jwk of pub: "did:jwk:" followed by the base64url
// (unpadded) JSON of its public JWK, members in lexicographic order, without
// kid. Its only verification method is the DID followed by "#0".
func JWKDID(pub crypto.PublicKey) (string, error) {
	j, err := PublicJWK(pub)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(j)
	if err != nil {
		return "", err
	}
	return "did:jwk:" + b64.EncodeToString(data), nil
}

// privateMembers are JWK members that carry private key material; a public
// JWK from outside must not have them.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ParseJWK returns the public key of a did:jwk DID or DID URL. A fragment,
// if present, must be "0"; a query is refused. The embedded JWK must be a
// public key (no "d" or other private members) of a supported type; alg and
// use are allowed and ignored.
func ParseJWK(did string) (crypto.PublicKey, error) {
	_, pub, err := parseJWKDID(did)
	return pub, err
}

// parseJWKDID returns the JWK of a did:jwk DID or DID URL and its public
// key, as ParseJWK checks them.
func parseJWKDID(did string) (*JWK, crypto.PublicKey, error) {
	msid, ok := strings.CutPrefix(did, "did:jwk:")
	if !ok {
		return nil, nil, fmt.Errorf("did: %q is not a did:jwk: %w", short(did), credentials.ErrMalformed)
	}
	msid, frag, hasFrag := strings.Cut(msid, "#")
	if hasFrag && frag != "0" {
		return nil, nil, fmt.Errorf("did: did:jwk fragment %q, want \"0\": %w", short(frag), credentials.ErrMalformed)
	}
	if strings.ContainsAny(msid, "?/") {
		return nil, nil, fmt.Errorf("did: did:jwk with a path or query: %w", credentials.ErrMalformed)
	}
	data, err := b64.DecodeString(msid)
	if err != nil {
		return nil, nil, fmt.Errorf("did: did:jwk identifier is not unpadded base64url: %w", credentials.ErrMalformed)
	}
	j, err := parsePublicJWK(data)
	if err != nil {
		return nil, nil, err
	}
	pub, err := j.PublicKey()
	if err != nil {
		return nil, nil, err
	}
	return j, pub, nil
}

// ParseJWKJSON parses a public JWK from untrusted JSON (size, depth and
// duplicate-member checks first) and returns it. Private members are refused.
func ParseJWKJSON(data []byte) (*JWK, error) { return parsePublicJWK(data) }

func parsePublicJWK(data []byte) (*JWK, error) {
	var members map[string]json.RawMessage
	if err := jsonx.Decode(data, &members, jsonx.Limits{MaxBytes: 64 << 10, MaxDepth: 4}); err != nil {
		return nil, fmt.Errorf("did: JWK: %w: %w", credentials.ErrMalformed, err)
	}
	if members == nil {
		return nil, fmt.Errorf("did: JWK is not a JSON object: %w", credentials.ErrMalformed)
	}
	for name := range members {
		for _, m := range privateMembers {
			if strings.EqualFold(name, m) {
				return nil, fmt.Errorf("did: JWK has private member %q: %w", short(name), credentials.ErrMalformed)
			}
		}
	}
	var j JWK
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("did: JWK: %w: %w", credentials.ErrMalformed, err)
	}
	return &j, nil
}

func curveName(c elliptic.Curve) (name string, size int, err error) {
	switch c {
	case elliptic.P256():
		return "P-256", 32, nil
	case elliptic.P384():
		return "P-384", 48, nil
	case elliptic.P521():
		return "P-521", 66, nil
	}
	if isSecp256k1(c) {
		return "secp256k1", 32, nil
	}
	name = "unknown"
	if c != nil && c.Params() != nil {
		name = c.Params().Name
	}
	return "", 0, fmt.Errorf("did: ECDSA curve %s: %w", name, credentials.ErrUnsupportedKey)
}

func curveByName(name string) (elliptic.Curve, int, error) {
	switch name {
	case "P-256":
		return elliptic.P256(), 32, nil
	case "P-384":
		return elliptic.P384(), 48, nil
	case "P-521":
		return elliptic.P521(), 66, nil
	case "secp256k1", "P-256K": // P-256K: its name before RFC 8812
		return secp256k1.S256(), 32, nil
	}
	return nil, 0, fmt.Errorf("did: JWK crv %q: %w", short(name), credentials.ErrUnsupportedKey)
}

// ecPoint returns the uncompressed SEC 1 encoding of k.
func ecPoint(k *ecdsa.PublicKey) ([]byte, error) {
	if isSecp256k1(k.Curve) {
		return secpUncompressed(k)
	}
	raw, err := k.Bytes()
	if err != nil {
		return nil, fmt.Errorf("did: invalid ECDSA public key: %w", credentials.ErrUnsupportedKey)
	}
	return raw, nil
}

func ecFromUncompressed(curve elliptic.Curve, raw []byte) (*ecdsa.PublicKey, error) {
	if isSecp256k1(curve) {
		return secpFromUncompressed(raw)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
	if err != nil {
		return nil, fmt.Errorf("did: %s point is not on the curve: %w", curve.Params().Name, credentials.ErrMalformed)
	}
	return pub, nil
}

// short truncates s for error messages, so that a long did:jwk or an
// attacker-sized input does not flood a message.
func short(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
