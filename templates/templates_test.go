package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/testdata/records"
)

func mustBuiltin(t testing.TB, name string) *Template {
	t.Helper()
	tp, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func readRecords(t testing.TB, file string) []Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "records", file))
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	if strings.HasSuffix(file, ".csv") {
		recs, err = ReadCSV(data, file)
	} else {
		recs, err = ReadJSON(data, file)
	}
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

var fixed = RenderOptions{ID: "urn:uuid:6f1c1e2a-0000-4000-8000-000000000001", IssuedAt: time.Date(2025, 7, 2, 9, 30, 0, 0, time.UTC)}

func renderTree(t *testing.T, tp *Template, rec Record) (map[string]any, *Rendered) {
	t.Helper()
	r, err := tp.Render(rec, SampleInstitution(), fixed)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	var tree map[string]any
	if err := json.Unmarshal(r.Credential, &tree); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return tree, r
}

func TestBuiltinTemplatesRenderSampleRecordsThatPassEDCGeneric(t *testing.T) {
	type want struct {
		title, ects, grade, awardingBody, country string
		eqfURI                                    string
		parts                                     int
	}
	cases := map[string]want{
		"diploma":         {title: "Master of Science in Computer Science", ects: "120", grade: "15.2", awardingBody: "University of Zed", country: "FRA", eqfURI: "http://data.europa.eu/snb/eqf/7"},
		"transcript":      {title: "Master of Science in Computer Science", ects: "43.5", awardingBody: "University of Zed", country: "FRA", eqfURI: "http://data.europa.eu/snb/eqf/7", parts: 3},
		"microcredential": {title: "Digital credential design", ects: "2", grade: "Pass", awardingBody: "University of Zed", country: "FRA", eqfURI: "http://data.europa.eu/snb/eqf/6"},
		"participation":   {title: "Summer school on verifiable credentials", awardingBody: "University of Zed", country: "FRA"},
		"mobility":        {title: "Erasmus+ study mobility, Università di Bologna, 2024-2025", ects: "30", awardingBody: "University of Zed", country: "FRA", parts: 3},
	}
	for _, tp := range Builtins() {
		w, ok := cases[tp.Name()]
		if !ok {
			t.Fatalf("no expectations for template %s", tp.Name())
		}
		for _, file := range []string{tp.Name() + ".json", tp.Name() + ".csv"} {
			t.Run(file, func(t *testing.T) {
				for _, rec := range readRecords(t, file) {
					r, err := tp.Render(rec, SampleInstitution(), fixed)
					if err != nil {
						t.Fatalf("render: %v", err)
					}
					c, err := elm.Parse(r.Credential)
					if err != nil {
						t.Fatalf("elm.Parse: %v", err)
					}
					vs, err := elm.Check(c, elm.Generic, nil)
					if err != nil {
						t.Fatal(err)
					}
					for _, v := range vs {
						t.Errorf("violation: %s", v)
					}
					s := elm.Summarise(c)
					if s.Title != w.title {
						t.Errorf("title = %q, want %q", s.Title, w.title)
					}
					if s.ECTS != w.ects {
						t.Errorf("ECTS = %q, want %q", s.ECTS, w.ects)
					}
					if w.grade != "" && s.Grade != w.grade && !(tp.Name() == "diploma" && s.Grade == "12.5") {
						t.Errorf("grade = %q, want %q", s.Grade, w.grade)
					}
					if s.AwardingBody != w.awardingBody || s.CountryCode != w.country {
						t.Errorf("awarding body = %q (%s), want %q (%s)", s.AwardingBody, s.CountryCode, w.awardingBody, w.country)
					}
					if len(s.Parts) != w.parts {
						t.Errorf("%d parts, want %d", len(s.Parts), w.parts)
					}
					if w.eqfURI != "" {
						if !bytes.Contains(r.Credential, []byte(`"eqfLevel":{"id":"`+w.eqfURI+`"`)) {
							t.Errorf("no eqfLevel concept %s", w.eqfURI)
						}
						if want, _ := elm.EQFLevel(w.eqfURI); r.EQFLevel != want || s.EQFLevel != want {
							t.Errorf("EQF level %d (summary %d), want %d", r.EQFLevel, s.EQFLevel, want)
						}
					}
					if !strings.HasPrefix(r.SubjectID, elm.ESIPrefix) || !slices.Equal(r.Types, []string{"VerifiableCredential", "EuropeanDigitalCredential"}) {
						t.Errorf("subject %q, types %v", r.SubjectID, r.Types)
					}
				}
			})
		}
	}
}

func TestEveryBuiltinPassesItsOwnCheck(t *testing.T) {
	for _, tp := range Builtins() {
		t.Run(tp.Name(), func(t *testing.T) {
			res, err := tp.Check(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Errorf("violations %v, missing disclosable %v", res.Violations, res.MissingDisclosable)
			}
		})
	}
	if n := len(Builtins()); n != 5 {
		t.Errorf("%d built-in templates, want 5", n)
	}
}

func TestRenderedCarriesWhatTheIssuerNeeds(t *testing.T) {
	tp := mustBuiltin(t, "diploma")
	tree, r := renderTree(t, tp, readRecords(t, "diploma.json")[0])
	if r.SubjectID != "urn:schac:personalUniqueCode:int:esi:fr:20190042" {
		t.Errorf("subject %q", r.SubjectID)
	}
	if r.EQFLevel != 7 || !slices.Equal(r.ISCEDFields, []string{"0613"}) {
		t.Errorf("EQF %d, ISCED %v", r.EQFLevel, r.ISCEDFields)
	}
	if !slices.Contains(r.Disclosable, "credentialSubject.dateOfBirth") {
		t.Errorf("disclosable %v", r.Disclosable)
	}
	for _, k := range []string{"issuanceDate", "issued", "validFrom"} {
		if tree[k] != "2025-07-02T09:30:00Z" {
			t.Errorf("%s = %v", k, tree[k])
		}
	}
	if tree["id"] != fixed.ID {
		t.Errorf("id = %v", tree["id"])
	}
	ctx, _ := tree["@context"].([]any)
	if len(ctx) != 2 || ctx[1] != "http://data.europa.eu/snb/model/context/edc-ap" {
		t.Errorf("@context %v", ctx)
	}
	// A zero RenderOptions gives a fresh urn:uuid and the current time.
	r2, err := tp.Render(readRecords(t, "diploma.json")[0], SampleInstitution(), RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var t2 map[string]any
	_ = json.Unmarshal(r2.Credential, &t2)
	if id, _ := t2["id"].(string); !strings.HasPrefix(id, "urn:uuid:") || len(id) != len("urn:uuid:")+36 {
		t.Errorf("generated id %q", id)
	}
}

func TestRenderEscapesEveryValueAsJSON(t *testing.T) {
	tp := mustBuiltin(t, "diploma")
	rec := readRecords(t, "diploma.json")[0]
	evil := `Ana", "injected": true, "x": {"y": "\` + "\n\u2028</script>"
	rec["givenName"] = evil
	rec["note"] = map[string]any{"en": `"}]}], "issuer": "did:example:attacker`}
	tree, r := renderTree(t, tp, rec)
	subj := tree["credentialSubject"].(map[string]any)
	if got := subj["givenName"].(map[string]any)["en"]; got != evil {
		t.Errorf("givenName = %q, want the input unchanged", got)
	}
	if _, ok := subj["injected"]; ok {
		t.Error("a record value injected a member")
	}
	if iss := tree["issuer"].(map[string]any)["id"]; iss != "did:web:uni-zed.example" {
		t.Errorf("issuer = %v", iss)
	}
	if bytes.Contains(r.Credential, []byte("\u2028")) {
		t.Error("U+2028 not escaped")
	}
}

func TestMultilingualTitlesComeFromLanguageColumns(t *testing.T) {
	tp := mustBuiltin(t, "diploma")
	csv := "id,givenName,familyName,title.en,title.fr,title.de,awardDate,eqf,isced,ects\n" +
		"urn:schac:personalUniqueCode:int:esi:fr:1,Ana,Lopez,Master in Physics,Master de physique,Master Physik,2025-07-01,7,0533,120\n"
	recs, err := ReadCSV([]byte(csv), "grads.csv")
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := renderTree(t, tp, recs[0])
	claim := tree["credentialSubject"].(map[string]any)["hasClaim"].([]any)[0].(map[string]any)
	title := claim["title"].(map[string]any)
	if title["en"] != "Master in Physics" || title["fr"] != "Master de physique" || title["de"] != "Master Physik" {
		t.Errorf("title %v", title)
	}
	dp := tree["displayParameter"].(map[string]any)
	if langs := dp["language"].([]any); len(langs) != 3 {
		t.Errorf("%d display languages, want 3", len(langs))
	}
	if p := dp["primaryLanguage"].(map[string]any)["id"]; p != "http://publications.europa.eu/resource/authority/language/ENG" {
		t.Errorf("primary language %v", p)
	}
	// A plain "title" column is in the template's language.
	recs[0]["title"] = "Physics"
	delete(recs[0], "title.en")
	tree, _ = renderTree(t, tp, recs[0])
	claim = tree["credentialSubject"].(map[string]any)["hasClaim"].([]any)[0].(map[string]any)
	if got := claim["title"].(map[string]any)["en"]; got != "Physics" {
		t.Errorf("plain title became %v", got)
	}
}

func TestReadCSVAcceptsBOMSemicolonsQuotesAndDecimalCommas(t *testing.T) {
	data := append([]byte{0xEF, 0xBB, 0xBF}, []byte(
		"id;givenName;familyName;title.fr;awardDate;eqf;isced;ects;grade;gradingScheme\r\n"+
			"urn:schac:personalUniqueCode:int:esi:fr:7;\"Jean; Pierre\";\"Dupont \"\"le grand\"\"\";\"Master\nInformatique\";2025-07-01;7;0613;120,5;14,75;fr-20\r\n")...)
	recs, err := ReadCSV(data, "notes.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0]["id"] != "urn:schac:personalUniqueCode:int:esi:fr:7" || recs[0]["givenName"] != "Jean; Pierre" || recs[0]["familyName"] != `Dupont "le grand"` {
		t.Fatalf("records %v", recs)
	}
	if recs[0].Row() != 2 {
		t.Errorf("row %d, want 2", recs[0].Row())
	}
	tp := mustBuiltin(t, "diploma")
	tree, _ := renderTree(t, tp, recs[0])
	claim := tree["credentialSubject"].(map[string]any)["hasClaim"].([]any)[0].(map[string]any)
	if p := claim["creditReceived"].([]any)[0].(map[string]any)["point"]; p != "120.5" {
		t.Errorf("ECTS %v, want 120.5", p)
	}
	if g := claim["provenBy"].([]any)[0].(map[string]any)["grade"].(map[string]any)["noteLiteral"].(map[string]any)["en"]; g != "14.75" {
		t.Errorf("grade %v, want 14.75", g)
	}
}

func TestReadCSVRowNumbersAreSpreadsheetRows(t *testing.T) {
	data := "a,b\n1,2\n\n\"multi\nline\",3\n,\n4,5\n"
	recs, err := ReadCSV([]byte(data), "f.csv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, r := range recs {
		rows = append(rows, r.Row())
	}
	// Row 3 is blank, row 4 holds a cell on two lines, row 5 is empty cells.
	if !slices.Equal(rows, []int{2, 4, 6}) {
		t.Errorf("rows %v, want [2 4 6]", rows)
	}
}

func TestReadCSVRejectsMalformedFilesNamingTheRow(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"bare quote", "a,b\n1,2\n3,x\"y\n", `f.csv row 3: malformed input: character 4: a quote`},
		{"cell count", "a,b\n1,2\n\n1,2,3\n", "f.csv row 4: malformed input: 3 cells where the header has 2 columns"},
		{"duplicate column", "a,a\n1,2\n", `column "a" appears twice`},
		{"empty column name", "a,,c\n1,2,3\n", "column 2 has no name"},
		{"reserved name", "@row,b\n1,2\n", `"@row" is reserved`},
		{"empty", "", "empty file"},
		{"header only", "a,b\n", "no records"},
		{"not UTF-8", "a,b\n1,\xff\n", "f.csv row 2: malformed input: not UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV([]byte(c.data), "f.csv")
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrMalformedInput) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestReadJSONTakesAnObjectOrAnArray(t *testing.T) {
	recs, err := ReadJSON([]byte(`[{"id": "a", "ects": 7.5}, {"id": "b"}]`), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].Item() != 2 || recs[0]["ects"] != json.Number("7.5") {
		t.Errorf("records %v", recs)
	}
	if string(recs[0].Canonical()) != `{"ects":7.5,"id":"a"}` {
		t.Errorf("canonical %s", recs[0].Canonical())
	}
	for _, bad := range []string{`[1]`, `"x"`, `[]`, `{"a":1,"a":2}`, `{"@row": 3}`, `{`} {
		if _, err := ReadJSON([]byte(bad), "r.json"); !errors.Is(err, ErrMalformedInput) {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}

// validDiplomaRow is a valid CSV row for the header below.
const diplomaHeader = "id,givenName,familyName,title.en,awardDate,eqf,isced,ects,grade,gradingScheme,studyLanguage,studyMode,duration"

func diplomaRow(change map[int]string) string {
	cells := strings.Split("urn:schac:personalUniqueCode:int:esi:fr:1,Ana,Lopez,Master in Physics,2025-07-01,7,0533,120,15,fr-20,fr,online,P2Y", ",")
	for i, v := range change {
		cells[i] = v
	}
	return strings.Join(cells, ",")
}

func TestValidateReportsEveryRuleWithRowAndField(t *testing.T) {
	cases := []struct {
		name, row   string
		field, want string
	}{
		{"required", diplomaRow(map[int]string{0: ""}), "id", "required"},
		{"esi", diplomaRow(map[int]string{0: "urn:schac:personalUniqueCode:int:esi:f r:1"}), "id", "not a European Student Identifier: scope"},
		{"esi prefix", diplomaRow(map[int]string{0: "student-42"}), "id", "not a European Student Identifier: does not begin with"},
		{"date", diplomaRow(map[int]string{4: "01/07/2025"}), "awardDate", `"01/07/2025" is not a date: write YYYY-MM-DD`},
		{"eqf above 8", diplomaRow(map[int]string{5: "9"}), "eqf", "must be an EQF level from 1 to 8"},
		{"eqf not a number", diplomaRow(map[int]string{5: "six"}), "eqf", `"six" is not a whole number`},
		{"isced", diplomaRow(map[int]string{6: "1234"}), "isced", `"1234" is not an ISCED-F 2013 field code`},
		{"ects negative", diplomaRow(map[int]string{7: "-5"}), "ects", "must be ≥ 0"},
		{"ects two decimals", diplomaRow(map[int]string{7: "7.25"}), "ects", "must have at most one decimal"},
		{"ects too many", diplomaRow(map[int]string{7: "700"}), "ects", "must be ≤ 600"},
		{"grade out of range", diplomaRow(map[int]string{8: "21"}), "grade", "must be a grade from 0 to 20 (grading scheme fr-20)"},
		{"grade not in list", diplomaRow(map[int]string{8: "G", 9: "ects"}), "grade", "must be one of A, B, C, D, E, FX, F (grading scheme ects)"},
		{"grade in inline list", diplomaRow(map[int]string{8: "Z", 9: "A|B"}), "grade", "must be one of A, B (grading scheme A|B)"},
		{"grade without scheme", diplomaRow(map[int]string{9: ""}), "grade", "a grade needs its grading scheme"},
		{"unknown scheme", diplomaRow(map[int]string{9: "us-gpa"}), "gradingScheme", `unknown grading scheme "us-gpa"`},
		{"language", diplomaRow(map[int]string{10: "xx-!!"}), "studyLanguage", `"xx-!!" is not a BCP 47 language tag`},
		{"mode", diplomaRow(map[int]string{11: "by post"}), "studyMode", `"by post" is not a learning mode`},
		{"duration", diplomaRow(map[int]string{12: "2 years"}), "duration", `"2 years" is not a duration`},
	}
	tp := mustBuiltin(t, "diploma")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := diplomaHeader + "\n" + diplomaRow(nil) + "\n" + c.row + "\n"
			recs, err := ReadCSV([]byte(data), "graduates.csv")
			if err != nil {
				t.Fatal(err)
			}
			if errs := tp.Validate(recs[0]); len(errs) != 0 {
				t.Fatalf("the valid row has errors: %v", errs)
			}
			errs := tp.Validate(recs[1])
			if len(errs) != 1 {
				t.Fatalf("errors %v, want one", errs)
			}
			e := errs[0]
			if e.Row != 3 || e.Field != c.field || !strings.Contains(e.Message, c.want) {
				t.Errorf("got row %d field %s: %s; want row 3 field %s: %s", e.Row, e.Field, e.Message, c.field, c.want)
			}
		})
	}
}

func TestValidateReportsRulesOfOtherTemplates(t *testing.T) {
	cases := []struct {
		template, rec, field, want string
	}{
		{"microcredential", `"qaBodyCountry": "UK"`, "qaBodyCountry", `"UK" is not an ISO 3166-1 alpha-2 country code`},
		{"microcredential", `"outcome": []`, "outcome", "required: at least one item"},
		{"microcredential", `"participation": "volunteering"`, "participation", "not a learning mode"},
		{"microcredential", `"qaType": "national"`, "qaType", "must be one of program, institutional"},
		{"transcript", `"course": [{"title": {"en": "X"}, "ects": 6, "grade": "12", "date": "2025-01-01"}, {"title": {"en": "Y"}, "grade": "12", "date": "2025-01-01"}]`, "course.2.ects", "required"},
		{"transcript", `"course": [{"title": {"en": "X"}, "ects": 6, "grade": "12", "date": "2025-01-01", "gradingScheme": "ects"}]`, "course.1.grade", "must be one of A, B"},
		{"mobility", `"hostCountry": "XX"`, "hostCountry", "not an ISO 3166-1 alpha-2 country code"},
		{"participation", `"completion": 120`, "completion", "must be ≤ 100"},
		{"participation", `"title": {"en": "A", "e n": "B"}`, "title.e n", "not a BCP 47 language tag"},
	}
	for _, c := range cases {
		t.Run(c.template+" "+c.field, func(t *testing.T) {
			tp := mustBuiltin(t, c.template)
			recs, err := ReadJSON([]byte(`[{}, {}]`), "x.json")
			if err != nil {
				t.Fatal(err)
			}
			ex, _ := tp.Example()
			var change map[string]any
			d := json.NewDecoder(strings.NewReader("{" + c.rec + "}"))
			d.UseNumber()
			if err := d.Decode(&change); err != nil {
				t.Fatal(err)
			}
			for k, v := range change {
				ex[k] = v
			}
			ex[itemKey] = 2
			_ = recs
			errs := tp.Validate(ex)
			if len(errs) != 1 || errs[0].Field != c.field || errs[0].Item != 2 || !strings.Contains(errs[0].Message, c.want) {
				t.Errorf("errors %v, want item 2 field %s: %s", errs, c.field, c.want)
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	tp := mustBuiltin(t, "diploma")
	data := diplomaHeader + "\n" + diplomaRow(map[int]string{0: "", 7: "-1"}) + "\n" + diplomaRow(nil) + "\n" + diplomaRow(map[int]string{5: "0"}) + "\n"
	recs, err := ReadCSV([]byte(data), "graduates.csv")
	if err != nil {
		t.Fatal(err)
	}
	err = tp.ValidateAll(recs, "graduates.csv")
	var re *RecordsError
	if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("error %v, want a *RecordsError", err)
	}
	want := "graduates.csv row 2, field ects: must be ≥ 0\n" +
		"graduates.csv row 2, field id: required\n" +
		"graduates.csv row 4, field eqf: must be an EQF level from 1 to 8"
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	if _, err := tp.Render(recs[0], SampleInstitution(), fixed); !errors.As(err, &re) || len(re.Errors) != 2 {
		t.Errorf("Render of an invalid record: %v", err)
	}
}

func TestUnknownColumnIsAnErrorNamingIt(t *testing.T) {
	tp := mustBuiltin(t, "diploma")
	data := diplomaHeader + ",ect,course.1.ects,title.en.x,eqf.level\n" + diplomaRow(nil) + ",5,6,x,7\n"
	recs, err := ReadCSV([]byte(data), "graduates.csv")
	if err != nil {
		t.Fatal(err)
	}
	errs := tp.Validate(recs[0])
	got := map[string]string{}
	for _, e := range errs {
		got[e.Field] = e.Message
	}
	want := map[string]string{
		"ect":           "unknown field (did you mean ects?)",
		"course.1.ects": "unknown field (fields: id, givenName, familyName, dateOfBirth, title, awardDate, eqf, nqf, isced, ects, grade, gradingScheme, studyLanguage, studyMode, duration, outcomes, entitlement, note)",
		"title.en.x":    `"en.x" is not a BCP 47 language tag (write title.en, title.fr…)`,
		"eqf.level":     "unknown field: eqf takes one value, not eqf.level",
	}
	for f, m := range want {
		if got[f] != m {
			t.Errorf("field %s: %q, want %q", f, got[f], m)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("errors %v", errs)
	}
}

func TestACopiedTemplateWithAChangedTitleRendersTheChange(t *testing.T) {
	src := mustBuiltin(t, "diploma").Source()
	changed := bytes.ReplaceAll(src, []byte(`"title": {"en": "Final grade"}`), []byte(`"title": {"en": "Overall classification", "fr": "Mention"}`))
	changed = bytes.Replace(changed, []byte(`"name": "diploma"`), []byte(`"name": "my_diploma"`), 1)
	if bytes.Equal(changed, src) {
		t.Fatal("the replacement did not apply")
	}
	file := filepath.Join(t.TempDir(), "my_diploma.tmpl")
	if err := os.WriteFile(file, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	tp, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Name() != "my_diploma" {
		t.Errorf("name %q", tp.Name())
	}
	res, err := tp.Check(nil)
	if err != nil || !res.OK() {
		t.Fatalf("check: %v %+v", err, res)
	}
	if !bytes.Contains(res.Rendered.Credential, []byte(`"title":{"en":"Overall classification","fr":"Mention"}`)) {
		t.Error("the changed title is not in the credential")
	}
}

func TestParseRejectsBrokenTemplates(t *testing.T) {
	good := string(mustBuiltin(t, "participation").Source())
	cases := []struct{ name, from, to, want string }{
		{"no separator", "\n---\n", "\n--\n", `no line "---"`},
		{"unknown header member", `"language": "en",`, `"language": "en", "langauge": "fr",`, `unknown field "langauge"`},
		{"unknown rule", `"rules": "gte=0,lte=5000"`, `"rules": "gte=0,bogus"`, "Undefined validation function 'bogus'"},
		{"unknown type", `"type": "decimal"`, `"type": "money"`, `unknown type "money"`},
		{"bad field name", `{"name": "hours"`, `{"name": "hours-total"`, `field "hours-total"`},
		{"body syntax", `{{lang .Record.title}}`, `{{lang .Record.title}`, "bad character"},
		{"bad default", `"name": "mode", "rules"`, `"name": "mode", "default": "by post", "rules"`, `default "by post"`},
		{"bad display image", `"displayImage": "data:image/png;base64,`, `"displayImage": "data:image/gif;base64,`, "only base64 PNG or JPEG"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(good, c.from, c.to, 1)
			if src == good {
				t.Fatal("the replacement did not apply")
			}
			_, err := Parse([]byte(src), "bad.tmpl")
			if !errors.Is(err, ErrInvalidTemplate) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestABodyThatWritesInvalidJSONFailsWithAHint(t *testing.T) {
	src := strings.Replace(string(mustBuiltin(t, "participation").Source()),
		`"title": {{lang .Record.title}}`, `"title": {"en": "{{text .Record.title}}"}`, 1)
	tp, err := Parse([]byte(src), "quoted.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tp.Check(nil)
	if !errors.Is(err, ErrInvalidTemplate) || !strings.Contains(err.Error(), "every {{…}} writes a whole JSON value") {
		t.Errorf("error %v", err)
	}
}

func TestOptionalFieldsMayBeLeftOut(t *testing.T) {
	tp := mustBuiltin(t, "participation")
	rec := Record{"id": "urn:schac:personalUniqueCode:int:esi:de:1", "givenName": "A", "familyName": "B", "title": "Workshop", "startDate": "2025-01-01", "endDate": "2025-01-02"}
	tree, _ := renderTree(t, tp, rec)
	claim := tree["credentialSubject"].(map[string]any)["hasClaim"].([]any)[0].(map[string]any)
	for _, k := range []string{"levelOfCompletion", "workload", "location", "description"} {
		if _, ok := claim[k]; ok {
			t.Errorf("%s written for an absent field", k)
		}
	}
	rec["completion"] = "0"
	tree, _ = renderTree(t, tp, rec)
	claim = tree["credentialSubject"].(map[string]any)["hasClaim"].([]any)[0].(map[string]any)
	if claim["levelOfCompletion"] != 0.0 {
		t.Errorf("levelOfCompletion %v, want 0", claim["levelOfCompletion"])
	}
}

func TestRenderChecksTheInstitution(t *testing.T) {
	tp := mustBuiltin(t, "participation")
	ex, _ := tp.Example()
	cases := []struct {
		change func(*Institution)
		want   string
	}{
		{func(i *Institution) { i.LegalName = nil }, "legal name: required"},
		{func(i *Institution) { i.Country = "FRA" }, `country "FRA"`},
		{func(i *Institution) { i.DID = "" }, "a DID or URI is required"},
		{func(i *Institution) { i.Logo = "data:image/gif;base64,AAAA" }, "logo: data: URL"},
		{func(i *Institution) { i.Email = "nobody" }, "not an e-mail address"},
	}
	for _, c := range cases {
		inst := SampleInstitution()
		c.change(&inst)
		_, err := tp.Render(ex, inst, fixed)
		if !errors.Is(err, ErrInvalidInstitution) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	inst := SampleInstitution()
	inst.Logo = "data:image/png;base64,iVBORw0KGgo="
	tree, _ := renderTree(t, tp, ex)
	_ = tree
	r, err := tp.Render(ex, inst, fixed)
	if err != nil || !bytes.Contains(r.Credential, []byte(`"logo":{"type":"MediaObject","content":"iVBORw0KGgo="`)) {
		t.Errorf("logo not embedded: %v", err)
	}
}

func TestBuiltinRejectsUnknownNames(t *testing.T) {
	_, err := Builtin("degree")
	if !errors.Is(err, ErrUnknownTemplate) || !strings.Contains(err.Error(), "diploma, transcript, microcredential, participation, mobility") {
		t.Errorf("error %v", err)
	}
}

func TestCheckColumnsReportsEachHeaderProblemOnce(t *testing.T) {
	tm, err := Builtin("diploma")
	if err != nil {
		t.Fatal(err)
	}
	csv := "id,given_name,familyName,title.en,title.xx-1234567,awardDate,eqf,isced,credits,grade,gradingScheme,studyLanguage,course.1.title\n" +
		"a,Camille,Dupont,Master,Maîtrise,2025-07-01,7,0613,120,15,fr-20,fr,\n" +
		"b,Zoë,Martin,Master,Maîtrise,2025-07-01,7,0613,120,12,fr-20,fr,\n"
	cols, err := CSVColumns([]byte(csv), "grads.csv")
	if err != nil {
		t.Fatal(err)
	}
	err = tm.CheckColumns(cols, "grads.csv")
	var re *RecordsError
	if !errors.As(err, &re) {
		t.Fatalf("CheckColumns = %v, want a *RecordsError", err)
	}
	got := map[string]string{}
	for _, fe := range re.Errors {
		if fe.Row != 1 {
			t.Errorf("%s: row %d, want 1 (the header)", fe.Field, fe.Row)
		}
		if _, dup := got[fe.Field]; dup {
			t.Errorf("%s reported twice", fe.Field)
		}
		got[fe.Field] = fe.Message
	}
	want := map[string]string{
		"given_name":       "unknown field (did you mean givenName?)",
		"credits":          "unknown field",
		"title.xx-1234567": "is not a BCP 47 language tag",
		"givenName":        "required, and the header has no column for it",
		"ects":             "required, and the header has no column for it",
		"course.1.title":   "unknown field",
	}
	for field, msg := range want {
		if !strings.Contains(got[field], msg) {
			t.Errorf("%s: %q, want %q", field, got[field], msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want exactly %v", got, want)
	}
	if !strings.Contains(err.Error(), "grads.csv header, column given_name: unknown field (did you mean givenName?)") {
		t.Errorf("message %q", err)
	}
	// Every column of the sample export, whatever its values' rules.
	ok, _ := CSVColumns([]byte("id,givenName,familyName,dateOfBirth,title.en,title.fr,awardDate,eqf,nqf.fr,isced,ects,grade,gradingScheme,studyLanguage,studyMode,duration,outcomes.en,entitlement.en,note.en\n"), "ok.csv")
	if err := tm.CheckColumns(ok, "ok.csv"); err != nil {
		t.Errorf("a good header: %v", err)
	}
}

// TestSampleCSVHeadersHaveNoColumnProblem: the header of every built-in
// template's sample export passes CheckColumns, whatever rules its values
// follow (a column is judged by its name only).
func TestSampleCSVHeadersHaveNoColumnProblem(t *testing.T) {
	for _, tm := range Builtins() {
		t.Run(tm.Name(), func(t *testing.T) {
			data, err := records.CSV(tm.Name())
			if err != nil {
				t.Fatal(err)
			}
			cols, err := CSVColumns(data, tm.Name()+".csv")
			if err != nil {
				t.Fatal(err)
			}
			if err := tm.CheckColumns(cols, tm.Name()+".csv"); err != nil {
				t.Error(err)
			}
		})
	}
}
