package dcql

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Credential is what matching reads of one credential (held by a wallet) or
// of one presentation (received by a verifier).
type Credential struct {
	// Format is the credential format identifier (dc+sd-jwt, jwt_vc_json,
	// ldp_vc).
	Format string
	// Claims are the claims the paths apply to, as JSON values
	// (map[string]any, []any, string, json.Number or float64, bool, nil):
	// for SD-JWT VC the processed claims (every disclosure a wallet holds;
	// what was disclosed, for a verifier), for W3C credentials the
	// credential itself.
	Claims any
	// VCT is the SD-JWT VC type.
	VCT string
	// Types are the W3C type values, as written and, when they could be
	// computed, fully expanded (IRIs).
	Types []string
	// Doctype is the mdoc document type.
	Doctype string
	// AuthorityKeyIDs are the base64url authority key identifiers (and
	// subject key identifiers) of the certificates in the issuer's chain,
	// for trusted_authorities of type aki.
	AuthorityKeyIDs []string
	// Issuer is the issuer identifier, for AuthorityMatcher.
	Issuer string
	// HolderBinding says whether the credential can be (wallet) or was
	// (verifier) presented with a cryptographic holder-binding proof.
	HolderBinding bool
	// SelectiveDisclosure says whether claims are disclosed one by one
	// (SD-JWT): then only what is asked may be disclosed.
	SelectiveDisclosure bool
	// Presented marks a presentation received by a verifier (rather than a
	// credential a wallet holds).
	Presented bool
	// Disclosed (Presented and SelectiveDisclosure) are the paths of the
	// claims the presentation disclosed selectively.
	Disclosed []Path
}

// AuthorityMatcher decides trusted_authorities of types other than aki.
// Match returns known false when it cannot tell (the wallet then does not
// filter on it; the verifier's trust sources decide).
type AuthorityMatcher interface {
	MatchAuthority(typ string, values []string, c *Credential) (match, known bool)
}

// Selected is one credential chosen for a Credential Query, with the
// concrete paths of the claims to disclose.
type Selected struct {
	// Credential is the index of the credential in the list given to
	// Select.
	Credential int
	// Claims are the concrete claims paths (no null) that the query asks
	// for and the credential has; for a format with selective disclosure,
	// exactly what to disclose.
	Claims []Path
}

// Selection is the wallet's answer to a query: for each Credential Query id
// to answer, the credentials chosen (one, or several with multiple).
type Selection struct {
	Credentials map[string][]Selected
	// Order lists the answered ids in query order.
	Order []string
}

// ErrNoMatch is wrapped by Select when the credentials held cannot satisfy
// the query (the wallet answers access_denied).
var ErrNoMatch = errors.New("the credentials held do not satisfy the query")

// Select chooses among held the credentials and claims that answer q, as
// OpenID4VP 1.0 section 6.4 says: a credential matches a Credential Query
// when its format, meta, trusted authorities (aki, and others through am
// when it knows them) and holder binding fit and it has every claim of the
// query (or of the first satisfiable claim set), with values matching where
// values are given. Without credential_sets every Credential Query must be
// matched; with them, every required set by its first satisfiable option,
// and optional sets when they can be. A Credential Query without multiple
// gets the first matching credential. am may be nil.
func (q *Query) Select(held []Credential, am AuthorityMatcher) (*Selection, error) {
	matches := map[string][]Selected{}
	for i := range q.Credentials {
		cq := &q.Credentials[i]
		for j := range held {
			if claims, ok := cq.match(&held[j], am, false); ok {
				matches[cq.ID] = append(matches[cq.ID], Selected{Credential: j, Claims: claims})
			}
		}
	}
	chosen := map[string]bool{}
	if len(q.CredentialSets) == 0 {
		for _, cq := range q.Credentials {
			if len(matches[cq.ID]) == 0 {
				return nil, fmt.Errorf("%w: no credential held matches %q", ErrNoMatch, cq.ID)
			}
			chosen[cq.ID] = true
		}
	} else {
		for i, s := range q.CredentialSets {
			found := false
			for _, opt := range s.Options {
				if slices.IndexFunc(opt, func(id string) bool { return len(matches[id]) == 0 }) < 0 {
					for _, id := range opt {
						chosen[id] = true
					}
					found = true
					break
				}
			}
			if !found && s.IsRequired() {
				return nil, fmt.Errorf("%w: no option of credential_sets[%d] can be satisfied", ErrNoMatch, i)
			}
		}
	}
	sel := &Selection{Credentials: map[string][]Selected{}}
	for _, cq := range q.Credentials {
		if !chosen[cq.ID] {
			continue
		}
		m := matches[cq.ID]
		if !cq.Multiple {
			m = m[:1]
		}
		sel.Credentials[cq.ID] = m
		sel.Order = append(sel.Order, cq.ID)
	}
	return sel, nil
}

// Matches reports whether c answers the Credential Query and returns the
// concrete claims paths it would disclose.
func (cq *CredentialQuery) Matches(c *Credential, am AuthorityMatcher) ([]Path, bool) {
	return cq.match(c, am, false)
}

// match checks c against cq. strict (verifier side) makes trusted
// authorities of unknown types fail rather than pass.
func (cq *CredentialQuery) match(c *Credential, am AuthorityMatcher, strict bool) ([]Path, bool) {
	if why := cq.mismatch(c, am, strict); why != "" {
		return nil, false
	}
	claims, _, ok := cq.resolveClaims(c)
	return claims, ok
}

// mismatch says why c does not fit cq's format, meta, authorities and
// holder binding, or "".
func (cq *CredentialQuery) mismatch(c *Credential, am AuthorityMatcher, strict bool) string {
	if c.Format != cq.Format {
		return fmt.Sprintf("format %s, want %s", c.Format, cq.Format)
	}
	switch cq.Format {
	case FormatSDJWT:
		if !slices.Contains(cq.Meta.VCTValues, c.VCT) {
			return fmt.Sprintf("vct %q is not among %q", clip(c.VCT), cq.Meta.VCTValues)
		}
	case FormatJWTVC, FormatLDPVC:
		ok := false
		for _, set := range cq.Meta.TypeValues {
			if len(set) > 0 && !slices.ContainsFunc(set, func(t string) bool { return !slices.Contains(c.Types, t) }) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("types %q match none of type_values %q", c.Types, cq.Meta.TypeValues)
		}
	case FormatMsoMdoc:
		if c.Doctype != cq.Meta.DoctypeValue {
			return fmt.Sprintf("doctype %q, want %q", c.Doctype, cq.Meta.DoctypeValue)
		}
	}
	if len(cq.TrustedAuthorities) > 0 {
		matched, unknown := false, false
		for _, ta := range cq.TrustedAuthorities {
			switch {
			case ta.Type == "aki":
				if slices.ContainsFunc(ta.Values, func(v string) bool { return slices.Contains(c.AuthorityKeyIDs, v) }) {
					matched = true
				}
			case am != nil:
				m, known := am.MatchAuthority(ta.Type, ta.Values, c)
				matched = matched || m
				unknown = unknown || !known
			default:
				unknown = true
			}
		}
		if !matched && (strict || !unknown) {
			return "the issuer is not certified by any of trusted_authorities"
		}
	}
	if cq.HolderBindingRequired() && !c.HolderBinding {
		return "a holder-binding proof is required"
	}
	return ""
}

// resolveClaims returns the concrete paths of the claims cq asks of claims:
// all of them, or those of the first satisfiable claim set. ok is false when
// they cannot be had. option is the index of the claim set used (-1 without
// claim sets).
func (cq *CredentialQuery) resolveClaims(c *Credential) (paths []Path, option int, ok bool) {
	if len(cq.Claims) == 0 {
		return nil, -1, true
	}
	resolved := make([][]Path, len(cq.Claims))
	have := make([]bool, len(cq.Claims))
	for i := range cq.Claims {
		resolved[i], have[i] = cq.Claims[i].resolve(c)
	}
	if len(cq.ClaimSets) == 0 {
		for i := range cq.Claims {
			if !have[i] {
				return nil, -1, false
			}
			paths = append(paths, resolved[i]...)
		}
		return paths, -1, true
	}
	for o, set := range cq.ClaimSets {
		var out []Path
		good := true
		for _, id := range set {
			i := slices.IndexFunc(cq.Claims, func(c ClaimsQuery) bool { return c.ID == id })
			if i < 0 || !have[i] {
				good = false
				break
			}
			out = append(out, resolved[i]...)
		}
		if good {
			return out, o, true
		}
	}
	return nil, -1, false
}

// resolve returns the concrete paths of the claims cl selects in c's claims
// whose value matches (when values are given). In a presentation with
// selective disclosure, an empty object or array does not answer a claim:
// it is what a claim whose every member was withheld looks like.
func (cl *ClaimsQuery) resolve(c *Credential) ([]Path, bool) {
	sel, err := Select(c.Claims, cl.Path)
	if err != nil {
		return nil, false
	}
	var out []Path
	for _, s := range sel {
		if len(cl.Values) > 0 && !slices.ContainsFunc(cl.Values, func(v any) bool { return valueEqual(v, s.Value) }) {
			continue
		}
		if c.Presented && c.SelectiveDisclosure && empty(s.Value) {
			continue
		}
		out = append(out, s.Path)
	}
	return out, len(out) > 0
}

// Selected element of a claims path.
type Element struct {
	// Path is the concrete path of the element (indexes instead of null).
	Path  Path
	Value any
}

// ErrPath is wrapped by Select when processing a path fails as the
// specification says it must.
var ErrPath = errors.New("claims path does not apply")

// Select processes the claims path p on claims (OpenID4VP 1.0 section 7.1):
// a string selects that member of each selected object, null every element
// of each selected array, an integer that element of each selected array.
// Selecting a member of a non-object, or an element of a non-array, is an
// error, as is an empty selection at the end; absent members and indexes
// drop the element from the selection.
func Select(claims any, p Path) ([]Element, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: empty path", ErrPath)
	}
	if _, ok := claims.(map[string]any); !ok {
		return nil, fmt.Errorf("%w: the claims are not a JSON object", ErrPath)
	}
	cur := []Element{{Path: Path{}, Value: claims}}
	for depth, comp := range p {
		var next []Element
		for _, e := range cur {
			switch c := comp.(type) {
			case string:
				obj, ok := e.Value.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%w: %s selects member %q of something that is not an object", ErrPath, p[:depth], c)
				}
				if v, ok := obj[c]; ok {
					next = append(next, Element{Path: appendPath(e.Path, c), Value: v})
				}
			case nil:
				arr, ok := e.Value.([]any)
				if !ok {
					return nil, fmt.Errorf("%w: %s selects all elements of something that is not an array", ErrPath, p[:depth])
				}
				for i, v := range arr {
					next = append(next, Element{Path: appendPath(e.Path, i), Value: v})
				}
			case int:
				arr, ok := e.Value.([]any)
				if !ok {
					return nil, fmt.Errorf("%w: %s selects element %d of something that is not an array", ErrPath, p[:depth], c)
				}
				if c >= 0 && c < len(arr) {
					next = append(next, Element{Path: appendPath(e.Path, c), Value: arr[c]})
				}
			default:
				return nil, fmt.Errorf("%w: component %v", ErrPath, comp)
			}
		}
		cur = next
	}
	if len(cur) == 0 {
		return nil, fmt.Errorf("%w: %s selects nothing", ErrPath, p)
	}
	return cur, nil
}

func appendPath(p Path, c any) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, c)
}

// valueEqual compares a query value (string, int64, bool) with a claim
// value of the same JSON type.
func valueEqual(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case int64:
		return intEqual(w, got)
	case int:
		return intEqual(int64(w), got)
	case json.Number:
		n, err := w.Int64()
		return err == nil && intEqual(n, got)
	}
	return false
}

func intEqual(w int64, got any) bool {
	switch g := got.(type) {
	case json.Number:
		if n, err := g.Int64(); err == nil {
			return n == w
		}
		f, err := strconv.ParseFloat(string(g), 64)
		return err == nil && f == float64(w) && math.Trunc(f) == f
	case float64:
		return g == float64(w)
	case int64:
		return g == w
	case int:
		return int64(g) == w
	}
	return false
}

func empty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}
