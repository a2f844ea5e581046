package issuer

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestParseInstitutionTakesTheLanguageFormsOfCSV(t *testing.T) {
	for name, in := range map[string]string{
		"map":    `{"legalName": {"en": "Université Exemple", "fr": "Université Exemple"}, "country": "FR"}`,
		"dotted": `{"legalName.en": "Université Exemple", "legalName.fr": "Université Exemple", "country": "FR"}`,
		"mixed":  `{"legalName": "Université Exemple", "legalName.fr": "Université Exemple", "country": "FR"}`,
	} {
		inst, err := ParseInstitution([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want := map[string]string{"en": "Université Exemple", "fr": "Université Exemple"}
		if !maps.Equal(inst.LegalName, want) || inst.Country != "FR" {
			t.Errorf("%s: %+v", name, inst)
		}
	}
}

func TestParseInstitutionSaysWhatIsWrongInPlainWords(t *testing.T) {
	for in, want := range map[string]string{
		`{"legalName": "U", "country": 33}`:                        "country: must be a text (in quotes), not a number",
		`{"legalName": ["U"], "country": "FR"}`:                    "legalName: must be the name, or a map of language to name",
		`{"legalName": {"en": 1}, "country": "FR"}`:                "legalName.en: must be a text",
		`{"legalname": "U", "country": "FR"}`:                      "legalname: not a member of an institution file (did you mean legalName?)",
		`{"colour": "blue", "legalName": "U", "country": "FR"}`:    "colour: not a member of an institution file (members: legalName",
		`{"legalName": "U", "legalName.en": "V", "country": "FR"}`: "a second name in language en",
		`{"legalName": {"zz-!!": "U"}, "country": "FR"}`:           `"zz-!!" is not a language tag`,
		`{"legalName": "U", "country": "XX"}`:                      `country: "XX" is not an ISO 3166-1 alpha-2 code`,
		`{"legalName": "U"}`:                                       "country: required",
		`{"country": "FR"}`:                                        "legalName: required",
		"{\"legalName\": \"U\",\n \"country\": \"FR\",\n}":         "not valid JSON at line 3, column 1",
		`["U"]`: "must be a JSON object",
		`{"legalName": "U", "country": "FR", "homepage": "ftp://x"}`: `homepage: "ftp://x" is not an http(s) URL`,
	} {
		_, err := ParseInstitution([]byte(in))
		var ie *InstitutionError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseInstitution(%s) = %v, want an *InstitutionError saying %q", in, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "json:") || strings.Contains(err.Error(), "map[string]")) {
			t.Errorf("ParseInstitution(%s) speaks of decoder internals: %v", in, err)
		}
	}
}
