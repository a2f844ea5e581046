package sdjwt

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// KeyBindingOptions are what a verifier expects of a KB-JWT. The zero value
// checks the signature with the cnf key and sd_hash, with no nonce or
// audience expected, iat at most DefaultKeyBindingMaxAge old, no skew.
type KeyBindingOptions struct {
	// Nonce and Audience, when set, must equal the KB-JWT's nonce and aud.
	Nonce    string
	Audience string
	// Now is the clock for iat. Nil means time.Now.
	Now func() time.Time
	// Skew is the tolerance on iat in both directions.
	Skew time.Duration
	// MaxAge is how old iat may be (before Skew). Zero means
	// DefaultKeyBindingMaxAge.
	MaxAge time.Duration
}

// DefaultKeyBindingMaxAge is how old a KB-JWT may be when
// KeyBindingOptions.MaxAge is zero.
const DefaultKeyBindingMaxAge = 5 * time.Minute

// KeyBinding is what a verified KB-JWT says.
type KeyBinding struct {
	Nonce    string
	Audience string
	IssuedAt time.Time
	// Key is the holder key from cnf.jwk that signed it.
	Key crypto.PublicKey
}

// HolderKey returns the public key in the issuer-signed payload's cnf.jwk, or
// nil when the SD-JWT is not holder-bound.
func (s *SDJWT) HolderKey() (crypto.PublicKey, error) {
	k, err := s.holderKey()
	if err != nil {
		return nil, fmt.Errorf("sd-jwt: %w", err)
	}
	return k, nil
}

func (s *SDJWT) holderKey() (crypto.PublicKey, error) {
	cnf, ok := s.Payload["cnf"]
	if !ok {
		return nil, nil
	}
	m, ok := cnf.(map[string]any)
	if !ok {
		return nil, malformed("cnf is not a JSON object")
	}
	jwk, ok := m["jwk"]
	if !ok {
		return nil, fmt.Errorf("cnf has no jwk (only cnf.jwk holder binding is supported): %w", credentials.ErrUnsupportedKey)
	}
	pub, err := parsePublicJWK(jwk)
	if err != nil {
		return nil, fmt.Errorf("cnf.%w", err)
	}
	return pub, nil
}

// VerifyKeyBinding checks the KB-JWT: it is present, typ kb+jwt, signed by
// the cnf.jwk key with an allowed alg, its sd_hash is the digest of the
// presented SD-JWT, nonce and aud are as expected, iat is within bounds.
// Errors wrap credentials.ErrInvalidProof, ErrMalformed, ErrExpired (iat too
// old) or ErrNotYetValid (iat in the future).
func (s *SDJWT) VerifyKeyBinding(opts KeyBindingOptions) (*KeyBinding, error) {
	kb, err := s.verifyKB(opts)
	if err != nil {
		return nil, fmt.Errorf("sd-jwt: %w", err)
	}
	return kb, nil
}

func (s *SDJWT) verifyKB(opts KeyBindingOptions) (*KeyBinding, error) {
	if s.KeyBinding == "" {
		return nil, invalid("no KB-JWT: the presentation is not bound to the holder")
	}
	holder, err := s.holderKey()
	if err != nil {
		return nil, err
	}
	if holder == nil {
		return nil, invalid("KB-JWT present but the issuer-signed JWT has no cnf holder key")
	}
	j, err := parseCompact("KB-JWT", s.KeyBinding)
	if err != nil {
		return nil, err
	}
	if j.header.Typ != TypKB {
		return nil, invalid("KB-JWT typ is %q, want %q", j.header.Typ, TypKB)
	}
	if err := j.verify("KB-JWT", holder); err != nil {
		return nil, fmt.Errorf("%w (it must be signed by the cnf.jwk key)", err)
	}
	if err := jsonx.Check(j.payload, jsonx.Limits{MaxBytes: 64 << 10}); err != nil {
		return nil, malformed("KB-JWT payload: %v", err)
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(j.payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, malformed("KB-JWT payload is not a JSON object")
	}
	nonce, _ := claims["nonce"].(string)
	aud, _ := claims["aud"].(string)
	sdHash, _ := claims["sd_hash"].(string)
	if nonce == "" || aud == "" || sdHash == "" {
		return nil, malformed("KB-JWT lacks nonce, aud or sd_hash (non-empty strings)")
	}
	iat, err := numericDate(claims["iat"])
	if err != nil {
		return nil, malformed("KB-JWT iat: %v", err)
	}
	if want := digest(s.hash, s.withoutKB()); sdHash != want {
		return nil, invalid("KB-JWT sd_hash %s is not the %s digest of the presented SD-JWT (%s)", sdHash, s.hashName, want)
	}
	if opts.Nonce != "" && nonce != opts.Nonce {
		return nil, invalid("KB-JWT nonce %q is not the expected %q", nonce, opts.Nonce)
	}
	if opts.Audience != "" && aud != opts.Audience {
		return nil, invalid("KB-JWT aud %q is not the expected %q", aud, opts.Audience)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultKeyBindingMaxAge
	}
	if iat.After(t.Add(opts.Skew)) {
		return nil, fmt.Errorf("KB-JWT iat %s is in the future: %w", iat.UTC().Format(time.RFC3339), credentials.ErrNotYetValid)
	}
	if iat.Before(t.Add(-maxAge - opts.Skew)) {
		return nil, fmt.Errorf("KB-JWT iat %s is older than %s: %w", iat.UTC().Format(time.RFC3339), maxAge, credentials.ErrExpired)
	}
	return &KeyBinding{Nonce: nonce, Audience: aud, IssuedAt: iat, Key: holder}, nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch).
func numericDate(v any) (time.Time, error) {
	var f float64
	switch t := v.(type) {
	case json.Number:
		x, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a number", t)
		}
		f = x
	case float64:
		f = t
	case int64:
		f = float64(t)
	case int:
		f = float64(t)
	case nil:
		return time.Time{}, fmt.Errorf("missing")
	default:
		return time.Time{}, fmt.Errorf("not a number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, fmt.Errorf("%v is not a plausible NumericDate", f)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func stdB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
