// Package dcql is the Digital Credentials Query Language of OpenID for
// Verifiable Presentations 1.0 (section 6): the query model, its
// validation, claims path pointers (section 7), the wallet's selection of
// held credentials and claims for a query (Query.Select), and the
// verifier's check that a response satisfies its query, with nothing
// disclosed that was not asked for (Query.CheckResponse).
//
// It reads credentials only through Credential, a format-neutral view
// (claims as JSON values, type, issuer certificates, what was disclosed);
// building that view from an SD-JWT, a JWT VC or a Data Integrity credential
// is the vp package's job. It knows nothing of transport or signatures.
package dcql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Credential format identifiers (OpenID4VP 1.0 appendix B).
const (
	FormatSDJWT   = "dc+sd-jwt"
	FormatJWTVC   = "jwt_vc_json"
	FormatLDPVC   = "ldp_vc"
	FormatMsoMdoc = "mso_mdoc"
)

// MaxQueryBytes bounds a DCQL query read by Parse.
const MaxQueryBytes = 256 << 10

// Query is a DCQL query.
type Query struct {
	// Credentials are the Credential Queries; at least one.
	Credentials []CredentialQuery `json:"credentials"`
	// CredentialSets constrain which combinations to return; nil: every
	// Credential Query is required.
	CredentialSets []CredentialSetQuery `json:"credential_sets,omitempty"`
}

// CredentialQuery asks for one (or, with Multiple, several) credentials.
type CredentialQuery struct {
	ID       string `json:"id"`
	Format   string `json:"format"`
	Multiple bool   `json:"multiple,omitempty"`
	Meta     Meta   `json:"meta"`
	// TrustedAuthorities, when set, name authorities one of which should
	// certify the issuer.
	TrustedAuthorities []TrustedAuthority `json:"trusted_authorities,omitempty"`
	// RequireCryptographicHolderBinding: nil means true.
	RequireCryptographicHolderBinding *bool         `json:"require_cryptographic_holder_binding,omitempty"`
	Claims                            []ClaimsQuery `json:"claims,omitempty"`
	ClaimSets                         [][]string    `json:"claim_sets,omitempty"`
}

// HolderBindingRequired reports whether a cryptographic holder-binding
// proof is required (the default).
func (c *CredentialQuery) HolderBindingRequired() bool {
	return c.RequireCryptographicHolderBinding == nil || *c.RequireCryptographicHolderBinding
}

// Meta constrains a credential's type; its members depend on the format.
type Meta struct {
	// VCTValues (dc+sd-jwt): the accepted vct values.
	VCTValues []string `json:"vct_values,omitempty"`
	// TypeValues (jwt_vc_json, ldp_vc): alternatives, each a set of types
	// that must all be among the credential's (fully expanded) types.
	TypeValues [][]string `json:"type_values,omitempty"`
	// DoctypeValue (mso_mdoc).
	DoctypeValue string `json:"doctype_value,omitempty"`
}

// TrustedAuthority names authorities of one type (aki, etsi_tl,
// openid_federation, or another).
type TrustedAuthority struct {
	Type   string   `json:"type"`
	Values []string `json:"values"`
}

// ClaimsQuery asks for one claim (or, with null in the path, the claims of
// every element of an array).
type ClaimsQuery struct {
	ID   string `json:"id,omitempty"`
	Path Path   `json:"path"`
	// Values, when set, are the accepted values: strings, integers
	// (json.Number or int64) or booleans.
	Values []any `json:"values,omitempty"`
	// IntentToRetain (mso_mdoc).
	IntentToRetain *bool `json:"intent_to_retain,omitempty"`
}

// CredentialSetQuery says which combinations of Credential Queries satisfy
// a purpose.
type CredentialSetQuery struct {
	Options [][]string `json:"options"`
	// Required: nil means true.
	Required *bool `json:"required,omitempty"`
}

// IsRequired reports whether the set is required (the default).
func (s *CredentialSetQuery) IsRequired() bool { return s.Required == nil || *s.Required }

// Path is a claims path pointer: strings select object members, non-negative
// ints select array elements, nil selects every element of an array.
type Path []any

// String renders the path as JSON.
func (p Path) String() string {
	b, _ := json.Marshal([]any(p))
	return string(b)
}

// ParsePath reads a claims path pointer from JSON.
func ParsePath(data []byte) (Path, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON array")
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty")
	}
	p := make(Path, len(raw))
	for i, r := range raw {
		r = bytes.TrimSpace(r)
		switch {
		case bytes.Equal(r, []byte("null")):
			p[i] = nil
		case len(r) > 0 && r[0] == '"':
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return nil, fmt.Errorf("[%d] is not a valid string", i)
			}
			p[i] = s
		default:
			n, err := strconv.ParseInt(string(r), 10, 32)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("[%d] is %s: a component must be a string, null or a non-negative integer", i, clip(string(r)))
			}
			p[i] = int(n)
		}
	}
	return p, nil
}

// UnmarshalJSON reads a path with ParsePath.
func (p *Path) UnmarshalJSON(data []byte) error {
	q, err := ParsePath(data)
	if err != nil {
		return fmt.Errorf("claims path: %v", err)
	}
	*p = q
	return nil
}

// Problem is one thing wrong with a query or a response, with where it is.
type Problem struct {
	// At is a JSON path into the query or response ("$.credentials[0].claims[1].path").
	At string
	// Reason says what is wrong.
	Reason string
}

// Error is the error of Parse, Validate and CheckResponse: every problem
// found.
type Error struct {
	What     string
	Problems []Problem
}

func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString(e.What)
	for i, p := range e.Problems {
		if i == 0 {
			sb.WriteString(": ")
		} else {
			sb.WriteString("; ")
		}
		if i == 8 {
			fmt.Fprintf(&sb, "and %d more", len(e.Problems)-i)
			break
		}
		sb.WriteString(p.At + ": " + p.Reason)
	}
	return sb.String()
}

type problems struct{ list []Problem }

func (ps *problems) add(at, format string, args ...any) {
	ps.list = append(ps.list, Problem{At: at, Reason: fmt.Sprintf(format, args...)})
}

func (ps *problems) err(what string) error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{What: what, Problems: ps.list}
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Parse reads a DCQL query from untrusted JSON (within MaxQueryBytes, no
// duplicate members, members read by their exact names) and validates it.
// Unknown members are ignored, as the specification says. The error is an
// *Error listing every problem with its JSON path.
func Parse(data []byte) (*Query, error) {
	if err := jsonx.Check(data, jsonx.Limits{MaxBytes: MaxQueryBytes, MaxDepth: 16}); err != nil {
		return nil, &Error{What: "DCQL query", Problems: []Problem{{At: "$", Reason: err.Error()}}}
	}
	var ps problems
	q := decodeQuery(data, &ps)
	if err := ps.err("DCQL query"); err != nil {
		return nil, err
	}
	return q, q.Validate()
}

// members decodes a JSON object into its members by exact name; it adds a
// problem and returns nil for anything else.
func members(raw json.RawMessage, at string, ps *problems) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		ps.add(at, "must be a JSON object")
		return nil
	}
	return m
}

func getString(m map[string]json.RawMessage, name, at string, ps *problems) string {
	v, ok := m[name]
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		ps.add(at+"."+name, "must be a string")
	}
	return s
}

func getBool(m map[string]json.RawMessage, name, at string, ps *problems) *bool {
	v, ok := m[name]
	if !ok {
		return nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		ps.add(at+"."+name, "must be a boolean")
		return nil
	}
	return &b
}

func getStrings(m map[string]json.RawMessage, name, at string, ps *problems) []string {
	v, ok := m[name]
	if !ok {
		return nil
	}
	var s []string
	if err := json.Unmarshal(v, &s); err != nil || s == nil {
		ps.add(at+"."+name, "must be an array of strings")
		return nil
	}
	if len(s) == 0 {
		ps.add(at+"."+name, "must not be empty")
	}
	return s
}

func getStringSets(m map[string]json.RawMessage, name, at string, ps *problems) [][]string {
	v, ok := m[name]
	if !ok {
		return nil
	}
	var s [][]string
	if err := json.Unmarshal(v, &s); err != nil || s == nil {
		ps.add(at+"."+name, "must be an array of arrays of strings")
		return nil
	}
	if len(s) == 0 {
		ps.add(at+"."+name, "must not be empty")
	}
	return s
}

func getArray(m map[string]json.RawMessage, name, at string, ps *problems) ([]json.RawMessage, bool) {
	v, ok := m[name]
	if !ok {
		return nil, false
	}
	var a []json.RawMessage
	if err := json.Unmarshal(v, &a); err != nil || a == nil {
		ps.add(at+"."+name, "must be an array")
		return nil, true
	}
	if len(a) == 0 {
		ps.add(at+"."+name, "must not be empty")
	}
	return a, true
}

func decodeQuery(data []byte, ps *problems) *Query {
	m := members(data, "$", ps)
	if m == nil {
		return &Query{}
	}
	q := &Query{}
	creds, ok := getArray(m, "credentials", "$", ps)
	if !ok {
		ps.add("$.credentials", "is required")
	}
	for i, raw := range creds {
		at := fmt.Sprintf("$.credentials[%d]", i)
		cm := members(raw, at, ps)
		if cm == nil {
			continue
		}
		c := CredentialQuery{
			ID:     getString(cm, "id", at, ps),
			Format: getString(cm, "format", at, ps),
		}
		if b := getBool(cm, "multiple", at, ps); b != nil {
			c.Multiple = *b
		}
		c.RequireCryptographicHolderBinding = getBool(cm, "require_cryptographic_holder_binding", at, ps)
		if raw, ok := cm["meta"]; ok {
			mm := members(raw, at+".meta", ps)
			c.Meta.VCTValues = getStrings(mm, "vct_values", at+".meta", ps)
			c.Meta.TypeValues = getStringSets(mm, "type_values", at+".meta", ps)
			c.Meta.DoctypeValue = getString(mm, "doctype_value", at+".meta", ps)
		} else {
			ps.add(at+".meta", "is required (an empty object places no constraint)")
		}
		tas, _ := getArray(cm, "trusted_authorities", at, ps)
		for j, raw := range tas {
			tat := fmt.Sprintf("%s.trusted_authorities[%d]", at, j)
			tm := members(raw, tat, ps)
			if tm == nil {
				continue
			}
			c.TrustedAuthorities = append(c.TrustedAuthorities, TrustedAuthority{Type: getString(tm, "type", tat, ps), Values: getStrings(tm, "values", tat, ps)})
		}
		claims, _ := getArray(cm, "claims", at, ps)
		for j, raw := range claims {
			cat := fmt.Sprintf("%s.claims[%d]", at, j)
			clm := members(raw, cat, ps)
			if clm == nil {
				continue
			}
			cq := ClaimsQuery{ID: getString(clm, "id", cat, ps), IntentToRetain: getBool(clm, "intent_to_retain", cat, ps)}
			if raw, ok := clm["path"]; ok {
				p, err := ParsePath(raw)
				if err != nil {
					ps.add(cat+".path", "%v", err)
				}
				cq.Path = p
			} else {
				ps.add(cat+".path", "is required")
			}
			if vals, ok := getArray(clm, "values", cat, ps); ok {
				for k, v := range vals {
					val, err := parseValue(v)
					if err != nil {
						ps.add(fmt.Sprintf("%s.values[%d]", cat, k), "%v", err)
						continue
					}
					cq.Values = append(cq.Values, val)
				}
			}
			c.Claims = append(c.Claims, cq)
		}
		c.ClaimSets = getStringSets(cm, "claim_sets", at, ps)
		q.Credentials = append(q.Credentials, c)
	}
	sets, _ := getArray(m, "credential_sets", "$", ps)
	for i, raw := range sets {
		at := fmt.Sprintf("$.credential_sets[%d]", i)
		sm := members(raw, at, ps)
		if sm == nil {
			continue
		}
		s := CredentialSetQuery{Options: getStringSets(sm, "options", at, ps), Required: getBool(sm, "required", at, ps)}
		if _, ok := sm["options"]; !ok {
			ps.add(at+".options", "is required")
		}
		q.CredentialSets = append(q.CredentialSets, s)
	}
	return q
}

// parseValue reads a values element: a string, an integer or a boolean.
func parseValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return nil, fmt.Errorf("empty")
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case bytes.Equal(raw, []byte("true")):
		return true, nil
	case bytes.Equal(raw, []byte("false")):
		return false, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s is not a string, an integer or a boolean", clip(string(raw)))
	}
	return n, nil
}

// Validate checks the rules of OpenID4VP 1.0 section 6 that a query must
// follow: at least one Credential Query; unique ids of the allowed
// characters; a format; the format's meta (vct_values for dc+sd-jwt,
// type_values for the W3C formats, doctype_value for mso_mdoc); claims and
// claim_sets that are non-empty, claim ids where claim_sets refer to them,
// no claim asked twice, no path that is both an array and an object;
// credential_sets whose options name existing Credential Queries. The error
// is an *Error listing every problem.
func (q *Query) Validate() error {
	var ps problems
	if len(q.Credentials) == 0 {
		ps.add("$.credentials", "must name at least one Credential Query")
	}
	ids := map[string]bool{}
	for i, c := range q.Credentials {
		at := fmt.Sprintf("$.credentials[%d]", i)
		switch {
		case c.ID == "":
			ps.add(at+".id", "is required")
		case !idRE.MatchString(c.ID):
			ps.add(at+".id", "%q has characters other than letters, digits, _ and -", clip(c.ID))
		case ids[c.ID]:
			ps.add(at+".id", "%q is used twice", c.ID)
		}
		ids[c.ID] = true
		if c.Format == "" {
			ps.add(at+".format", "is required")
		}
		switch c.Format {
		case FormatSDJWT:
			if len(c.Meta.VCTValues) == 0 {
				ps.add(at+".meta.vct_values", "is required for %s", c.Format)
			}
		case FormatJWTVC, FormatLDPVC:
			if len(c.Meta.TypeValues) == 0 {
				ps.add(at+".meta.type_values", "is required for %s", c.Format)
			}
			for j, set := range c.Meta.TypeValues {
				if len(set) == 0 {
					ps.add(fmt.Sprintf("%s.meta.type_values[%d]", at, j), "must not be empty")
				}
			}
		case FormatMsoMdoc:
			if c.Meta.DoctypeValue == "" {
				ps.add(at+".meta.doctype_value", "is required for %s", c.Format)
			}
		}
		for j, ta := range c.TrustedAuthorities {
			tat := fmt.Sprintf("%s.trusted_authorities[%d]", at, j)
			if ta.Type == "" {
				ps.add(tat+".type", "is required")
			}
			if len(ta.Values) == 0 {
				ps.add(tat+".values", "must name at least one value")
			}
		}
		claimIDs := map[string]bool{}
		for j, cl := range c.Claims {
			cat := fmt.Sprintf("%s.claims[%d]", at, j)
			if len(cl.Path) == 0 {
				ps.add(cat+".path", "must not be empty")
			}
			for k, e := range cl.Path {
				switch v := e.(type) {
				case nil, string:
				case int:
					if v < 0 {
						ps.add(fmt.Sprintf("%s.path[%d]", cat, k), "is negative")
					}
				default:
					ps.add(fmt.Sprintf("%s.path[%d]", cat, k), "must be a string, null or a non-negative integer")
				}
			}
			if c.Format == FormatMsoMdoc && len(cl.Path) != 2 {
				ps.add(cat+".path", "an mso_mdoc path has exactly two components (namespace, element)")
			}
			if cl.ID != "" {
				if !idRE.MatchString(cl.ID) {
					ps.add(cat+".id", "%q has characters other than letters, digits, _ and -", clip(cl.ID))
				} else if claimIDs[cl.ID] {
					ps.add(cat+".id", "%q is used twice", cl.ID)
				}
				claimIDs[cl.ID] = true
			} else if c.ClaimSets != nil {
				ps.add(cat+".id", "is required when claim_sets is present")
			}
			for k, v := range cl.Values {
				switch v.(type) {
				case string, bool, int64, int, json.Number:
				default:
					ps.add(fmt.Sprintf("%s.values[%d]", cat, k), "must be a string, an integer or a boolean")
				}
			}
			for k := 0; k < j; k++ {
				if conflict := pathConflict(c.Claims[k].Path, cl.Path); conflict != "" {
					ps.add(cat+".path", "%s (claims[%d] has %s)", conflict, k, c.Claims[k].Path)
				}
			}
		}
		if c.ClaimSets != nil && len(c.Claims) == 0 {
			ps.add(at+".claim_sets", "must not be present without claims")
		}
		ps.idLists(at+".claim_sets", c.ClaimSets, claimIDs, "claim %q, which claims does not define")
	}
	for i, s := range q.CredentialSets {
		at := fmt.Sprintf("$.credential_sets[%d]", i)
		if len(s.Options) == 0 {
			ps.add(at+".options", "must name at least one option")
		}
		ps.idLists(at+".options", s.Options, ids, "%q, which is not a Credential Query id")
	}
	return ps.err("DCQL query")
}

// idLists checks lists of ids (claim_sets, options): each non-empty, each
// id among known; unknown describes an unknown id (%q).
func (ps *problems) idLists(at string, lists [][]string, known map[string]bool, unknown string) {
	for j, list := range lists {
		if len(list) == 0 {
			ps.add(fmt.Sprintf("%s[%d]", at, j), "must not be empty")
		}
		for _, id := range list {
			if !known[id] {
				ps.add(fmt.Sprintf("%s[%d]", at, j), "names "+unknown, clip(id))
			}
		}
	}
}

// pathConflict says why two claims paths of one Credential Query cannot
// both be asked, or "": the same claim twice, or one treating as an array
// (index or null) what the other treats as an object (name), or an index
// and null on the same array.
func pathConflict(a, b Path) string {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := a[i], b[i]
		_, xs := x.(string)
		_, ys := y.(string)
		switch {
		case xs != ys:
			return "treats as an array what another claim treats as an object"
		case xs && x != y:
			return ""
		case !xs && (x == nil) != (y == nil):
			return "selects one element of an array another claim selects all of"
		case !xs && x != y:
			return ""
		}
	}
	if len(a) == len(b) {
		return "asks for the same claim twice"
	}
	return ""
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
