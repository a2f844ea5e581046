package elm_test

import (
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// A credential missing what the generic profile requires: every violation
// is reported with its JSON path.
func ExampleCheck() {
	c, err := elm.Parse([]byte(`{
		"type": ["VerifiableCredential", "EuropeanDigitalCredential"],
		"credentialSubject": {
			"type": "Person",
			"hasClaim": [{"type": "LearningAchievement", "title": {"en": "MSc Physics"}}]
		}
	}`))
	if err != nil {
		panic(err)
	}
	vs, err := elm.Check(c, elm.Generic, &elm.Options{BeforeSealing: true})
	if err != nil {
		panic(err)
	}
	for _, v := range vs {
		fmt.Println(v)
	}
	// Output:
	// credentialProfiles: required by the EDC generic profile
	// credentialSchema: required by the EDC generic profile
	// credentialSubject.hasClaim[0].awardedBy: required by the EDC generic profile
	// displayParameter: required by the EDC generic profile
	// issuer: required by the EDC generic profile
	// validFrom: required by the EDC generic profile
}

// Reading and writing keeps what the model has no field for, and the form
// of each value.
func ExampleMarshal() {
	c, err := elm.Parse([]byte(`{"id":"urn:c:1","type":"EuropeanDigitalCredential","x-local":{"n":1},"credentialSubject":{"fullName":{"en":["Ana"]}}}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.CredentialSubject.FullName.Get())
	out, _ := elm.Marshal(c)
	fmt.Println(string(out))
	// Output:
	// Ana
	// {"credentialSubject":{"fullName":{"en":["Ana"]}},"id":"urn:c:1","type":"EuropeanDigitalCredential","x-local":{"n":1}}
}

func ExampleParseESI() {
	e, err := elm.ParseESI("urn:schac:personalUniqueCode:int:esi:uni-zed.ie:S-2023.0042")
	fmt.Println(e.Scope, e.Code, e.IsCountry(), err)
	// Output: uni-zed.ie S-2023.0042 false <nil>
}

func ExampleISCEDF() {
	code, label, ok := elm.ISCEDF("http://data.europa.eu/snb/isced-f/0613")
	fmt.Println(code, label, ok)
	// Output: 0613 Software and applications development and analysis true
}
