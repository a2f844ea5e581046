package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Pending is a presentation request the wallet has verified and can
// answer: who asks, and exactly what each credential would show. Nothing
// has been sent; Send or Decline answers.
type Pending struct {
	w *Wallet
	// Request is the verified request.
	Request *vp.Request
	// Verifier says who asks.
	Verifier VerifierInfo
	// Shares are the credentials that would be sent and what each shows.
	Shares []Share

	vpToken map[string][]any
	sent    bool
}

// VerifierInfo is what the wallet knows of a verifier.
type VerifierInfo struct {
	// Name is what its certificate (organisation, common name) or DID
	// says, or its response URI for an unsigned request.
	Name string
	// ClientID is its full client identifier (the presentations'
	// audience), Prefix how it is identified (x509_san_dns, x509_hash,
	// decentralized_identifier, redirect_uri).
	ClientID, Prefix string
	// Signed says whether the request was a signed request object, which
	// the wallet verified.
	Signed bool
	// ResponseHost is the host the answer goes to.
	ResponseHost string
	// Trusted says whether its certificate chains to one of the wallet's
	// verifier roots, or a trust source of the wallet vouches for it.
	Trusted bool
	// Trust is the answer of the trust source that knows it (nil when
	// none does, or none was asked).
	Trust *verifier.TrustAnswer
}

// Share is one credential a Pending would send.
type Share struct {
	// QueryID is the request's Credential Query it answers.
	QueryID string
	// Credential is the stored credential, and Copy the copy used.
	Credential *Credential
	Copy       int
	// Selective says that only the claims asked for are revealed (SD-JWT
	// VC, and ecdsa-sd-2023 Data Integrity): Disclosed names them.
	// Otherwise the whole credential is sent (jwt_vc_json, other Data
	// Integrity proofs cannot reveal less).
	Selective bool
	Disclosed []string
	// Asked are the claims the request asked for (concrete paths), which
	// Visible holds with the rest of what the verifier will read.
	Asked []string
	// Visible is every claim the verifier will be able to read, as path =
	// value lines (the holder's public key left out).
	Visible []Claim
}

// Claim is one claim as the student is shown it.
type Claim struct {
	Path  string `json:"path"`
	Value string `json:"value"`
}

// NoMatchError says that the wallet holds nothing that answers a request.
type NoMatchError struct {
	// Asked describes each Credential Query in words.
	Asked []string
}

func (e *NoMatchError) Error() string {
	return "the wallet holds no credential that answers the request, which asks for " + strings.Join(e.Asked, "; and ") + "; nothing was sent"
}

// Unwrap returns dcql.ErrNoMatch.
func (e *NoMatchError) Unwrap() error { return dcql.ErrNoMatch }

// PrepareOptions say which credentials may answer a request.
type PrepareOptions struct {
	// Use restricts the answer to these credential ids (the student's
	// choice when several would do). Nil: any credential held.
	Use []string
}

// Prepare fetches and verifies a request (openid4vp:// link, or any link
// with client_id and request or request_uri), finds out who asks, matches
// its DCQL query against the credentials held, re-checks the chosen
// credentials (status lists included: a revoked credential is never
// sent), and builds the presentations: for SD-JWT VC only the claims asked
// for with a KB-JWT (nonce, audience, sd_hash), for jwt_vc_json a
// jwt_vp_json and for ldp_vc an ldp_vp (an ecdsa-sd-2023 credential
// derived to the claims asked for) signed by the holder with the nonce and
// audience. Nothing is sent.
func (w *Wallet) Prepare(ctx context.Context, link string, o PrepareOptions) (*Pending, error) {
	req, err := w.vp.FetchRequest(ctx, link)
	if err != nil {
		return nil, err
	}
	p := &Pending{w: w, Request: req, Verifier: w.verifierInfo(ctx, req)}
	all, err := w.List()
	if err != nil {
		return nil, err
	}
	// Only credentials last seen valid are offered to the query, each by
	// its least presented copy.
	var creds []*Credential
	var copies []int
	var held []vp.Held
	for _, c := range all {
		if !c.Status.usable() || !presentable(c.Format) || o.Use != nil && !slices.Contains(o.Use, c.ID) {
			continue
		}
		i := leastPresented(c)
		h, err := w.held(c, i)
		if err != nil {
			return nil, err
		}
		creds, copies, held = append(creds, c), append(copies, i), append(held, *h)
	}
	sel, err := w.vp.Select(ctx, req, held)
	if errors.Is(err, dcql.ErrNoMatch) {
		return nil, &NoMatchError{Asked: describeQuery(req.Query)}
	}
	if err != nil {
		return nil, err
	}
	for _, id := range sel.Order {
		for k, s := range sel.Credentials[id] {
			c := creds[s.Credential]
			if err := w.recheck(ctx, c, held[s.Credential].Raw); err != nil {
				return nil, err
			}
			if derived, ok, err := w.deriveSD(ctx, held[s.Credential], s.Claims); err != nil {
				return nil, fmt.Errorf("deriving a proof of the claims asked from credential %s: %w", c.ID, err)
			} else if ok {
				// A derived copy for this query alone.
				i := len(held)
				h := held[s.Credential]
				h.Raw = derived
				held = append(held, h)
				creds, copies = append(creds, c), append(copies, copies[s.Credential])
				sel.Credentials[id][k].Credential = i
			}
		}
	}
	tok, err := w.vp.Presentations(ctx, req, sel, held)
	if err != nil {
		return nil, err
	}
	p.vpToken = tok
	for _, id := range sel.Order {
		for k, s := range sel.Credentials[id] {
			sh, err := share(id, creds[s.Credential], copies[s.Credential], held[s.Credential], tok[id][k])
			if err != nil {
				return nil, err
			}
			for _, c := range s.Claims {
				sh.Asked = append(sh.Asked, pathString(c))
			}
			p.Shares = append(p.Shares, sh)
		}
	}
	return p, nil
}

func presentable(format string) bool {
	return format == dcql.FormatSDJWT || format == dcql.FormatJWTVC || format == dcql.FormatLDPVC
}

// leastPresented returns the copy presented the fewest times (the first
// among equals): with several copies, each verifier sees another key.
func leastPresented(c *Credential) int {
	best := 0
	for i, cp := range c.Copies {
		if cp.Presented < c.Copies[best].Presented {
			best = i
		}
	}
	return best
}

// held returns copy i of c as the vp package takes it.
func (w *Wallet) held(c *Credential, i int) (*vp.Held, error) {
	raw, err := w.Raw(c, i)
	if err != nil {
		return nil, err
	}
	s, err := w.signer(c.Copies[i])
	if err != nil {
		return nil, err
	}
	h := &vp.Held{Format: c.Format, Raw: raw, HolderKeyID: c.Copies[i].HolderKeyID}
	if s != nil {
		h.Holder = s
	}
	return h, nil
}

// recheck verifies a credential again before it is sent, with its status
// list, and records what was found: a credential revoked, suspended or
// expired since it was received is not sent.
func (w *Wallet) recheck(ctx context.Context, c *Credential, raw []byte) error {
	probe := *c
	rep, err := w.assess(ctx, &probe, raw)
	if err != nil {
		return err
	}
	if err := w.update(c.ID, func(s *Credential) {
		s.Status, s.Trusted, s.TrustSource = probe.Status, probe.Trusted, probe.TrustSource
	}); err != nil {
		return err
	}
	c.Status = probe.Status
	return refused(c, rep, true, "sent")
}

// deriveSD derives an ecdsa-sd-2023 credential down to the claims asked
// (and the issuer's mandatory ones). ok is false for any other credential.
func (w *Wallet) deriveSD(ctx context.Context, h vp.Held, claims []dcql.Path) ([]byte, bool, error) {
	if h.Format != dcql.FormatLDPVC {
		return nil, false, nil
	}
	var doc struct {
		Proof json.RawMessage `json:"proof"`
	}
	var proof struct {
		Cryptosuite string `json:"cryptosuite"`
	}
	if json.Unmarshal(h.Raw, &doc) != nil || json.Unmarshal(doc.Proof, &proof) != nil || proof.Cryptosuite != dataintegrity.ECDSASD2023 {
		return nil, false, nil
	}
	pointers := make([]string, len(claims))
	for i, c := range claims {
		pointers[i] = pointer(c)
	}
	s, err := dataintegrity.New(dataintegrity.ECDSASD2023, dataintegrity.Options{Contexts: w.opts.Contexts})
	if err != nil {
		return nil, false, err
	}
	out, err := s.Derive(ctx, h.Raw, pointers)
	return out, err == nil, err
}

// pointer turns a concrete claims path into a JSON pointer (RFC 6901).
func pointer(p dcql.Path) string {
	var b strings.Builder
	for _, e := range p {
		b.WriteByte('/')
		switch v := e.(type) {
		case string:
			b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(v))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// Send posts the presentations to the verifier (encrypted to its key for
// direct_post.jwt) and records that the copies were presented. It returns
// the verifier's answer (a redirect URI in the same-device flow).
func (p *Pending) Send(ctx context.Context) (*vp.Ack, error) {
	if p.sent {
		return nil, errors.New("this request was already answered")
	}
	ack, err := p.w.vp.Respond(ctx, p.Request, p.vpToken)
	if err != nil {
		return nil, err
	}
	p.sent = true
	now := p.w.now().UTC()
	for _, s := range p.Shares {
		_ = p.w.update(s.Credential.ID, func(c *Credential) {
			if s.Copy < len(c.Copies) {
				c.Copies[s.Copy].Presented++
				c.Copies[s.Copy].LastPresented = now
			}
		})
	}
	return ack, nil
}

// Decline tells the verifier that the student declined (access_denied).
func (p *Pending) Decline(ctx context.Context) error {
	if p.sent {
		return errors.New("this request was already answered")
	}
	p.sent = true
	return p.w.vp.Decline(ctx, p.Request, openid4vc.CodeAccessDenied, "the holder declined to share")
}

// verifierInfo says who asks: the request's identity and whether a trust
// source of the wallet knows the verifier (its certificate chain, or its
// DID).
func (w *Wallet) verifierInfo(ctx context.Context, r *vp.Request) VerifierInfo {
	info := VerifierInfo{Name: r.Name, ClientID: r.ClientID, Prefix: r.Prefix, Signed: r.Signed}
	if u, err := url.Parse(r.ResponseURI); err == nil {
		info.ResponseHost = u.Host
	}
	info.Trusted = r.Trusted && r.Prefix != vp.PrefixDID
	q := verifier.TrustQuery{IssuedAt: w.now()}
	switch {
	case len(r.Chain) > 0:
		q.Chain, q.Key = r.Chain, r.Chain[0].PublicKey
	case r.Prefix == vp.PrefixDID:
		// The request verified with a key the DID names.
		q.Issuer, q.KeyID = r.Identifier, r.Identifier
	default:
		return info
	}
	for _, src := range w.trust {
		a, err := src.Trust(ctx, q)
		if err == nil && a != nil && a.Trusted {
			info.Trusted, info.Trust = true, a
			if a.Entity != "" {
				info.Name = a.Entity
			}
			break
		}
	}
	return info
}

// describeQuery says in words what each Credential Query asks for.
func describeQuery(q *dcql.Query) []string {
	var out []string
	for _, cq := range q.Credentials {
		s := "a " + cq.Format + " credential"
		switch {
		case len(cq.Meta.VCTValues) > 0:
			s += " of type " + strings.Join(cq.Meta.VCTValues, " or ")
		case len(cq.Meta.TypeValues) > 0:
			var alts []string
			for _, t := range cq.Meta.TypeValues {
				alts = append(alts, strings.Join(t, "+"))
			}
			s += " of type " + strings.Join(alts, " or ")
		}
		var paths []string
		for _, c := range cq.Claims {
			paths = append(paths, pathString(c.Path))
		}
		if len(paths) > 0 {
			s += " with " + strings.Join(paths, ", ")
		}
		out = append(out, s)
	}
	return out
}
