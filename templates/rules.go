package templates

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// newValidator returns a validator with the rules this package adds to
// go-playground/validator's:
//
//	esi       a European Student Identifier (elm.ParseESI)
//	ects      a credit ≥ 0 with at most one decimal
//	eqf       a European Qualifications Framework level, 1 to 8
//	isced     an ISCED-F 2013 field code ("0613")
//	country   an ISO 3166-1 alpha-2 country code (alias of iso3166_1_alpha2)
//	lang      a BCP 47 language tag (alias of bcp47_language_tag)
//	mode      a learning mode: presential, online, blended, workbased,
//	          project based, research-lab based
//	duration  an xsd:duration such as P3Y or PT60H
func newValidator() (*validator.Validate, error) {
	v := validator.New()
	var errs []error
	must := func(err error) { // fails only for an empty tag or a nil function
		if err != nil {
			errs = append(errs, err)
		}
	}
	must(v.RegisterValidation("esi", func(fl validator.FieldLevel) bool { return elm.ValidESI(fl.Field().String()) }))
	must(v.RegisterValidation("ects", func(fl validator.FieldLevel) bool {
		f, ok := floatOf(fl)
		return ok && f >= 0 && decimals(f) <= 1
	}))
	must(v.RegisterValidation("eqf", func(fl validator.FieldLevel) bool {
		f, ok := floatOf(fl)
		return ok && f == math.Trunc(f) && f >= 1 && f <= 8
	}))
	must(v.RegisterValidation("isced", func(fl validator.FieldLevel) bool {
		_, _, ok := elm.ISCEDF(elm.ISCEDFNamespace + fl.Field().String())
		return ok
	}))
	must(v.RegisterValidation("mode", func(fl validator.FieldLevel) bool {
		_, ok := modeCode(fl.Field().String())
		return ok
	}))
	must(v.RegisterValidation("duration", func(fl validator.FieldLevel) bool { return durationOK(fl.Field().String()) }))
	v.RegisterAlias("country", "iso3166_1_alpha2")
	v.RegisterAlias("lang", "bcp47_language_tag")
	return v, errors.Join(errs...)
}

func floatOf(fl validator.FieldLevel) (float64, bool) {
	f := fl.Field()
	switch {
	case f.CanFloat():
		return f.Float(), true
	case f.CanInt():
		return float64(f.Int()), true
	}
	return 0, false
}

// decimals returns the number of decimals of f's shortest decimal form.
func decimals(f float64) int {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if _, frac, ok := strings.Cut(s, "."); ok {
		return len(frac)
	}
	return 0
}

var durationRE = regexp.MustCompile(`^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$`)

func durationOK(s string) bool {
	return durationRE.MatchString(s) && s != "P" && !strings.HasSuffix(s, "T")
}

// modes maps the learning and assessment modes to their concept codes in
// the EU vocabulary.
var modes = map[string]string{
	"workbased":          "729f3bed4b",
	"work-based":         "729f3bed4b",
	"project based":      "7813801c77",
	"project-based":      "7813801c77",
	"presential":         "9191af2ed9",
	"onsite":             "9191af2ed9",
	"on-site":            "9191af2ed9",
	"online":             "920fbb3cbe",
	"blended":            "e92d221e4d",
	"research-lab based": "ed4c557045",
}

func modeCode(label string) (string, bool) {
	c, ok := modes[strings.ToLower(strings.TrimSpace(label))]
	return c, ok
}

// runRules applies a field's rules to a converted value and returns the
// message for the first broken rule, or "".
func (t *Template) runRules(f *Field, v any, shown string) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("rules %q cannot be applied: %v", f.Rules, r)
		}
	}()
	err := t.validate.Var(v, f.Rules)
	if err == nil {
		return ""
	}
	var errs validator.ValidationErrors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return err.Error()
	}
	return ruleMessage(errs[0], v, shown)
}

// ruleMessage words a broken validator rule for a registrar.
func ruleMessage(fe validator.FieldError, v any, shown string) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "required"
	case "esi":
		if _, err := elm.ParseESI(shown); err != nil {
			return strings.Replace(err.Error(), "invalid European Student Identifier: ", "not a European Student Identifier: ", 1)
		}
		return "not a European Student Identifier"
	case "ects":
		if f, ok := v.(float64); ok && f < 0 {
			return "must be ≥ 0"
		}
		return "must have at most one decimal (ECTS credits such as 7.5)"
	case "eqf":
		return "must be an EQF level from 1 to 8"
	case "isced":
		return fmt.Sprintf("%q is not an ISCED-F 2013 field code (such as 0613)", shown)
	case "country", "iso3166_1_alpha2":
		return fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code (such as FR, DE, IE)", shown)
	case "lang", "bcp47_language_tag":
		return fmt.Sprintf("%q is not a BCP 47 language tag (such as en, fr, pt-BR)", shown)
	case "mode":
		return fmt.Sprintf("%q is not a learning mode (presential, online, blended, workbased, project based, research-lab based)", shown)
	case "duration":
		return fmt.Sprintf("%q is not a duration such as P3Y, P6M or PT60H", shown)
	case "oneof":
		return "must be one of " + strings.Join(strings.Fields(p), ", ")
	case "email":
		return "not an e-mail address"
	case "url", "http_url", "uri":
		return "not a URL"
	}
	numeric := false
	switch v.(type) {
	case float64, int64:
		numeric = true
	}
	list := false
	if _, ok := v.([]map[string]any); ok {
		list = true
	}
	switch fe.Tag() {
	case "gte", "min":
		switch {
		case numeric:
			return "must be ≥ " + p
		case list:
			return "needs at least " + p + " item" + plural(p)
		}
		return "must have at least " + p + " character" + plural(p)
	case "lte", "max":
		switch {
		case numeric:
			return "must be ≤ " + p
		case list:
			return "allows at most " + p + " item" + plural(p)
		}
		return "must have at most " + p + " character" + plural(p)
	case "gt":
		return "must be > " + p
	case "lt":
		return "must be < " + p
	case "len":
		return "must have exactly " + p + " character" + plural(p)
	}
	if p != "" {
		return fmt.Sprintf("breaks the rule %s=%s", fe.Tag(), p)
	}
	return "breaks the rule " + fe.Tag()
}

func plural(n string) string {
	if n == "1" {
		return ""
	}
	return "s"
}

// checkScheme checks a grading scheme declared in a template header.
func checkScheme(gs GradingScheme) error {
	if len(gs.Title) == 0 {
		return errors.New("a title is required")
	}
	hasRange := gs.Min != nil || gs.Max != nil
	switch {
	case hasRange && len(gs.Values) > 0:
		return errors.New("give either min and max or values, not both")
	case hasRange && (gs.Min == nil || gs.Max == nil):
		return errors.New("a range needs both min and max")
	case hasRange && *gs.Min > *gs.Max:
		return errors.New("min is above max")
	case !hasRange && len(gs.Values) == 0:
		return errors.New("give min and max, or values")
	}
	return nil
}

// parseInlineScheme reads a scheme given in a record: "0..20" or
// "A|B|C|D|E|FX|F".
func parseInlineScheme(s string) (GradingScheme, bool) {
	title := map[string]string{}
	if lo, hi, ok := strings.Cut(s, ".."); ok {
		a, err1 := parseDecimal(lo)
		b, err2 := parseDecimal(hi)
		if err1 != nil || err2 != nil || a > b {
			return GradingScheme{}, false
		}
		return GradingScheme{Title: title, Min: &a, Max: &b}, true
	}
	if strings.Contains(s, "|") {
		var vals []string
		for _, v := range strings.Split(s, "|") {
			if v = strings.TrimSpace(v); v == "" {
				return GradingScheme{}, false
			}
			vals = append(vals, v)
		}
		return GradingScheme{Title: title, Values: vals}, true
	}
	return GradingScheme{}, false
}

// scheme resolves a scheme name: a key of the template's schemes, else an
// inline scheme.
func (t *Template) scheme(name string) (GradingScheme, bool) {
	if gs, ok := t.h.GradingSchemes[name]; ok {
		return gs, true
	}
	gs, ok := parseInlineScheme(name)
	if ok {
		gs.Title = map[string]string{t.lang: name}
	}
	return gs, ok
}

// gradeProblem checks a grade against its scheme; it returns the grade as
// it should be written (a list value in the scheme's spelling) or a
// message.
func gradeProblem(grade string, gs GradingScheme, name string) (string, string) {
	if gs.Min != nil {
		g, err := parseDecimal(grade)
		if err != nil || g < *gs.Min || g > *gs.Max {
			return "", fmt.Sprintf("must be a grade from %s to %s (grading scheme %s)", fmtNum(*gs.Min), fmtNum(*gs.Max), name)
		}
		return fmtNum(g), ""
	}
	for _, v := range gs.Values {
		if strings.EqualFold(v, grade) {
			return v, ""
		}
	}
	return "", fmt.Sprintf("must be one of %s (grading scheme %s)", strings.Join(gs.Values, ", "), name)
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// parseDecimal reads a decimal number, with a decimal point or a single
// decimal comma.
func parseDecimal(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	if s == "" || strings.ContainsAny(s, "eExXpP_") || strings.HasPrefix(s, "+") {
		return 0, errors.New("not a number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errors.New("not a number")
	}
	return f, nil
}
