package elmo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// EU authority tables and vocabularies the mapping writes concepts of.
const (
	countryNS  = "http://publications.europa.eu/resource/authority/country/"
	languageNS = "http://publications.europa.eu/resource/authority/language/"
	fileTypeNS = "http://publications.europa.eu/resource/authority/file-type/"
	humanSexNS = "http://publications.europa.eu/resource/authority/human-sex/"
	base64IRI  = "http://data.europa.eu/snb/encoding/6146cde7dd"
	shaclNS    = "http://data.europa.eu/snb/model/ap/"
)

// Concept schemes of ELMO notions that ELM has no vocabulary for: notes and
// concepts in them carry groupings and diploma-supplement sections, so that
// Export can find them again.
const (
	schemeDiplomaSupplement = Namespace + "#diplomaSupplement"
	schemeDSAdditional      = Namespace + "#diplomaSupplement-additionalInformation"
	schemeGroupTypePrefix   = Namespace + "#groupType-"
	schemeSubjectArea       = Namespace + "#subjectArea"
	schemeCreditLevelPrefix = Namespace + "#level-"
)

func vocabConcept(ns, code, label string) *elm.Concept {
	c := &elm.Concept{Node: elm.Node{ID: ns + code, Type: elm.One("Concept")}, InScheme: &elm.ConceptScheme{Node: elm.Node{ID: ns + "25831c2", Type: elm.One("ConceptScheme")}}}
	if label != "" {
		c.PrefLabel = elm.Lang("en", label)
	}
	return c
}

func authorityConcept(ns, code, label string) *elm.Concept {
	c := &elm.Concept{Node: elm.Node{ID: ns + code, Type: elm.One("Concept")}, InScheme: &elm.ConceptScheme{Node: elm.Node{ID: strings.TrimSuffix(ns, "/"), Type: elm.One("ConceptScheme")}}}
	if label != "" {
		c.PrefLabel = elm.Lang("en", label)
	}
	return c
}

// countryConcept maps an ISO 3166-1 alpha-2 code to the EU country
// authority concept (alpha-3 IRI).
func countryConcept(code string) (*elm.Concept, bool) {
	r, err := language.ParseRegion(code)
	if len(code) != 2 || err != nil || !r.IsCountry() || r.ISO3() == "" || r.String() != strings.ToUpper(code) {
		return nil, false
	}
	return authorityConcept(countryNS, r.ISO3(), display.English.Regions().Name(r)), true
}

// countryCode maps an EU country authority concept back to alpha-2.
func countryCode(c *elm.Concept) string {
	if c == nil {
		return ""
	}
	code, ok := strings.CutPrefix(c.ID, countryNS)
	if !ok {
		return ""
	}
	r, err := language.ParseRegion(code)
	if err != nil {
		return ""
	}
	return r.String()
}

// languageConcept maps a BCP 47 tag (ISO 639-1 in ELMO) to the EU language
// authority concept (ISO 639 three-letter IRI).
func languageConcept(tag string) (*elm.Concept, error) {
	t, err := language.Parse(tag)
	if err != nil {
		return nil, fmt.Errorf("%q is not a language code", tag)
	}
	base, _ := t.Base()
	code := strings.ToUpper(base.ISO3())
	if code == "" || code == "UND" {
		return nil, fmt.Errorf("%q has no ISO 639 code", tag)
	}
	return authorityConcept(languageNS, code, display.English.Languages().Name(base)), nil
}

// languageCode maps an EU language authority concept back to a two-letter
// code where one exists.
func languageCode(c *elm.Concept) string {
	if c == nil {
		return ""
	}
	code, ok := strings.CutPrefix(c.ID, languageNS)
	if !ok {
		return ""
	}
	b, err := language.ParseBase(strings.ToLower(code))
	if err != nil {
		return ""
	}
	return b.String()
}

// genders maps ISO/IEC 5218 codes to the EU human-sex authority table.
var genders = [...][2]string{{"0", "NKN"}, {"1", "MALE"}, {"2", "FEMALE"}, {"9", "NAP"}}

// fileTypes maps media types of data: URLs to the EU file-type authority
// table.
var fileTypes = [...][2]string{
	{"application/pdf", "PDF"}, {"image/png", "PNG"}, {"image/jpeg", "JPEG"}, {"image/jpg", "JPEG"},
	{"application/xml", "XML"}, {"text/xml", "XML"}, {"text/html", "HTML"}, {"text/plain", "TXT"},
}

// derivedID returns a stable IRI for something in a document: the same
// input gives the same credential, so that issuing a file again is
// recognised as the same issuance.
func derivedID(digest []byte, what string) string {
	h := sha256.New()
	h.Write(digest)
	h.Write([]byte{0})
	h.Write([]byte(what))
	s := h.Sum(nil)
	s[6] = (s[6] & 0x0f) | 0x80 // version 8: a name-based UUID of our own
	s[8] = (s[8] & 0x3f) | 0x80
	x := hex.EncodeToString(s[:16])
	return "urn:uuid:" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
