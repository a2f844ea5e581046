package jose

import (
	"crypto"
	"encoding/json"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// maxJWKBytes bounds a JWK read by PublicKeyFromJWK.
const maxJWKBytes = 16 << 10

// PublicKeyFromJWK reads a public JSON Web Key (RFC 7517) into a Go public
// key: ed25519.PublicKey (OKP Ed25519), *ecdsa.PublicKey (EC P-256, P-384,
// P-521), *rsa.PublicKey (RSA) or *secp256k1.PublicKey (EC secp256k1, also
// written P-256K). A JWK with private members is refused, so that a private
// key is never taken for a public one by mistake. Errors wrap
// credentials.ErrUnsupportedKey or credentials.ErrMalformed.
func PublicKeyFromJWK(data []byte) (crypto.PublicKey, error) {
	if err := jsonx.Check(data, jsonx.Limits{MaxBytes: maxJWKBytes, MaxDepth: 4}); err != nil {
		return nil, fmt.Errorf("%w: jwk: %v", credentials.ErrMalformed, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: jwk is not a JSON object", credentials.ErrMalformed)
	}
	for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if _, ok := m[p]; ok {
			return nil, fmt.Errorf("%w: jwk has private member %q: a public key is expected", credentials.ErrUnsupportedKey, p)
		}
	}
	kty, _ := stringClaim(m, "kty")
	crv, _ := stringClaim(m, "crv")
	if kty == "EC" && (crv == "secp256k1" || crv == "P-256K") {
		return secp256k1FromJWK(m)
	}
	if kty == "oct" {
		return nil, fmt.Errorf("%w: jwk kty \"oct\": symmetric keys are not accepted", credentials.ErrUnsupportedKey)
	}
	k, err := jwk.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w: jwk: %v", credentials.ErrUnsupportedKey, err)
	}
	var raw any
	if err := k.Raw(&raw); err != nil {
		return nil, fmt.Errorf("%w: jwk: %v", credentials.ErrUnsupportedKey, err)
	}
	return raw, nil
}

func secp256k1FromJWK(m map[string]json.RawMessage) (crypto.PublicKey, error) {
	var xy [2][]byte
	for i, name := range []string{"x", "y"} {
		s, err := stringClaim(m, name)
		if err != nil || s == "" {
			return nil, fmt.Errorf("%w: secp256k1 jwk has no %s", credentials.ErrMalformed, name)
		}
		b, err := b64.DecodeString(s)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%w: secp256k1 jwk %s is not 32 bytes of base64url", credentials.ErrMalformed, name)
		}
		xy[i] = b
	}
	k, err := secp256k1.ParsePubKey(append(append([]byte{4}, xy[0]...), xy[1]...))
	if err != nil {
		return nil, fmt.Errorf("%w: secp256k1 jwk: %v", credentials.ErrMalformed, err)
	}
	return k, nil
}
