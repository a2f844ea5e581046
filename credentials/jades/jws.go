package jades

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// JWS is one JAdES signature in JWS JSON serialization as Parse read it. The
// parts a signature or a time-stamp is computed over are kept exactly as they
// appear on the wire.
type JWS struct {
	// Payload is the JWS Payload: the signed document's octets.
	Payload []byte
	// SigningPayload is the payload as it enters the signing input and the
	// time-stamp imprints: Payload itself when b64 is false (RFC 7797), the
	// base64url payload string as it appears otherwise.
	SigningPayload []byte
	// Protected is the base64url-encoded JWS Protected Header as it appears.
	Protected string
	// Header is the decoded protected header.
	Header Header
	// Signature is the base64url-encoded JWS Signature as it appears.
	Signature string
	// EtsiU holds the elements of the unprotected header's etsiU array as
	// they appear: JSON strings (base64url-encoded components, as EDC and
	// DSS write them) or JSON objects (components in clear).
	EtsiU []json.RawMessage
	// Flattened reports whether the input used the flattened JWS JSON
	// serialization rather than the general one.
	Flattened bool
}

// Header is the JWS Protected Header of a JAdES signature. Members Diplomat
// does not interpret are kept in Members only.
type Header struct {
	Alg     string   // "alg"
	Typ     string   // "typ"; empty when absent
	Cty     string   // "cty"; empty when absent
	Kid     string   // "kid": for JAdES the base64 DER IssuerSerial of the signing certificate
	X5c     []string // "x5c": base64 DER certificates, leaf first
	X5tS256 string   // "x5t#S256": base64url SHA-256 of the signing certificate
	SigT    string   // "sigT": claimed signing time, RFC 3339 in UTC
	Crit    []string // "crit"
	// B64 is the "b64" member (RFC 7797); true when absent.
	B64 bool
	// AdoTst is the "adoTst" member (content time-stamps) as it appears,
	// nil when absent.
	AdoTst json.RawMessage
	// Members holds every member of the protected header as it appears.
	Members map[string]json.RawMessage
}

// Limits on what Parse accepts, beyond the JSON limits of internal/jsonx.
const (
	maxSignatures = 1
	maxEtsiU      = 64
)

// Parse reads a JAdES signature in JWS JSON serialization, general (a
// "signatures" array of one) or flattened, with an embedded payload. It
// checks the form only (JSON limits, base64, member types), never the
// signature. maxBytes bounds the input; zero means the default of
// internal/jsonx (8 MiB). Errors wrap credentials.ErrMalformed.
func Parse(data []byte, maxBytes int) (*JWS, error) {
	if err := jsonx.Check(data, jsonx.Limits{MaxBytes: maxBytes}); err != nil {
		return nil, wrapErr(credentials.ErrMalformed, "", "not a JWS JSON serialization", err)
	}
	if t := firstByte(data); t != '{' {
		return nil, malformed("", "not a JWS JSON serialization: expected a JSON object")
	}
	// The input passed Check: its members can be picked out without decoding
	// the whole of it (the payload is most of it).
	var env struct {
		Payload, Signatures, Protected, Header, Signature []byte
	}
	var folded string
	err := jsonx.Members(data, func(name string, v []byte) bool {
		switch name {
		case "payload":
			env.Payload = v
		case "signatures":
			env.Signatures = v
		case "protected":
			env.Protected = v
		case "header":
			env.Header = v
		case "signature":
			env.Signature = v
		default:
			// Other members are ignored, but not one another reader
			// folding case would take for a JWS member.
			if folded == "" && isJWSMemberFolded(name) {
				folded = name
			}
		}
		return true
	})
	if err != nil {
		return nil, wrapErr(credentials.ErrMalformed, "", "not a JWS JSON serialization", err)
	}
	if folded != "" {
		return nil, malformed(strconv.Quote(folded), "member names are case-sensitive: not a JWS member")
	}
	if env.Payload == nil {
		return nil, malformed("payload", "missing: detached payloads are not supported")
	}
	var payload string
	if firstByte(env.Payload) != '"' || json.Unmarshal(env.Payload, &payload) != nil {
		return nil, malformed("payload", "not a string")
	}
	j := &JWS{}
	var sig rawSignature
	switch {
	case env.Signatures != nil:
		if env.Protected != nil || env.Signature != nil || env.Header != nil {
			return nil, malformed("", "both general (signatures) and flattened (protected, header, signature) members present")
		}
		var sigs []json.RawMessage
		if err := json.Unmarshal(env.Signatures, &sigs); err != nil {
			return nil, wrapErr(credentials.ErrMalformed, "signatures", "not an array of signature objects", err)
		}
		if len(sigs) == 0 {
			return nil, malformed("signatures", "empty")
		}
		if len(sigs) > maxSignatures {
			return nil, malformed("signatures", "%d signatures: only one signature per credential is supported", len(sigs))
		}
		s, err := parseSignatureObject(sigs[0], "signatures[0]")
		if err != nil {
			return nil, err
		}
		sig = *s
	case env.Signature != nil:
		j.Flattened = true
		if err := json.Unmarshal(env.Signature, &sig.Signature); err != nil || sig.Signature == nil {
			return nil, malformed("signature", "not a string")
		}
		if env.Protected != nil {
			if err := json.Unmarshal(env.Protected, &sig.Protected); err != nil || sig.Protected == nil {
				return nil, malformed("protected", "not a string")
			}
		}
		sig.Header = env.Header
	default:
		return nil, malformed("", "no signature: neither signatures nor signature present")
	}
	where := "signatures[0]"
	if j.Flattened {
		where = ""
	}
	at := func(m string) string {
		if where == "" {
			return m
		}
		return where + "." + m
	}
	if sig.Protected == nil || *sig.Protected == "" {
		return nil, malformed(at("protected"), "missing: JAdES needs a protected header")
	}
	if sig.Signature == nil {
		return nil, malformed(at("signature"), "missing")
	}
	j.Protected = *sig.Protected
	j.Signature = *sig.Signature
	if _, err := base64.RawURLEncoding.Strict().DecodeString(j.Signature); err != nil {
		return nil, wrapErr(credentials.ErrMalformed, at("signature"), "not base64url", err)
	}
	h, err := parseHeader(j.Protected, "protected header")
	if err != nil {
		return nil, err
	}
	j.Header = *h
	if err := j.parseUnprotected(sig.Header, at("header")); err != nil {
		return nil, err
	}
	if j.Header.B64 {
		p, err := base64.RawURLEncoding.Strict().DecodeString(payload)
		if err != nil {
			return nil, wrapErr(credentials.ErrMalformed, "payload", "not base64url (b64 is true)", err)
		}
		j.Payload = p
		j.SigningPayload = []byte(payload)
	} else {
		j.Payload = []byte(payload)
		j.SigningPayload = j.Payload
	}
	return j, nil
}

type rawSignature struct {
	Protected *string
	Header    json.RawMessage
	Signature *string
}

// parseSignatureObject reads one element of a signatures array. Member names
// are matched exactly (encoding/json would fold case, so that "PROTECTED"
// could stand in for "protected"), and a member other than protected,
// header and signature is refused.
func parseSignatureObject(raw json.RawMessage, where string) (*rawSignature, error) {
	if firstByte(raw) != '{' {
		return nil, malformed(where, "not a signature object")
	}
	var sig rawSignature
	var bad error
	err := jsonx.Members(raw, func(name string, v []byte) bool {
		switch name {
		case "protected", "signature":
			var s string
			if firstByte(v) != '"' || json.Unmarshal(v, &s) != nil {
				bad = malformed(where+"."+name, "not a string")
				return false
			}
			if name == "protected" {
				sig.Protected = &s
			} else {
				sig.Signature = &s
			}
		case "header":
			sig.Header = json.RawMessage(v)
		default:
			reason := "unknown member of a signature object (protected, header and signature are allowed)"
			if isJWSMemberFolded(name) {
				reason = "member names are case-sensitive: not a signature object member"
			}
			bad = malformed(where+"."+strconv.Quote(name), "%s", reason)
			return false
		}
		return true
	})
	if bad != nil {
		return nil, bad
	}
	if err != nil {
		return nil, wrapErr(credentials.ErrMalformed, where, "not a signature object", err)
	}
	return &sig, nil
}

// isJWSMemberFolded reports whether name differs from a member of the JWS
// JSON serialization only by case.
func isJWSMemberFolded(name string) bool {
	for _, m := range []string{"payload", "signatures", "protected", "header", "signature"} {
		if name != m && strings.EqualFold(name, m) {
			return true
		}
	}
	return false
}

func firstByte(data []byte) byte {
	d := bytes.TrimLeft(data, " \t\r\n")
	if len(d) == 0 {
		return 0
	}
	return d[0]
}

// parseHeader decodes and type-checks the protected header.
func parseHeader(b64 string, where string) (*Header, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(b64)
	if err != nil {
		return nil, wrapErr(credentials.ErrMalformed, where, "not base64url", err)
	}
	if firstByte(raw) != '{' {
		return nil, malformed(where, "not a JSON object")
	}
	h := &Header{B64: true}
	if err := jsonx.Decode(raw, &h.Members, jsonx.Limits{MaxDepth: 16}); err != nil {
		return nil, wrapErr(credentials.ErrMalformed, where, "not a JSON object", err)
	}
	str := func(name string, dst *string) error {
		v, ok := h.Members[name]
		if !ok {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return malformed(where+": "+name, "not a string")
		}
		return nil
	}
	for _, m := range []struct {
		name string
		dst  *string
	}{
		{"alg", &h.Alg}, {"typ", &h.Typ}, {"cty", &h.Cty}, {"kid", &h.Kid},
		{"x5t#S256", &h.X5tS256}, {"sigT", &h.SigT},
	} {
		if err := str(m.name, m.dst); err != nil {
			return nil, err
		}
	}
	if h.Alg == "" {
		return nil, malformed(where+": alg", "missing")
	}
	if v, ok := h.Members["x5c"]; ok {
		if err := json.Unmarshal(v, &h.X5c); err != nil || len(h.X5c) == 0 {
			return nil, malformed(where+": x5c", "not a non-empty array of strings")
		}
	}
	if v, ok := h.Members["crit"]; ok {
		if err := json.Unmarshal(v, &h.Crit); err != nil || len(h.Crit) == 0 {
			return nil, malformed(where+": crit", "not a non-empty array of strings")
		}
	}
	if v, ok := h.Members["b64"]; ok {
		if err := json.Unmarshal(v, &h.B64); err != nil || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return nil, malformed(where+": b64", "not a boolean")
		}
	}
	if v, ok := h.Members["adoTst"]; ok {
		h.AdoTst = v
	}
	return h, nil
}

// parseUnprotected reads the unprotected header: only etsiU is expected, and
// no name may repeat one of the protected header (RFC 7515 section 7.2.1).
func (j *JWS) parseUnprotected(raw json.RawMessage, where string) error {
	if raw == nil {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return malformed(where, "not a JSON object")
	}
	for name := range members {
		if _, dup := j.Header.Members[name]; dup {
			return malformed(where+"."+name, "also in the protected header")
		}
		switch name {
		case "crit", "b64", "alg", "sigT", "x5c", "x5t#S256":
			return malformed(where+"."+name, "must be in the protected header")
		}
	}
	v, ok := members["etsiU"]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(v, &j.EtsiU); err != nil || j.EtsiU == nil {
		return malformed(where+".etsiU", "not an array")
	}
	if len(j.EtsiU) > maxEtsiU {
		return malformed(where+".etsiU", "%d components, more than %d", len(j.EtsiU), maxEtsiU)
	}
	var strs, objs int
	for i, c := range j.EtsiU {
		switch firstByte(c) {
		case '"':
			strs++
		case '{':
			objs++
		default:
			return malformed(fmt.Sprintf("%s.etsiU[%d]", where, i), "neither a base64url string nor an object")
		}
	}
	if strs > 0 && objs > 0 {
		return malformed(where+".etsiU", "mixes base64url-encoded and clear components")
	}
	return nil
}
