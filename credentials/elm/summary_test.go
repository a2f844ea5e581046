package elm

import (
	"reflect"
	"testing"
)

func TestSummariseReferenceCredentials(t *testing.T) {
	tests := []struct {
		s    sample
		want Summary
	}{
		{sample{"Sample-MC-Annex1-unsigned.jsonld", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}}, Summary{
			Holder: "Ana Andromeda", DateOfBirth: "1999-10-01T22:00:00Z", Title: "Digital micro-credential creation",
			AwardingBody: "University of Zed", AwardingBodyID: "urn:epass:org:1",
			Country: "http://publications.europa.eu/resource/authority/country/IRL", CountryCode: "IRL",
			EQFLevel: 6, NQFLevel: "RQF Level 6", ISCEDFCode: "003", ISCEDFLabel: "Personal skills and development",
			ECTS: "2", Grade: "Pass", GradingScheme: "Standard grading",
			Language:             "http://publications.europa.eu/resource/authority/language/ENG",
			InstructionLanguages: []string{"http://publications.europa.eu/resource/authority/language/ENG"},
		}},
		{sample{"edci/credential_shouldValidate.jsonld", []string{"elm", "edci", "credential_shouldValidate.jsonld"}}, Summary{
			Holder: "Max Power", DateOfBirth: "2010-01-01T00:00:00Z", Title: "some kind of learning achievement",
			AwardingBody: "some legal name", AwardingBodyID: "http://example.org/issuer565049",
			Country: "http://publications.europa.eu/resource/authority/country/ESP", CountryCode: "ESP",
			DateAwarded: "2010-01-01T00:00:00Z", ISCEDFCode: "011", ISCEDFLabel: "Education",
			Grade: "5 (outstanding", GradingScheme: "Grading Scheme",
			Language: "http://publications.europa.eu/resource/authority/language/ENG",
			InstructionLanguages: []string{"http://publications.europa.eu/resource/authority/language/ENG",
				"http://publications.europa.eu/resource/authority/language/DEU"},
			Parts: []Part{{Title: "Sub Achievement 1"}, {Title: "Sub Achievement 2"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.s.name, func(t *testing.T) {
			got := Summarise(mustParse(t, readSample(t, tt.s)))
			if !equalSummary(got, tt.want) {
				t.Fatalf("Summarise =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestSummariseCoursesOfHighSchoolDiploma(t *testing.T) {
	s := sample{"", []string{"elm", "ebsi", "vcdm2.0-europass-edc-schema", "examples", "Bengales_highSchoolDiploma.json"}}
	got := Summarise(mustParse(t, readSample(t, s)))
	if got.EQFLevel != 4 || got.NQFLevel != "DQR Level 5" || got.Grade != "Excellent (5)" || got.GradingScheme != "Grading scheme in Germany" {
		t.Errorf("level/grade = %d %q %q %q", got.EQFLevel, got.NQFLevel, got.Grade, got.GradingScheme)
	}
	if got.DateAwarded != "2024-03-26T16:03:32+01:00" || got.AwardingBody != "University of Life" || got.CountryCode != "BEL" {
		t.Errorf("awarding = %q %q %q", got.DateAwarded, got.AwardingBody, got.CountryCode)
	}
	var titles []string
	for _, p := range got.Parts {
		titles = append(titles, p.Title+"="+p.Grade)
	}
	want := []string{"History=Excellent (5)", "Art=Excellent (5)", "Religion=Excellent (5)", "English=Excellent (5)", "German=Excellent (5)"}
	if len(titles) != len(want) {
		t.Fatalf("parts = %q, want %q", titles, want)
	}
	for i := range want {
		if titles[i] != want[i] {
			t.Errorf("part %d = %q, want %q", i, titles[i], want[i])
		}
	}
}

func TestSummaryTotalPartsECTS(t *testing.T) {
	s := Summary{Parts: []Part{{ECTS: "7.5"}, {ECTS: "5"}, {}}}
	if got, ok := s.TotalPartsECTS(); !ok || got != "12.5" {
		t.Fatalf("TotalPartsECTS = %q, %v", got, ok)
	}
	s.Parts = append(s.Parts, Part{ECTS: "six"})
	if _, ok := s.TotalPartsECTS(); ok {
		t.Fatal("TotalPartsECTS accepted a non-number")
	}
}

func equalSummary(a, b Summary) bool { return reflect.DeepEqual(a, b) }
