package credentials

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Envelope says whether secured bytes carry a credential or a presentation.
type Envelope string

const (
	EnvelopeCredential   Envelope = "credential"
	EnvelopePresentation Envelope = "presentation"
)

// Serialization is how the bytes are laid out.
type Serialization string

const (
	// SerializationJSONLD is a JSON-LD document, with embedded proofs or
	// none, or an Enveloped…Credential/Presentation object.
	SerializationJSONLD Serialization = "json-ld"
	// SerializationJWSCompact is a compact JWS (header.payload.signature).
	SerializationJWSCompact Serialization = "jws-compact"
	// SerializationJWSJSON is the general JWS JSON serialization
	// ({"payload", "signatures": […]}).
	SerializationJWSJSON Serialization = "jws-json"
	// SerializationJWSJSONFlattened is the flattened JWS JSON serialization
	// ({"payload", "protected", "header", "signature"}).
	SerializationJWSJSONFlattened Serialization = "jws-json-flattened"
	// SerializationSDJWT is an SD-JWT: issuer-signed JWT~disclosures~[KB-JWT].
	SerializationSDJWT Serialization = "sd-jwt"
)

// Format is what Detect found.
type Format struct {
	// Envelope is credential or presentation.
	Envelope Envelope
	// Mechanism names the securing mechanism as Mechanism.Name does:
	// the cryptosuite of a DataIntegrityProof ("eddsa-rdfc-2022"), the
	// type of another embedded proof ("Ed25519Signature2020"), the JOSE
	// typ ("vc+jwt", "vp+jwt", "dc+sd-jwt", "vc+sd-jwt", "vp+sd-jwt"),
	// "jwt_vc_json" / "jwt_vp_json" for a JWT with a vc / vp claim,
	// "sd-jwt" for an SD-JWT of another typ, "jades" for a JWS JSON
	// signature with JAdES headers. Empty for an unsecured JSON-LD
	// document.
	Mechanism string
	// Proofs lists the mechanism of every embedded proof when there are
	// several (a proof set or chain); Mechanism is the first.
	Proofs []string
	// Serialization is how the bytes are laid out.
	Serialization Serialization
	// Enveloped is true for an EnvelopedVerifiableCredential or
	// EnvelopedVerifiablePresentation object; Mechanism is then the media
	// type of its data: URL without "application/" ("vc+jwt").
	Enveloped bool
	// Version is the data model version of a JSON-LD document (or of a
	// JWS payload Detect looked into), "" when not known.
	Version Version
	// Typ and Alg are the JOSE header values of the (first) signature,
	// as found; empty for JSON-LD.
	Typ, Alg string
	// KeyBinding is true for an SD-JWT that ends with a key-binding JWT:
	// the holder's presentation of the credential.
	KeyBinding bool
}

// Detect says which envelope and securing mechanism data holds, reading
// only what it needs: the top-level members of a JSON document, the JOSE
// headers, and a JWT payload's top level only when the header does not
// say. Leading and trailing whitespace is ignored. Input that is none of
// the known formats, or malformed where Detect looked, gives an error
// wrapping ErrMalformed that says what was seen; input over
// jsonx.DefaultMaxBytes is refused.
func Detect(data []byte) (Format, error) {
	data = bytes.Trim(data, " \t\r\n")
	if len(data) == 0 {
		return Format{}, fmt.Errorf("detect: %w: empty input", ErrMalformed)
	}
	if len(data) > jsonx.DefaultMaxBytes {
		return Format{}, fmt.Errorf("detect: %w: input of %d bytes is over the limit of %d bytes: %w", ErrMalformed, len(data), jsonx.DefaultMaxBytes, jsonx.ErrLimit)
	}
	switch {
	case data[0] == '{':
		return detectJSON(data)
	case bytes.HasPrefix(data, []byte("eyJ")) || bytes.HasPrefix(data, []byte("ewo")) || bytes.HasPrefix(data, []byte("eyA")):
		if bytes.IndexByte(data, '~') >= 0 {
			return detectSDJWT(data)
		}
		return detectCompact(data)
	case bytes.HasPrefix(data, []byte("0oR")) || bytes.HasPrefix(data, []byte("d284")) || bytes.HasPrefix(data, []byte{0xd2, 0x84}):
		return Format{}, fmt.Errorf("detect: %w: a COSE_Sign1 structure (vc+cose): not supported", ErrMalformed)
	}
	return Format{}, fmt.Errorf("detect: %w: not JSON, a JWS or an SD-JWT: starts with %s", ErrMalformed, preview(data))
}

// preview quotes the first bytes of data for an error message.
func preview(data []byte) string {
	if len(data) > 16 {
		return strconv.Quote(string(data[:16])) + "…"
	}
	return strconv.Quote(string(data))
}

// topMembers returns the raw values of the named top-level members.
func topMembers(data []byte, names ...string) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(names))
	err := jsonx.Members(data, func(name string, value []byte) bool {
		if slices.Contains(names, name) {
			out[name] = value
		}
		return true
	})
	return out, err
}

func detectJSON(data []byte) (Format, error) {
	if err := jsonx.Check(data, jsonx.Limits{}); err != nil {
		return Format{}, fmt.Errorf("detect: %w: %w", ErrMalformed, err)
	}
	m, err := topMembers(data, "@context", "type", "id", "proof", "payload", "signatures", "protected", "header", "signature")
	if err != nil {
		return Format{}, fmt.Errorf("detect: %w: %v", ErrMalformed, err)
	}
	if m["signatures"] != nil {
		return detectJWSJSON(m, true)
	}
	if m["signature"] != nil && (m["protected"] != nil || m["header"] != nil) {
		return detectJWSJSON(m, false)
	}
	f := Format{Serialization: SerializationJSONLD, Version: versionOf(m["@context"])}
	types, _ := stringOrList(m["type"])
	switch {
	case slices.Contains(types, "VerifiableCredential"):
		f.Envelope = EnvelopeCredential
	case slices.Contains(types, "VerifiablePresentation"):
		f.Envelope = EnvelopePresentation
	case slices.Contains(types, "EnvelopedVerifiableCredential"), slices.Contains(types, "EnvelopedVerifiablePresentation"):
		f.Envelope = EnvelopeCredential
		if slices.Contains(types, "EnvelopedVerifiablePresentation") {
			f.Envelope = EnvelopePresentation
		}
		f.Enveloped = true
		id := stringMember(m["id"])
		mt, ok := strings.CutPrefix(id, "data:")
		if i := strings.IndexAny(mt, ";,"); ok && i > 0 {
			f.Mechanism = strings.TrimPrefix(mt[:i], "application/")
			return f, nil
		}
		return Format{}, fmt.Errorf("detect: %w: %s without a data: URL id", ErrMalformed, types[0])
	case m["type"] == nil:
		return Format{}, fmt.Errorf("detect: %w: a JSON object with no type (neither a credential, a presentation nor a JWS)", ErrMalformed)
	default:
		return Format{}, fmt.Errorf("detect: %w: a JSON object of type %q: neither VerifiableCredential nor VerifiablePresentation", ErrMalformed, types)
	}
	if m["proof"] == nil {
		return f, nil
	}
	var proofs []json.RawMessage
	if t := bytes.TrimLeft(m["proof"], " \t\r\n"); len(t) > 0 && t[0] == '[' {
		proofs = objectOrList(m["proof"])
	} else {
		proofs = []json.RawMessage{m["proof"]}
	}
	for i, raw := range proofs {
		var p struct {
			Type        any    `json:"type"`
			Cryptosuite string `json:"cryptosuite"`
		}
		if json.Unmarshal(raw, &p) != nil {
			return Format{}, fmt.Errorf("detect: %w: proof %d is not an object", ErrMalformed, i)
		}
		typ, _ := p.Type.(string)
		switch {
		case typ == "DataIntegrityProof" && p.Cryptosuite != "":
			f.Proofs = append(f.Proofs, p.Cryptosuite)
		case typ == "DataIntegrityProof":
			return Format{}, fmt.Errorf("detect: %w: DataIntegrityProof without a cryptosuite at $.proof", ErrMalformed)
		case typ != "":
			f.Proofs = append(f.Proofs, typ)
		default:
			return Format{}, fmt.Errorf("detect: %w: proof without a type (a string) at $.proof", ErrMalformed)
		}
	}
	if len(f.Proofs) == 0 {
		return Format{}, fmt.Errorf("detect: %w: empty proof array", ErrMalformed)
	}
	f.Mechanism = f.Proofs[0]
	if len(f.Proofs) == 1 {
		f.Proofs = nil
	}
	return f, nil
}

// isJAdESHeader reports whether name is a header parameter ETSI TS 119
// 182-1 (JAdES) adds to JWS; any of them in the protected header makes a
// JAdES signature.
func isJAdESHeader(name string) bool {
	switch name {
	case "sigT", "sigD", "adoTst", "sigPId", "sigPl", "srCms", "srAts", "sigX5ts", "x5t#o":
		return true
	}
	return false
}

func detectJWSJSON(m map[string]json.RawMessage, general bool) (Format, error) {
	f := Format{Serialization: SerializationJWSJSONFlattened}
	protected, header := m["protected"], m["header"]
	if general {
		f.Serialization = SerializationJWSJSON
		var first json.RawMessage
		_ = jsonx.Elements(m["signatures"], func(_ int, v []byte) bool {
			first = v
			return false
		})
		sig, err := topMembers(first, "protected", "header")
		if first == nil || err != nil {
			return Format{}, fmt.Errorf("detect: %w: JWS JSON signatures must be a non-empty array of objects", ErrMalformed)
		}
		protected, header = sig["protected"], sig["header"]
	}
	var ph map[string]json.RawMessage
	if protected != nil {
		var enc string
		if json.Unmarshal(protected, &enc) != nil {
			return Format{}, fmt.Errorf("detect: %w: JWS protected header is not a string", ErrMalformed)
		}
		h, err := decodeHeader(enc, "JWS protected header")
		if err != nil {
			return Format{}, err
		}
		ph = h
	}
	f.Typ, f.Alg = stringMember(ph["typ"]), stringMember(ph["alg"])
	if err := checkAlg(f.Alg); err != nil {
		return Format{}, err
	}
	jades := false
	for name := range ph {
		if isJAdESHeader(name) {
			jades = true
		}
	}
	if header != nil {
		if u, _ := topMembers(header, "etsiU"); u["etsiU"] != nil {
			jades = true
		}
	}
	// The payload: a base64url string, or with b64:false (RFC 7797) the
	// JSON text itself as a JSON string.
	b64 := true
	if raw := ph["b64"]; raw != nil && string(bytes.TrimSpace(raw)) == "false" {
		b64 = false
	}
	if m["payload"] == nil {
		return Format{}, fmt.Errorf("detect: %w: JWS JSON with a detached payload (no payload member)", ErrMalformed)
	}
	body, err := jsonx.Unquote(m["payload"])
	if err != nil {
		return Format{}, fmt.Errorf("detect: %w: JWS payload is not a string", ErrMalformed)
	}
	if b64 {
		if body, err = base64.RawURLEncoding.DecodeString(string(body)); err != nil {
			return Format{}, fmt.Errorf("detect: %w: JWS payload is not base64url: %v", ErrMalformed, err)
		}
	}
	env, version, claim, err := payloadEnvelope(body)
	if err != nil {
		return Format{}, err
	}
	f.Envelope, f.Version = env, version
	switch typ := normTyp(f.Typ); {
	case jades:
		f.Mechanism = "jades"
	case typ == "vc+jwt" || typ == "vp+jwt":
		f.Mechanism = typ
	case (typ == "" || typ == "jwt") && claim:
		f.Mechanism = "jwt_vc_json"
		if env == EnvelopePresentation {
			f.Mechanism = "jwt_vp_json"
		}
	default:
		return Format{}, fmt.Errorf("detect: %w: JWS JSON serialization with typ %q and no JAdES header (sigT, sigD, adoTst…)", ErrMalformed, f.Typ)
	}
	return f, nil
}

// payloadEnvelope reads the top level of a JSON payload: a credential or
// presentation (type), or JWT claims with vc / vp (claim true).
func payloadEnvelope(body []byte) (env Envelope, v Version, claim bool, err error) {
	if err := jsonx.Check(body, jsonx.Limits{}); err != nil {
		return "", "", false, fmt.Errorf("detect: %w: payload: %w", ErrMalformed, err)
	}
	m, err := topMembers(body, "@context", "type", "vc", "vp", "vct")
	if err != nil {
		return "", "", false, fmt.Errorf("detect: %w: payload: %v", ErrMalformed, err)
	}
	switch {
	case m["vc"] != nil:
		return EnvelopeCredential, versionOf(memberOf(m["vc"], "@context")), true, nil
	case m["vp"] != nil:
		return EnvelopePresentation, versionOf(memberOf(m["vp"], "@context")), true, nil
	}
	types, _ := stringOrList(m["type"])
	switch {
	case slices.Contains(types, "VerifiablePresentation"):
		return EnvelopePresentation, versionOf(m["@context"]), false, nil
	case slices.Contains(types, "VerifiableCredential"):
		return EnvelopeCredential, versionOf(m["@context"]), false, nil
	case m["vct"] != nil:
		return EnvelopeCredential, "", false, nil
	}
	return "", "", false, fmt.Errorf("detect: %w: payload is neither a credential, a presentation, nor JWT claims with vc or vp", ErrMalformed)
}

// normTyp lower-cases a JOSE typ and drops the optional "application/"
// (RFC 7515 §4.1.9).
func normTyp(typ string) string {
	t := strings.ToLower(typ)
	return strings.TrimPrefix(t, "application/")
}

func checkAlg(alg string) error {
	switch {
	case alg == "":
		return fmt.Errorf("detect: %w: JOSE header without alg", ErrMalformed)
	case strings.EqualFold(alg, "none"):
		return fmt.Errorf("detect: %w: alg \"none\" is not a signature", ErrMalformed)
	}
	return nil
}

func decodeHeader(enc, what string) (map[string]json.RawMessage, error) {
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("detect: %w: %s is not base64url: %v", ErrMalformed, what, err)
	}
	if err := jsonx.Check(b, jsonx.Limits{MaxBytes: 64 << 10}); err != nil {
		return nil, fmt.Errorf("detect: %w: %s: %w", ErrMalformed, what, err)
	}
	var h map[string]json.RawMessage
	if json.Unmarshal(b, &h) != nil {
		return nil, fmt.Errorf("detect: %w: %s is not a JSON object", ErrMalformed, what)
	}
	return h, nil
}

// compactParts splits a compact JWS and decodes its header.
func compactParts(s []byte, what string) (header map[string]json.RawMessage, payload []byte, err error) {
	parts := bytes.Split(s, []byte("."))
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("detect: %w: %s has %d dot-separated parts, a compact JWS has 3", ErrMalformed, what, len(parts))
	}
	for i, p := range parts {
		if i < 2 && len(p) == 0 || !isBase64URL(p) {
			return nil, nil, fmt.Errorf("detect: %w: %s part %d is not base64url", ErrMalformed, what, i+1)
		}
	}
	h, err := decodeHeader(string(parts[0]), what+" header")
	if err != nil {
		return nil, nil, err
	}
	return h, parts[1], nil
}

// isBase64URL reports whether b holds only characters of the base64url
// alphabet (RFC 4648 §5), without padding.
func isBase64URL(b []byte) bool {
	// Eight bytes at a time, OR-ing their table entries: one branch per
	// eight bytes on the tokens of a hundred kilobytes and more.
	var bad byte
	for len(b) >= 8 {
		bad |= notBase64URL[b[0]] | notBase64URL[b[1]] | notBase64URL[b[2]] | notBase64URL[b[3]] |
			notBase64URL[b[4]] | notBase64URL[b[5]] | notBase64URL[b[6]] | notBase64URL[b[7]]
		if bad != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		bad |= notBase64URL[c]
	}
	return bad == 0
}

// notBase64URL is 1 for the bytes outside the base64url alphabet.
var notBase64URL = func() (t [256]byte) {
	for c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			t[c] = 1
		}
	}
	return t
}()

func detectCompact(data []byte) (Format, error) {
	h, payload, err := compactParts(data, "JWS")
	if err != nil {
		return Format{}, err
	}
	f := Format{Serialization: SerializationJWSCompact, Typ: stringMember(h["typ"]), Alg: stringMember(h["alg"])}
	if err := checkAlg(f.Alg); err != nil {
		return Format{}, err
	}
	switch typ := normTyp(f.Typ); {
	case typ == "vc+jwt":
		f.Envelope, f.Mechanism = EnvelopeCredential, typ
	case typ == "vp+jwt":
		f.Envelope, f.Mechanism = EnvelopePresentation, typ
	case typ == "" || typ == "jwt":
		body, err := base64.RawURLEncoding.DecodeString(string(payload))
		if err != nil {
			return Format{}, fmt.Errorf("detect: %w: JWS payload is not base64url", ErrMalformed)
		}
		env, version, claim, err := payloadEnvelope(body)
		if err != nil {
			return Format{}, err
		}
		if !claim {
			return Format{}, fmt.Errorf("detect: %w: a JWT with typ %q and no vc or vp claim", ErrMalformed, f.Typ)
		}
		f.Envelope, f.Version, f.Mechanism = env, version, "jwt_vc_json"
		if env == EnvelopePresentation {
			f.Mechanism = "jwt_vp_json"
		}
	case strings.HasSuffix(typ, "+sd-jwt"):
		return Format{}, fmt.Errorf("detect: %w: a JWS with typ %q but no '~': an SD-JWT is the issuer-signed JWT followed by '~' and its disclosures", ErrMalformed, f.Typ)
	default:
		return Format{}, fmt.Errorf("detect: %w: a compact JWS with typ %q, not a credential or presentation type", ErrMalformed, f.Typ)
	}
	return f, nil
}

func detectSDJWT(data []byte) (Format, error) {
	parts := bytes.Split(data, []byte("~"))
	h, payload, err := compactParts(parts[0], "SD-JWT issuer-signed JWT")
	if err != nil {
		return Format{}, err
	}
	f := Format{Serialization: SerializationSDJWT, Typ: stringMember(h["typ"]), Alg: stringMember(h["alg"])}
	if err := checkAlg(f.Alg); err != nil {
		return Format{}, err
	}
	for i, d := range parts[1 : len(parts)-1] {
		if len(d) == 0 || !isBase64URL(d) {
			return Format{}, fmt.Errorf("detect: %w: SD-JWT disclosure %d is not base64url", ErrMalformed, i+1)
		}
	}
	if kb := parts[len(parts)-1]; len(kb) > 0 {
		kh, _, err := compactParts(kb, "SD-JWT key-binding JWT")
		if err != nil {
			return Format{}, err
		}
		if typ := stringMember(kh["typ"]); typ != "kb+jwt" {
			return Format{}, fmt.Errorf("detect: %w: SD-JWT key-binding JWT has typ %q, want \"kb+jwt\"", ErrMalformed, typ)
		}
		f.KeyBinding = true
	}
	switch typ := normTyp(f.Typ); typ {
	case "dc+sd-jwt", "vc+sd-jwt":
		f.Envelope, f.Mechanism = EnvelopeCredential, typ
	case "vp+sd-jwt":
		f.Envelope, f.Mechanism = EnvelopePresentation, typ
	default:
		if typ != "" && !strings.HasSuffix(typ, "+sd-jwt") {
			return Format{}, fmt.Errorf("detect: %w: an SD-JWT with typ %q, not an SD-JWT type (dc+sd-jwt, vc+sd-jwt, vp+sd-jwt, …+sd-jwt)", ErrMalformed, f.Typ)
		}
		body, err := base64.RawURLEncoding.DecodeString(string(payload))
		if err != nil {
			return Format{}, fmt.Errorf("detect: %w: SD-JWT payload is not base64url", ErrMalformed)
		}
		if err := jsonx.Check(body, jsonx.Limits{}); err != nil {
			return Format{}, fmt.Errorf("detect: %w: SD-JWT payload: %w", ErrMalformed, err)
		}
		m, err := topMembers(body, "@context", "type")
		if err != nil {
			return Format{}, fmt.Errorf("detect: %w: SD-JWT payload is not a JSON object", ErrMalformed)
		}
		types, _ := stringOrList(m["type"])
		f.Envelope, f.Version, f.Mechanism = EnvelopeCredential, versionOf(m["@context"]), "sd-jwt"
		if slices.Contains(types, "VerifiablePresentation") {
			f.Envelope = EnvelopePresentation
		}
	}
	return f, nil
}
