package elm

import (
	"math/big"
	"strconv"
	"strings"
)

// Summary is what a recognition officer reads first: who, what, by whom,
// when, at which level, in which field, for how many credits, with which
// grade. Fields are empty when the credential does not say.
type Summary struct {
	Holder      string // full name, or given and family names
	DateOfBirth DateTime
	Title       string // of the main achievement
	// AwardingBody is the legal name of the body that awarded the main
	// achievement (the issuer when the achievement names none).
	AwardingBody   string
	AwardingBodyID string
	// Country is the awarding body's country, an EU authority IRI
	// ("http://publications.europa.eu/resource/authority/country/IRL"),
	// and CountryCode its last segment ("IRL").
	Country     string
	CountryCode string
	// DateAwarded is the awarding date, else the issued date.
	DateAwarded DateTime
	EQFLevel    int    // 1 to 8, 0 when not stated
	NQFLevel    string // label of the national level, e.g. "RQF Level 6"
	// ISCEDFCode and ISCEDFLabel are the first field of education
	// ("0613", "Software and applications development and analysis").
	ISCEDFCode  string
	ISCEDFLabel string
	// ECTS is the ECTS credit of the main achievement as written ("60"),
	// from its credit received or, failing that, its specification.
	ECTS          string
	Grade         string // of the first assessment proving the achievement
	GradingScheme string
	// Language is the IRI of the display's primary language: the language
	// the credential is shown in, not the one it was taught in.
	Language string
	// InstructionLanguages are the IRIs of the languages of instruction
	// the main achievement's specification states (its language), as
	// EU authority IRIs (".../authority/language/FRA").
	InstructionLanguages []string
	// Parts are the achievements the main one is made of (courses,
	// modules), with their credit and grade.
	Parts []Part
}

// Part is a course or module of the main achievement.
type Part struct {
	Title string
	ECTS  string
	Grade string
	// EQFLevel is the part's own EQF level (1 to 8), 0 when not stated.
	EQFLevel int
}

// TotalPartsECTS adds up the ECTS of the parts; ok is false when a part's
// credit is not a number.
func (s Summary) TotalPartsECTS() (total string, ok bool) {
	sum := new(big.Rat)
	for _, p := range s.Parts {
		if p.ECTS == "" {
			continue
		}
		r, good := new(big.Rat).SetString(strings.TrimSpace(p.ECTS))
		if !good {
			return "", false
		}
		sum.Add(sum, r)
	}
	return sum.FloatString(1), true
}

// Summarise extracts the recognition summary of a credential. The main
// achievement is the first LearningAchievement claim (or the first claim).
func Summarise(c *EuropeanDigitalCredential) Summary {
	var s Summary
	if c == nil {
		return s
	}
	if dp := c.DisplayParameter; dp != nil && dp.PrimaryLanguage != nil {
		s.Language = dp.PrimaryLanguage.ID
	}
	s.DateAwarded = c.Issued
	if s.DateAwarded == "" {
		s.DateAwarded = c.IssuanceDate
	}
	awarder := c.Issuer
	if p := c.CredentialSubject; p != nil {
		s.Holder = p.FullName.Get()
		if s.Holder == "" {
			s.Holder = strings.TrimSpace(p.GivenName.Get() + " " + p.FamilyName.Get())
		}
		s.DateOfBirth = p.DateOfBirth
		claim := mainClaim(p)
		if claim != nil {
			b := claim.Base()
			s.Title = b.Title.Get()
			if ap := b.AwardedBy; ap != nil {
				if ab, ok := ap.AwardingBody.First(); ok && ab != nil {
					awarder = ab
				}
				if ap.AwardingDate != "" {
					s.DateAwarded = ap.AwardingDate
				}
			}
		}
		if la, ok := claim.(*LearningAchievement); ok {
			summariseAchievement(&s, la)
		}
	}
	if awarder != nil {
		s.AwardingBody = awarder.LegalName.Get()
		s.AwardingBodyID = awarder.ID
		for _, loc := range awarder.Location.Items {
			if s.Country != "" || loc == nil {
				break
			}
			for _, a := range loc.Address.Items {
				if a != nil && a.CountryCode != nil {
					s.Country = a.CountryCode.ID
					s.CountryCode = s.Country[strings.LastIndex(s.Country, "/")+1:]
					break
				}
			}
		}
	}
	return s
}

func mainClaim(p *Person) Claim {
	for _, cl := range p.HasClaim.Items {
		if la, ok := cl.(*LearningAchievement); ok {
			return la
		}
	}
	if cl, ok := p.HasClaim.First(); ok {
		return cl
	}
	return nil
}

func summariseAchievement(s *Summary, la *LearningAchievement) {
	s.ECTS = ectsOf(la)
	s.Grade, s.GradingScheme = gradeOf(la)
	if q := la.SpecifiedBy; q != nil {
		for _, l := range q.Language.Items {
			if l != nil && l.ID != "" {
				s.InstructionLanguages = append(s.InstructionLanguages, l.ID)
			}
		}
		if q.EQFLevel != nil {
			s.EQFLevel, _ = EQFLevel(q.EQFLevel.ID)
		}
		if n, ok := q.NQFLevel.First(); ok && n != nil {
			s.NQFLevel = n.PrefLabel.Get()
		}
		for _, f := range q.ThematicArea.Items {
			if f == nil {
				continue
			}
			if code, label, ok := ISCEDF(f.ID); ok {
				s.ISCEDFCode, s.ISCEDFLabel = code, label
				break
			}
		}
	}
	for _, part := range la.HasPart.Items {
		if part == nil {
			continue
		}
		g, _ := gradeOf(part)
		p := Part{Title: part.Title.Get(), ECTS: ectsOf(part), Grade: g}
		if q := part.SpecifiedBy; q != nil && q.EQFLevel != nil {
			p.EQFLevel, _ = EQFLevel(q.EQFLevel.ID)
		}
		s.Parts = append(s.Parts, p)
	}
}

// ectsOf returns the ECTS points of an achievement: its creditReceived, else
// its specification's creditPoint.
func ectsOf(la *LearningAchievement) string {
	find := func(cps []*CreditPoint) string {
		for _, cp := range cps {
			if cp != nil && cp.Framework != nil && cp.Framework.ID == ECTS {
				return cp.Point
			}
		}
		return ""
	}
	if v := find(la.CreditReceived.Items); v != "" {
		return v
	}
	if la.SpecifiedBy != nil {
		return find(la.SpecifiedBy.CreditPoint.Items)
	}
	return ""
}

func gradeOf(la *LearningAchievement) (grade, scheme string) {
	for _, a := range la.ProvenBy.Items {
		if a == nil || a.Grade == nil {
			continue
		}
		grade = a.Grade.NoteLiteral.Get()
		if a.SpecifiedBy != nil && a.SpecifiedBy.GradingScheme != nil {
			scheme = a.SpecifiedBy.GradingScheme.Title.Get()
		}
		return grade, scheme
	}
	return "", ""
}

// Awarded is one learning achievement a credential claims, or a part of
// one, as a trust scope reads it: its level and its fields.
type Awarded struct {
	// Path is its JSON path in the credential, e.g.
	// "$.credentialSubject.hasClaim[1].hasPart[0]".
	Path  string
	Title string
	// Part is true for a part (hasPart) of another achievement.
	Part bool
	// EQFLevel is the EQF level (1 to 8) its specification states, 0 when
	// it states none the EQF vocabulary knows.
	EQFLevel int
	// ISCEDFields are the ISCED-F codes of its specification's thematic
	// areas ("0613"): every concept of the ISCED-F scheme, known to the
	// vocabulary or not.
	ISCEDFields []string
}

// maxAwardedDepth bounds how deep AwardedAll follows hasPart.
const maxAwardedDepth = 16

// AwardedAll lists every learning achievement c claims
// (credentialSubject.hasClaim) and every part of each (hasPart, at any
// depth up to 16), depth first in document order: what a rule over "every
// achievement" must read, where Summarise reads the main one only.
func AwardedAll(c *EuropeanDigitalCredential) []Awarded {
	if c == nil || c.CredentialSubject == nil {
		return nil
	}
	var out []Awarded
	var walk func(la *LearningAchievement, path string, part bool, depth int)
	walk = func(la *LearningAchievement, path string, part bool, depth int) {
		if la == nil || depth > maxAwardedDepth {
			return
		}
		a := Awarded{Path: path, Title: la.Title.Get(), Part: part}
		if q := la.SpecifiedBy; q != nil {
			if a.Title == "" {
				a.Title = q.Title.Get()
			}
			if q.EQFLevel != nil {
				a.EQFLevel, _ = EQFLevel(q.EQFLevel.ID)
			}
			for _, f := range q.ThematicArea.Items {
				if f == nil {
					continue
				}
				if code, ok := strings.CutPrefix(f.ID, ISCEDFNamespace); ok && code != "" {
					a.ISCEDFields = append(a.ISCEDFields, code)
				}
			}
		}
		out = append(out, a)
		for i, p := range la.HasPart.Items {
			walk(p, path+".hasPart["+strconv.Itoa(i)+"]", true, depth+1)
		}
	}
	for i, cl := range c.CredentialSubject.HasClaim.Items {
		if la, ok := cl.(*LearningAchievement); ok {
			walk(la, "$.credentialSubject.hasClaim["+strconv.Itoa(i)+"]", false, 0)
		}
	}
	return out
}
