package sdjwt

import (
	"bytes"
	"crypto"
	_ "crypto/sha256" // sha-256 digests
	_ "crypto/sha512" // sha-384, sha-512 digests
	"encoding/json"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Media types (JOSE typ values) this package knows.
const (
	// TypSDJWTVC is the typ of an SD-JWT VC issuer-signed JWT.
	TypSDJWTVC = "dc+sd-jwt"
	// TypSDJWTVCLegacy is the typ used by issuers before SD-JWT VC draft 06;
	// it is accepted when verifying, never produced.
	TypSDJWTVCLegacy = "vc+sd-jwt"
	// TypKB is the typ of a Key Binding JWT.
	TypKB = "kb+jwt"
)

// MaxSize is the largest SD-JWT (with disclosures and KB-JWT) Parse accepts.
const MaxSize = jsonx.DefaultMaxBytes

// SDJWT is a parsed SD-JWT: the issuer-signed JWT, its Disclosures and an
// optional Key Binding JWT. Parse checks its form only; nothing in it is
// verified until Verify (or the Mechanism) says so.
type SDJWT struct {
	// Header is the JOSE header of the issuer-signed JWT.
	Header Header
	// Payload is the issuer-signed JWT's claims, with digests in place of the
	// selectively disclosable claims. Numbers are json.Number.
	Payload map[string]any
	// Disclosures are in the order they appear.
	Disclosures []*Disclosure
	// KeyBinding is the compact KB-JWT, or "" when there is none.
	KeyBinding string

	jws      *compactJWS
	jwt      string      // issuer-signed JWT as received
	hash     crypto.Hash // from _sd_alg
	hashName string
}

// Header is the part of a JOSE header SD-JWT verification looks at.
type Header struct {
	Alg string
	Typ string
	// Cty is the content type: "vc" or "vp" for vc+sd-jwt and vp+sd-jwt,
	// usually empty for dc+sd-jwt.
	Cty string
	Kid string
	// X5c is the certificate chain, leaf first, base64 (not url) DER.
	X5c []string
}

// Disclosure is one decoded Disclosure.
type Disclosure struct {
	// Encoded is the Disclosure as it appears in the SD-JWT (base64url).
	Encoded string
	// Digest is base64url(hash(Encoded)) with the SD-JWT's _sd_alg.
	Digest string
	// Salt is the disclosure's salt.
	Salt string
	// Name is the claim name; empty for an array element.
	Name string
	// ArrayElement is true for a [salt, value] disclosure.
	ArrayElement bool
	// Value is the disclosed value, decoded with json.Number numbers.
	Value any
}

// Parse reads the compact serialization of an SD-JWT or an SD-JWT+KB:
// <issuer-signed JWT>~<disclosure>~...~[<KB-JWT>]. It checks the form of
// every part (base64url, JSON within jsonx limits, disclosure arrays,
// _sd_alg) and computes the disclosure digests; it verifies no signature and
// no digest. Errors wrap credentials.ErrMalformed (or ErrInvalidProof for a
// forbidden alg such as none or HS256).
func Parse(s string) (*SDJWT, error) {
	sd, err := parse(s)
	if err != nil {
		return nil, fmt.Errorf("sd-jwt: %w", err)
	}
	return sd, nil
}

func parse(s string) (*SDJWT, error) {
	if len(s) > MaxSize {
		return nil, malformed("input of %d bytes is over the limit of %d bytes", len(s), MaxSize)
	}
	s = strings.TrimSpace(s)
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, malformed("no ~ separator: an SD-JWT is <issuer-signed JWT>~<disclosures>~[<KB-JWT>]")
	}
	jws, err := parseCompact("issuer-signed JWT", parts[0])
	if err != nil {
		return nil, err
	}
	if err := jsonx.Check(jws.payload, jsonx.Limits{}); err != nil {
		return nil, malformed("issuer-signed JWT payload: %v", err)
	}
	var payload map[string]any
	dec := json.NewDecoder(bytes.NewReader(jws.payload))
	dec.UseNumber()
	if err := dec.Decode(&payload); err != nil || payload == nil {
		return nil, malformed("issuer-signed JWT payload is not a JSON object")
	}
	sd := &SDJWT{
		Header:  Header{Alg: jws.header.Alg, Typ: jws.header.Typ, Cty: jws.header.Cty, Kid: jws.header.Kid, X5c: jws.header.X5c},
		Payload: payload,
		jws:     jws,
		jwt:     parts[0],
	}
	if sd.hash, sd.hashName, err = sdAlg(payload); err != nil {
		return nil, err
	}
	last := parts[len(parts)-1]
	if last != "" {
		if strings.Count(last, ".") != 2 {
			return nil, malformed("last part after ~ is neither empty nor a KB-JWT")
		}
		sd.KeyBinding = last
	}
	for i, enc := range parts[1 : len(parts)-1] {
		d, err := parseDisclosure(enc, sd.hash)
		if err != nil {
			return nil, fmt.Errorf("disclosure %d: %w", i+1, err)
		}
		sd.Disclosures = append(sd.Disclosures, d)
	}
	return sd, nil
}

// sdAlg reads _sd_alg; absent means sha-256 (RFC 9901 section 4.1.1).
func sdAlg(payload map[string]any) (crypto.Hash, string, error) {
	v, ok := payload["_sd_alg"]
	if !ok {
		return crypto.SHA256, "sha-256", nil
	}
	name, _ := v.(string)
	switch name {
	case "sha-256":
		return crypto.SHA256, name, nil
	case "sha-384":
		return crypto.SHA384, name, nil
	case "sha-512":
		return crypto.SHA512, name, nil
	}
	return 0, "", malformed("_sd_alg %v is not supported (want sha-256, sha-384 or sha-512)", v)
}

func digest(h crypto.Hash, s string) string {
	d := h.New()
	d.Write([]byte(s))
	return b64.EncodeToString(d.Sum(nil))
}

// DigestOf returns base64url(SHA-256(encoded)), the digest of a Disclosure
// under the default _sd_alg.
func DigestOf(encoded string) string { return digest(crypto.SHA256, encoded) }

func parseDisclosure(enc string, h crypto.Hash) (*Disclosure, error) {
	if enc == "" {
		return nil, malformed("empty (two ~ in a row)")
	}
	raw, err := b64.DecodeString(enc)
	if err != nil {
		return nil, malformed("not base64url: %v", err)
	}
	if err := jsonx.Check(raw, jsonx.Limits{}); err != nil {
		return nil, malformed("%v", err)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		return nil, malformed("not a JSON array")
	}
	if len(arr) != 2 && len(arr) != 3 {
		return nil, malformed("JSON array of %d elements (want [salt, name, value] or [salt, value])", len(arr))
	}
	d := &Disclosure{Encoded: enc, Digest: digest(h, enc), ArrayElement: len(arr) == 2}
	if err := json.Unmarshal(arr[0], &d.Salt); err != nil {
		return nil, malformed("salt is not a string")
	}
	if !d.ArrayElement {
		if err := json.Unmarshal(arr[1], &d.Name); err != nil {
			return nil, malformed("claim name is not a string")
		}
		if d.Name == "_sd" || d.Name == "..." {
			return nil, invalid("claim name %q is reserved and cannot be disclosed", d.Name)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(arr[len(arr)-1]))
	dec.UseNumber()
	if err := dec.Decode(&d.Value); err != nil {
		return nil, malformed("value: %v", err)
	}
	return d, nil
}

// String returns the compact serialization, exactly as parsed.
func (s *SDJWT) String() string {
	var sb strings.Builder
	sb.WriteString(s.withoutKB())
	sb.WriteString(s.KeyBinding)
	return sb.String()
}

// withoutKB is <issuer-signed JWT>~<d1>~...~<dn>~, the input of sd_hash.
func (s *SDJWT) withoutKB() string {
	var sb strings.Builder
	sb.WriteString(s.jwt)
	sb.WriteByte('~')
	for _, d := range s.Disclosures {
		sb.WriteString(d.Encoded)
		sb.WriteByte('~')
	}
	return sb.String()
}

// HashAlg returns the _sd_alg name in force (sha-256 when absent).
func (s *SDJWT) HashAlg() string { return s.hashName }

// VerifySignature checks the issuer-signed JWT's signature with pub. The
// header alg must match the key. Errors wrap credentials.ErrInvalidProof (or
// ErrUnsupportedKey).
func (s *SDJWT) VerifySignature(pub crypto.PublicKey) error {
	if err := s.jws.verify("issuer-signed JWT", pub); err != nil {
		return fmt.Errorf("sd-jwt: %w", err)
	}
	return nil
}
