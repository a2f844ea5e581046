package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// FileOptions say what a presentation for a file shows and to whom.
type FileOptions struct {
	// Challenge and Domain are what the verifier sent (a nonce and its
	// identifier): the presentation carries them, so that it is accepted
	// by that verifier, once. Both are required.
	Challenge, Domain string
	// Disclose are the claims of an SD-JWT VC (or an ecdsa-sd-2023
	// credential) to reveal. Nil: every claim.
	Disclose []dcql.Path
}

// PresentFile makes a presentation of c for a verifier who is sent it as
// a file (by e-mail): the credential is checked again (status lists
// included), then presented as OpenID4VP would (SD-JWT VC with the claims
// chosen and a KB-JWT; jwt_vp_json; ldp_vp) with o's challenge as nonce
// and domain as audience. The Share says what it shows.
func (w *Wallet) PresentFile(ctx context.Context, c *Credential, o FileOptions) ([]byte, *Share, error) {
	if o.Challenge == "" || o.Domain == "" {
		return nil, nil, errors.New("a presentation needs the verifier's challenge and domain")
	}
	if !presentable(c.Format) {
		return nil, nil, fmt.Errorf("a %s credential cannot be presented by the wallet (only dc+sd-jwt, jwt_vc_json and ldp_vc): export it instead", c.Format)
	}
	i := leastPresented(c)
	h, err := w.held(c, i)
	if err != nil {
		return nil, nil, err
	}
	if h.Holder == nil {
		return nil, nil, fmt.Errorf("credential %s is bound to no key of this wallet: it cannot be presented with proof of possession (export it instead)", c.ID)
	}
	if err := w.recheck(ctx, c, h.Raw); err != nil {
		return nil, nil, err
	}
	claims := o.Disclose
	if claims == nil {
		if claims, err = everyClaim(c.Format, h.Raw); err != nil {
			return nil, nil, err
		}
	} else if err := hasClaims(ctx, *h, claims); err != nil {
		return nil, nil, err
	}
	if derived, ok, err := w.deriveSD(ctx, *h, claims); err != nil {
		return nil, nil, err
	} else if ok {
		h.Raw = derived
	}
	req := &vp.Request{ClientID: o.Domain, Nonce: o.Challenge}
	sel := &dcql.Selection{Credentials: map[string][]dcql.Selected{"file": {{Credential: 0, Claims: claims}}}, Order: []string{"file"}}
	tok, err := w.vp.Presentations(ctx, req, sel, []vp.Held{*h})
	if err != nil {
		return nil, nil, err
	}
	p := tok["file"][0]
	sh, err := share("file", c, i, *h, p)
	if err != nil {
		return nil, nil, err
	}
	if o.Disclose != nil {
		for _, c := range o.Disclose {
			sh.Asked = append(sh.Asked, pathString(c))
		}
	}
	var out []byte
	switch v := p.(type) {
	case string:
		out = []byte(v + "\n")
	default:
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, nil, err
		}
		out = append(b, '\n')
	}
	now := w.now().UTC()
	_ = w.update(c.ID, func(s *Credential) {
		s.Copies[i].Presented++
		s.Copies[i].LastPresented = now
	})
	return out, &sh, nil
}

// everyClaim lists what "disclose everything" means: every disclosure of
// an SD-JWT VC, every leaf of a W3C credential (for ecdsa-sd-2023).
func everyClaim(format string, raw []byte) ([]dcql.Path, error) {
	if format == dcql.FormatSDJWT {
		sd, err := sdjwt.Parse(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, err
		}
		p, err := sd.Process()
		if err != nil {
			return nil, err
		}
		out := make([]dcql.Path, len(p.Disclosed))
		for i, d := range p.Disclosed {
			out[i] = dcql.Path(d.Path)
		}
		return out, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, nil //nolint:nilerr // a JWT: no claims to choose
	}
	delete(doc, "proof")
	var out []dcql.Path
	var walk func(p dcql.Path, v any)
	walk = func(p dcql.Path, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				walk(append(p[:len(p):len(p)], k), e)
			}
		case []any:
			for i, e := range t {
				walk(append(p[:len(p):len(p)], i), e)
			}
		default:
			out = append(out, p)
		}
	}
	walk(nil, doc)
	return out, nil
}

// hasClaims checks that the credential has every claim asked for.
func hasClaims(ctx context.Context, h vp.Held, claims []dcql.Path) error {
	d, err := vp.Describe(ctx, h.Format, h.Raw, nil)
	if err != nil {
		return err
	}
	for _, p := range claims {
		if !has(d.Claims, p) {
			return fmt.Errorf("the credential has no claim %s", pathString(p))
		}
	}
	return nil
}

// has reports whether a claims tree has path p (nil: any element).
func has(v any, p dcql.Path) bool {
	if len(p) == 0 {
		return true
	}
	switch k := p[0].(type) {
	case nil:
		a, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range a {
			if has(e, p[1:]) {
				return true
			}
		}
		return false
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		e, ok := m[k]
		return ok && has(e, p[1:])
	case int:
		a, ok := v.([]any)
		return ok && k >= 0 && k < len(a) && has(a[k], p[1:])
	}
	return false
}
