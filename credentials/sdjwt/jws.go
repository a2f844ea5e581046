package sdjwt

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
	"github.com/diplomat-edu/diplomat/credentials/internal/jws"
	"github.com/diplomat-edu/diplomat/internal/b64url"
)

// This file is the compact JWS layer SD-JWT needs: ES256, ES384, ES512 and
// EdDSA (Ed25519) to sign and verify, RS256 and PS256 (RSA of 2048 bits or
// more, as eSeal certificates carry) to verify only, with the algorithms of
// credentials/internal/jwa. alg none and HMAC are refused; so is any crit
// header, since SD-JWT defines no critical extension.

var b64 = base64.RawURLEncoding.Strict()

// jwsHeader is the JOSE header of an issuer-signed JWT or a KB-JWT.
type jwsHeader struct {
	Alg string   `json:"alg"`
	Typ string   `json:"typ,omitempty"`
	Cty string   `json:"cty,omitempty"`
	Kid string   `json:"kid,omitempty"`
	X5c []string `json:"x5c,omitempty"`
}

// compactJWS is a parsed compact JWS; nothing in it is verified yet.
type compactJWS struct {
	header       jwsHeader
	payload      []byte // decoded
	signingInput string // header.payload as received
	signature    []byte
}

// parseCompact splits and decodes a compact JWS named what ("issuer-signed
// JWT", "KB-JWT") for error messages. Errors wrap credentials.ErrMalformed.
func parseCompact(what, s string) (*compactJWS, error) {
	first := strings.IndexByte(s, '.')
	last := strings.LastIndexByte(s, '.')
	if first < 0 || first == last || strings.Count(s, ".") != 2 {
		return nil, malformed("%s: not a compact JWS (want three base64url parts separated by dots)", what)
	}
	jh, err := jws.ParseHeader([]byte(s[:first]), 64<<10)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	h := jwsHeader{Alg: jh.Alg, Typ: jh.Typ, Cty: jh.Cty, Kid: jh.Kid, X5c: jh.X5c}
	payload, err := b64url.DecodeString(s[first+1 : last]) // b64's answer, faster
	if err != nil {
		return nil, malformed("%s: payload is not base64url: %v", what, err)
	}
	sig, err := b64.DecodeString(s[last+1:])
	if err != nil {
		return nil, malformed("%s: signature is not base64url: %v", what, err)
	}
	if jh.HasCrit {
		return nil, malformed("%s: header crit %q names extensions SD-JWT does not define", what, jh.Crit)
	}
	if err := checkAlg(h.Alg); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &compactJWS{header: h, payload: payload, signingInput: s[:last], signature: sig}, nil
}

// verifyAlgs are the algorithms SD-JWT verifies with (Ed25519 is EdDSA's
// fully specified name, RFC 9864); signAlgs those it signs with, one per key
// type.
var (
	verifyAlgs = []string{jwa.ES256, jwa.ES384, jwa.ES512, jwa.EdDSA, jwa.Ed25519, jwa.RS256, jwa.PS256}
	signAlgs   = []string{jwa.ES256, jwa.ES384, jwa.ES512, jwa.EdDSA}
)

// checkAlg refuses algorithms that must never be accepted, with a reason.
func checkAlg(alg string) error {
	if alg == "" {
		return malformed("header alg is missing")
	}
	err := jwa.Check(alg, verifyAlgs)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwa.ErrUnsigned):
		return invalid("alg none is not allowed")
	case errors.Is(err, jwa.ErrHMAC):
		return invalid("HMAC algorithm %s is not allowed", alg)
	}
	return invalid("unsupported alg %q (want ES256, ES384, ES512, EdDSA, RS256 or PS256)", alg)
}

// algFor returns the JWS alg SD-JWT signs with for a public key. The error
// wraps credentials.ErrUnsupportedKey.
func algFor(pub crypto.PublicKey) (string, error) {
	alg, err := jwa.AlgFor(pub, signAlgs)
	if err != nil {
		return "", fmt.Errorf("%s key (want ECDSA P-256/P-384/P-521 or Ed25519): %w", jwa.KeyName(pub), credentials.ErrUnsupportedKey)
	}
	return alg, nil
}

// signCompact builds header.payload.signature with signer.
func signCompact(signer crypto.Signer, h jwsHeader, payload []byte) (string, error) {
	b, err := appendCompact(nil, 0, signer, h, payload)
	return string(b), err
}

// appendCompact appends the compact JWS of payload under h, signed by
// signer, to dst, with room for extra more bytes: the signing input is
// encoded once, in place, and signed where it is.
func appendCompact(dst []byte, extra int, signer crypto.Signer, h jwsHeader, payload []byte) ([]byte, error) {
	alg, err := algFor(signer.Public())
	if err != nil {
		return nil, err
	}
	h.Alg = alg
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	// An ECDSA P-521 signature (132 bytes) is the longest.
	need := b64.EncodedLen(len(hb)) + 1 + b64.EncodedLen(len(payload)) + 1 + b64.EncodedLen(132) + extra
	if cap(dst)-len(dst) < need {
		dst = append(make([]byte, 0, len(dst)+need), dst...)
	}
	start := len(dst)
	dst = b64.AppendEncode(dst, hb)
	dst = append(dst, '.')
	dst = b64.AppendEncode(dst, payload)
	sig, err := jwa.Sign(alg, signer, dst[start:])
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	dst = append(dst, '.')
	return b64.AppendEncode(dst, sig), nil
}

// verify checks the signature with pub; the alg must match the key, and an
// RSA key must have 2048 bits or more. Errors wrap credentials.ErrInvalidProof,
// or ErrUnsupportedKey for a key SD-JWT cannot verify with.
func (j *compactJWS) verify(what string, pub crypto.PublicKey) error {
	err := jwa.Verify(j.header.Alg, pub, []byte(j.signingInput), j.signature)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwa.ErrWeakKey), errors.Is(err, jwa.ErrKeyType):
		return fmt.Errorf("%s: %v: %w", what, err, credentials.ErrUnsupportedKey)
	case errors.Is(err, jwa.ErrKeyMismatch):
		if _, ok := pub.(*rsa.PublicKey); ok {
			return invalid("%s: alg %s does not match the key (an RSA key verifies RS256 or PS256)", what, j.header.Alg)
		}
		return invalid("%s: alg %s does not match the key (which signs %s)", what, j.header.Alg, jwa.KeyAlg(pub))
	}
	return invalid("%s: signature does not verify (%v)", what, err)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, credentials.ErrMalformed)...)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, credentials.ErrInvalidProof)...)
}
