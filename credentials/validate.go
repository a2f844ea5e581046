package credentials

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Problem is one way a credential or presentation breaks a rule of the VC
// Data Model.
type Problem struct {
	// Path is the JSON path of the offending value, or of the object that
	// lacks a required member: "$.issuer", "$.credentialStatus[1].type".
	Path string
	// Rule names the rule broken; the rules are listed in
	// docs/envelopes.md (e.g. RuleIssuer, RuleDateFormat).
	Rule string
	// Message says what is wrong, for a person.
	Message string
	// Warning is true for problems that do not make the document invalid
	// (a VC 1.1 date property in a VC 2.0 credential).
	Warning bool
}

func (p Problem) String() string {
	s := p.Path + ": " + p.Message + " [" + p.Rule + "]"
	if p.Warning {
		s = "warning: " + s
	}
	return s
}

// The rules Validate checks, as Problem.Rule names them.
const (
	RuleObject       = "object"                // the document is a JSON object
	RuleContext      = "context"               // @context present, a string or an array of strings and objects
	RuleBaseContext  = "base-context"          // the first @context entry is the v1 or v2 base context, and only the first
	RuleType         = "type"                  // type present, a string or array of strings, with VerifiableCredential / VerifiablePresentation
	RuleID           = "id-url"                // every id (and holder, issuer id, schema id…) is a URL
	RuleIssuer       = "issuer"                // issuer present, a URL or an object with an id URL
	RuleSubject      = "subject"               // credentialSubject present, an object or a non-empty array of objects
	RuleDateFormat   = "date-format"           // dates are XML Schema dateTime (2.0: dateTimeStamp, with a zone)
	RuleIssuanceDate = "issuance-date"         // VC 1.1 needs issuanceDate
	RuleDateOrder    = "date-order"            // validFrom ≤ validUntil (1.1: issuanceDate ≤ expirationDate)
	RuleDateVersion  = "date-version"          // issuanceDate/expirationDate in a VC 2.0 credential (warning)
	RuleEntryShape   = "entry-shape"           // credentialStatus, credentialSchema, evidence, termsOfUse, refreshService, relatedResource, proof: objects
	RuleEntryType    = "entry-type"            // … each with a type
	RuleEntryID      = "entry-id"              // … and an id where the version requires one
	RuleDigest       = "digest"                // relatedResource entries carry digestSRI or digestMultibase
	RuleText         = "text"                  // name and description are strings or language value objects
	RuleHolder       = "holder"                // holder is a URL or an object with an id URL
	RuleVC           = "verifiable-credential" // presentation entries are credentials (or enveloped ones)
)

// ValidationError lists every problem found in a document. It wraps
// ErrMalformed. Problems holds the errors and the warnings, errors first.
type ValidationError struct {
	Kind     string // "credential" or "presentation"
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var errs []string
	for _, p := range e.Problems {
		if !p.Warning {
			errs = append(errs, p.String())
		}
	}
	if len(errs) == 1 {
		return e.Kind + ": " + errs[0]
	}
	return fmt.Sprintf("%s: %d problems: %s", e.Kind, len(errs), strings.Join(errs, "; "))
}

func (e *ValidationError) Unwrap() error { return ErrMalformed }

// validationError returns nil when problems holds only warnings.
func validationError(kind string, problems []Problem) error {
	var errs, warns []Problem
	for _, p := range problems {
		if p.Warning {
			warns = append(warns, p)
		} else {
			errs = append(errs, p)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Kind: kind, Problems: append(errs, warns...)}
}

type validator struct {
	problems []Problem
}

func (v *validator) add(path, rule, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) warn(path, rule, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...), Warning: true})
}

func step(path, name string) string {
	var b strings.Builder
	b.WriteString(path)
	jsonx.AppendName(&b, name)
	return b.String()
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// decode turns a raw member into a generic value (numbers as json.Number).
func decode(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// jsonType names the JSON kind of a decoded value (jsonx.Kind).
func jsonType(v any) string { return jsonx.Kind(v) }

// IsURL reports whether s is an absolute URL as the VC Data Model requires
// for identifiers: a scheme, a colon and something after it (https:, did:,
// urn:, data: …), with no spaces or control characters.
func IsURL(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 1 || i == len(s)-1 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if j == 0 && !letter || !letter && !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	for j := 0; j < len(s); j++ {
		if c := s[j]; c <= ' ' || c == 0x7F || strings.IndexByte("<>\"{}|\\^`", c) >= 0 {
			return false
		}
	}
	_, err := url.Parse(s)
	return err == nil
}

// checkURL adds a problem when v is not a string URL.
func (v *validator) checkURL(path string, val any, what string) {
	s, ok := val.(string)
	if !ok {
		v.add(path, RuleID, "%s must be a URL string, found %s", what, jsonType(val))
		return
	}
	if !IsURL(s) {
		v.add(path, RuleID, "%s %q is not a URL", what, s)
	}
}

// checkContext checks @context and returns the version it declares.
func (v *validator) checkContext(raw json.RawMessage) Version {
	const p = "$.@context"
	if raw == nil {
		v.add("$", RuleContext, "@context is missing; the first entry must be %s (2.0) or %s (1.1)", ContextV2, ContextV1)
		return ""
	}
	var entries []any
	isList := false
	switch c := decode(raw).(type) {
	case string:
		entries = []any{c}
	case []any:
		isList = true
		if len(c) == 0 {
			v.add(p, RuleContext, "@context is an empty array")
			return ""
		}
		entries = c
	default:
		v.add(p, RuleContext, "@context must be a string or an array, found %s", jsonType(c))
		return ""
	}
	var version Version
	for i, e := range entries {
		ep := p
		if isList {
			ep = index(p, i)
		}
		switch e := e.(type) {
		case string:
			base := e == ContextV1 || e == ContextV2
			switch {
			case i == 0 && base:
				version = versionOf(raw)
			case i == 0:
				v.add(ep, RuleBaseContext, "the first @context entry must be %s (2.0) or %s (1.1), found %q", ContextV2, ContextV1, e)
			case base:
				v.add(ep, RuleBaseContext, "base context %q may only be the first @context entry", e)
			case !IsURL(e):
				v.add(ep, RuleContext, "@context entry %q is not a URL", e)
			}
		case map[string]any:
			if i == 0 {
				v.add(ep, RuleBaseContext, "the first @context entry must be %s (2.0) or %s (1.1), found an object", ContextV2, ContextV1)
			}
		default:
			v.add(ep, RuleContext, "@context entries must be URL strings or objects, found %s", jsonType(e))
		}
	}
	return version
}

// checkType checks type and that it includes want.
func (v *validator) checkType(raw json.RawMessage, want string) {
	const p = "$.type"
	if raw == nil {
		v.add("$", RuleType, "type is missing; it must include %s", want)
		return
	}
	list, ok := stringOrList(raw)
	if !ok {
		v.add(p, RuleType, "type must be a string or an array of strings")
		return
	}
	for _, t := range list {
		if t == want {
			return
		}
	}
	v.add(p, RuleType, "type must include %s", want)
}

// checkID checks a top-level id member when present.
func (v *validator) checkID(raw json.RawMessage) {
	if raw != nil {
		v.checkURL("$.id", decode(raw), "id")
	}
}

// checkText checks a top-level name or description (see checkTextAt).
func (v *validator) checkText(name string, raw json.RawMessage) {
	v.checkTextAt(step("$", name), name, raw)
}

// checkTextAt checks name/description at path: a string, a language value
// object, or an array of them (2.0 §11.1). A language value object has an
// @value string, optionally an @language string and an @direction of ltr
// or rtl, and no other member.
func (v *validator) checkTextAt(p, name string, raw json.RawMessage) {
	if raw == nil {
		return
	}
	check := func(p string, e any) {
		switch e := e.(type) {
		case string:
		case map[string]any:
			if _, ok := e["@value"].(string); !ok {
				v.add(p, RuleText, "%s as an object must have an @value string", name)
			}
			if l, ok := e["@language"]; ok {
				if _, isString := l.(string); !isString {
					v.add(p, RuleText, "%s: @language must be a string (a BCP 47 language tag), found %s", name, jsonType(l))
				}
			}
			if d, ok := e["@direction"]; ok && d != "ltr" && d != "rtl" {
				v.add(p, RuleText, "%s: @direction must be \"ltr\" or \"rtl\"", name)
			}
			var extra []string
			for k := range e {
				if k != "@value" && k != "@language" && k != "@direction" {
					extra = append(extra, k)
				}
			}
			if len(extra) > 0 {
				slices.Sort(extra)
				v.add(p, RuleText, "%s: a language value object has only @value, @language and @direction, not %s", name, strings.Join(extra, ", "))
			}
		default:
			v.add(p, RuleText, "%s must be a string or a language value object, found %s", name, jsonType(e))
		}
	}
	switch val := decode(raw).(type) {
	case []any:
		for i, e := range val {
			check(index(p, i), e)
		}
	case map[string]any:
		// A language map ({"en": "…"}) is what ELM uses with its own
		// context; only a value object is checked.
		if _, isValue := val["@value"]; isValue {
			check(p, val)
		}
	default:
		check(p, val)
	}
}

// checkDate parses a date member and returns it (zero when absent or bad).
func (v *validator) checkDate(name string, raw json.RawMessage, version Version) (time.Time, bool) {
	if raw == nil {
		return time.Time{}, false
	}
	p := step("$", name)
	var s string
	if json.Unmarshal(raw, &s) != nil {
		v.add(p, RuleDateFormat, "%s must be a dateTime string, found %s", name, jsonType(decode(raw)))
		return time.Time{}, false
	}
	t, err := ParseDateTime(s, version == Version20)
	if err != nil {
		v.add(p, RuleDateFormat, "%s %q: %v", name, s, err)
		return time.Time{}, false
	}
	return t, true
}

// entrySpec says what each entry of a list-valued property needs.
type entrySpec struct {
	name     string
	needID   bool // id required
	idURL    bool // id, when present, must be a URL
	needType bool
	digest   bool // relatedResource: digestSRI or digestMultibase
}

// checkEntries checks an object-or-array-of-objects property.
func (v *validator) checkEntries(raw json.RawMessage, spec entrySpec) {
	if raw == nil {
		return
	}
	p := step("$", spec.name)
	var entries []any
	var paths []string
	switch val := decode(raw).(type) {
	case map[string]any:
		entries, paths = []any{val}, []string{p}
	case []any:
		for i, e := range val {
			entries = append(entries, e)
			paths = append(paths, index(p, i))
		}
	default:
		v.add(p, RuleEntryShape, "%s must be an object or an array of objects, found %s", spec.name, jsonType(val))
		return
	}
	for i, e := range entries {
		o, ok := e.(map[string]any)
		if !ok {
			v.add(paths[i], RuleEntryShape, "%s entries must be objects, found %s", spec.name, jsonType(e))
			continue
		}
		if spec.needType {
			switch t := o["type"].(type) {
			case string:
			case []any:
				if len(t) == 0 {
					v.add(step(paths[i], "type"), RuleEntryType, "%s type must not be empty", spec.name)
				}
			case nil:
				v.add(paths[i], RuleEntryType, "%s entry has no type", spec.name)
			default:
				v.add(step(paths[i], "type"), RuleEntryType, "%s type must be a string or an array of strings", spec.name)
			}
		}
		id, hasID := o["id"]
		switch {
		case !hasID && spec.needID:
			v.add(paths[i], RuleEntryID, "%s entry has no id", spec.name)
		case hasID && (spec.idURL || spec.needID):
			v.checkURL(step(paths[i], "id"), id, spec.name+" id")
		}
		if spec.digest {
			_, sri := o["digestSRI"]
			_, mb := o["digestMultibase"]
			if !sri && !mb {
				v.add(paths[i], RuleDigest, "relatedResource entry needs digestSRI or digestMultibase")
			}
		}
	}
}

// checkIssuerLike checks issuer or holder: a URL, or an object with an id URL.
func (v *validator) checkIssuerLike(name, rule string, raw json.RawMessage, required bool) {
	p := step("$", name)
	if raw == nil {
		if required {
			v.add("$", rule, "%s is missing", name)
		}
		return
	}
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		// An object (an EDC issuer runs to kilobytes): only its id is read.
		id := lastMember(t, "id")
		if id == nil {
			v.add(p, rule, "%s object has no id", name)
		} else {
			v.checkURL(step(p, "id"), decode(id), name+" id")
		}
		// issuer.name and issuer.description follow the rules of the
		// credential's own (2.0 §4.7).
		for _, text := range []string{"name", "description"} {
			v.checkTextAt(step(p, text), text, lastMember(t, text))
		}
		return
	}
	switch val := decode(raw).(type) {
	case string:
		if !IsURL(val) {
			v.add(p, rule, "%s %q is not a URL", name, val)
		}
	default:
		v.add(p, rule, "%s must be a URL or an object with an id, found %s", name, jsonType(val))
	}
}

// checkSubject checks credentialSubject.
func (v *validator) checkSubject(raw json.RawMessage) {
	const p = "$.credentialSubject"
	if raw == nil {
		v.add("$", RuleSubject, "credentialSubject is missing")
		return
	}
	one := func(p string, raw json.RawMessage) {
		if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			v.add(p, RuleSubject, "credentialSubject must be an object, found %s", jsonType(decode(raw)))
			return
		}
		if id := memberFold(raw, "id"); id != nil {
			v.checkURL(step(p, "id"), decode(id), "credentialSubject id")
		}
		// Each subject object must be the subject of one or more claims
		// (2.0 §4.8; 1.1 §4.4): an empty object states none. (An object
		// with its id only names its subject, as many issuers' do, and
		// passes.)
		members := 0
		_ = jsonx.Members(raw, func(string, []byte) bool {
			members++
			return false
		})
		if members == 0 {
			v.add(p, RuleSubject, "credentialSubject is an empty object: it states no claim about any subject")
		}
	}
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		list := objectOrList(raw)
		if len(list) == 0 {
			v.add(p, RuleSubject, "credentialSubject is an empty array")
		}
		for i, e := range list {
			one(index(p, i), e)
		}
		return
	}
	one(p, raw)
}

// checkProof checks that proof is an object or array of objects with a type.
func (v *validator) checkProof(raw json.RawMessage) {
	v.checkEntries(raw, entrySpec{name: "proof", needType: true})
}

// prefixed returns problems with their paths moved below prefix (for a
// credential embedded in a presentation).
func prefixed(problems []Problem, prefix string) []Problem {
	out := make([]Problem, len(problems))
	for i, p := range problems {
		p.Path = prefix + strings.TrimPrefix(p.Path, "$")
		out[i] = p
	}
	return out
}
