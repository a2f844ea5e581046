package jose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jws"
	"github.com/diplomat-edu/diplomat/internal/b64url"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Limits bounds the input Verify reads. The zero value of each field means
// its default.
type Limits struct {
	// MaxHeaderBytes is the largest decoded protected header. Zero means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxPayloadBytes is the largest decoded payload. Zero means
	// jsonx.DefaultMaxBytes (8 MiB).
	MaxPayloadBytes int
	// MaxDepth is the deepest JSON nesting accepted in the payload. Zero
	// means jsonx.DefaultMaxDepth.
	MaxDepth int
}

const (
	// DefaultMaxHeaderBytes is 64 KiB: room for an x5c chain of a few
	// certificates.
	DefaultMaxHeaderBytes = 64 << 10
	// maxSignatureBytes bounds the decoded signature (RSA-8192 is 1 KiB).
	maxSignatureBytes = 1 << 10
)

func (l Limits) header() int {
	if l.MaxHeaderBytes <= 0 {
		return DefaultMaxHeaderBytes
	}
	return l.MaxHeaderBytes
}

func (l Limits) payload() jsonx.Limits {
	return jsonx.Limits{MaxBytes: l.MaxPayloadBytes, MaxDepth: l.MaxDepth}
}

func (l Limits) payloadBytes() int {
	if l.MaxPayloadBytes <= 0 {
		return jsonx.DefaultMaxBytes
	}
	return l.MaxPayloadBytes
}

// Header is the protected header of a compact JWS, as far as this package
// reads it (members by exact name).
type Header = jws.Header

// compactJWS is a compact JWS split into its parts, not yet verified.
type compactJWS struct {
	header       Header
	signingInput []byte // ASCII(BASE64URL(header) '.' BASE64URL(payload))
	payload      []byte // decoded payload, checked by jsonx
	signature    []byte
}

var b64 = base64.RawURLEncoding.Strict()

// ParseHeader reads the protected header of a compact JWS without verifying
// anything, for format detection (typ, cty) and reporting. The error wraps
// credentials.ErrMalformed.
func ParseHeader(token []byte, lim Limits) (Header, error) {
	token = bytes.TrimSpace(token)
	i := bytes.IndexByte(token, '.')
	if i < 0 {
		return Header{}, fmt.Errorf("%w: not a compact JWS: no '.' separator", credentials.ErrMalformed)
	}
	return jws.ParseHeader(token[:i], lim.header())
}

// parseCompact splits and decodes a compact JWS: header checked and read,
// payload checked by jsonx, signature decoded. Nothing is verified. Errors
// wrap credentials.ErrMalformed, or ErrInvalidProof for an empty signature.
func parseCompact(token []byte, lim Limits) (*compactJWS, error) {
	token = bytes.TrimSpace(token)
	if len(token) == 0 {
		return nil, fmt.Errorf("%w: empty input", credentials.ErrMalformed)
	}
	if token[0] == '{' || token[0] == '[' {
		return nil, fmt.Errorf("%w: input is JSON, not a compact JWS: an unsecured document is not accepted", credentials.ErrMalformed)
	}
	maxLen := b64.EncodedLen(lim.header()) + b64.EncodedLen(lim.payloadBytes()) + b64.EncodedLen(maxSignatureBytes) + 2
	if len(token) > maxLen {
		return nil, fmt.Errorf("%w: input of %d bytes is over the limit of %d bytes", credentials.ErrMalformed, len(token), maxLen)
	}
	if bytes.IndexByte(token, '~') >= 0 {
		return nil, fmt.Errorf("%w: input has '~' separators: an SD-JWT is not a compact JWS", credentials.ErrMalformed)
	}
	i := bytes.IndexByte(token, '.')
	j := -1
	if i >= 0 {
		if k := bytes.IndexByte(token[i+1:], '.'); k >= 0 {
			j = i + 1 + k
		}
	}
	if j < 0 || bytes.IndexByte(token[j+1:], '.') >= 0 {
		n := bytes.Count(token, []byte{'.'}) + 1
		if n == 5 {
			return nil, fmt.Errorf("%w: input has 5 parts: a JWE is not accepted, want a compact JWS of 3", credentials.ErrMalformed)
		}
		return nil, fmt.Errorf("%w: input has %d dot-separated parts, want a compact JWS of 3", credentials.ErrMalformed, n)
	}
	h, err := jws.ParseHeader(token[:i], lim.header())
	if err != nil {
		return nil, err
	}
	encPayload, encSig := token[i+1:j], token[j+1:]
	if len(encSig) == 0 {
		return nil, fmt.Errorf("%w: signature is empty: unsecured JWTs are not accepted", credentials.ErrInvalidProof)
	}
	if b64.DecodedLen(len(encSig)) > maxSignatureBytes {
		return nil, fmt.Errorf("%w: signature of %d bytes is over the limit of %d bytes", credentials.ErrMalformed, b64.DecodedLen(len(encSig)), maxSignatureBytes)
	}
	sig := make([]byte, b64.DecodedLen(len(encSig)))
	n, err := b64.Decode(sig, encSig)
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url: %v", credentials.ErrMalformed, err)
	}
	sig = sig[:n]
	if b64.DecodedLen(len(encPayload)) > lim.payloadBytes() {
		return nil, fmt.Errorf("%w: payload of about %d bytes is over the limit of %d bytes", credentials.ErrMalformed, b64.DecodedLen(len(encPayload)), lim.payloadBytes())
	}
	payload := make([]byte, b64.DecodedLen(len(encPayload)))
	n, err = b64url.Decode(payload, encPayload) // b64's answer, faster
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url: %v", credentials.ErrMalformed, err)
	}
	payload = payload[:n]
	if err := jsonx.Check(payload, lim.payload()); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", credentials.ErrMalformed, err)
	}
	return &compactJWS{header: h, signingInput: token[:j], payload: payload, signature: sig}, nil
}

// checkCrit rejects headers this package must not ignore: a crit member (no
// extension is understood here) and an unencoded payload (b64 false).
func checkCrit(h *Header) error {
	if h.HasCrit {
		return fmt.Errorf("%w: header crit names %q: no critical extension is understood", credentials.ErrInvalidProof, h.Crit)
	}
	if h.B64 != nil && !*h.B64 {
		return fmt.Errorf("%w: header b64 is false: unencoded payloads are not accepted", credentials.ErrInvalidProof)
	}
	return nil
}

// claimsOf splits the JSON object payload into its top-level members, by
// exact name; the values alias payload. The payload was checked by jsonx
// already (no duplicate names), so that splitting it is enough: decoding it
// with encoding/json would read the whole document again.
func claimsOf(payload []byte) (map[string]json.RawMessage, error) {
	m := make(map[string]json.RawMessage, 16)
	err := jsonx.Members(payload, func(name string, value []byte) bool {
		m[name] = value
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", credentials.ErrMalformed)
	}
	return m, nil
}
