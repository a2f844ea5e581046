// Package jwt reads, signs and checks the compact JWTs of the OpenID4VC
// protocols (key proofs, DPoP proofs, request objects, JWT presentations):
// the header and claims by exact member name within size and depth limits,
// the signature with the algorithm registry of credentials/jose. It knows no
// protocol: each caller checks typ, claims and key origin itself.
package jwt

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// B64 is unpadded base64url, strict.
var B64 = base64.RawURLEncoding.Strict()

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("malformed JWT")

// Limits for Parse.
const (
	MaxHeader = 64 << 10 // a header may carry an x5c chain or a key attestation
	MaxDepth  = 16
)

// JWT is a parsed compact JWS whose payload is a JSON object.
type JWT struct {
	// Raw is the token as given.
	Raw string
	// Header holds the protected header members by exact name.
	Header map[string]json.RawMessage
	// Alg, Typ and Kid are the header members of those names ("" absent).
	Alg, Typ, Kid string
	// Claims holds the payload members by exact name.
	Claims map[string]json.RawMessage
	// Payload is the decoded payload.
	Payload []byte

	signingInput []byte
	signature    []byte
}

// Parse splits and decodes token: three base64url parts, a header and a
// payload that are JSON objects within limits (maxPayload bytes; zero means
// 1 MiB), no duplicate members. A crit header is refused: no extension is
// understood. Nothing is verified. Errors wrap ErrMalformed.
func Parse(token string, maxPayload int) (*JWT, error) {
	if maxPayload <= 0 {
		maxPayload = 1 << 20
	}
	if len(token) > 2*(MaxHeader+maxPayload) {
		return nil, fmt.Errorf("%w: %d bytes is over the limit", ErrMalformed, len(token))
	}
	h, rest, ok := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(s, ".") {
		return nil, fmt.Errorf("%w: not three dot-separated parts", ErrMalformed)
	}
	j := &JWT{Raw: token, signingInput: []byte(token[:len(h)+1+len(p)])}
	var err error
	hdr, err := decodePart(h, MaxHeader, "header")
	if err != nil {
		return nil, err
	}
	if j.Header, err = object(hdr, MaxHeader, "header"); err != nil {
		return nil, err
	}
	if j.Payload, err = decodePart(p, maxPayload, "payload"); err != nil {
		return nil, err
	}
	if j.Claims, err = object(j.Payload, maxPayload, "payload"); err != nil {
		return nil, err
	}
	if j.signature, err = B64.DecodeString(s); err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	for name, dst := range map[string]*string{"alg": &j.Alg, "typ": &j.Typ, "kid": &j.Kid} {
		if v, ok := j.Header[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("%w: header %s is not a string", ErrMalformed, name)
			}
		}
	}
	if _, ok := j.Header["crit"]; ok {
		return nil, fmt.Errorf("%w: header crit names extensions this service does not understand", ErrMalformed)
	}
	return j, nil
}

func decodePart(part string, max int, what string) ([]byte, error) {
	if B64.DecodedLen(len(part)) > max {
		return nil, fmt.Errorf("%w: %s of about %d bytes is over the limit of %d", ErrMalformed, what, B64.DecodedLen(len(part)), max)
	}
	b, err := B64.DecodeString(part)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64url", ErrMalformed, what)
	}
	return b, nil
}

func object(b []byte, max int, what string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := jsonx.Decode(b, &m, jsonx.Limits{MaxBytes: max, MaxDepth: MaxDepth}); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, what)
	}
	return m, nil
}

// CheckAlg refuses an alg outside accepted ("none" and HMAC always).
func (j *JWT) CheckAlg(accepted []string) error { return jose.CheckAlgorithm(j.Alg, accepted) }

// Verify checks the signature with pub under the header alg, which must be
// in accepted. Errors wrap credentials.ErrInvalidProof (or ErrMalformed).
func (j *JWT) Verify(pub crypto.PublicKey, accepted []string) error {
	if err := jose.CheckAlgorithm(j.Alg, accepted); err != nil {
		return err
	}
	return jose.VerifyInput(j.Alg, pub, j.signingInput, j.signature)
}

// JWK returns the public key of the jwk header, or nil when there is none.
// A jwk with private members is refused.
func (j *JWT) JWK() (crypto.PublicKey, *did.JWK, error) {
	raw, ok := j.Header["jwk"]
	if !ok {
		return nil, nil, nil
	}
	k, err := did.ParseJWKJSON(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("header jwk: %w", err)
	}
	pub, err := k.PublicKey()
	if err != nil {
		return nil, nil, fmt.Errorf("header jwk: %w", err)
	}
	return pub, k, nil
}

// X5C returns the certificates of the x5c header, leaf first, or nil when
// there is none. At most 10 certificates are read.
func (j *JWT) X5C() ([]*x509.Certificate, error) {
	raw, ok := j.Header["x5c"]
	if !ok {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, fmt.Errorf("%w: header x5c is not a non-empty array of strings", ErrMalformed)
	}
	if len(list) > 10 {
		return nil, fmt.Errorf("%w: header x5c has %d certificates, more than 10", ErrMalformed, len(list))
	}
	var out []*x509.Certificate
	for i, s := range list {
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d] is not base64", ErrMalformed, i)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d] is not a certificate: %v", ErrMalformed, i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Has reports whether the header has member name.
func (j *JWT) Has(name string) bool { _, ok := j.Header[name]; return ok }

// String returns claim name as a string: ("", false, nil) when absent, an
// error wrapping ErrMalformed when it is not a string.
func (j *JWT) String(name string) (string, bool, error) {
	return StringMember(j.Claims, name)
}

// StringMember reads member name of m as a string.
func StringMember(m map[string]json.RawMessage, name string) (string, bool, error) {
	v, ok := m[name]
	if !ok {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", true, fmt.Errorf("%w: %s is not a string", ErrMalformed, name)
	}
	return s, true, nil
}

// Time reads claim name as a NumericDate: (zero, false, nil) when absent.
func (j *JWT) Time(name string) (time.Time, bool, error) {
	v, ok := j.Claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, true, fmt.Errorf("%w: %s is not a NumericDate", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// Audience reads aud: a string or an array of strings.
func (j *JWT) Audience() ([]string, error) {
	v, ok := j.Claims["aud"]
	if !ok {
		return nil, nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		return nil, fmt.Errorf("%w: aud is neither a string nor an array of strings", ErrMalformed)
	}
	return list, nil
}

// Sign makes a compact JWS of claims (marshalled with encoding/json) with
// header members header (alg is set from the signer's key among algs, the
// first that fits). It returns the token.
func Sign(signer crypto.Signer, algs []string, header map[string]any, claims any) (string, error) {
	if signer == nil {
		return "", fmt.Errorf("no signer: %w", credentials.ErrUnsupportedKey)
	}
	alg, err := jose.AlgorithmFor(signer.Public(), algs)
	if err != nil {
		return "", err
	}
	h := map[string]any{}
	for k, v := range header {
		h[k] = v
	}
	h["alg"] = alg
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	pb, ok := claims.([]byte)
	if !ok {
		if pb, err = json.Marshal(claims); err != nil {
			return "", err
		}
	}
	input := B64.EncodeToString(hb) + "." + B64.EncodeToString(pb)
	sig, err := jose.SignInput(alg, signer, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + B64.EncodeToString(sig), nil
}

// PublicJWK returns the public JWK of pub as a JSON-ready map.
func PublicJWK(pub crypto.PublicKey) (map[string]any, error) {
	k, err := did.PublicJWK(pub)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(k)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m, nil
}

// X5CStrings encodes a chain for the x5c header (standard base64 DER).
func X5CStrings(chain []*x509.Certificate) []string {
	out := make([]string, len(chain))
	for i, c := range chain {
		out[i] = base64.StdEncoding.EncodeToString(c.Raw)
	}
	return out
}

// AllAlgs are the algorithms the protocols accept by default for proofs made
// by wallets and verifiers: ES256 first (HAIP's mandatory one), then the
// other curves and EdDSA. RSA, ES256K and HMAC are not accepted.
var AllAlgs = []string{jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}
