package sdjwt

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/internal/certpath"
)

// Mechanism is SD-JWT VC (dc+sd-jwt) as a credentials.Mechanism. Sign issues
// with Frame; Verify checks an SD-JWT or SD-JWT+KB as issued or presented.
//
// The zero value issues with no selectively disclosable claim and verifies
// without requiring key binding unless the VerifyOptions ask for a challenge
// or domain.
type Mechanism struct {
	// Frame is the disclosure frame Sign applies.
	Frame Frame
	// RequireKeyBinding makes Verify refuse an SD-JWT without a valid
	// KB-JWT. Verify requires one anyway whenever VerifyOptions.Challenge or
	// Domain is set, since only a KB-JWT carries them.
	RequireKeyBinding bool
	// KeyBindingMaxAge bounds how old a KB-JWT's iat may be. Zero means
	// DefaultKeyBindingMaxAge.
	KeyBindingMaxAge time.Duration
}

var _ credentials.Mechanism = Mechanism{}

// Name returns "dc+sd-jwt".
func (Mechanism) Name() string { return TypSDJWTVC }

// Sign issues doc, an SD-JWT VC claims set (see Issue), with key. The holder
// binding, if any, is the cnf claim in doc (PublicJWK builds its jwk). It
// returns the SD-JWT with every Disclosure, ending in ~. Challenge and
// Domain have no meaning at issuance: setting them is an error; presentations
// are made with Present.
func (m Mechanism) Sign(ctx context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Challenge != "" || opts.Domain != "" {
		return nil, fmt.Errorf("sd-jwt: challenge and domain belong to a presentation (KB-JWT), not to issuance: %w", credentials.ErrMalformed)
	}
	s, err := Issue(doc, key, IssueOptions{Frame: m.Frame, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// Verify checks an SD-JWT VC (typ dc+sd-jwt, or vc+sd-jwt from older
// issuers), in this order: form; the issuer key, from x5c (leaf; iss must
// be a URI SAN of it or an https URL whose host is a DNS SAN) or else from r
// by kid (or by iss when there is no kid), whose controller must be iss; the
// signature; vct; exp, nbf and iat against opts.Now and opts.Skew; and the
// KB-JWT, when present or required, against cnf.jwk, opts.Challenge (nonce)
// and opts.Domain (aud). The Disclosures are checked against the digests
// first, and one that discloses iss, nbf, exp, cnf, vct, vct#integrity,
// aka_vcts or status, or a claim within one, is refused (SD-JWT VC section
// 2.2.2.3) with an error wrapping credentials.ErrInvalidProof.
//
// Verified.Document is the processed claims (disclosed claims in place, _sd
// and _sd_alg removed); Details holds "typ", "vct", "disclosed" (the
// comma-separated paths of the disclosed claims), "disclosures" (their
// count) and "key_binding" ("verified" or "absent").
func (m Mechanism) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sd, err := Parse(string(secured))
	if err != nil {
		return nil, err
	}
	v, err := m.verify(ctx, sd, r, opts)
	if err != nil {
		return nil, fmt.Errorf("sd-jwt: %w", err)
	}
	return v, nil
}

func (m Mechanism) verify(ctx context.Context, sd *SDJWT, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if sd.Header.Typ != TypSDJWTVC && sd.Header.Typ != TypSDJWTVCLegacy {
		return nil, malformed("typ header is %q, want %q", sd.Header.Typ, TypSDJWTVC)
	}
	// The Disclosures are checked first: a claim the verifier relies on
	// (iss among them) must be in the signed payload, never disclosed.
	proc, err := sd.process()
	if err != nil {
		return nil, err
	}
	if err := refuseDisclosed(proc, sdjwtVCNoDisclosure, "SD-JWT VC"); err != nil {
		return nil, err
	}
	if vct, _ := sd.Payload["vct"].(string); vct == VCTDC4EUELM {
		// The ELM's status entries are the verifier's, as the status
		// claim is: a holder must not be able to leave them out, nor
		// the whole ELM that holds them.
		for _, dc := range proc.Disclosed {
			if len(dc.Path) == 1 && dc.Path[0] == "elm" || len(dc.Path) >= 2 && dc.Path[0] == "elm" && dc.Path[1] == "credentialStatus" {
				return nil, invalid("%s is selectively disclosed: a verifier cannot rely on the ELM's status entries (elm.credentialStatus) if the holder may leave them out", dc.Path)
			}
		}
	}
	iss, ok := sd.Payload["iss"].(string)
	if !ok || iss == "" {
		return nil, malformed("claim iss is missing")
	}
	out := &credentials.Verified{Mechanism: m.Name(), Issuer: iss, Details: map[string]string{"typ": sd.Header.Typ}}
	if err := issuerKey(ctx, r, sd.Header, iss, false, out); err != nil {
		return nil, err
	}
	if err := sd.jws.verify("issuer-signed JWT", out.Key); err != nil {
		return nil, err
	}
	vct, _ := sd.Payload["vct"].(string)
	if vct == "" {
		return nil, malformed("claim vct is missing")
	}
	out.Details["vct"] = vct
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()
	signed, err := checkTimes(sd.Payload, t, opts.Skew, numericDate)
	if err != nil {
		return nil, err
	}
	out.Signed = signed
	needKB := m.RequireKeyBinding || opts.Challenge != "" || opts.Domain != ""
	switch {
	case sd.KeyBinding != "" || needKB:
		if _, err := sd.verifyKB(KeyBindingOptions{Nonce: opts.Challenge, Audience: opts.Domain, Now: func() time.Time { return t }, Skew: opts.Skew, MaxAge: m.KeyBindingMaxAge}); err != nil {
			return nil, err
		}
		out.Details["key_binding"] = "verified"
	default:
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

// sdjwtVCNoDisclosure are the claims SD-JWT VC (section 2.2.2.3) forbids to
// be disclosed selectively, sub-claims included: the verifier reads them
// (cnf for key binding, status for revocation, exp and nbf for validity),
// so a holder must not be able to withhold or choose them. iat and sub may
// be disclosed.
var sdjwtVCNoDisclosure = []string{"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status"}

// refuseDisclosed returns an error wrapping credentials.ErrInvalidProof if a
// Disclosure discloses one of the top-level claims names, or anything within
// one. The issuer signed its digest, but a verifier cannot rely on a claim a
// holder may leave out.
func refuseDisclosed(proc *Processed, names []string, spec string) error {
	for _, dc := range proc.Disclosed {
		if len(dc.Path) == 0 {
			continue
		}
		top, ok := dc.Path[0].(string)
		if !ok || !slices.Contains(names, top) {
			continue
		}
		return invalid("%s is selectively disclosed (disclosure of %s): %s forbids it, since a verifier cannot rely on a claim the holder may leave out", top, dc.Path, spec)
	}
	return nil
}

// checkTimes applies exp, nbf and iat of the issuer-signed payload, read
// with date, and returns iat (zero when absent).
func checkTimes(p map[string]any, now time.Time, skew time.Duration, date func(any) (time.Time, error)) (time.Time, error) {
	get := func(name string) (time.Time, bool, error) {
		v, ok := p[name]
		if !ok {
			return time.Time{}, false, nil
		}
		t, err := date(v)
		if err != nil {
			return time.Time{}, false, malformed("claim %s: %v", name, err)
		}
		return t, true, nil
	}
	if exp, ok, err := get("exp"); err != nil {
		return time.Time{}, err
	} else if ok && !now.Before(exp.Add(skew)) {
		return time.Time{}, fmt.Errorf("expired at %s (exp): %w", exp.UTC().Format(time.RFC3339), credentials.ErrExpired)
	}
	if nbf, ok, err := get("nbf"); err != nil {
		return time.Time{}, err
	} else if ok && now.Add(skew).Before(nbf) {
		return time.Time{}, fmt.Errorf("not valid before %s (nbf): %w", nbf.UTC().Format(time.RFC3339), credentials.ErrNotYetValid)
	}
	iat, ok, err := get("iat")
	if err != nil {
		return time.Time{}, err
	} else if ok && now.Add(skew).Before(iat) {
		return time.Time{}, fmt.Errorf("issued in the future at %s (iat): %w", iat.UTC().Format(time.RFC3339), credentials.ErrNotYetValid)
	}
	return iat, nil
}

// issuerKey finds the key of the issuer-signed JWT and checks that it
// belongs to owner (iss, or the issuer or holder of a VC 2.0 document),
// filling out.Key, KeyID and Chain:
//
//   - x5c: the leaf certificate's key; the leaf must name owner (a URI SAN,
//     or the host of an https owner as a DNS SAN). The chain is returned
//     for the caller to judge trust.
//   - kid with a scheme (a DID URL, an https URL): resolved with r.
//   - kid without one ("key-1", "#key-1", a JWK thumbprint): with relative
//     (VC-JOSE-COSE), a key of owner, resolved as owner#key-1; without it
//     (SD-JWT VC, where such a kid names a key in the issuer's metadata),
//     resolved as it is.
//   - neither: owner itself is resolved (a DID's only or first key).
//
// The controller r reports (or the kid's DID when it reports none) must be
// owner. Errors wrap credentials.ErrUnknownKey (nothing resolves),
// ErrInvalidProof (another party's key) or ErrMalformed (a bad x5c).
func issuerKey(ctx context.Context, r credentials.KeyResolver, h Header, owner string, relative bool, out *credentials.Verified) error {
	if len(h.X5c) > 0 {
		chain, err := parseX5c(h.X5c)
		if err != nil {
			return err
		}
		if err := issuerNamedBy(owner, chain[0]); err != nil {
			return err
		}
		out.Key, out.Chain, out.KeyID = chain[0].PublicKey, chain, h.Kid
		return nil
	}
	id := h.Kid
	switch {
	case id == "":
		id = owner
	case relative && !hasScheme(id):
		base, _, _ := strings.Cut(owner, "#")
		id = base + "#" + strings.TrimPrefix(id, "#")
	}
	if r == nil {
		return fmt.Errorf("no key resolver for %q: %w", id, credentials.ErrUnknownKey)
	}
	vm, err := r.ResolveKey(ctx, id)
	if err != nil {
		return err
	}
	if vm == nil || vm.Key == nil {
		return fmt.Errorf("kid %q resolved to no key: %w", id, credentials.ErrUnknownKey)
	}
	controller := vm.Controller
	if controller == "" {
		controller, _, _ = strings.Cut(id, "#")
	}
	if controller != owner {
		return invalid("key %q is controlled by %q, not by the issuer %q", id, controller, owner)
	}
	out.Key, out.KeyID = vm.Key, vm.ID
	if out.KeyID == "" {
		out.KeyID = id
	}
	return nil
}

// hasScheme reports whether s starts with a URI scheme (did:, https:).
func hasScheme(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':':
			return i > 0
		default:
			return false
		}
	}
	return false
}

// parseX5c decodes an x5c chain and checks that each certificate is signed
// by the next. Trust in the last one is the caller's to judge.
func parseX5c(x5c []string) ([]*x509.Certificate, error) {
	if len(x5c) > 10 {
		return nil, malformed("x5c has %d certificates (at most 10)", len(x5c))
	}
	chain := make([]*x509.Certificate, len(x5c))
	for i, s := range x5c {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, malformed("x5c[%d] is not base64: %v", i, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, malformed("x5c[%d]: %v", i, err)
		}
		chain[i] = c
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := certpath.Link(chain[i], chain[i+1]); err != nil {
			return nil, invalid("x5c[%d] is not issued by x5c[%d]: %v", i, i+1, err)
		}
	}
	return chain, nil
}

// issuerNamedBy checks that the leaf certificate names iss: as a URI SAN, or
// (for an https iss) with the host as a DNS SAN.
func issuerNamedBy(iss string, leaf *x509.Certificate) error {
	for _, u := range leaf.URIs {
		if u.String() == iss {
			return nil
		}
	}
	if u, err := url.Parse(iss); err == nil && u.Scheme == "https" {
		for _, d := range leaf.DNSNames {
			if strings.EqualFold(d, u.Hostname()) {
				return nil
			}
		}
	}
	return invalid("the x5c leaf certificate (subject %q) names neither the issuer %q as a URI nor its host as a DNS name", certname.String(leaf.Subject), iss)
}
