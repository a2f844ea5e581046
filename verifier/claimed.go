package verifier

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// claimedIssuer returns the issuer (for a presentation, the holder) input
// names, read without checking anything: so that a report whose key or
// proof check failed still says whom the input claims to come from. It
// reads the JWT iss, vc.issuer / vp.holder, or the document's issuer /
// holder (a string, or an object's id), and returns "" when it finds none
// or cannot read it. Detect has already bounded the input's size.
func claimedIssuer(input []byte, f credentials.Format) string {
	input = bytes.TrimSpace(input)
	var doc []byte
	switch f.Serialization {
	case credentials.SerializationJWSCompact, credentials.SerializationSDJWT:
		jwt, _, _ := bytes.Cut(input, []byte("~"))
		parts := bytes.Split(jwt, []byte("."))
		if len(parts) != 3 {
			return ""
		}
		b, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
		if err != nil {
			return ""
		}
		doc = b
	case credentials.SerializationJWSJSON, credentials.SerializationJWSJSONFlattened:
		m, err := jsonTop(input, "payload")
		if err != nil {
			return ""
		}
		p, err := jsonx.Unquote(m["payload"])
		if err != nil {
			return ""
		}
		doc = p
		if b, err := base64.RawURLEncoding.DecodeString(string(p)); err == nil {
			doc = b // b64 true; with b64 false the payload is the JSON itself
		}
	default:
		doc = input
	}
	m, err := jsonTop(doc, "iss", "issuer", "holder", "vc", "vp")
	if err != nil {
		return ""
	}
	name := "issuer"
	if f.Envelope == credentials.EnvelopePresentation {
		name = "holder"
	}
	if s := idString(m["iss"]); s != "" {
		return s
	}
	for _, wrap := range []string{"vc", "vp"} {
		if m[wrap] != nil {
			if inner, err := jsonTop(m[wrap], name); err == nil {
				if s := idString(inner[name]); s != "" {
					return s
				}
			}
		}
	}
	return idString(m[name])
}

// idString reads a JSON string, or the id of a JSON object, or "".
func idString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	if raw[0] == '{' {
		m, err := jsonTop(raw, "id")
		if err == nil && m["id"] != nil && json.Unmarshal(m["id"], &s) == nil {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
