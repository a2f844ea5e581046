package elmo

import (
	"encoding/xml"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The ELMO v1 schema (schema.xsd of emrex-eu/elmo-schemas, branch v1, 1.5)
// as content models: for each complex type the sequence of its children
// with their occurrences and simple types, and its attributes. check walks
// a document against them. docs/elmo.md lists what is checked.

// Namespace is the XML namespace of ELMO v1.
const Namespace = "https://github.com/emrex-eu/elmo-schemas/tree/v1"

const dsigNS = "http://www.w3.org/2000/09/xmldsig#"

// simple is an XSD simple type, as far as the checks need it.
type simple int

const (
	stNone      simple = iota // element-only content
	stString                  // xs:string
	stToken                   // xs:token
	stDate                    // xs:date
	stDateTime                // xs:dateTime
	stDecimal                 // xs:decimal
	stNonNegInt               // xs:nonNegativeInteger
	stCountry                 // europass:countryCode
	stAny                     // content not checked (extension containers, xmldsig)
)

// elem is one particle of a sequence.
type elem struct {
	name     string
	min, max int // max 0: unbounded
	simple   simple
	typ      *ctype
	enum     []string // allowed values (xs:token enumeration)
	// openEnum: a value outside enum is reported, not refused (the schema
	// tells clients to expect new values).
	openEnum bool
	ns       string // namespace when not ELMO's (ds:Signature)
}

// attr is an attribute declaration.
type attr struct {
	name     string
	required bool
	simple   simple
	pattern  *regexp.Regexp
}

// ctype is a complex type: a sequence of children, attributes, and the
// simple type of its text when it has simple content.
type ctype struct {
	seq    []elem
	attrs  []attr
	text   simple
	lang   bool // xml:lang allowed
	any    bool // xs:any ##other: the extension container
	anyAtt bool
}

func one(name string, s simple) elem           { return elem{name: name, min: 1, max: 1, simple: s} }
func opt(name string, s simple) elem           { return elem{name: name, min: 0, max: 1, simple: s} }
func many(name string, min int, s simple) elem { return elem{name: name, min: min, max: 0, simple: s} }

func (e elem) of(t *ctype) elem { e.typ = t; return e }

var (
	reSectionNumber = regexp.MustCompile(`^[0-9.]+$`)

	// Simple content with xml:lang (TokenWithOptionalLang and the
	// plaintext and HTML strings).
	tokenLang  = &ctype{text: stToken, lang: true}
	stringLang = &ctype{text: stString, lang: true}
	// An identifier: token content and a required type.
	identifier = &ctype{text: stToken, attrs: []attr{{name: "type", required: true, simple: stToken}}}
	extension  = &ctype{any: true, anyAtt: true}
	signature  = &ctype{text: stAny, any: true, anyAtt: true}

	attachment = &ctype{seq: []elem{
		many("identifier", 0, stNone).of(identifier),
		many("title", 0, stNone).of(tokenLang),
		{name: "type", max: 1, simple: stToken, openEnum: true, enum: []string{"Diploma", "Diploma Supplement", "Transcript of Records", "EMREX transcript", "Micro Credential", "Letter of Nomination", "Certificate of Training", "Learning Agreement", "Other"}},
		many("description", 0, stNone).of(stringLang),
		many("content", 0, stNone).of(tokenLang),
		opt("extension", stNone).of(extension),
	}}

	dsSection = newDSSection()

	diplomaSupplement = &ctype{lang: true, seq: []elem{
		one("version", stToken),
		one("issueDate", stDate),
		one("introduction", stString),
		many("section", 1, stNone).of(dsSection),
		{name: "Signature", max: 1, typ: signature, ns: dsigNS},
	}}

	academicTerm = &ctype{seq: []elem{
		many("title", 1, stNone).of(tokenLang),
		one("start", stDate),
		one("end", stDate),
	}}

	shortenedGrading = &ctype{seq: []elem{
		one("percentageLower", stDecimal),
		one("percentageEqual", stDecimal),
		one("percentageHigher", stDecimal),
	}}

	resultDistribution = &ctype{seq: []elem{
		many("category", 1, stNone).of(&ctype{attrs: []attr{{name: "label", required: true, simple: stToken}, {name: "count", required: true, simple: stNonNegInt}}}),
		many("description", 0, stNone).of(stringLang),
	}}

	credit = &ctype{seq: []elem{
		one("scheme", stToken),
		{name: "level", max: 1, simple: stToken, enum: []string{"Bachelor", "Master", "PhD"}},
		opt("value", stDecimal),
	}}

	level = &ctype{seq: []elem{
		one("type", stToken),
		opt("description", stNone).of(stringLang),
		opt("value", stToken),
	}}

	loi = &ctype{seq: []elem{
		many("identifier", 0, stNone).of(identifier),
		opt("start", stDate),
		opt("date", stDate),
		opt("academicTerm", stNone).of(academicTerm),
		{name: "status", max: 1, simple: stToken, enum: []string{"passed", "failed", "in-progress"}},
		opt("gradingSchemeLocalId", stToken),
		opt("resultLabel", stToken),
		opt("shortenedGrading", stNone).of(shortenedGrading),
		opt("resultDistribution", stNone).of(resultDistribution),
		many("credit", 0, stNone).of(credit),
		many("level", 0, stNone).of(level),
		opt("languageOfInstruction", stToken),
		opt("engagementHours", stDecimal),
		opt("attachments", stNone).of(&ctype{seq: []elem{many("ref", 0, stString)}}),
		opt("grouping", stNone).of(&ctype{text: stString, attrs: []attr{{name: "typeref", simple: stString}, {name: "idref", simple: stString}}}),
		opt("extension", stNone).of(extension),
		opt("diplomaSupplement", stNone).of(diplomaSupplement),
	}}

	los = newLOS()

	groups = &ctype{seq: []elem{
		many("groupType", 0, stNone).of(&ctype{attrs: []attr{{name: "id", simple: stString}}, seq: []elem{
			many("title", 1, stNone).of(tokenLang),
			many("group", 0, stNone).of(&ctype{attrs: []attr{{name: "id", simple: stString}, {name: "sortingKey", simple: stString}}, seq: []elem{
				many("title", 1, stNone).of(tokenLang),
			}}),
		}}),
	}}

	issuerType = &ctype{seq: []elem{
		opt("country", stCountry),
		many("identifier", 1, stNone).of(identifier),
		many("title", 1, stNone).of(tokenLang),
		one("url", stToken),
	}}

	report = &ctype{seq: []elem{
		one("issuer", stNone).of(issuerType),
		many("learningOpportunitySpecification", 0, stNone).of(los),
		one("issueDate", stDateTime),
		many("gradingScheme", 0, stNone).of(&ctype{attrs: []attr{{name: "localId", required: true, simple: stToken}}, seq: []elem{
			many("description", 0, stNone).of(stringLang),
		}}),
		many("attachment", 0, stNone).of(attachment),
	}}

	learner = &ctype{seq: []elem{
		opt("citizenship", stCountry),
		many("identifier", 0, stNone).of(identifier),
		one("givenNames", stToken),
		one("familyName", stToken),
		opt("bday", stDate),
		opt("placeOfBirth", stToken),
		opt("birthName", stToken),
		// ewpAddress:FlexibleAddress (EWP types-address): its content is
		// not checked here, and not mapped (reported).
		opt("currentAddress", stNone).of(&ctype{any: true, anyAtt: true, text: stAny}),
		{name: "gender", max: 1, simple: stToken, enum: []string{"0", "1", "2", "9"}},
	}}

	elmoType = &ctype{anyAtt: true, seq: []elem{
		one("generatedDate", stDateTime),
		one("learner", stNone).of(learner),
		many("report", 1, stNone).of(report),
		many("attachment", 0, stNone).of(attachment),
		opt("groups", stNone).of(groups),
		opt("extension", stNone).of(extension),
		{name: "Signature", max: 1, typ: signature, ns: dsigNS},
	}}
)

// newLOS returns the LearningOpportunitySpecification type, whose hasPart
// holds the same type.
func newLOS() *ctype {
	t := &ctype{}
	t.seq = []elem{
		many("identifier", 0, stNone).of(identifier),
		many("title", 1, stNone).of(tokenLang),
		{name: "type", max: 1, simple: stToken, openEnum: true, enum: []string{"Degree Programme", "Module", "Course", "Class"}},
		opt("subjectArea", stToken),
		opt("iscedCode", stToken),
		opt("url", stToken),
		many("description", 0, stNone).of(stringLang),
		many("descriptionHtml", 0, stNone).of(stringLang),
		one("specifies", stNone).of(&ctype{seq: []elem{
			one("learningOpportunityInstance", stNone).of(loi),
			opt("extension", stNone).of(extension),
		}}),
		many("hasPart", 0, stNone).of(&ctype{seq: []elem{one("learningOpportunitySpecification", stNone).of(t)}}),
		opt("extension", stNone).of(extension),
	}
	return t
}

// newDSSection returns the DiplomaSupplementSection type, which nests.
func newDSSection() *ctype {
	t := &ctype{attrs: []attr{{name: "number", required: true, simple: stToken, pattern: reSectionNumber}}}
	t.seq = []elem{
		one("title", stToken),
		opt("content", stNone).of(&ctype{text: stToken, attrs: []attr{{name: "type", simple: stToken}}}),
		many("additionalInformation", 0, stString),
		many("attachment", 0, stNone).of(attachment),
		many("section", 0, stNone).of(t),
	}
	return t
}

// Problem is one finding about a document: a schema violation (Error) or
// something the reader reports and goes past (a warning).
type Problem struct {
	// Path is the XML path of the element concerned.
	Path string `json:"path"`
	// Line and Column locate it in the document (1-based).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Error is true when the problem makes the document unacceptable.
	Error   bool   `json:"error,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	loc := p.Path
	if p.Line > 0 {
		loc = fmt.Sprintf("%s (line %d, column %d)", p.Path, p.Line, p.Column)
	}
	return loc + ": " + p.Message
}

// maxProblems bounds the problems a document's check lists, of each kind:
// beyond, they are counted in one last problem.
const maxProblems = 200

// checker walks a document against the content models.
type checker struct {
	problems       []Problem
	errs, warnings int
}

func (c *checker) add(n *node, isErr bool, format string, args ...any) {
	k := &c.warnings
	if isErr {
		k = &c.errs
	}
	*k++
	switch {
	case *k < maxProblems:
		c.problems = append(c.problems, Problem{Path: n.path(), Line: n.line, Column: n.col, Error: isErr, Message: fmt.Sprintf(format, args...)})
	case *k == maxProblems:
		c.problems = append(c.problems, Problem{Path: n.path(), Line: n.line, Column: n.col, Error: isErr, Message: "and more like the above: the check stops listing them here"})
	}
}

// element checks n against type t (and e, the particle that admitted it,
// for its simple content and enumeration).
func (c *checker) element(n *node, e elem) {
	t := e.typ
	if t == nil {
		t = &ctype{text: e.simple}
	}
	c.attributes(n, t)
	if t.any {
		for _, ch := range n.children {
			if e.ns == "" && (ch.space == Namespace || ch.space == "") {
				c.add(ch, true, "an extension may hold only elements of other namespaces, not ELMO's <%s>", ch.local)
			}
		}
		return
	}
	if t.text != stNone && t.text != stAny {
		if len(n.children) > 0 {
			c.add(n.children[0], true, "<%s> holds text, not elements", n.local)
		}
		c.value(n, t.text, e)
	} else if t.text == stNone && strings.TrimSpace(n.text) != "" {
		c.add(n, true, "<%s> holds elements, not text", n.local)
	}
	c.sequence(n, t.seq)
}

// sequence checks the children of n against seq: order, occurrences,
// unknown elements.
func (c *checker) sequence(n *node, seq []elem) {
	counts := make([]int, len(seq))
	pos := 0
	for _, ch := range n.children {
		k := -1
		for j := pos; j < len(seq); j++ {
			if seq[j].name == ch.local && ch.space == nsOf(seq[j]) {
				k = j
				break
			}
		}
		if k < 0 {
			if j := slices.IndexFunc(seq[:pos], func(e elem) bool { return e.name == ch.local && ch.space == nsOf(e) }); j >= 0 {
				c.add(ch, true, "<%s> is out of order: the schema puts it before <%s>", ch.local, seq[pos-1].name)
				continue
			}
			switch {
			case ch.space == Namespace:
				ch.unknown = "unknown element of the ELMO namespace (a newer schema version?): not read"
			default:
				ch.unknown = fmt.Sprintf("element of the unknown namespace %q outside an extension: not read", ch.space)
			}
			c.add(ch, false, "<%s>: %s", ch.local, ch.unknown)
			continue
		}
		for j := pos; j < k; j++ {
			if counts[j] < seq[j].min {
				c.add(ch, true, "<%s> is required before <%s>", seq[j].name, ch.local)
			}
		}
		pos = k
		counts[k]++
		if seq[k].max > 0 && counts[k] > seq[k].max {
			c.add(ch, true, "<%s> may occur at most %d time(s) here", ch.local, seq[k].max)
		}
		c.element(ch, seq[k])
	}
	for j := pos; j < len(seq); j++ {
		if counts[j] < seq[j].min {
			c.add(n, true, "<%s> is required in <%s>", seq[j].name, n.local)
		}
	}
}

func nsOf(e elem) string {
	if e.ns != "" {
		return e.ns
	}
	return Namespace
}

func (c *checker) attributes(n *node, t *ctype) {
	for _, a := range t.attrs {
		v, ok := n.attr(a.name)
		if !ok {
			if a.required {
				c.add(n, true, "attribute %s is required", a.name)
			}
			continue
		}
		if a.pattern != nil && !a.pattern.MatchString(collapse(v)) {
			c.add(n, true, "attribute %s=%q does not match %s", a.name, v, a.pattern)
		}
		if a.simple == stNonNegInt {
			if _, err := nonNegInt(v); err != nil {
				c.add(n, true, "attribute %s=%q is not a non-negative integer", a.name, v)
			}
		}
	}
	if t.anyAtt {
		return
	}
	for _, at := range n.attrs {
		switch {
		case at.Name.Space == "xmlns" || (at.Name.Space == "" && at.Name.Local == "xmlns"):
		case at.Name.Space == xmlNS && at.Name.Local == "lang" && t.lang:
			if l := strings.TrimSpace(at.Value); l == "" || !langOK(l) {
				c.add(n, true, "xml:lang=%q is not a language tag", at.Value)
			}
		case at.Name.Space == "http://www.w3.org/2001/XMLSchema-instance":
		case at.Name.Space == "" && slices.ContainsFunc(t.attrs, func(a attr) bool { return a.name == at.Name.Local }):
		default:
			c.add(n, false, "unknown attribute %s on <%s>: not read", attrName(at.Name), n.local)
		}
	}
}

func attrName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

var reLang = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)

func langOK(s string) bool { return reLang.MatchString(s) }

// value checks the text of n against simple type s and the enumeration of
// e.
func (c *checker) value(n *node, s simple, e elem) {
	v := n.text
	if s != stString {
		v = collapse(v)
	}
	switch s {
	case stDate:
		if _, err := parseDate(v); err != nil {
			c.add(n, true, "%q is not a date (xs:date, such as 2015-10-31)", v)
		}
	case stDateTime:
		if _, err := parseDateTime(v); err != nil {
			c.add(n, true, "%q is not a date and time (xs:dateTime, such as 2015-10-31T12:00:00+02:00)", v)
		}
	case stDecimal:
		if _, ok := decimal(v); !ok {
			c.add(n, true, "%q is not a decimal number (xs:decimal, such as 7.5)", v)
		}
	case stCountry:
		if !slices.Contains(europassCountries, v) {
			c.add(n, true, "%q is not an ISO 3166-1 alpha-2 country code of the schema's list (europass:countryCode)", v)
		}
	}
	if len(e.enum) > 0 && !slices.Contains(e.enum, v) {
		if e.openEnum {
			c.add(n, false, "%q is not one of the values the schema lists (%s): kept as it is", v, strings.Join(e.enum, ", "))
		} else {
			c.add(n, true, "%q is not one of %s", v, strings.Join(e.enum, ", "))
		}
	}
}

// parseDate reads an xs:date, with or without a time zone.
func parseDate(s string) (time.Time, error) {
	for _, l := range []string{"2006-01-02", "2006-01-02Z07:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xs:date", s)
}

// parseDateTime reads an xs:dateTime, with or without a time zone and
// fractional seconds.
func parseDateTime(s string) (time.Time, error) {
	for _, l := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xs:dateTime", s)
}

var reDecimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// decimal reads an xs:decimal.
func decimal(s string) (*big.Rat, bool) {
	if !reDecimal.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

func nonNegInt(s string) (*big.Int, error) {
	s = collapse(s)
	n, ok := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10)
	if !ok || n.Sign() < 0 || strings.HasPrefix(s, "-") {
		return nil, fmt.Errorf("%q is not a non-negative integer", s)
	}
	return n, nil
}

// europassCountries is the enumeration of europass:countryCode
// (EUROPASS_ISOCountries_V1.1.xsd).
var europassCountries = strings.Fields(`AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ
CA CD CF CG CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FR GA GB GD GE GH GL GM GN
GQ GR GT GW GY HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI LK LR LS LT LU LV
LY MA MC MD ME MG MH MK ML MM MN MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NU NZ OM PA PE PG PH PK PL PR PS PT PW
PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR ST SV SY SZ TD TG TH TJ TL TM TN TO TR TT TV TZ UA UG US UY UZ
VA VC VE VN VU WS YE ZA ZM ZW`)
