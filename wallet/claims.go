package wallet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// maxValue bounds a claim value as shown.
const maxValue = 80

// share says what the presentation tok of copy i of c shows.
func share(queryID string, c *Credential, i int, h vp.Held, tok any) (Share, error) {
	s := Share{QueryID: queryID, Credential: c, Copy: i}
	switch c.Format {
	case dcql.FormatSDJWT:
		str, _ := tok.(string)
		sd, err := sdjwt.Parse(str)
		if err != nil {
			return s, err
		}
		p, err := sd.Process()
		if err != nil {
			return s, err
		}
		s.Selective = true
		for _, d := range p.Disclosed {
			s.Disclosed = append(s.Disclosed, pathString(dcql.Path(d.Path)))
		}
		sort.Strings(s.Disclosed)
		s.Visible = flatten(toTree(p.Claims))
	case dcql.FormatJWTVC:
		// What the VC Data Model reads of it (iss, sub, jti folded in).
		d, err := vp.Describe(context.Background(), c.Format, h.Raw, nil)
		if err != nil {
			return s, err
		}
		m, _ := d.Claims.(map[string]any)
		s.Visible = flatten(m)
	case dcql.FormatLDPVC:
		doc, err := jsonx.DecodeAny(h.Raw, jsonx.Limits{})
		if err != nil {
			return s, err
		}
		m, _ := doc.(map[string]any)
		if p, ok := m["proof"].(map[string]any); ok && p["cryptosuite"] == "ecdsa-sd-2023" {
			s.Selective = true
		}
		delete(m, "proof")
		s.Visible = flatten(m)
	}
	return s, nil
}

// toTree turns processed claims (any Go values) into the JSON tree shape.
func toTree(v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	t, err := jsonx.DecodeAny(b, jsonx.Limits{})
	if m, ok := t.(map[string]any); err == nil && ok {
		return m
	}
	return v
}

// flatten lists the leaves of a claims tree as path = value, in path
// order, leaving out the holder's key (cnf) and the SD-JWT digest
// algorithm: what a person reads as the claims.
func flatten(root map[string]any) []Claim { return flattenAt("", root) }

// flattenAt lists the leaves of v, a value at path.
func flattenAt(at string, v any) []Claim {
	var out []Claim
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if path == "" && (k == "cnf" || k == "_sd_alg") {
					continue
				}
				walk(joinPath(path, k), t[k])
			}
		case []any:
			for i, e := range t {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		default:
			out = append(out, Claim{Path: path, Value: valueString(t)})
		}
	}
	walk(at, v)
	return out
}

func joinPath(path, k string) string {
	if !isIdent(k) {
		k = "[" + strconv.Quote(k) + "]"
		return path + k
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '@' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func valueString(v any) string {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case nil:
		s = "null"
	default:
		s = fmt.Sprint(t)
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxValue {
		s = string(r[:maxValue-1]) + "…"
	}
	return s
}

// pathString renders a claims path as the student reads it:
// elm.credentialSubject.hasClaim[*].title.
func pathString(p dcql.Path) string {
	var b strings.Builder
	for _, e := range p {
		switch v := e.(type) {
		case nil:
			b.WriteString("[*]")
		case string:
			if isIdent(v) {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(v)
			} else {
				b.WriteString("[" + strconv.Quote(v) + "]")
			}
		default:
			fmt.Fprintf(&b, "[%v]", v)
		}
	}
	return b.String()
}

// ParsePath reads a claims path as a student writes it on the command
// line: names separated by dots, * (or [*]) for every element of an array,
// [N] or a number for element N: credentialSubject.hasClaim.*.title.
func ParsePath(s string) (dcql.Path, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "$"), ".")
	if s == "" {
		return nil, fmt.Errorf("empty claims path")
	}
	var p dcql.Path
	for _, part := range strings.Split(strings.NewReplacer("[", ".", "]", "").Replace(s), ".") {
		switch {
		case part == "":
			continue
		case part == "*":
			p = append(p, nil)
		default:
			if n, err := strconv.Atoi(part); err == nil && n >= 0 {
				p = append(p, n)
			} else {
				p = append(p, part)
			}
		}
	}
	if len(p) == 0 || p[0] == nil {
		return nil, fmt.Errorf("claims path %q must start with a claim name", clip(s))
	}
	return p, nil
}

// Disclosable returns the claims of copy 0 of c a verifier could be shown:
// for an SD-JWT VC each selectively disclosable claim (selective true: a
// verifier sees only those it asks for, and the claims always visible),
// else every claim (the whole credential is always shown).
func (w *Wallet) Disclosable(c *Credential) (claims []Claim, selective bool, err error) {
	raw, err := w.Raw(c, 0)
	if err != nil {
		return nil, false, err
	}
	switch c.Format {
	case dcql.FormatSDJWT:
		sd, err := sdjwt.Parse(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, false, err
		}
		p, err := sd.Process()
		if err != nil {
			return nil, false, err
		}
		tree := toTree(p.Claims)
		seen := map[string]bool{}
		for _, d := range p.Disclosed {
			path := dcql.Path(d.Path)
			v, _ := lookup(tree, path)
			// A disclosed object or array shows what is inside it.
			for _, c := range flattenAt(pathString(path), v) {
				if !seen[c.Path] {
					seen[c.Path] = true
					claims = append(claims, c)
				}
			}
		}
		sort.Slice(claims, func(i, j int) bool { return claims[i].Path < claims[j].Path })
		return claims, true, nil
	case dcql.FormatJWTVC, dcql.FormatLDPVC:
		s, err := share("", c, 0, vp.Held{Format: c.Format, Raw: raw}, nil)
		return s.Visible, s.Selective, err
	}
	return nil, false, nil
}

// lookup returns the value at a concrete path of a claims tree.
func lookup(v any, p dcql.Path) (any, bool) {
	for _, e := range p {
		switch k := e.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				return nil, false
			}
			v = a[k]
		default:
			return nil, false
		}
	}
	return v, true
}
