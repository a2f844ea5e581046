package verifier

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Summary is what a credential certifies, for the person recognising it.
// For an ELM credential (in any format) the named fields are filled as far
// as the credential says; for any other credential Claims holds the
// subject's claims as they are. It holds personal data: show it to the
// person verifying, never log it.
type Summary struct {
	// ELM is true when the fields below come from an ELM credential.
	ELM bool `json:"elm"`

	Holder      string `json:"holder,omitempty"`
	DateOfBirth string `json:"dateOfBirth,omitempty"`
	Title       string `json:"title,omitempty"`
	// AwardingBody is the body that awarded the achievement, and Country
	// its country (the EU authority code, "IRL", "BEL").
	AwardingBody string `json:"awardingBody,omitempty"`
	Country      string `json:"country,omitempty"`
	DateAwarded  string `json:"dateAwarded,omitempty"`
	EQFLevel     int    `json:"eqfLevel,omitempty"`
	NQFLevel     string `json:"nqfLevel,omitempty"`
	ISCEDFCode   string `json:"iscedfCode,omitempty"`
	ISCEDFLabel  string `json:"iscedfLabel,omitempty"`
	// ECTS is the credit of the achievement; when it states none, the sum
	// of its courses'.
	ECTS string `json:"ects,omitempty"`
	// Courses are the parts of the achievement (transcript lines).
	Courses       []Course `json:"courses,omitempty"`
	Grade         string   `json:"grade,omitempty"`
	GradingScheme string   `json:"gradingScheme,omitempty"`
	// DisplayLanguage is the language the credential is displayed in (its
	// display parameter's primary language), an EU authority IRI; not the
	// language the learning took place in.
	DisplayLanguage string `json:"displayLanguage,omitempty"`
	// InstructionLanguages are the languages of instruction the main
	// achievement's specification states, as EU authority IRIs.
	InstructionLanguages []string `json:"instructionLanguages,omitempty"`

	// Claims are the subject's claims of a non-ELM credential.
	Claims map[string]any `json:"claims,omitempty"`
}

// Course is a course or module of the achievement.
type Course struct {
	Title string `json:"title,omitempty"`
	ECTS  string `json:"ects,omitempty"`
	Grade string `json:"grade,omitempty"`
	// EQFLevel is the course's own EQF level, when it states one.
	EQFLevel int `json:"eqfLevel,omitempty"`
}

func fromELMSummary(s elm.Summary) *Summary {
	out := &Summary{
		ELM: true, Holder: s.Holder, DateOfBirth: string(s.DateOfBirth), Title: s.Title,
		AwardingBody: s.AwardingBody, Country: s.CountryCode, DateAwarded: string(s.DateAwarded),
		EQFLevel: s.EQFLevel, NQFLevel: s.NQFLevel, ISCEDFCode: s.ISCEDFCode, ISCEDFLabel: s.ISCEDFLabel,
		ECTS: s.ECTS, Grade: s.Grade, GradingScheme: s.GradingScheme, DisplayLanguage: s.Language,
		InstructionLanguages: s.InstructionLanguages,
	}
	for _, p := range s.Parts {
		out.Courses = append(out.Courses, Course{Title: p.Title, ECTS: p.ECTS, Grade: p.Grade, EQFLevel: p.EQFLevel})
	}
	if out.ECTS == "" {
		if t, ok := s.TotalPartsECTS(); ok {
			out.ECTS = t
		}
	}
	return out
}

// elmResult is what reading a credential as ELM gave.
type elmResult struct {
	checked    bool // an ELM document was found and checked
	violations []elm.Violation
	err        error
	summary    elm.Summary
	awarded    []Achievement // every achievement and part, for the trust scope
	sum        *Summary
}

// scope returns the highest EQF level and every ISCED-F field the
// achievements state.
func (r *elmResult) scope() (level int, fields []string) {
	for _, a := range r.awarded {
		level = max(level, a.EQFLevel)
		for _, f := range a.ISCEDFields {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
	}
	return level, fields
}

// readELM reads the ELM document a credential is or carries, checks it
// against the profiles it declares, and summarises it.
func readELM(c *credential) *elmResult {
	r := &elmResult{}
	var doc []byte
	switch {
	case c.vc != nil && slices.Contains(c.types, "EuropeanDigitalCredential"):
		doc = c.doc
	case c.claims != nil && slices.Contains(c.types, sdjwt.VCTDC4EUELM):
		d, err := sdjwt.ELMFromDC4EU(c.doc)
		if err != nil {
			r.checked, r.err = true, err
			return r
		}
		doc = d
	case c.claims != nil && slices.Contains(c.types, sdjwt.VCTELM):
		r.sum = summaryFromClaims(c.claims)
		r.summary.EQFLevel = r.sum.EQFLevel
		r.awarded = awardedFromClaims(c.claims)
		return r
	default:
		return r
	}
	r.checked = true
	// The document is decoded once, and the conformance check reads that
	// tree rather than the credential written back (elm.CheckDeclared).
	// A VC's document passed jsonx.Check in readCredential
	// (credentials.ParseCredential gives no credential otherwise): it is
	// not checked a second time.
	tree, err := elmTree(doc, c.vc != nil)
	if err != nil {
		r.err = err
		return r
	}
	e, err := elm.ParseTree(tree)
	if err != nil {
		r.err = err
		return r
	}
	r.summary = elm.Summarise(e)
	r.sum = fromELMSummary(r.summary)
	for _, a := range elm.AwardedAll(e) {
		r.awarded = append(r.awarded, Achievement(a))
	}
	r.violations, r.err = elm.CheckDeclaredTree(e, tree, nil)
	return r
}

// elmTree decodes an ELM document for elm.ParseTree, with the checks and
// the errors of elm.Parse; checked says doc has passed jsonx.Check already.
func elmTree(doc []byte, checked bool) (map[string]any, error) {
	var v any
	if checked {
		v = jsonx.DecodeChecked(doc)
	} else {
		var err error
		if v, err = jsonx.DecodeAny(doc, jsonx.Limits{}); err != nil {
			return nil, fmt.Errorf("elm: %w: %w", credentials.ErrMalformed, err)
		}
	}
	tree, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("elm: %w: a credential must be a JSON object", credentials.ErrMalformed)
	}
	return tree, nil
}

// report adds the elm check.
func (r *elmResult) report(sev Severity, rep *Report) {
	var msg string
	switch {
	case r.err != nil:
		msg = "the ELM credential cannot be checked: " + r.err.Error()
	case len(r.violations) == 0:
		rep.pass(CheckELM, "conforms to the EDC profiles it declares")
		return
	default:
		var parts []string
		for i, vl := range r.violations {
			if i == 5 {
				parts = append(parts, fmt.Sprintf("and %d more", len(r.violations)-5))
				break
			}
			parts = append(parts, vl.String())
		}
		msg = fmt.Sprintf("%d violation(s) of the EDC profiles it declares: %s", len(r.violations), strings.Join(parts, "; "))
	}
	if sev == Fail {
		rep.fail(CheckELM, Invalid, ProblemELMNonConformant, msg)
	} else {
		rep.warn(CheckELM, ProblemELMNonConformant, msg)
	}
}

// summaryOrClaims returns the ELM summary, or the subject's claims.
func (r *elmResult) summaryOrClaims(c *credential) *Summary {
	if r.sum != nil {
		return r.sum
	}
	s := &Summary{Claims: map[string]any{}}
	if c.claims != nil {
		for k, val := range c.claims {
			switch k {
			case "iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "_sd", "_sd_alg":
				continue
			}
			s.Claims[k] = val
		}
		return s
	}
	if c.vc == nil {
		return nil
	}
	subs := c.vc.Subjects()
	switch len(subs) {
	case 0:
		return nil
	case 1:
		_ = json.Unmarshal(subs[0], &s.Claims)
	default:
		var all []any
		for _, raw := range subs {
			var m any
			_ = json.Unmarshal(raw, &m)
			all = append(all, m)
		}
		s.Claims["credentialSubject"] = all
	}
	return s
}

// summaryFromClaims reads Diplomat's SD-JWT VC claims for ELM
// (sdjwt.MapELM): the holder, and the first achievement.
func summaryFromClaims(cl map[string]any) *Summary {
	s := &Summary{ELM: true, Title: text(cl["title"])}
	if h, ok := cl["holder"].(map[string]any); ok {
		s.Holder = text(h["full_name"])
		if s.Holder == "" {
			s.Holder = strings.TrimSpace(text(h["given_name"]) + " " + text(h["family_name"]))
		}
		s.DateOfBirth = text(h["birthdate"])
	}
	if iss, ok := cl["issuer"].(map[string]any); ok {
		s.AwardingBody, s.Country = text(iss["name"]), text(iss["country"])
	}
	achs, _ := cl["achievements"].([]any)
	if len(achs) == 0 {
		return s
	}
	a, _ := achs[0].(map[string]any)
	if a == nil {
		return s
	}
	if t := text(a["title"]); t != "" {
		s.Title = t // the achievement's, as elm.Summarise gives it
	}
	if ab, ok := a["awarding_body"].(map[string]any); ok {
		s.AwardingBody, s.Country = text(ab["name"]), text(ab["country"])
	}
	s.DateAwarded = text(a["awarding_date"])
	if n, ok := a["eqf_level"].(float64); ok {
		s.EQFLevel = int(n)
	}
	s.NQFLevel = text(a["nqf_level"])
	if f := text(a["isced_f"]); f != "" {
		s.ISCEDFCode = f
		if _, label, ok := elm.ISCEDF("http://data.europa.eu/snb/isced-f/" + f); ok {
			s.ISCEDFLabel = label
		}
	}
	s.ECTS, s.Grade = text(a["ects"]), text(a["grade"])
	parts, _ := a["parts"].([]any)
	for _, p := range parts {
		if pm, ok := p.(map[string]any); ok {
			s.Courses = append(s.Courses, Course{Title: text(pm["title"]), ECTS: text(pm["ects"]), Grade: text(pm["grade"])})
		}
	}
	return s
}

// awardedFromClaims reads every achievement of Diplomat's SD-JWT VC claims
// for ELM, and every part of each (parts, at any depth up to 16).
func awardedFromClaims(cl map[string]any) []Achievement {
	var out []Achievement
	var walk func(v any, path string, part bool, depth int)
	walk = func(v any, path string, part bool, depth int) {
		a, _ := v.(map[string]any)
		if a == nil || depth > 16 {
			return
		}
		ach := Achievement{Path: path, Title: text(a["title"]), Part: part}
		if n, ok := a["eqf_level"].(float64); ok && n >= 1 && n <= 8 && n == float64(int(n)) {
			ach.EQFLevel = int(n)
		}
		switch f := a["isced_f"].(type) {
		case string:
			ach.ISCEDFields = []string{f}
		case []any:
			for _, x := range f {
				if s := text(x); s != "" {
					ach.ISCEDFields = append(ach.ISCEDFields, s)
				}
			}
		}
		out = append(out, ach)
		parts, _ := a["parts"].([]any)
		for i, p := range parts {
			walk(p, path+".parts["+strconv.Itoa(i)+"]", true, depth+1)
		}
	}
	achs, _ := cl["achievements"].([]any)
	for i, a := range achs {
		walk(a, "$.achievements["+strconv.Itoa(i)+"]", false, 0)
	}
	return out
}

// text reads a claim as text: a string, a number, a language map (English
// first, else the first language), or the first element of an array.
func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	case []any:
		if len(t) > 0 {
			return text(t[0])
		}
	case map[string]any:
		if s := text(t["en"]); s != "" {
			return s
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s := text(t[k]); s != "" {
				return s
			}
		}
	}
	return ""
}

// clone copies s so that a report's summary is its own.
func (s *Summary) clone() *Summary {
	if s == nil {
		return nil
	}
	out := *s
	out.Courses = slices.Clone(s.Courses)
	out.InstructionLanguages = slices.Clone(s.InstructionLanguages)
	out.Claims = maps.Clone(s.Claims)
	return &out
}
