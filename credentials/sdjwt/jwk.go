package sdjwt

import (
	"crypto"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

// PublicJWK returns the public JWK of pub (EC P-256/P-384/P-521 or OKP
// Ed25519) as a JSON object, as it goes into cnf.jwk. It returns an error
// wrapping credentials.ErrUnsupportedKey for any other key.
func PublicJWK(pub crypto.PublicKey) (map[string]any, error) {
	if !slices.Contains(signAlgs, jwa.KeyAlg(pub)) {
		return nil, fmt.Errorf("%s key (want EC P-256/P-384/P-521 or OKP Ed25519): %w", jwa.KeyName(pub), credentials.ErrUnsupportedKey)
	}
	j, err := did.PublicJWK(pub)
	if err != nil {
		return nil, err
	}
	m := map[string]any{"kty": j.Kty, "crv": j.Crv, "x": j.X}
	if j.Y != "" {
		m["y"] = j.Y
	}
	return m, nil
}

// parsePublicJWK reads a public JWK from a decoded JSON value with
// credentials/did, and accepts only the keys PublicJWK writes. A JWK with a
// private member (d) is refused: a credential must never carry one.
func parsePublicJWK(v any) (crypto.PublicKey, error) {
	if _, ok := v.(map[string]any); !ok {
		return nil, malformed("jwk is not a JSON object")
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, malformed("jwk: %v", err)
	}
	j, err := did.ParseJWKJSON(data)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	pub, err := j.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	if !slices.Contains(signAlgs, jwa.KeyAlg(pub)) {
		return nil, fmt.Errorf("jwk kty %q crv %q (want EC P-256/P-384/P-521 or OKP Ed25519): %w", j.Kty, j.Crv, credentials.ErrUnsupportedKey)
	}
	return pub, nil
}

// sameKey reports whether two public keys are equal.
func sameKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// jsonRaw marshals v without HTML escaping, as encoding/json's Encoder
// with SetEscapeHTML(false) does (appendJSON).
func jsonRaw(v any) ([]byte, error) {
	return appendJSON(nil, v)
}

type jsonBuffer struct{ b []byte }

func (w *jsonBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
