package jose

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
)

// Media types and content types of VC-JOSE.
const (
	TypVC = "vc+jwt"
	TypVP = "vp+jwt"
	CtyVC = "vc"
	CtyVP = "vp"
)

// contextV2 is the base context every VC 2.0 document names first.
const contextV2 = "https://www.w3.org/ns/credentials/v2"

// vcJOSEAlgs are the algorithms VC-JOSE signs and verifies with.
var vcJOSEAlgs = []string{EdDSA, ES256, ES384, ES512}

// VCJWT is the "vc+jwt" mechanism: a VC 2.0 credential as the payload of a
// compact JWS (W3C VC-JOSE-COSE §3.1.1), with typ "vc+jwt" and cty "vc".
// The zero value is ready to use.
type VCJWT struct {
	// Limits bounds what Verify reads; the zero value means defaults.
	Limits Limits
}

// VPJWT is the "vp+jwt" mechanism: a VC 2.0 presentation as the payload of
// a compact JWS, its credentials enveloped (EnvelopedVerifiableCredential)
// or carrying their own proofs. The zero value is ready to use.
type VPJWT struct {
	// Limits bounds what Verify reads; the zero value means defaults.
	Limits Limits
}

var (
	_ credentials.Mechanism = VCJWT{}
	_ credentials.Mechanism = VPJWT{}
)

// Name returns "vc+jwt".
func (VCJWT) Name() string { return TypVC }

// Name returns "vp+jwt".
func (VPJWT) Name() string { return TypVP }

// Sign secures the VC 2.0 credential doc as it is (whitespace removed): it
// adds no claims. The signer's key picks the algorithm (Ed25519: EdDSA,
// P-256: ES256, P-384: ES384, P-521: ES512); key.ID goes in kid and must be
// a key of the credential's issuer when it is a DID URL. A credential with
// vc or vp members, or not naming the VC 2.0 context first, is refused with
// an error wrapping credentials.ErrMalformed.
func (m VCJWT) Sign(_ context.Context, doc []byte, key credentials.SigningKey, _ credentials.SignOptions) ([]byte, error) {
	payload, claims, err := compactJSON(doc, m.Limits)
	if err != nil {
		return nil, err
	}
	issuer, err := vc2Document(claims, false)
	if err != nil {
		return nil, err
	}
	if err := checkSigningKeyID(key.ID, issuer); err != nil {
		return nil, err
	}
	tok, _, err := signCompact(TypVC, key, vcJOSEAlgs, protected{typ: TypVC, cty: CtyVC}, payload)
	return tok, err
}

// Sign secures the VC 2.0 presentation doc. When opts sets Challenge or
// Domain they are added as the nonce and aud claims. Every credential it
// carries must be secured (enveloped or with a proof).
func (m VPJWT) Sign(_ context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	payload, claims, err := compactJSON(doc, m.Limits)
	if err != nil {
		return nil, err
	}
	holder, err := vc2Document(claims, true)
	if err != nil {
		return nil, err
	}
	if err := checkSigningKeyID(key.ID, holder); err != nil {
		return nil, err
	}
	var add []member
	if opts.Challenge != "" {
		add = append(add, member{"nonce", opts.Challenge})
	}
	if opts.Domain != "" {
		add = append(add, member{"aud", opts.Domain})
	}
	for _, a := range add {
		if _, ok := claims[a.name]; ok {
			return nil, fmt.Errorf("%w: the presentation already has a %s member", credentials.ErrMalformed, a.name)
		}
	}
	if payload, err = prepend(payload, add); err != nil {
		return nil, err
	}
	tok, _, err := signCompact(TypVP, key, vcJOSEAlgs, protected{typ: TypVP, cty: CtyVP}, payload)
	return tok, err
}

// Verify checks a vc+jwt: header (alg among EdDSA, ES256, ES384, ES512; typ
// "vc+jwt"; cty "vc" if present; no crit), the key named by kid or x5c
// belonging to the issuer, the signature, iss (if present) equal to the
// issuer, no vc or vp claim, and the time claims. Verified.Document is the
// payload as signed.
func (m VCJWT) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if err := checkPurpose(TypVC, opts.Purpose, "assertionMethod"); err != nil {
		return nil, err
	}
	return verifyVC2(ctx, secured, r, opts, m.Limits, false)
}

// Verify checks a vp+jwt as VCJWT.Verify does a vc+jwt, with the holder in
// place of the issuer, and in addition: every credential it carries is
// secured, and nonce and aud equal opts.Challenge and opts.Domain when they
// are set. The credentials themselves are not verified here; ParseEnveloped
// extracts them for their own mechanisms.
func (m VPJWT) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if err := checkPurpose(TypVP, opts.Purpose, "authentication"); err != nil {
		return nil, err
	}
	return verifyVC2(ctx, secured, r, opts, m.Limits, true)
}

func verifyVC2(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions, lim Limits, vp bool) (*credentials.Verified, error) {
	name, typ, cty := TypVC, TypVC, CtyVC
	if vp {
		name, typ, cty = TypVP, TypVP, CtyVP
	}
	tok, err := parseCompact(secured, lim)
	if err != nil {
		return nil, err
	}
	h := &tok.header
	if err := checkCrit(h); err != nil {
		return nil, err
	}
	if err := checkAlg(name, h.Alg, vcJOSEAlgs); err != nil {
		return nil, err
	}
	if !mediaTypeIs(h.Typ, typ) {
		return nil, fmt.Errorf("%w: header typ %q, want %q", credentials.ErrMalformed, h.Typ, typ)
	}
	if h.Cty != "" && !mediaTypeIs(h.Cty, cty) {
		return nil, fmt.Errorf("%w: header cty %q, want %q", credentials.ErrMalformed, h.Cty, cty)
	}
	claims, err := claimsOf(tok.payload)
	if err != nil {
		return nil, err
	}
	owner, err := vc2Document(claims, vp)
	if err != nil {
		return nil, err
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
	return &credentials.Verified{
		Mechanism: name,
		Document:  tok.payload,
		Issuer:    k.owner,
		KeyID:     k.id,
		Key:       k.key,
		Chain:     k.chain,
		Signed:    iat,
		Details:   map[string]string{"alg": h.Alg, "typ": h.Typ},
	}, nil
}

// vc2Document checks the members a VC 2.0 credential (or, with vp, a
// presentation) secured by VC-JOSE must have and must not have, and returns
// the issuer (holder, or iss for a presentation without holder) it names.
func vc2Document(m map[string]json.RawMessage, vp bool) (string, error) {
	for _, c := range []string{"vc", "vp"} {
		if _, ok := m[c]; ok {
			return "", fmt.Errorf("%w: payload has a %s claim: a VC-JOSE payload is the credential or presentation itself, not a VC 1.1 JWT", credentials.ErrMalformed, c)
		}
	}
	if ctx := firstContext(m); ctx != contextV2 {
		return "", fmt.Errorf("%w: @context starts with %q, want %q (VC 1.1 credentials use jwt_vc_json)", credentials.ErrMalformed, ctx, contextV2)
	}
	kind, role := "VerifiableCredential", "issuer"
	if vp {
		kind, role = "VerifiablePresentation", "holder"
	}
	if !hasType(m, kind) {
		return "", fmt.Errorf("%w: type does not include %s", credentials.ErrMalformed, kind)
	}
	owner, err := idOf(m, role)
	if err != nil {
		return "", err
	}
	iss, err := stringClaim(m, "iss")
	if err != nil {
		return "", err
	}
	switch {
	case owner == "" && !vp:
		return "", fmt.Errorf("%w: credential has no issuer", credentials.ErrMalformed)
	case owner == "" && iss == "":
		return "", fmt.Errorf("%w: presentation has neither holder nor iss", credentials.ErrMalformed)
	case owner == "":
		owner = iss
	case iss != "" && iss != owner:
		return "", fmt.Errorf("%w: iss %q does not match %s %q", credentials.ErrMalformed, iss, role, owner)
	}
	if vp {
		if err := checkSecuredCredentials(m); err != nil {
			return "", err
		}
	} else if _, ok := m["credentialSubject"]; !ok {
		return "", fmt.Errorf("%w: credential has no credentialSubject", credentials.ErrMalformed)
	}
	return owner, nil
}

// mediaTypeIs compares a typ or cty value with a media type, ignoring case
// and the optional "application/" prefix (RFC 7515 §4.1.9).
func mediaTypeIs(got, want string) bool {
	got = strings.ToLower(got)
	got = strings.TrimPrefix(got, "application/")
	return got == want
}

// member is a JSON object member to add to a payload.
type member struct {
	name  string
	value any
}

// prepend adds members at the start of the compact JSON object obj.
func prepend(obj []byte, ms []member) ([]byte, error) {
	if len(ms) == 0 {
		return obj, nil
	}
	out := []byte{'{'}
	for _, m := range ms {
		k, _ := json.Marshal(m.name)
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		out = append(append(append(append(out, k...), ':'), v...), ',')
	}
	rest := obj[1:]
	if len(rest) > 0 && rest[0] == '}' {
		out = out[:len(out)-1]
	}
	return append(out, rest...), nil
}
