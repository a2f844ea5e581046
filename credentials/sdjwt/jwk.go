package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/json"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
)

// PublicJWK returns the public JWK of pub (EC P-256/P-384/P-521 or OKP
// Ed25519) as a JSON object, as it goes into cnf.jwk. It returns an error
// wrapping credentials.ErrUnsupportedKey for any other key.
func PublicJWK(pub crypto.PublicKey) (map[string]any, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		crv, size := "", 0
		switch k.Curve {
		case elliptic.P256():
			crv, size = "P-256", 32
		case elliptic.P384():
			crv, size = "P-384", 48
		case elliptic.P521():
			crv, size = "P-521", 66
		default:
			return nil, fmt.Errorf("ECDSA curve %s: %w", k.Curve.Params().Name, credentials.ErrUnsupportedKey)
		}
		pt, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("ECDSA key: %v: %w", err, credentials.ErrUnsupportedKey)
		}
		return map[string]any{
			"kty": "EC", "crv": crv,
			"x": b64.EncodeToString(pt[1 : 1+size]),
			"y": b64.EncodeToString(pt[1+size:]),
		}, nil
	case ed25519.PublicKey:
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k)}, nil
	}
	return nil, fmt.Errorf("key type %T: %w", pub, credentials.ErrUnsupportedKey)
}

// parsePublicJWK reads a public JWK from a decoded JSON value. A JWK with a
// private member (d) is refused: a credential must never carry one.
func parsePublicJWK(v any) (crypto.PublicKey, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, malformed("jwk is not a JSON object")
	}
	str := func(name string) string { s, _ := m[name].(string); return s }
	if _, has := m["d"]; has {
		return nil, malformed("jwk carries a private key member d")
	}
	coord := func(name string, size int) ([]byte, error) {
		b, err := b64.DecodeString(str(name))
		if err != nil || len(b) != size {
			return nil, malformed("jwk member %s is not a %d-byte base64url value", name, size)
		}
		return b, nil
	}
	switch kty, crv := str("kty"), str("crv"); {
	case kty == "EC":
		var curve elliptic.Curve
		size := 0
		switch crv {
		case "P-256":
			curve, size = elliptic.P256(), 32
		case "P-384":
			curve, size = elliptic.P384(), 48
		case "P-521":
			curve, size = elliptic.P521(), 66
		default:
			return nil, fmt.Errorf("jwk crv %q: %w", crv, credentials.ErrUnsupportedKey)
		}
		x, err := coord("x", size)
		if err != nil {
			return nil, err
		}
		y, err := coord("y", size)
		if err != nil {
			return nil, err
		}
		pt := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
		if err != nil {
			return nil, malformed("jwk: %v", err)
		}
		return pub, nil
	case kty == "OKP" && crv == "Ed25519":
		x, err := coord("x", ed25519.PublicKeySize)
		if err != nil {
			return nil, err
		}
		return ed25519.PublicKey(x), nil
	default:
		return nil, fmt.Errorf("jwk kty %q crv %q (want EC P-256/P-384/P-521 or OKP Ed25519): %w", kty, crv, credentials.ErrUnsupportedKey)
	}
}

// sameKey reports whether two public keys are equal.
func sameKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// jsonRaw marshals v without HTML escaping.
func jsonRaw(v any) ([]byte, error) {
	var buf jsonBuffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.b
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return b, nil
}

type jsonBuffer struct{ b []byte }

func (w *jsonBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
