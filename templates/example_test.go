package templates_test

import (
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/templates"
)

func ExampleTemplate_Render() {
	tp, err := templates.Builtin("diploma")
	if err != nil {
		panic(err)
	}
	recs, err := templates.ReadCSV([]byte(
		"id,givenName,familyName,title.en,title.fr,awardDate,eqf,isced,ects,grade,gradingScheme\n"+
			"urn:schac:personalUniqueCode:int:esi:fr:42,Camille,Dupont,Master in Physics,Master de physique,2025-07-01,7,0533,120,15.5,fr-20\n"),
		"graduates.csv")
	if err != nil {
		panic(err)
	}
	r, err := tp.Render(recs[0], templates.SampleInstitution(), templates.RenderOptions{
		ID:       "urn:uuid:2f9c1a4e-8f7b-4d5e-9b1a-0c2d3e4f5a6b",
		IssuedAt: time.Date(2025, 7, 2, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.SubjectID)
	fmt.Println(r.Types, "EQF", r.EQFLevel, "ISCED-F", r.ISCEDFields)
	// Output:
	// urn:schac:personalUniqueCode:int:esi:fr:42
	// [VerifiableCredential EuropeanDigitalCredential] EQF 7 ISCED-F [0533]
}

func ExampleTemplate_ValidateAll() {
	tp, _ := templates.Builtin("diploma")
	recs, _ := templates.ReadCSV([]byte(
		"id;givenName;familyName;title.en;awardDate;eqf;isced;ects\n"+
			"urn:schac:personalUniqueCode:int:esi:fr:1;Ana;Lopez;Master in Physics;2025-07-01;7;0533;120\n"+
			"urn:schac:personalUniqueCode:int:esi:fr:2;Ben;Petit;Master in Physics;2025-07-01;9;0533;-3\n"),
		"graduates.csv")
	fmt.Println(tp.ValidateAll(recs, "graduates.csv"))
	// Output:
	// graduates.csv row 3, field ects: must be ≥ 0
	// graduates.csv row 3, field eqf: must be an EQF level from 1 to 8
}
