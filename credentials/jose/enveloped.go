package jose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
)

// Enveloped is the content of an EnvelopedVerifiableCredential (VC 2.0): the
// secured credential carried in its data: URL id.
type Enveloped struct {
	// MediaType is the data URL's media type, e.g. "application/vc+jwt".
	MediaType string
	// Data is the secured credential as it travels (a compact JWS, an
	// SD-JWT, or COSE bytes).
	Data []byte
}

// securedMediaTypes are the media types of an enveloped credential that
// carry a securing mechanism. "application/vc" alone is unsecured.
var securedMediaTypes = map[string]bool{
	"application/vc+jwt":    true,
	"application/vc+sd-jwt": true,
	"application/dc+sd-jwt": true,
	"application/vc+cose":   true,
}

// ParseEnveloped decodes the data: URL id of an EnvelopedVerifiableCredential
// and checks that its media type is a secured one. The error wraps
// credentials.ErrMalformed.
func ParseEnveloped(id string) (Enveloped, error) {
	rest, ok := strings.CutPrefix(id, "data:")
	if !ok {
		return Enveloped{}, fmt.Errorf("%w: enveloped credential id %q is not a data: URL", credentials.ErrMalformed, shorten(id))
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok {
		return Enveloped{}, fmt.Errorf("%w: enveloped credential data: URL has no ','", credentials.ErrMalformed)
	}
	params := strings.Split(meta, ";")
	mt := strings.ToLower(strings.TrimSpace(params[0]))
	isB64 := false
	for _, p := range params[1:] {
		if strings.TrimSpace(p) == "base64" {
			isB64 = true
		}
	}
	if !securedMediaTypes[mt] {
		return Enveloped{}, fmt.Errorf("%w: enveloped credential media type %q is not a secured credential type", credentials.ErrMalformed, mt)
	}
	var raw []byte
	if isB64 {
		data = strings.TrimSpace(data)
		enc := base64.StdEncoding
		if len(data)%4 != 0 {
			enc = base64.RawStdEncoding
		}
		b, err := enc.DecodeString(data)
		if err != nil {
			return Enveloped{}, fmt.Errorf("%w: enveloped credential data is not base64: %v", credentials.ErrMalformed, err)
		}
		raw = b
	} else {
		s, err := url.PathUnescape(data)
		if err != nil {
			return Enveloped{}, fmt.Errorf("%w: enveloped credential data: %v", credentials.ErrMalformed, err)
		}
		raw = []byte(s)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return Enveloped{}, fmt.Errorf("%w: enveloped credential data is empty", credentials.ErrMalformed)
	}
	return Enveloped{MediaType: mt, Data: raw}, nil
}

// checkSecuredCredentials checks that every entry of a VC 2.0
// presentation's verifiableCredential is secured: an
// EnvelopedVerifiableCredential with a secured media type, or a credential
// with an embedded proof. It does not verify them: each is verified by its
// own mechanism. The error wraps credentials.ErrMalformed.
func checkSecuredCredentials(m map[string]json.RawMessage) error {
	list, err := credentialList(m)
	if err != nil {
		return err
	}
	for i, item := range list {
		var c map[string]json.RawMessage
		if err := json.Unmarshal(item, &c); err != nil || c == nil {
			return fmt.Errorf("%w: verifiableCredential[%d] is not an object", credentials.ErrMalformed, i)
		}
		if hasType(c, "EnvelopedVerifiableCredential") {
			id, err := stringClaim(c, "id")
			if err != nil {
				return fmt.Errorf("verifiableCredential[%d]: %w", i, err)
			}
			if _, err := ParseEnveloped(id); err != nil {
				return fmt.Errorf("verifiableCredential[%d]: %w", i, err)
			}
			continue
		}
		if _, ok := c["proof"]; ok {
			continue
		}
		return fmt.Errorf("%w: verifiableCredential[%d] is not secured: neither an EnvelopedVerifiableCredential nor a credential with a proof", credentials.ErrMalformed, i)
	}
	return nil
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// credentialList returns the verifiableCredential member of a presentation
// as a list: its elements when it is an array, itself otherwise, none when
// absent. The error wraps credentials.ErrMalformed.
func credentialList(m map[string]json.RawMessage) ([]json.RawMessage, error) {
	v, ok := m["verifiableCredential"]
	if !ok {
		return nil, nil
	}
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '[' {
		return []json.RawMessage{v}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(v, &list); err != nil {
		return nil, fmt.Errorf("%w: verifiableCredential is not an array", credentials.ErrMalformed)
	}
	return list, nil
}
