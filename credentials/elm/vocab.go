package elm

import (
	"strconv"
	"strings"
)

// Controlled vocabularies of the EU (EU Vocabularies / Europass) that matter
// for recognition. Each is a namespace of concept IRIs; the concept scheme
// itself is the namespace followed by "25831c2".
const (
	EQFNamespace             = "http://data.europa.eu/snb/eqf/"
	ISCEDFNamespace          = "http://data.europa.eu/snb/isced-f/"
	CreditNamespace          = "http://data.europa.eu/snb/education-credit/"
	CredentialTypeNamespace  = "http://data.europa.eu/snb/credential/"
	LearningSettingNamespace = "http://data.europa.eu/snb/learning-setting/"
	// ModeNamespace is the namespace of the learning and assessment modes
	// (presential, online, blended…): the EU vocabulary files them under
	// "learning-assessment".
	ModeNamespace = "http://data.europa.eu/snb/learning-assessment/"

	// ECTS is the concept of the European Credit Transfer and Accumulation
	// System in the credit-framework vocabulary.
	ECTS = CreditNamespace + "6fcec5c5af"
	// ECVET is the concept of the European credit system for vocational
	// education and training.
	ECVET = CreditNamespace + "60b314e826"
)

// term is one concept of a small vocabulary: the last segment of its IRI and
// its English label.
type term struct{ code, label string }

// vocabulary is a controlled vocabulary the checker knows completely.
type vocabulary struct {
	name      string // as violations say it: "EQF"
	namespace string
	lookup    func(code string) (string, bool)
	codes     func() []string
}

func smallVocab(name, ns string, terms func() []term) vocabulary {
	return vocabulary{
		name:      name,
		namespace: ns,
		lookup: func(code string) (string, bool) {
			for _, t := range terms() {
				if t.code == code {
					return t.label, true
				}
			}
			return "", false
		},
		codes: func() []string {
			var out []string
			for _, t := range terms() {
				out = append(out, t.code)
			}
			return out
		},
	}
}

// label returns the English label of a concept IRI in this vocabulary.
func (v vocabulary) label(id string) (string, bool) {
	code, ok := strings.CutPrefix(id, v.namespace)
	if !ok {
		return "", false
	}
	return v.lookup(code)
}

func eqfTerms() []term {
	return []term{
		{"1", "Level 1"}, {"2", "Level 2"}, {"3", "Level 3"}, {"4", "Level 4"},
		{"5", "Level 5"}, {"6", "Level 6"}, {"7", "Level 7"}, {"8", "Level 8"},
	}
}

func creditTerms() []term {
	return []term{
		{"60b314e826", "European credit system for vocational education and training"},
		{"6fcec5c5af", "European Credit Transfer System"},
	}
}

// credentialTypeTerms are the EDC credential types, and the profile concepts
// EDC uses in credentialProfiles (ControlledListConcept of the EDC
// platform).
func credentialTypeTerms() []term {
	return []term{
		{"48b514e72a", "Learning Activity"},
		{"6cf8e68c43", "Qualification Award"},
		{"6dff8a0f87", "Diploma Supplement"},
		{"bdc47cb449", "Learning Entitlement"},
		{"e34929035b", "Generic"},
		{"c_7e400154", "Converted"},
		{"c_ae121a00", "Accredited"},
		{"c_9a31f32a", "Mandated Issue"},
	}
}

func learningSettingTerms() []term {
	return []term{
		{"6fd4685715", "formal learning"},
		{"e207a81fc7", "non-formal learning"},
	}
}

func modeTerms() []term {
	return []term{
		{"729f3bed4b", "Workbased"},
		{"7813801c77", "Project based"},
		{"9191af2ed9", "Presential"},
		{"920fbb3cbe", "Online"},
		{"e92d221e4d", "Blended"},
		{"ed4c557045", "Research-Lab based"},
	}
}

func eqfVocab() vocabulary { return smallVocab("EQF", EQFNamespace, eqfTerms) }
func iscedFVocab() vocabulary {
	return vocabulary{name: "ISCED-F", namespace: ISCEDFNamespace, lookup: iscedFLabel, codes: iscedFCodes}
}
func creditVocab() vocabulary { return smallVocab("credit framework", CreditNamespace, creditTerms) }
func credentialTypeVocab() vocabulary {
	return smallVocab("credential type", CredentialTypeNamespace, credentialTypeTerms)
}
func learningSettingVocab() vocabulary {
	return smallVocab("learning setting", LearningSettingNamespace, learningSettingTerms)
}
func modeVocab() vocabulary { return smallVocab("mode", ModeNamespace, modeTerms) }

// vocabFor returns the vocabulary the values of a JSON term must come from,
// when they are concepts of that vocabulary's namespace.
func vocabFor(term string) (vocabulary, bool) {
	switch term {
	case "eqfLevel", "limitEQFLevel":
		return eqfVocab(), true
	case "thematicArea", "limitField":
		return iscedFVocab(), true
	case "framework":
		return creditVocab(), true
	case "credentialProfiles", "limitCredentialType":
		return credentialTypeVocab(), true
	case "learningSetting":
		return learningSettingVocab(), true
	case "mode":
		return modeVocab(), true
	}
	return vocabulary{}, false
}

// EQFLevel returns the level (1 to 8) of a European Qualifications Framework
// concept IRI such as "http://data.europa.eu/snb/eqf/6".
func EQFLevel(conceptID string) (int, bool) {
	if _, ok := eqfVocab().label(conceptID); !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(conceptID, EQFNamespace))
	return n, err == nil
}

// ISCEDF returns the ISCED-F 2013 field code and English label of a concept
// IRI such as "http://data.europa.eu/snb/isced-f/0613".
func ISCEDF(conceptID string) (code, label string, ok bool) {
	label, ok = iscedFVocab().label(conceptID)
	if !ok {
		return "", "", false
	}
	return strings.TrimPrefix(conceptID, ISCEDFNamespace), label, true
}

// CredentialType returns the English label of an EDC credential-type or
// credential-profile concept IRI.
func CredentialType(conceptID string) (string, bool) { return credentialTypeVocab().label(conceptID) }

// CreditFramework returns the English label of a credit-framework concept
// IRI (ECTS, ECVET).
func CreditFramework(conceptID string) (string, bool) { return creditVocab().label(conceptID) }

// LearningSetting returns the English label of a learning-setting concept
// IRI (formal, non-formal).
func LearningSetting(conceptID string) (string, bool) { return learningSettingVocab().label(conceptID) }

// Mode returns the English label of a learning or assessment mode concept
// IRI (presential, online, blended…).
func Mode(conceptID string) (string, bool) { return modeVocab().label(conceptID) }
