package sdjwt

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// This file is SD-JWT as W3C VC-JOSE-COSE §3.2 uses it: the payload is a VC
// Data Model 2.0 credential or presentation itself (with _sd digests), not
// an SD-JWT VC claims set; there is no vct, the typ is vc+sd-jwt or
// vp+sd-jwt, and a kid without a scheme names a key of the issuer (holder).

// Media types of VC-JOSE-COSE secured with SD-JWT.
const (
	// TypVC is the typ of a VC 2.0 credential secured with SD-JWT. The same
	// string was the typ of SD-JWT VC before draft 06 (TypSDJWTVCLegacy):
	// the payload tells them apart (@context here, vct there).
	TypVC = "vc+sd-jwt"
	// TypVP is the typ of a VC 2.0 presentation secured with SD-JWT.
	TypVP = "vp+sd-jwt"
	// CtyVC and CtyVP are the cty values VC and VP write and accept.
	CtyVC = "vc"
	CtyVP = "vp"
)

const contextV2 = "https://www.w3.org/ns/credentials/v2"

// VC is "vc+sd-jwt" (W3C VC-JOSE-COSE §3.2.1) as a credentials.Mechanism: a
// VC 2.0 credential as the payload of an SD-JWT, its Frame's claims behind
// digests. Disclosures, digests and the KB-JWT work as for Mechanism.
//
// The zero value issues with no selectively disclosable claim and verifies
// without requiring key binding unless the VerifyOptions ask for a challenge
// or domain.
type VC struct {
	// Frame is the disclosure frame Sign applies. Paths are into the
	// credential: {"credentialSubject", "address", "street"}.
	Frame Frame
	// RequireKeyBinding makes Verify refuse a credential without a valid
	// KB-JWT (which needs cnf.jwk in the credential). Verify requires one
	// anyway whenever VerifyOptions.Challenge or Domain is set.
	RequireKeyBinding bool
	// KeyBindingMaxAge bounds how old a KB-JWT's iat may be. Zero means
	// DefaultKeyBindingMaxAge.
	KeyBindingMaxAge time.Duration
}

// VP is "vp+sd-jwt" (W3C VC-JOSE-COSE §3.2.2) as a credentials.Mechanism: a
// VC 2.0 presentation, signed by its holder, as the payload of an SD-JWT.
// Its credentials are enveloped (EnvelopedVerifiableCredential) or carry
// their own proofs; VP checks that, and each is verified by its own
// mechanism. The zero value issues with no selectively disclosable claim.
type VP struct {
	// Frame is the disclosure frame Sign applies: {"holder"},
	// {"verifiableCredential", 0}.
	Frame Frame
	// KeyBindingMaxAge bounds how old a KB-JWT's iat may be when the
	// presentation carries one. Zero means DefaultKeyBindingMaxAge.
	KeyBindingMaxAge time.Duration
}

var (
	_ credentials.Mechanism = VC{}
	_ credentials.Mechanism = VP{}
)

// Name returns "vc+sd-jwt".
func (VC) Name() string { return TypVC }

// Name returns "vp+sd-jwt".
func (VP) Name() string { return TypVP }

// vcFixed are the members of a credential VC never puts behind a digest:
// those a verifier needs to validate it (VC-JOSE-COSE §3.2.1 names
// @context, type, credentialStatus, credentialSchema and relatedResource;
// issuer and the validity period are needed as much), and the JWT claims
// SD-JWT itself relies on.
var vcFixed = map[string]bool{
	"@context": true, "type": true, "issuer": true, "credentialStatus": true, "credentialSchema": true,
	"relatedResource": true, "validFrom": true, "validUntil": true,
	"iss": true, "iat": true, "nbf": true, "exp": true, "cnf": true,
}

// vpFixed are the members of a presentation VP never puts behind a digest.
// holder may be: iss then names the holder in the clear.
var vpFixed = map[string]bool{
	"@context": true, "type": true, "iss": true, "iat": true, "nbf": true, "exp": true,
	"nonce": true, "aud": true, "cnf": true,
}

// vcNoDisclosure are the members of a credential whose Disclosure Verify
// refuses, sub-claims included: an issuer that made them selectively
// disclosable lets a holder change what the credential means (@context),
// who vouches for it (issuer, iss), which schema it must meet
// (credentialSchema, relatedResource) or escape revocation and expiry
// (credentialStatus, validFrom, validUntil, nbf, exp), or choose the holder
// key (cnf), by leaving them out. type may be disclosed (the
// recommendation's own example does).
var vcNoDisclosure = []string{"@context", "issuer", "credentialStatus", "credentialSchema", "relatedResource", "validFrom", "validUntil", "iss", "nbf", "exp", "cnf"}

// vpNoDisclosure is the same for a presentation. holder and type may be
// disclosed (the W3C test suite's presentations do both).
var vpNoDisclosure = []string{"@context", "iss", "nbf", "exp", "cnf"}

// Sign secures the VC 2.0 credential doc as an SD-JWT with key: typ
// vc+sd-jwt, cty vc, kid key.ID, x5c key.Chain. The claims in m.Frame become
// Disclosures; nothing else is added but _sd_alg (no iss, iat or exp: the
// credential's own issuer, validFrom and validUntil say it). It returns the
// SD-JWT with every Disclosure, ending in ~.
//
// Errors wrap credentials.ErrMalformed for a document that is not a VC 2.0
// credential (@context not starting with the v2 context, no
// VerifiableCredential type, no issuer or credentialSubject, a vc or vp
// member, an iss other than the issuer) or a frame that would hide a member
// listed above; ErrUnsupportedKey for a key whose id is a URL of someone
// other than the issuer, or of an unsupported type. Challenge and Domain
// belong to a presentation: setting them is an error.
func (m VC) Sign(ctx context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := signVC2(doc, key, opts, m.Frame, false)
	if err != nil {
		return nil, fmt.Errorf("vc+sd-jwt: %w", err)
	}
	return []byte(s), nil
}

// Sign secures the VC 2.0 presentation doc as an SD-JWT with the holder's
// key: typ vp+sd-jwt, cty vp. When the frame hides holder and the
// presentation has no iss, iss is set to the holder so that the key can
// still be bound to it. opts.Challenge and opts.Domain, when set, become the
// nonce and aud claims. Every credential the presentation carries must be
// secured. Errors are as for VC.Sign.
func (m VP) Sign(ctx context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := signVC2(doc, key, opts, m.Frame, true)
	if err != nil {
		return nil, fmt.Errorf("vp+sd-jwt: %w", err)
	}
	return []byte(s), nil
}

func signVC2(doc []byte, key credentials.SigningKey, opts credentials.SignOptions, frame Frame, vp bool) (string, error) {
	if key.Signer == nil {
		return "", fmt.Errorf("no signer: %w", credentials.ErrUnsupportedKey)
	}
	if _, err := algFor(key.Signer.Public()); err != nil {
		return "", err
	}
	m, err := decodeClaims(doc)
	if err != nil {
		return "", err
	}
	owner, err := vc2Document(m, vp)
	if err != nil {
		return "", err
	}
	if base, _, _ := strings.Cut(key.ID, "#"); hasScheme(key.ID) && base != owner {
		return "", fmt.Errorf("key %q is not a key of %q: %w", key.ID, owner, credentials.ErrUnsupportedKey)
	}
	typ, cty, fixed := TypVC, CtyVC, vcFixed
	if vp {
		typ, cty, fixed = TypVP, CtyVP, vpFixed
		if err := checkSecuredCredentials(m); err != nil {
			return "", err
		}
		for _, c := range [][2]string{{"nonce", opts.Challenge}, {"aud", opts.Domain}} {
			if c[1] == "" {
				continue
			}
			if _, ok := m[c[0]]; ok {
				return "", malformed("the presentation already has a %s member", c[0])
			}
			m[c[0]] = c[1]
		}
		if _, ok := m["iss"]; !ok && hidesTop(frame, "holder") {
			m["iss"] = owner
		}
	} else if opts.Challenge != "" || opts.Domain != "" {
		return "", malformed("challenge and domain belong to a presentation (vp+sd-jwt or a KB-JWT), not to a credential")
	}
	return secure(m, frame, fixed, jwsHeader{Typ: typ, Cty: cty}, key)
}

// hidesTop reports whether frame makes the top-level member name
// selectively disclosable.
func hidesTop(frame Frame, name string) bool {
	for _, p := range frame.Disclosable {
		if len(p) == 1 && p[0] == name {
			return true
		}
	}
	return false
}

// Verify checks a vc+sd-jwt, in this order: form; typ vc+sd-jwt and cty vc
// when present (either with or without "application/"); the Disclosures
// against the digests; the issuer (issuer or issuer.id, equal to iss when
// both are present); its key, from x5c (the leaf must name the issuer) or
// else from r by kid, a kid without a scheme meaning issuer#kid, or by the
// issuer when there is no kid, the controller being the issuer; the
// signature; the document (VC 2.0 context first, type VerifiableCredential,
// credentialSubject, no vc or vp claim, none of @context, issuer,
// credentialStatus, credentialSchema, relatedResource, validFrom,
// validUntil, iss, nbf, exp, cnf nor anything within them disclosed); exp,
// nbf and iat
// (NumericDate, or an RFC 3339 string as some issuers write them) against
// opts.Now and opts.Skew; and the KB-JWT, when present or required, against
// cnf.jwk, opts.Challenge and opts.Domain. validFrom and validUntil are left
// to the verifier's checks, as for vc+jwt.
//
// Verified.Document is the credential with the disclosed claims in place
// (_sd and _sd_alg removed); Details holds "typ", "cty", "disclosed",
// "disclosures" and "key_binding" as for Mechanism. Errors wrap
// credentials.ErrMalformed, ErrUnknownKey, ErrInvalidProof, ErrExpired or
// ErrNotYetValid.
func (m VC) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	v, err := verifyVC2(ctx, secured, r, opts, vc2Options{requireKB: m.RequireKeyBinding, kbMaxAge: m.KeyBindingMaxAge})
	if err != nil {
		return nil, fmt.Errorf("vc+sd-jwt: %w", err)
	}
	return v, nil
}

// Verify checks a vp+sd-jwt as VC.Verify does a vc+sd-jwt, with the holder
// (holder or holder.id, else iss) in place of the issuer, type
// VerifiablePresentation, and in addition: every credential it carries is
// secured (an EnvelopedVerifiableCredential with a data: URL of a secured
// media type, or a credential with a proof), and opts.Challenge and
// opts.Domain, when set, equal the KB-JWT's nonce and aud if there is one,
// or else the presentation's own nonce and aud claims. The credentials
// themselves are not verified here: each goes to its own mechanism.
func (m VP) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	v, err := verifyVC2(ctx, secured, r, opts, vc2Options{vp: true, kbMaxAge: m.KeyBindingMaxAge})
	if err != nil {
		return nil, fmt.Errorf("vp+sd-jwt: %w", err)
	}
	return v, nil
}

type vc2Options struct {
	vp        bool
	requireKB bool
	kbMaxAge  time.Duration
}

func verifyVC2(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions, o vc2Options) (*credentials.Verified, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name, cty, purpose, noDisclosure := TypVC, CtyVC, "assertionMethod", vcNoDisclosure
	if o.vp {
		name, cty, purpose, noDisclosure = TypVP, CtyVP, "authentication", vpNoDisclosure
	}
	if opts.Purpose != "" && opts.Purpose != purpose {
		return nil, invalid("proof purpose %q does not apply to %s, which proves %q", opts.Purpose, name, purpose)
	}
	sd, err := parse(string(secured))
	if err != nil {
		return nil, err
	}
	if !mediaTypeIs(sd.Header.Typ, name) {
		return nil, malformed("header typ %q, want %q", sd.Header.Typ, name)
	}
	if sd.Header.Cty != "" && !mediaTypeIs(sd.Header.Cty, cty) {
		return nil, malformed("header cty %q, want %q", sd.Header.Cty, cty)
	}
	proc, err := sd.process()
	if err != nil {
		return nil, err
	}
	owner, err := vc2Document(proc.Claims, o.vp)
	if err != nil {
		return nil, err
	}
	out := &credentials.Verified{Mechanism: name, Issuer: owner, Details: map[string]string{"typ": sd.Header.Typ, "cty": sd.Header.Cty}}
	if err := issuerKey(ctx, r, sd.Header, owner, true, out); err != nil {
		return nil, err
	}
	if err := sd.jws.verify("issuer-signed JWT", out.Key); err != nil {
		return nil, err
	}
	if err := refuseDisclosed(proc, noDisclosure, "VC-JOSE-COSE"); err != nil {
		return nil, err
	}
	if o.vp {
		if err := checkSecuredCredentials(proc.Claims); err != nil {
			return nil, err
		}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()
	if out.Signed, err = checkTimes(sd.Payload, t, opts.Skew, dateOrRFC3339); err != nil {
		return nil, err
	}
	needKB := o.requireKB || !o.vp && (opts.Challenge != "" || opts.Domain != "")
	switch {
	case sd.KeyBinding != "" || needKB:
		if _, err := sd.verifyKB(KeyBindingOptions{Nonce: opts.Challenge, Audience: opts.Domain, Now: func() time.Time { return t }, Skew: opts.Skew, MaxAge: o.kbMaxAge}); err != nil {
			return nil, err
		}
		out.Details["key_binding"] = "verified"
	default:
		if err := checkPresentationBinding(proc.Claims, opts); err != nil {
			return nil, err
		}
		out.Details["key_binding"] = "absent"
	}
	doc, err := jsonRaw(proc.Claims)
	if err != nil {
		return nil, err
	}
	out.Document = doc
	out.Details["disclosed"] = strings.Join(proc.DisclosedPaths(), ", ")
	out.Details["disclosures"] = strconv.Itoa(len(proc.Disclosed))
	return out, nil
}

// vc2Document checks what a VC 2.0 credential (or, with vp, presentation)
// secured by VC-JOSE-COSE must and must not have, and returns the issuer
// (holder, or iss for a presentation without a holder) it names. Errors
// wrap credentials.ErrMalformed.
func vc2Document(m map[string]any, vp bool) (string, error) {
	for _, c := range []string{"vc", "vp"} {
		if _, ok := m[c]; ok {
			return "", malformed("document has a %s member: the payload is the credential or presentation itself, not a VC 1.1 JWT", c)
		}
	}
	if first := firstContext(m["@context"]); first != contextV2 {
		return "", malformed("@context starts with %q, want %q", first, contextV2)
	}
	kind, role := "VerifiableCredential", "issuer"
	if vp {
		kind, role = "VerifiablePresentation", "holder"
	}
	if !hasType(m["type"], kind) {
		return "", malformed("type does not include %s", kind)
	}
	owner, err := idOf(m[role], role)
	if err != nil {
		return "", err
	}
	iss, ok := m["iss"].(string)
	if !ok && m["iss"] != nil {
		return "", malformed("claim iss is not a string")
	}
	switch {
	case owner == "" && !vp:
		return "", malformed("credential has no issuer")
	case owner == "" && iss == "":
		return "", malformed("presentation has neither holder nor iss")
	case owner == "":
		owner = iss
	case iss != "" && iss != owner:
		return "", malformed("iss %q does not match %s %q", iss, role, owner)
	}
	if _, ok := m["credentialSubject"]; !vp && !ok {
		return "", malformed("credential has no credentialSubject")
	}
	return owner, nil
}

func firstContext(v any) string {
	switch c := v.(type) {
	case string:
		return c
	case []any:
		if len(c) > 0 {
			s, _ := c[0].(string)
			return s
		}
	}
	return ""
}

func hasType(v any, want string) bool {
	switch t := v.(type) {
	case string:
		return t == want
	case []any:
		for _, e := range t {
			if e == want {
				return true
			}
		}
	}
	return false
}

// idOf reads issuer or holder: a URL string, or an object with an id.
func idOf(v any, name string) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case map[string]any:
		if id, ok := t["id"].(string); ok && id != "" {
			return id, nil
		}
		return "", malformed("%s is an object without an id", name)
	}
	return "", malformed("%s is neither a URL nor an object with an id", name)
}

// securedMediaTypes are the media types of an enveloped credential that
// carry a securing mechanism; "application/vc" alone is unsecured.
var securedMediaTypes = map[string]bool{
	"application/vc+jwt": true, "application/vc+sd-jwt": true, "application/dc+sd-jwt": true, "application/vc+cose": true,
}

// checkSecuredCredentials checks that every verifiableCredential of a
// presentation is secured: an EnvelopedVerifiableCredential whose id is a
// data: URL of a secured media type, or a credential with a proof. Errors
// wrap credentials.ErrMalformed.
func checkSecuredCredentials(m map[string]any) error {
	list, ok := m["verifiableCredential"].([]any)
	if !ok {
		if m["verifiableCredential"] == nil {
			return nil
		}
		list = []any{m["verifiableCredential"]}
	}
	for i, e := range list {
		at := Path{"verifiableCredential", i}
		c, ok := e.(map[string]any)
		if !ok {
			return malformed("%s is not an object", at)
		}
		if !hasType(c["type"], "EnvelopedVerifiableCredential") {
			if _, ok := c["proof"]; ok {
				continue
			}
			return malformed("%s is not secured: neither an EnvelopedVerifiableCredential nor a credential with a proof", at)
		}
		id, _ := c["id"].(string)
		rest, ok := strings.CutPrefix(id, "data:")
		if !ok {
			return malformed("%s: enveloped credential id %q is not a data: URL", at, shorten(id))
		}
		meta, data, ok := strings.Cut(rest, ",")
		mt, _, _ := strings.Cut(meta, ";")
		if mt = strings.ToLower(strings.TrimSpace(mt)); !securedMediaTypes[mt] {
			return malformed("%s: enveloped credential media type %q is not a secured credential type", at, mt)
		}
		if !ok || strings.TrimSpace(data) == "" {
			return malformed("%s: enveloped credential data: URL carries no data", at)
		}
	}
	return nil
}

// checkPresentationBinding compares a presentation's own nonce and aud
// claims with opts.Challenge and opts.Domain, when set. Errors wrap
// credentials.ErrInvalidProof.
func checkPresentationBinding(m map[string]any, opts credentials.VerifyOptions) error {
	if opts.Challenge != "" {
		if nonce, _ := m["nonce"].(string); nonce != opts.Challenge {
			return invalid("nonce %q is not the challenge %q", nonce, opts.Challenge)
		}
	}
	if opts.Domain != "" {
		switch aud := m["aud"].(type) {
		case string:
			if aud == opts.Domain {
				return nil
			}
		case []any:
			for _, a := range aud {
				if a == opts.Domain {
					return nil
				}
			}
		}
		return invalid("aud %v does not name the domain %q", m["aud"], opts.Domain)
	}
	return nil
}

// mediaTypeIs compares a typ or cty value with a media type, ignoring case
// and the optional "application/" prefix (RFC 7515 §4.1.9).
func mediaTypeIs(got, want string) bool {
	return strings.TrimPrefix(strings.ToLower(got), "application/") == want
}

// dateOrRFC3339 reads a JWT time claim as a NumericDate or, as some
// VC-JOSE-COSE issuers write it (the W3C test suite among them), an RFC
// 3339 date-time string.
func dateOrRFC3339(v any) (time.Time, error) {
	if s, ok := v.(string); ok {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is neither a NumericDate nor an RFC 3339 date-time", s)
		}
		return t, nil
	}
	return numericDate(v)
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
