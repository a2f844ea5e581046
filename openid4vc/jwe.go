package openid4vc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwe"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// JWE parameters. Encryption is ECDH-ES (direct key agreement) on P-256 with
// A128GCM or A256GCM, as HAIP 1.0 requires of verifiers and allows of
// wallets; compression (zip) is never used.
const (
	AlgECDHES  = "ECDH-ES"
	EncA128GCM = "A128GCM"
	EncA256GCM = "A256GCM"
)

// EncValues are the content encryption algorithms accepted, in order of
// preference for encrypting.
var EncValues = []string{EncA256GCM, EncA128GCM}

// ErrDecrypt is wrapped by Decrypt errors.
var ErrDecrypt = errors.New("cannot decrypt")

// NewEncryptionKey returns a fresh P-256 key for ECDH-ES.
func NewEncryptionKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// EncryptionJWK is the public JWK of an encryption key as metadata publishes
// it: kty EC, crv P-256, x, y, with kid, use "enc" and alg "ECDH-ES".
type EncryptionJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

// PublicEncryptionJWK returns the JWK of key's public half with kid.
func PublicEncryptionJWK(key *ecdsa.PrivateKey, kid string) (EncryptionJWK, error) {
	j, err := did.PublicJWK(&key.PublicKey)
	if err != nil {
		return EncryptionJWK{}, err
	}
	if j.Crv != "P-256" {
		return EncryptionJWK{}, fmt.Errorf("openid4vc: encryption keys are P-256, not %s", j.Crv)
	}
	return EncryptionJWK{Kty: j.Kty, Crv: j.Crv, X: j.X, Y: j.Y, Kid: kid, Use: "enc", Alg: AlgECDHES}, nil
}

// Recipient is a public key to encrypt to, read from a JWK.
type Recipient struct {
	Key *ecdsa.PublicKey
	Kid string
}

// ParseRecipient reads a JWK to encrypt to: a public EC P-256 key whose alg,
// when present, is ECDH-ES and whose use, when present, is enc.
func ParseRecipient(data []byte) (*Recipient, error) {
	k, err := did.ParseJWKJSON(data)
	if err != nil {
		return nil, err
	}
	if k.Alg != "" && k.Alg != AlgECDHES {
		return nil, fmt.Errorf("encryption key alg %q, want %q", k.Alg, AlgECDHES)
	}
	if k.Use != "" && k.Use != "enc" {
		return nil, fmt.Errorf("encryption key use %q, want \"enc\"", k.Use)
	}
	pub, err := k.PublicKey()
	if err != nil {
		return nil, err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("encryption key is a %s key; only EC P-256 is used with ECDH-ES here", k.Kty+" "+k.Crv)
	}
	return &Recipient{Key: ec, Kid: k.Kid}, nil
}

// Encrypt encrypts payload to r as a compact JWE with alg ECDH-ES and enc
// (A128GCM or A256GCM), the recipient's kid in the header when it has one,
// and extra protected header members (e.g. typ).
func Encrypt(payload []byte, r *Recipient, enc string, extra map[string]string) (string, error) {
	if !slices.Contains(EncValues, enc) {
		return "", fmt.Errorf("openid4vc: enc %q is not supported (%s)", enc, strings.Join(EncValues, ", "))
	}
	hdrs := jwe.NewHeaders()
	if r.Kid != "" {
		if err := hdrs.Set(jwe.KeyIDKey, r.Kid); err != nil {
			return "", err
		}
	}
	for k, v := range extra {
		if err := hdrs.Set(k, v); err != nil {
			return "", err
		}
	}
	pub, err := jwk.FromRaw(r.Key)
	if err != nil {
		return "", err
	}
	out, err := jwe.Encrypt(payload,
		jwe.WithKey(jwa.ECDH_ES, pub),
		jwe.WithContentEncryption(jwa.ContentEncryptionAlgorithm(enc)),
		jwe.WithProtectedHeaders(hdrs),
		jwe.WithCompact())
	if err != nil {
		return "", fmt.Errorf("openid4vc: encrypting: %w", err)
	}
	return string(out), nil
}

// JWEKeyID returns the kid of a compact JWE's protected header, "" when it
// has none or the header does not read (Decrypt then says what is wrong).
// It only picks a key: nothing is checked.
func JWEKeyID(token string) string {
	h, _, ok := strings.Cut(token, ".")
	if !ok || len(h) > 2*jwt.MaxHeader {
		return ""
	}
	b, err := jwt.B64.DecodeString(h)
	if err != nil {
		return ""
	}
	var hdr struct {
		Kid string `json:"kid"`
	}
	if json.Unmarshal(b, &hdr) != nil {
		return ""
	}
	return hdr.Kid
}

// Decrypt decrypts a compact JWE made for key: the protected header must say
// alg ECDH-ES, an enc among encs (nil: EncValues), no zip, an epk, and, when
// kid is set and the header has a kid, that kid. The plaintext may be at most
// maxBytes (zero: 1 MiB). Errors wrap ErrDecrypt and name the problem.
func Decrypt(token string, key *ecdsa.PrivateKey, kid string, encs []string, maxBytes int) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = 1 << 20
	}
	if encs == nil {
		encs = EncValues
	}
	if len(token) > 2*maxBytes+jwt.MaxHeader {
		return nil, fmt.Errorf("%w: JWE of %d bytes is over the limit", ErrDecrypt, len(token))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 5 {
		return nil, fmt.Errorf("%w: not a compact JWE (five dot-separated parts)", ErrDecrypt)
	}
	if parts[1] != "" {
		return nil, fmt.Errorf("%w: an encrypted key is present; ECDH-ES has none", ErrDecrypt)
	}
	hb, err := jwt.B64.DecodeString(parts[0])
	if err != nil || len(hb) > jwt.MaxHeader {
		return nil, fmt.Errorf("%w: the protected header is not base64url", ErrDecrypt)
	}
	var h struct {
		Alg string          `json:"alg"`
		Enc string          `json:"enc"`
		Kid *string         `json:"kid"`
		Zip *string         `json:"zip"`
		Epk json.RawMessage `json:"epk"`
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(hb, &members); err != nil || members == nil {
		return nil, fmt.Errorf("%w: the protected header is not a JSON object", ErrDecrypt)
	}
	for name := range members {
		if !slices.Contains([]string{"alg", "enc", "kid", "zip", "epk", "typ", "cty", "apu", "apv"}, name) {
			for _, known := range []string{"alg", "enc", "kid", "zip", "epk"} {
				if strings.EqualFold(name, known) {
					return nil, fmt.Errorf("%w: header member %q: names are case-sensitive", ErrDecrypt, name)
				}
			}
			if name == "crit" {
				return nil, fmt.Errorf("%w: header crit is not understood", ErrDecrypt)
			}
		}
	}
	_ = json.Unmarshal(hb, &h)
	switch {
	case h.Alg != AlgECDHES:
		return nil, fmt.Errorf("%w: alg %q, want %q", ErrDecrypt, h.Alg, AlgECDHES)
	case !slices.Contains(encs, h.Enc):
		return nil, fmt.Errorf("%w: enc %q is not accepted (%s)", ErrDecrypt, h.Enc, strings.Join(encs, ", "))
	case h.Zip != nil:
		return nil, fmt.Errorf("%w: compressed (zip) payloads are not accepted", ErrDecrypt)
	case len(h.Epk) == 0:
		return nil, fmt.Errorf("%w: no epk in the header", ErrDecrypt)
	case kid != "" && h.Kid != nil && *h.Kid != kid:
		return nil, fmt.Errorf("%w: encrypted to key %q, not to this request's key", ErrDecrypt, clip(*h.Kid))
	}
	priv, err := jwk.FromRaw(key)
	if err != nil {
		return nil, err
	}
	plain, err := jwe.Decrypt([]byte(token), jwe.WithKey(jwa.ECDH_ES, priv))
	if err != nil {
		return nil, fmt.Errorf("%w: it was not encrypted to this key, or it was altered", ErrDecrypt)
	}
	if len(plain) > maxBytes {
		return nil, fmt.Errorf("%w: plaintext of %d bytes is over the limit of %d", ErrDecrypt, len(plain), maxBytes)
	}
	return plain, nil
}
