package jose

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Format identifiers of the VC Data Model 1.1 JWT encoding, as OpenID4VCI
// names them.
const (
	FormatJWTVC = "jwt_vc_json"
	FormatJWTVP = "jwt_vp_json"
)

var (
	// jwtVCSignAlgs are the algorithms jwt_vc_json signs with: ES256
	// (EBSI's mandatory one), ES256K and EdDSA.
	jwtVCSignAlgs = []string{ES256, ES256K, EdDSA}
	// jwtVCVerifyAlgs adds RSA for verifying tokens of other issuers.
	jwtVCVerifyAlgs = []string{ES256, ES256K, EdDSA, RS256, PS256}
)

// JWTVCJSON is the "jwt_vc_json" mechanism: a credential in the vc claim of
// a JWT whose registered claims stand for some of its properties (VC Data
// Model 1.1 §6.3): iss ↔ issuer, sub ↔ credentialSubject.id, nbf ↔
// issuanceDate (validFrom for a VC 2.0 credential), exp ↔ expirationDate
// (validUntil), jti ↔ id. This is the form EBSI and OpenID4VCI use. The zero
// value is ready to use.
type JWTVCJSON struct {
	// Limits bounds what Verify reads; the zero value means defaults.
	Limits Limits
}

// JWTVPJSON is the "jwt_vp_json" mechanism: a presentation in the vp claim,
// with iss ↔ holder, jti ↔ id, nonce ↔ challenge and aud ↔ domain. The zero
// value is ready to use.
type JWTVPJSON struct {
	// Limits bounds what Verify reads; the zero value means defaults.
	Limits Limits
}

var (
	_ credentials.Mechanism = JWTVCJSON{}
	_ credentials.Mechanism = JWTVPJSON{}
)

// Name returns "jwt_vc_json".
func (JWTVCJSON) Name() string { return FormatJWTVC }

// Name returns "jwt_vp_json".
func (JWTVPJSON) Name() string { return FormatJWTVP }

// jwtClaims is the claim set jwt_vc_json and jwt_vp_json write, in this
// order.
type jwtClaims struct {
	Iss   string          `json:"iss,omitempty"`
	Sub   string          `json:"sub,omitempty"`
	Jti   string          `json:"jti,omitempty"`
	Aud   string          `json:"aud,omitempty"`
	Nonce string          `json:"nonce,omitempty"`
	Nbf   *int64          `json:"nbf,omitempty"`
	Exp   *int64          `json:"exp,omitempty"`
	Iat   int64           `json:"iat"`
	VC    json.RawMessage `json:"vc,omitempty"`
	VP    json.RawMessage `json:"vp,omitempty"`
}

func nowOf(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return time.Now()
}

// Sign encodes the credential doc as VC Data Model 1.1 §6.3.1 describes:
// iss from issuer, sub from credentialSubject.id (a single subject), jti
// from id, nbf from issuanceDate (or validFrom), exp from expirationDate (or
// validUntil), iat from opts.Now, and the whole credential, unchanged, in
// the vc claim (EBSI reads its properties there). typ is "JWT", kid is
// key.ID. The key picks the algorithm: P-256 ES256, secp256k1 ES256K,
// Ed25519 EdDSA; others are refused with credentials.ErrUnsupportedKey.
func (m JWTVCJSON) Sign(_ context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	vc, claims, err := compactJSON(doc, m.Limits)
	if err != nil {
		return nil, err
	}
	for _, c := range []string{"vc", "vp"} {
		if _, ok := claims[c]; ok {
			return nil, fmt.Errorf("%w: the credential has a %s member: pass the credential, not a JWT claim set", credentials.ErrMalformed, c)
		}
	}
	issuer, err := idOf(claims, "issuer")
	if err != nil {
		return nil, err
	}
	if issuer == "" {
		return nil, fmt.Errorf("%w: credential has no issuer", credentials.ErrMalformed)
	}
	if err := checkSigningKeyID(key.ID, issuer); err != nil {
		return nil, err
	}
	out := jwtClaims{Iss: issuer, Iat: nowOf(opts.Now).Unix(), VC: vc}
	if out.Jti, err = stringClaim(claims, "id"); err != nil {
		return nil, err
	}
	if out.Sub, err = subjectID(claims); err != nil {
		return nil, err
	}
	if out.Nbf, err = unixOf(claims, "issuanceDate", "validFrom"); err != nil {
		return nil, err
	}
	if out.Exp, err = unixOf(claims, "expirationDate", "validUntil"); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	tok, _, err := signCompact(FormatJWTVC, key, jwtVCSignAlgs, protected{typ: "JWT"}, payload)
	return tok, err
}

// Sign encodes the presentation doc: iss from holder (or, without holder,
// the DID of key.ID), jti from id, nonce and aud from opts.Challenge and
// opts.Domain, iat from opts.Now, and the presentation in the vp claim.
func (m JWTVPJSON) Sign(_ context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	vp, claims, err := compactJSON(doc, m.Limits)
	if err != nil {
		return nil, err
	}
	for _, c := range []string{"vc", "vp"} {
		if _, ok := claims[c]; ok {
			return nil, fmt.Errorf("%w: the presentation has a %s member: pass the presentation, not a JWT claim set", credentials.ErrMalformed, c)
		}
	}
	holder, err := idOf(claims, "holder")
	if err != nil {
		return nil, err
	}
	if holder == "" && hasScheme(key.ID) {
		holder = withoutFragment(key.ID)
	}
	if err := checkSigningKeyID(key.ID, holder); err != nil {
		return nil, err
	}
	if err := check11Credentials(claims); err != nil {
		return nil, err
	}
	out := jwtClaims{Iss: holder, Aud: opts.Domain, Nonce: opts.Challenge, Iat: nowOf(opts.Now).Unix(), VP: vp}
	if out.Jti, err = stringClaim(claims, "id"); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	tok, _, err := signCompact(FormatJWTVP, key, jwtVCSignAlgs, protected{typ: "JWT"}, payload)
	return tok, err
}

// Verify checks a jwt_vc_json token: header (alg among ES256, ES256K,
// EdDSA, RS256, PS256; typ "JWT" or absent; no crit), a vc claim that is an
// object, iss (or vc.issuer) naming the issuer, with no conflict between a
// claim and the property it stands for, the key of kid or x5c belonging to
// the issuer, the signature, and nbf, exp and iat. Verified.Document is the
// credential decoded as §6.3.1 says: the vc claim with issuer, issuanceDate,
// expirationDate, id and credentialSubject.id set from the claims.
func (m JWTVCJSON) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if err := checkPurpose(FormatJWTVC, opts.Purpose, "assertionMethod"); err != nil {
		return nil, err
	}
	return verifyJWT11(ctx, secured, r, opts, m.Limits, false)
}

// Verify checks a jwt_vp_json token as JWTVCJSON.Verify does a credential,
// with the vp claim and the holder, and in addition nonce and aud against
// opts.Challenge and opts.Domain when they are set. The credentials it
// carries must be secured (JWT strings or credentials with a proof); they
// are not verified here.
func (m JWTVPJSON) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if err := checkPurpose(FormatJWTVP, opts.Purpose, "authentication"); err != nil {
		return nil, err
	}
	return verifyJWT11(ctx, secured, r, opts, m.Limits, true)
}

func verifyJWT11(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions, lim Limits, vp bool) (*credentials.Verified, error) {
	name, claim, other, role := FormatJWTVC, "vc", "vp", "issuer"
	if vp {
		name, claim, other, role = FormatJWTVP, "vp", "vc", "holder"
	}
	tok, err := parseCompact(secured, lim)
	if err != nil {
		return nil, err
	}
	h := &tok.header
	if err := checkCrit(h); err != nil {
		return nil, err
	}
	if err := checkAlg(name, h.Alg, jwtVCVerifyAlgs); err != nil {
		return nil, err
	}
	if h.Typ != "" && !mediaTypeIs(h.Typ, "jwt") {
		return nil, fmt.Errorf("%w: header typ %q, want \"JWT\" or none", credentials.ErrMalformed, h.Typ)
	}
	claims, err := claimsOf(tok.payload)
	if err != nil {
		return nil, err
	}
	if _, ok := claims[other]; ok {
		return nil, fmt.Errorf("%w: payload of %s has a %s claim", credentials.ErrMalformed, name, other)
	}
	inner, err := objectClaim(claims, claim)
	if err != nil {
		return nil, err
	}
	iss, err := stringClaim(claims, "iss")
	if err != nil {
		return nil, err
	}
	prop, err := idOf(inner, role)
	if err != nil {
		return nil, err
	}
	owner := iss
	switch {
	case iss == "" && prop == "":
		return nil, fmt.Errorf("%w: payload has neither iss nor %s.%s", credentials.ErrMalformed, claim, role)
	case iss == "":
		owner = prop
	case prop != "" && prop != iss:
		return nil, fmt.Errorf("%w: iss %q does not match %s.%s %q", credentials.ErrMalformed, iss, claim, role, prop)
	}
	if err := sameAs(claims, "jti", inner, "id", claim); err != nil {
		return nil, err
	}
	subject := ""
	if vp {
		if err := check11Credentials(inner); err != nil {
			return nil, err
		}
	} else {
		sub, err := stringClaim(claims, "sub")
		if err != nil {
			return nil, err
		}
		if subject, _ = subjectID(inner); sub != "" && subject != "" && sub != subject {
			return nil, fmt.Errorf("%w: sub %q does not match vc.credentialSubject.id %q", credentials.ErrMalformed, sub, subject)
		}
	}
	k, err := resolveKey(ctx, r, h, owner)
	if err != nil {
		return nil, err
	}
	if err := verifyToken(tok, k); err != nil {
		return nil, err
	}
	iat, err := checkTimes(claims, opts)
	if err != nil {
		return nil, err
	}
	if vp {
		if err := checkBinding(claims, opts); err != nil {
			return nil, err
		}
	}
	doc, err := decode11(claims, inner, vp, prop, subject)
	if err != nil {
		return nil, err
	}
	return &credentials.Verified{
		Mechanism: name,
		Document:  doc,
		Issuer:    k.owner,
		KeyID:     k.id,
		Key:       k.key,
		Chain:     k.chain,
		Signed:    iat,
		Details:   map[string]string{"alg": h.Alg, "typ": h.Typ},
	}, nil
}

// objectClaim decodes the members of a claim that must be a JSON object.
func objectClaim(m map[string]json.RawMessage, name string) (map[string]json.RawMessage, error) {
	v, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("%w: payload has no %s claim", credentials.ErrMalformed, name)
	}
	o, err := membersOf(v)
	if err != nil || o == nil {
		return nil, fmt.Errorf("%w: claim %s is not a JSON object", credentials.ErrMalformed, name)
	}
	return o, nil
}

// membersOf splits a JSON object of checked input into its members, as
// json.Unmarshal into a map[string]json.RawMessage does but without decoding
// the values: null gives a nil map, any other non-object an error.
func membersOf(v json.RawMessage) (map[string]json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	if string(v) == "null" {
		return nil, nil
	}
	o := make(map[string]json.RawMessage, 16)
	err := jsonx.Members(v, func(name string, value []byte) bool {
		o[name] = value
		return true
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// sameAs rejects a claim and the property it stands for when both are
// present and differ.
func sameAs(claims map[string]json.RawMessage, c string, inner map[string]json.RawMessage, p, in string) error {
	a, err := stringClaim(claims, c)
	if err != nil {
		return err
	}
	b, err := stringClaim(inner, p)
	if err != nil {
		return err
	}
	if a != "" && b != "" && a != b {
		return fmt.Errorf("%w: %s %q does not match %s.%s %q", credentials.ErrMalformed, c, a, in, p, b)
	}
	return nil
}

// subjectID returns credentialSubject.id of a credential with one subject
// (an object, or an array of one object); "" otherwise.
func subjectID(m map[string]json.RawMessage) (string, error) {
	v, ok := m["credentialSubject"]
	if !ok {
		return "", nil
	}
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var list []json.RawMessage
		err := jsonx.Elements(v, func(_ int, e []byte) bool {
			list = append(list, e)
			return len(list) < 2
		})
		if err != nil || len(list) != 1 {
			return "", nil
		}
		v = list[0]
	}
	s, err := membersOf(v)
	if err != nil {
		return "", fmt.Errorf("%w: credentialSubject is not an object", credentials.ErrMalformed)
	}
	return stringClaim(s, "id")
}

// unixOf reads the first present of the named date-time properties as a
// NumericDate; nil when none is present.
func unixOf(m map[string]json.RawMessage, names ...string) (*int64, error) {
	for _, n := range names {
		s, err := stringClaim(m, n)
		if err != nil {
			return nil, err
		}
		if s == "" {
			continue
		}
		t, err := parseDateTime(n, s)
		if err != nil {
			return nil, err
		}
		u := t.Unix()
		return &u, nil
	}
	return nil, nil
}

// check11Credentials checks that every credential a VC 1.1 presentation
// carries is secured: a JWT (a string) or an object with a proof.
func check11Credentials(m map[string]json.RawMessage) error {
	list, err := credentialList(m)
	if err != nil {
		return err
	}
	for i, item := range list {
		var s string
		if json.Unmarshal(item, &s) == nil {
			if _, err := ParseHeader([]byte(s), Limits{}); err != nil {
				return fmt.Errorf("verifiableCredential[%d]: %w", i, err)
			}
			continue
		}
		var c map[string]json.RawMessage
		if err := json.Unmarshal(item, &c); err != nil || c == nil {
			return fmt.Errorf("%w: verifiableCredential[%d] is neither a JWT nor an object", credentials.ErrMalformed, i)
		}
		if hasType(c, "EnvelopedVerifiableCredential") {
			id, _ := stringClaim(c, "id")
			if _, err := ParseEnveloped(id); err != nil {
				return fmt.Errorf("verifiableCredential[%d]: %w", i, err)
			}
			continue
		}
		if _, ok := c["proof"]; !ok {
			return fmt.Errorf("%w: verifiableCredential[%d] is not secured: neither a JWT nor a credential with a proof", credentials.ErrMalformed, i)
		}
	}
	return nil
}

// decode11 builds the credential (presentation) a VC 1.1 JWT stands for,
// as VC Data Model 1.1 §6.3.1 says: the vc (vp) claim with the properties
// the registered claims replace set from them. owner and subject are the
// issuer (holder) id and credentialSubject.id the vc claim has already;
// properties that already say what the claims say are left as they are.
func decode11(claims, inner map[string]json.RawMessage, vp bool, owner, subject string) ([]byte, error) {
	out := make(map[string]json.RawMessage, len(inner)+4)
	for k, v := range inner {
		out[k] = v
	}
	set := func(k string, v any) error {
		b, err := json.Marshal(v)
		out[k] = b
		return err
	}
	iss, _ := stringClaim(claims, "iss")
	jti, _ := stringClaim(claims, "jti")
	if old, _ := stringClaim(inner, "id"); jti != "" && jti != old {
		if err := set("id", jti); err != nil {
			return nil, err
		}
	}
	if vp {
		if iss != "" && iss != owner {
			if err := setID(out, "holder", iss); err != nil {
				return nil, err
			}
		}
		return writeObject(out), nil
	}
	if iss != "" && iss != owner {
		if err := setID(out, "issuer", iss); err != nil {
			return nil, err
		}
	}
	v2 := firstContext(inner) == contextV2
	for _, d := range []struct{ claim, v1, v2 string }{{"nbf", "issuanceDate", "validFrom"}, {"exp", "expirationDate", "validUntil"}} {
		t, err := numericDate(claims, d.claim)
		if err != nil {
			return nil, err
		}
		if t.IsZero() {
			continue
		}
		if old, _ := stringClaim(inner, d.v1); old != "" {
			if o, err := parseDateTime(d.v1, old); err == nil && o.Unix() == t.Unix() {
				continue
			}
		}
		switch {
		case !v2:
			err = set(d.v1, timeString(t))
		case out[d.v2] == nil:
			err = set(d.v2, timeString(t))
		}
		if err != nil {
			return nil, err
		}
	}
	if sub, _ := stringClaim(claims, "sub"); sub != "" && sub != subject {
		if err := setSubjectID(out, sub); err != nil {
			return nil, err
		}
	}
	return writeObject(out), nil
}

// writeObject writes members as a JSON object, keys sorted. The values are
// valid JSON already (decoded from checked input or marshalled here), so
// they are copied as they are rather than re-validated by json.Marshal.
func writeObject(m map[string]json.RawMessage) []byte {
	keys := make([]string, 0, len(m))
	size := 2
	for k, v := range m {
		keys = append(keys, k)
		size += len(k) + len(v) + 4
	}
	sort.Strings(keys)
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(k)
		out = append(append(append(out, kb...), ':'), m[k]...)
	}
	return append(out, '}')
}

// setID sets a string-or-object property (issuer, holder) to id, keeping
// the other members of an object.
func setID(m map[string]json.RawMessage, name, id string) error {
	v := bytes.TrimSpace(m[name])
	if len(v) > 0 && v[0] == '{' {
		var o map[string]json.RawMessage
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("%w: %s is not an object", credentials.ErrMalformed, name)
		}
		o["id"], _ = json.Marshal(id)
		m[name] = writeObject(o)
		return nil
	}
	b, err := json.Marshal(id)
	m[name] = b
	return err
}

// setSubjectID sets credentialSubject.id of a credential with one subject.
func setSubjectID(m map[string]json.RawMessage, sub string) error {
	v := bytes.TrimSpace(m["credentialSubject"])
	list := false
	if len(v) > 0 && v[0] == '[' {
		var l []json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil || len(l) != 1 {
			return nil
		}
		v, list = l[0], true
	}
	var o map[string]json.RawMessage
	if len(v) > 0 {
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("%w: credentialSubject is not an object", credentials.ErrMalformed)
		}
	}
	if o == nil {
		o = map[string]json.RawMessage{}
	}
	o["id"], _ = json.Marshal(sub)
	b := writeObject(o)
	if list {
		b = append(append([]byte{'['}, b...), ']')
	}
	m["credentialSubject"] = b
	return nil
}
