package elm

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// TestGenericRulesMatchMandatoryFields cross-checks the generic rule table
// against the summary of EDC-generic-no-cv.ttl, both ways: the same classes,
// properties and cardinalities, and the same literal datatypes.
func TestGenericRulesMatchMandatoryFields(t *testing.T) {
	txt := reftest.Read(t, "elm", "EDC-mandatory-fields.txt")
	item := regexp.MustCompile(`^(\S+)\[(\d+)\.\.(\d+|\*)\]\s*(\S*)$`)
	var want []string
	var class string
	sc := bufio.NewScanner(bytes.NewReader(txt))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
		case !strings.HasPrefix(line, " "):
			class = strings.TrimSpace(line)
		case strings.HasPrefix(strings.TrimSpace(line), "MANDATORY:"):
			body := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "MANDATORY:"))
			if body == "-" {
				continue
			}
			for _, part := range strings.Split(body, ";") {
				m := item.FindStringSubmatch(strings.TrimSpace(part))
				if m == nil {
					t.Fatalf("cannot read %q of %s", part, class)
				}
				maxc := m[3]
				if maxc == "*" {
					maxc = "0"
				}
				dt := ""
				if strings.HasPrefix(m[4], "xsd:") || strings.HasPrefix(m[4], "rdf:") {
					dt = m[4]
				}
				want = append(want, fmt.Sprintf("%s %s [%s..%s] %s", class, m[1], m[2], maxc, dt))
			}
		}
	}
	var got []string
	for _, r := range rules() {
		if r.Profile == Generic {
			got = append(got, fmt.Sprintf("%s %s [%d..%d] %s", r.Class, r.Property, r.Min, r.Max, r.Datatype))
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("rule missing from the table: %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("rule not in EDC-mandatory-fields.txt: %s", g)
		}
	}
	if len(got) < 70 {
		t.Errorf("only %d generic rules", len(got))
	}
}

// TestProfileRulesMatchShapes cross-checks the profile overlay rules against
// the property shapes of each profile's .ttl file (read by the test only).
func TestProfileRulesMatchShapes(t *testing.T) {
	files := map[Profile]string{
		Accredited:        "EDC-accredited.ttl",
		DiplomaSupplement: "EDC-diplomaSupplement.ttl",
		IssuedByMandate:   "EDC-issuedByMandate.ttl",
		Converted:         "EDC-converted.ttl",
	}
	field := regexp.MustCompile(`sh:(path|name|minCount|maxCount)\s+("?[^";\s]+)`)
	for p, f := range files {
		t.Run(string(p), func(t *testing.T) {
			ttl := string(reftest.Read(t, "elm", f))
			// Read the property shapes line by line: a shape starts at
			// "sh:PropertyShape" or "sh:property[" and ends at a line that
			// is "." or starts with "]".
			var want []string
			cur := map[string]string{}
			flush := func() {
				if cur["minCount"] != "" {
					prop := cur["path"]
					if prop == "" && cur["name"] == `"language` {
						prop = "dc:language" // the diploma supplement's language shape has no sh:path
					}
					want = append(want, fmt.Sprintf("%s [%s..%s]", prop, cur["minCount"], cmpOr(cur["maxCount"], "0")))
				}
				cur = map[string]string{}
			}
			for _, line := range strings.Split(ttl, "\n") {
				tl := strings.TrimSpace(line)
				if strings.Contains(tl, "sh:PropertyShape") || strings.HasPrefix(tl, "sh:property[") || tl == "." || strings.HasPrefix(tl, "]") {
					flush()
				}
				for _, m := range field.FindAllStringSubmatch(tl, -1) {
					cur[m[1]] = m[2]
				}
			}
			flush()
			var got []string
			for _, r := range rules() {
				if r.Profile == p {
					got = append(got, fmt.Sprintf("%s [%d..%d]", r.Property, r.Min, r.Max))
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			got = slices.Compact(got) // hasClaim etc. once per property
			if !slices.Equal(got, slices.Compact(want)) {
				t.Fatalf("rules of %s:\n got %q\nwant %q", p, got, want)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestVocabulariesMatchControlledLists cross-checks the vocabulary tables
// against cv-summary.tsv (derived from the ELM controlled-list XSDs): every
// concept of the list is in the table with the same label, and the table
// has nothing else.
func TestVocabulariesMatchControlledLists(t *testing.T) {
	tsv := reftest.Read(t, "elm", "cv", "cv-summary.tsv")
	lists := map[string]vocabulary{
		"eqf.xsd":                             eqfVocab(),
		"isced-f.xsd":                         iscedFVocab(),
		"credit-points.xsd":                   creditVocab(),
		"europass-learning-setting-types.xsd": learningSettingVocab(),
		"europass-modes.xsd":                  modeVocab(),
		"europass-credential-types.xsd":       credentialTypeVocab(),
	}
	space := regexp.MustCompile(`\s+`)
	seen := map[string][]string{}
	for _, line := range strings.Split(string(tsv), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			continue
		}
		v, ok := lists[f[0]]
		if !ok {
			continue
		}
		id, label := f[2], space.ReplaceAllString(strings.TrimSpace(f[3]), " ")
		got, ok := v.label(id)
		if !ok {
			t.Errorf("%s: %s (%s) missing from the %s table", f[0], id, label, v.name)
			continue
		}
		if got != label {
			t.Errorf("%s: %s is %q in the table, %q in the list", f[0], id, got, label)
		}
		seen[f[0]] = append(seen[f[0]], strings.TrimPrefix(id, v.namespace))
	}
	for file, v := range lists {
		extra := 0
		for _, code := range v.codes() {
			if !slices.Contains(seen[file], code) {
				extra++
				if file != "europass-credential-types.xsd" {
					t.Errorf("%s table has %s%s, not in %s", v.name, v.namespace, code, file)
				}
			}
		}
		// The credential-type table also holds the four profile concepts
		// of EDC's credential-profile list (checked below).
		if file == "europass-credential-types.xsd" && extra != 3 {
			t.Errorf("credential type table has %d concepts beyond the list, want 3 profile concepts", extra)
		}
	}
	if len(seen["isced-f.xsd"]) != 220 || len(seen["eqf.xsd"]) != 8 {
		t.Errorf("read %d ISCED-F and %d EQF concepts, want 220 and 8", len(seen["isced-f.xsd"]), len(seen["eqf.xsd"]))
	}
}

// TestProfileConceptsMatchEDCList cross-checks the credential-profile
// concepts against edc-controlled-concepts.tsv.
func TestProfileConceptsMatchEDCList(t *testing.T) {
	tsv := reftest.Read(t, "elm", "edc-controlled-concepts.tsv")
	names := map[string]Profile{
		"GENERIC": Generic, "CONVERTED": Converted, "DIPLOMA_SUPPLEMENT": DiplomaSupplement,
		"ACCREDITATION": Accredited, "ISSUED_MANDATE": IssuedByMandate,
	}
	n := 0
	for _, line := range strings.Split(string(tsv), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] != "credential-profile" {
			continue
		}
		n++
		p, ok := profileConcept(f[2])
		if !ok || p != names[f[1]] {
			t.Errorf("%s %s maps to %q, want %q", f[1], f[2], p, names[f[1]])
		}
		if _, ok := CredentialType(f[2]); !ok {
			t.Errorf("%s missing from the credential type table", f[2])
		}
	}
	if n != 5 {
		t.Fatalf("read %d profile concepts, want 5", n)
	}
}

func TestVocabularyLookups(t *testing.T) {
	if n, ok := EQFLevel("http://data.europa.eu/snb/eqf/6"); !ok || n != 6 {
		t.Errorf("EQFLevel = %d, %v", n, ok)
	}
	if _, ok := EQFLevel("http://data.europa.eu/snb/eqf/25831c2"); ok {
		t.Error("EQFLevel accepted the scheme IRI")
	}
	code, label, ok := ISCEDF("http://data.europa.eu/snb/isced-f/0613")
	if !ok || code != "0613" || label != "Software and applications development and analysis" {
		t.Errorf("ISCEDF = %q %q %v", code, label, ok)
	}
	if l, ok := CreditFramework(ECTS); !ok || l != "European Credit Transfer System" {
		t.Errorf("CreditFramework(ECTS) = %q %v", l, ok)
	}
	if l, ok := Mode(ModeNamespace + "920fbb3cbe"); !ok || l != "Online" {
		t.Errorf("Mode = %q %v", l, ok)
	}
	if l, ok := LearningSetting(LearningSettingNamespace + "6fd4685715"); !ok || l != "formal learning" {
		t.Errorf("LearningSetting = %q %v", l, ok)
	}
}
