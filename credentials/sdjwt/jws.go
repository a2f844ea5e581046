package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// This file is the compact JWS layer SD-JWT needs: ES256, ES384, ES512 and
// EdDSA (Ed25519) to sign and verify, RS256 and PS256 (RSA of 2048 bits or
// more, as eSeal certificates carry) to verify only, with the standard
// library. alg none and HMAC are refused; so is any crit header, since
// SD-JWT defines no critical extension.

var b64 = base64.RawURLEncoding.Strict()

// jwsHeader is the JOSE header of an issuer-signed JWT or a KB-JWT.
type jwsHeader struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ,omitempty"`
	Cty  string          `json:"cty,omitempty"`
	Kid  string          `json:"kid,omitempty"`
	X5c  []string        `json:"x5c,omitempty"`
	Crit json.RawMessage `json:"crit,omitempty"`
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
	hb, err := b64.DecodeString(s[:first])
	if err != nil {
		return nil, malformed("%s: header is not base64url: %v", what, err)
	}
	if err := jsonx.Check(hb, jsonx.Limits{MaxBytes: 64 << 10}); err != nil {
		return nil, malformed("%s: header: %v", what, err)
	}
	var h jwsHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, malformed("%s: header: %v", what, err)
	}
	payload, err := b64.DecodeString(s[first+1 : last])
	if err != nil {
		return nil, malformed("%s: payload is not base64url: %v", what, err)
	}
	sig, err := b64.DecodeString(s[last+1:])
	if err != nil {
		return nil, malformed("%s: signature is not base64url: %v", what, err)
	}
	if len(h.Crit) > 0 {
		return nil, malformed("%s: header crit %s names extensions SD-JWT does not define", what, h.Crit)
	}
	if err := checkAlg(h.Alg); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &compactJWS{header: h, payload: payload, signingInput: s[:last], signature: sig}, nil
}

// checkAlg refuses algorithms that must never be accepted, with a reason.
func checkAlg(alg string) error {
	switch {
	case alg == "":
		return malformed("header alg is missing")
	case strings.EqualFold(alg, "none"):
		return invalid("alg none is not allowed")
	case strings.HasPrefix(alg, "HS"):
		return invalid("HMAC algorithm %s is not allowed", alg)
	}
	switch alg {
	case "ES256", "ES384", "ES512", "EdDSA", "Ed25519", "RS256", "PS256":
		return nil
	}
	return invalid("unsupported alg %q (want ES256, ES384, ES512, EdDSA, RS256 or PS256)", alg)
}

// algFor returns the JWS alg for a public key.
func algFor(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", nil
		case elliptic.P384():
			return "ES384", nil
		case elliptic.P521():
			return "ES512", nil
		}
		return "", fmt.Errorf("ECDSA curve %s: %w", k.Curve.Params().Name, credentials.ErrUnsupportedKey)
	case ed25519.PublicKey:
		return "EdDSA", nil
	}
	return "", fmt.Errorf("key type %T (want ECDSA P-256/P-384/P-521 or Ed25519): %w", pub, credentials.ErrUnsupportedKey)
}

func hashFor(alg string) (crypto.Hash, int) {
	switch alg {
	case "ES256":
		return crypto.SHA256, 32
	case "ES384":
		return crypto.SHA384, 48
	case "ES512":
		return crypto.SHA512, 66
	}
	return 0, 0
}

// signCompact builds header.payload.signature with signer.
func signCompact(signer crypto.Signer, h jwsHeader, payload []byte) (string, error) {
	alg, err := algFor(signer.Public())
	if err != nil {
		return "", err
	}
	h.Alg = alg
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(payload)
	var sig []byte
	if alg == "EdDSA" {
		sig, err = signer.Sign(rand.Reader, []byte(input), crypto.Hash(0))
		if err != nil {
			return "", fmt.Errorf("signing: %w", err)
		}
	} else {
		hf, size := hashFor(alg)
		d := hf.New()
		d.Write([]byte(input))
		der, err := signer.Sign(rand.Reader, d.Sum(nil), hf)
		if err != nil {
			return "", fmt.Errorf("signing: %w", err)
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 {
			return "", fmt.Errorf("signer returned a malformed ECDSA signature")
		}
		sig = make([]byte, 2*size)
		rs.R.FillBytes(sig[:size])
		rs.S.FillBytes(sig[size:])
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// verify checks the signature with pub; the alg must match the key.
// Errors wrap credentials.ErrInvalidProof.
func (j *compactJWS) verify(what string, pub crypto.PublicKey) error {
	if k, ok := pub.(*rsa.PublicKey); ok {
		return j.verifyRSA(what, k)
	}
	want, err := algFor(pub)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	alg := j.header.Alg
	if alg == "Ed25519" {
		alg = "EdDSA"
	}
	if alg != want {
		return invalid("%s: alg %s does not match the key (which signs %s)", what, j.header.Alg, want)
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if !ed25519.Verify(k, []byte(j.signingInput), j.signature) {
			return invalid("%s: signature does not verify", what)
		}
		return nil
	case *ecdsa.PublicKey:
		hf, size := hashFor(alg)
		if len(j.signature) != 2*size {
			return invalid("%s: %s signature is %d bytes, want %d", what, alg, len(j.signature), 2*size)
		}
		d := hf.New()
		d.Write([]byte(j.signingInput))
		r := new(big.Int).SetBytes(j.signature[:size])
		s := new(big.Int).SetBytes(j.signature[size:])
		if !ecdsa.Verify(k, d.Sum(nil), r, s) {
			return invalid("%s: signature does not verify", what)
		}
		return nil
	}
	return fmt.Errorf("%s: key type %T: %w", what, pub, credentials.ErrUnsupportedKey)
}

// minRSABits is the smallest RSA modulus verifyRSA accepts.
const minRSABits = 2048

// verifyRSA checks an RS256 (PKCS #1 v1.5) or PS256 (PSS, salt as long as
// the hash) signature. Errors wrap credentials.ErrInvalidProof, or
// ErrUnsupportedKey for a modulus under 2048 bits.
func (j *compactJWS) verifyRSA(what string, k *rsa.PublicKey) error {
	if k.N.BitLen() < minRSABits {
		return fmt.Errorf("%s: RSA key of %d bits (at least %d): %w", what, k.N.BitLen(), minRSABits, credentials.ErrUnsupportedKey)
	}
	sum := sha256.Sum256([]byte(j.signingInput))
	var err error
	switch j.header.Alg {
	case "RS256":
		err = rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], j.signature)
	case "PS256":
		err = rsa.VerifyPSS(k, crypto.SHA256, sum[:], j.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	default:
		return invalid("%s: alg %s does not match the key (an RSA key verifies RS256 or PS256)", what, j.header.Alg)
	}
	if err != nil {
		return invalid("%s: signature does not verify", what)
	}
	return nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, credentials.ErrMalformed)...)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, credentials.ErrInvalidProof)...)
}
