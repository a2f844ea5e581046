// Package jws reads the protected header of a compact JWS for the JOSE
// mechanisms (jose, sdjwt): by exact member name, within size and depth
// limits. It verifies nothing and knows no algorithm (see internal/jwa).
package jws

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

var b64 = base64.RawURLEncoding.Strict()

// maxHeaderDepth bounds the nesting of the protected header.
const maxHeaderDepth = 8

// Header is the protected header of a compact JWS, as far as the JOSE
// mechanisms read it.
type Header struct {
	// Alg is the signature algorithm, e.g. "ES256".
	Alg string
	// Typ is the media type of the whole JWS, e.g. "vc+jwt" or "JWT"; empty
	// when absent.
	Typ string
	// Cty is the media type of the payload, e.g. "vc"; empty when absent.
	Cty string
	// Kid names the signing key, typically a DID URL; empty when absent.
	Kid string
	// X5c is the certificate chain, leaf first, as base64 (not base64url)
	// DER; nil when absent.
	X5c []string
	// Crit lists header parameters the signer says must be understood.
	Crit []string
	// HasCrit reports whether the header had a crit member at all.
	HasCrit bool
	// B64 is the RFC 7797 b64 parameter; nil when absent.
	B64 *bool
}

// ParseHeader decodes the base64url protected header enc of a compact JWS
// (the part before the first '.') and reads its members by exact name:
// encoding/json would match struct fields case-insensitively, so that "ALG"
// could stand in for "alg". maxBytes bounds the decoded header. Nothing is
// verified. Errors wrap credentials.ErrMalformed.
func ParseHeader(enc []byte, maxBytes int) (Header, error) {
	var h Header
	if b64.DecodedLen(len(enc)) > maxBytes {
		return h, fmt.Errorf("%w: protected header of about %d bytes is over the limit of %d bytes", credentials.ErrMalformed, b64.DecodedLen(len(enc)), maxBytes)
	}
	raw := make([]byte, b64.DecodedLen(len(enc)))
	n, err := b64.Decode(raw, enc)
	if err != nil {
		return h, fmt.Errorf("%w: protected header is not base64url: %v", credentials.ErrMalformed, err)
	}
	raw = raw[:n]
	if err := jsonx.Check(raw, jsonx.Limits{MaxBytes: maxBytes, MaxDepth: maxHeaderDepth}); err != nil {
		return h, fmt.Errorf("%w: protected header: %v", credentials.ErrMalformed, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return h, fmt.Errorf("%w: protected header is not a JSON object", credentials.ErrMalformed)
	}
	for name, dst := range map[string]*string{"alg": &h.Alg, "typ": &h.Typ, "cty": &h.Cty, "kid": &h.Kid} {
		if v, ok := m[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return h, fmt.Errorf("%w: header %s is not a string", credentials.ErrMalformed, name)
			}
		}
	}
	if v, ok := m["x5c"]; ok {
		if err := json.Unmarshal(v, &h.X5c); err != nil || len(h.X5c) == 0 {
			return h, fmt.Errorf("%w: header x5c is not a non-empty array of strings", credentials.ErrMalformed)
		}
	}
	if v, ok := m["crit"]; ok {
		h.HasCrit = true
		if err := json.Unmarshal(v, &h.Crit); err != nil {
			return h, fmt.Errorf("%w: header crit is not an array of strings", credentials.ErrMalformed)
		}
	}
	if v, ok := m["b64"]; ok {
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return h, fmt.Errorf("%w: header b64 is not a boolean", credentials.ErrMalformed)
		}
		h.B64 = &b
	}
	return h, nil
}
