package dcql

import (
	"fmt"
	"slices"
	"sort"
)

// CheckResponse checks that the presentations of a vp_token (by Credential
// Query id) answer q, as a verifier must without relying on the wallet
// (OpenID4VP 1.0 sections 6.4, 8.6 and 14.9):
//
//   - every id is a Credential Query of q, and, with credential_sets, part
//     of one of their options; every id has at least one presentation, and
//     only one unless the query allows multiple;
//   - without credential_sets every Credential Query is answered; with
//     them, every required set by one of its options;
//   - each presentation has the query's format and meta (vct or types),
//     fits its trusted_authorities (aki; other types through am, failing
//     when am cannot tell), has the holder binding the query requires, and
//     holds every claim asked (or those of one claim set), with values
//     among those asked where values are given;
//   - with selective disclosure, nothing was disclosed that the query did
//     not ask for: each disclosed claim is asked, inside a claim asked, or a
//     container on the way to one (of the claim set satisfied).
//
// The error is an *Error with every problem, each at the vp_token entry
// it concerns ($.id[0]).
func (q *Query) CheckResponse(presented map[string][]Credential, am AuthorityMatcher) error {
	var ps problems
	byID := map[string]*CredentialQuery{}
	for i := range q.Credentials {
		byID[q.Credentials[i].ID] = &q.Credentials[i]
	}
	inSets := map[string]bool{}
	for _, s := range q.CredentialSets {
		for _, opt := range s.Options {
			for _, id := range opt {
				inSets[id] = true
			}
		}
	}
	ids := make([]string, 0, len(presented))
	for id := range presented {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		list := presented[id]
		at := "$." + clip(id)
		cq := byID[id]
		switch {
		case cq == nil:
			ps.add(at, "the query has no Credential Query %q: nothing was asked under this id", clip(id))
			continue
		case len(q.CredentialSets) > 0 && !inSets[id]:
			ps.add(at, "%q is in no option of credential_sets, so it was not asked for", id)
			continue
		case len(list) == 0:
			ps.add(at, "an empty array: an id without presentations must be left out")
			continue
		case len(list) > 1 && !cq.Multiple:
			ps.add(at, "%d presentations, but the query does not allow multiple", len(list))
		}
		for k := range list {
			cq.check(&list[k], am, fmt.Sprintf("%s[%d]", at, k), &ps)
		}
	}
	has := func(id string) bool { return len(presented[id]) > 0 }
	if len(q.CredentialSets) == 0 {
		for _, cq := range q.Credentials {
			if !has(cq.ID) {
				ps.add("$."+cq.ID, "the query asks for it and the response has none")
			}
		}
	} else {
		for i, s := range q.CredentialSets {
			if !s.IsRequired() {
				continue
			}
			ok := slices.ContainsFunc(s.Options, func(opt []string) bool {
				return !slices.ContainsFunc(opt, func(id string) bool { return !has(id) })
			})
			if !ok {
				ps.add(fmt.Sprintf("credential_sets[%d]", i), "no option of this required set is answered in full")
			}
		}
	}
	return ps.err("the response does not answer the query")
}

// check adds the problems of one presentation c for cq.
func (cq *CredentialQuery) check(c *Credential, am AuthorityMatcher, at string, ps *problems) {
	if why := cq.mismatch(c, am, true); why != "" {
		ps.add(at, "%s", why)
		return
	}
	_, option, ok := cq.resolveClaims(c)
	if !ok {
		ps.add(at, "%s", cq.missing(c))
		return
	}
	if !c.SelectiveDisclosure {
		return
	}
	var asked []Path
	if option < 0 {
		for _, cl := range cq.Claims {
			asked = append(asked, cl.Path)
		}
	} else {
		for _, id := range cq.ClaimSets[option] {
			for _, cl := range cq.Claims {
				if cl.ID == id {
					asked = append(asked, cl.Path)
				}
			}
		}
	}
	for _, d := range c.Disclosed {
		if !slices.ContainsFunc(asked, func(a Path) bool { return related(d, a) }) {
			if len(asked) == 0 {
				ps.add(at, "discloses %s, but the query asks for no selectively disclosable claim", d)
			} else {
				ps.add(at, "discloses %s, which the query did not ask for", d)
			}
		}
	}
}

// missing describes which claims of cq are absent from claims.
func (cq *CredentialQuery) missing(c *Credential) string {
	var absent []string
	for i := range cq.Claims {
		if _, ok := cq.Claims[i].resolve(c); !ok {
			s := cq.Claims[i].Path.String()
			if len(cq.Claims[i].Values) > 0 {
				s += " (with an accepted value)"
			}
			absent = append(absent, s)
		}
	}
	if len(cq.ClaimSets) > 0 {
		return fmt.Sprintf("no claim set is complete; absent: %v", absent)
	}
	return fmt.Sprintf("claims asked for are absent: %v", absent)
}

// related reports whether the concrete path d lies on the way to, at, or
// inside a claim that query path a selects (null in a matches any index).
func related(d, a Path) bool {
	n := min(len(d), len(a))
	for i := 0; i < n; i++ {
		if a[i] == nil {
			if _, isIndex := d[i].(int); isIndex {
				continue
			}
			return false
		}
		if d[i] != a[i] {
			return false
		}
	}
	return true
}
