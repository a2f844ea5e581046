package elm

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func violationStrings(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

func TestCheckAcceptsReferenceCredentials(t *testing.T) {
	for _, s := range acceptSamples(t) {
		if s.name == "credential-sample.jsonld" {
			continue // see TestCheckCredentialSampleLacksOnlyIndividualDisplay
		}
		t.Run(s.name, func(t *testing.T) {
			c := mustParse(t, readSample(t, s))
			// The EBSI VC 2.0 examples are issued credentials; the others
			// have not been through the EDC sealer, which writes issued.
			opts := &Options{BeforeSealing: !strings.HasPrefix(s.name, "ebsi-edc/")}
			vs, err := CheckDeclared(c, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Error(v)
			}
		})
	}
}

// The ELM repository's rdf/samples/credential-sample.jsonld predates the
// 1.1.0 shapes: its displayParameter has no individualDisplay, which
// EDC-generic-no-cv.ttl requires (sh:minCount 1). Everything else conforms.
func TestCheckCredentialSampleLacksOnlyIndividualDisplay(t *testing.T) {
	c := mustParse(t, readSample(t, sample{"", []string{"elm", "credential-sample.jsonld"}}))
	vs, err := CheckDeclared(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"displayParameter.individualDisplay: required by the EDC generic profile"}
	if got := violationStrings(vs); !slices.Equal(got, want) {
		t.Fatalf("violations = %q, want %q", got, want)
	}
}

func TestCheckAcceptsSealedPayloads(t *testing.T) {
	for _, rel := range [][]string{
		{"elm", "Sample-MC-Annex1-signed.jsonld"},
		{"elm", "Sample-CertOfPart-signed.jsonld"},
	} {
		t.Run(rel[len(rel)-1], func(t *testing.T) {
			c := mustParse(t, sealedPayload(t, rel...))
			if c.Issued == "" {
				t.Fatal("sealed payload has no issued")
			}
			vs, err := CheckDeclared(c, nil) // as issued: issued required
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Error(v)
			}
		})
	}
}

// The sealed EDCI test credential has a registration LegalIdentifier
// without the notation EDC-generic-no-cv.ttl requires.
func TestCheckFindsMissingNotationInSealedEDCIPayload(t *testing.T) {
	c := mustParse(t, sealedPayload(t, "elm", "edci", "credential-signed.jsonld"))
	vs, err := CheckDeclared(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"issuer.registration.notation: required by the EDC generic profile"}
	if got := violationStrings(vs); !slices.Equal(got, want) {
		t.Fatalf("violations = %q, want %q", got, want)
	}
}

func TestCheckRejectsNoLegalNameSample(t *testing.T) {
	in := readSample(t, sample{"", []string{"elm", "edci", "cred_noLegalName_shouldFail.jsonld"}})
	t.Run("as published", func(t *testing.T) {
		vs, err := CheckDeclared(mustParse(t, in), &Options{BeforeSealing: true})
		if err != nil {
			t.Fatal(err)
		}
		// Every Organisation in the file has a legalName (the EDCI test
		// fails it on what it lacks besides): no credentialSchema and no
		// displayParameter.
		want := []string{
			"credentialSchema: required by the EDC generic profile",
			"displayParameter: required by the EDC generic profile",
		}
		if got := violationStrings(vs); !slices.Equal(got, want) {
			t.Fatalf("violations = %q, want %q", got, want)
		}
	})
	t.Run("issuer legalName removed", func(t *testing.T) {
		vs, err := CheckDeclared(mustParse(t, without(t, in, "issuer.legalName")), &Options{BeforeSealing: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := violationStrings(vs); !slices.Contains(got, "issuer.legalName: required by the EDC generic profile") {
			t.Fatalf("violations = %q, want one naming issuer.legalName", got)
		}
	})
}

// without returns the JSON document in with the member at path removed;
// path is dotted, with [i] for array elements.
func without(t testing.TB, in []byte, path string) []byte {
	t.Helper()
	return edit(t, in, path, nil, true)
}

// with returns in with the member at path set to v.
func with(t testing.TB, in []byte, path string, v any) []byte {
	t.Helper()
	return edit(t, in, path, v, false)
}

func edit(t testing.TB, in []byte, path string, v any, del bool) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal(in, &doc); err != nil {
		t.Fatal(err)
	}
	segs := strings.Split(path, ".")
	cur := doc
	for i, seg := range segs {
		name, idx := seg, -1
		if j := strings.IndexByte(seg, '['); j >= 0 {
			name = seg[:j]
			n, err := strconv.Atoi(strings.TrimSuffix(seg[j+1:], "]"))
			if err != nil {
				t.Fatalf("bad path %q", path)
			}
			idx = n
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object at %q", path, seg)
		}
		last := i == len(segs)-1
		if last && idx < 0 {
			if _, ok := obj[name]; !ok && del {
				t.Fatalf("%s: nothing to remove", path)
			}
			if del {
				delete(obj, name)
			} else {
				obj[name] = v
			}
			break
		}
		cur = obj[name]
		if idx >= 0 {
			arr, ok := cur.([]any)
			if !ok || idx >= len(arr) {
				t.Fatalf("%s: no element %d at %q", path, idx, seg)
			}
			if last {
				arr[idx] = v
				break
			}
			cur = arr[idx]
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckReportsEachRemovedMandatoryProperty(t *testing.T) {
	mc := readSample(t, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	regular := readSample(t, sample{"", []string{"elm", "edci", "regularCred.jsonld"}})
	tests := []struct {
		doc     []byte
		remove  string
		profile Profile
		want    string
	}{
		{mc, "credentialProfiles", Generic, "credentialProfiles: required by the EDC generic profile"},
		{mc, "credentialSchema", Generic, "credentialSchema: required by the EDC generic profile"},
		{mc, "validFrom", Generic, "validFrom: required by the EDC generic profile"},
		{mc, "credentialSubject", Generic, "credentialSubject: required by the EDC generic profile"},
		{mc, "displayParameter.primaryLanguage", Generic, "displayParameter.primaryLanguage: required by the EDC generic profile"},
		{mc, "displayParameter.title", Generic, "displayParameter.title: required by the EDC generic profile"},
		{mc, "displayParameter.individualDisplay.displayDetail.page", Generic, "displayParameter.individualDisplay.displayDetail.page: required by the EDC generic profile"},
		{mc, "credentialSubject.hasClaim", Generic, "credentialSubject.hasClaim: required by the EDC generic profile"},
		{mc, "credentialSubject.hasClaim.title", Generic, "credentialSubject.hasClaim.title: required by the EDC generic profile"},
		{mc, "credentialSubject.hasClaim.awardedBy", Generic, "credentialSubject.hasClaim.awardedBy: required by the EDC generic profile"},
		{mc, "credentialSubject.hasClaim.specifiedBy.title", Generic, "credentialSubject.hasClaim.specifiedBy.title: required by the EDC generic profile"},
		{mc, "credentialSubject.hasClaim.specifiedBy.creditPoint.point", Generic, "credentialSubject.hasClaim.specifiedBy.creditPoint.point: required by the EDC generic profile"},
		{mc, "credentialSubject.hasClaim.provenBy.grade", Generic, "credentialSubject.hasClaim.provenBy.grade: required by the EDC generic profile"},
		{mc, "identifier.notation", Generic, "identifier.notation: required by the EDC generic profile"},
		{regular, "credentialSubject.hasClaim[0].awardedBy", Generic, "credentialSubject.hasClaim[0].awardedBy: required by the EDC generic profile"},
		{regular, "credentialSubject.hasClaim[0].title", Generic, "credentialSubject.hasClaim[0].title: required by the EDC generic profile"},
		{mc, "credentialSubject.dateOfBirth", DiplomaSupplement, "credentialSubject.dateOfBirth: required by the EDC diplomaSupplement profile"},
		{mc, "credentialSubject.hasClaim.specifiedBy.thematicArea", DiplomaSupplement, "credentialSubject.hasClaim.specifiedBy.thematicArea: required by the EDC diplomaSupplement profile"},
	}
	for _, tt := range tests {
		t.Run(string(tt.profile)+"/"+tt.remove, func(t *testing.T) {
			before, err := Check(mustParse(t, tt.doc), tt.profile, &Options{BeforeSealing: true})
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(violationStrings(before), tt.want) {
				t.Fatalf("%q reported before removing anything", tt.want)
			}
			vs, err := Check(mustParse(t, without(t, tt.doc, tt.remove)), tt.profile, &Options{BeforeSealing: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := violationStrings(vs); !slices.Contains(got, tt.want) {
				t.Fatalf("violations = %q\nwant one: %q", got, tt.want)
			}
		})
	}
}

func TestCheckReportsEveryViolationNotJustTheFirst(t *testing.T) {
	doc := readSample(t, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	for _, p := range []string{"validFrom", "credentialSchema", "credentialSubject.hasClaim.title", "displayParameter.primaryLanguage"} {
		doc = without(t, doc, p)
	}
	vs, err := Check(mustParse(t, doc), Generic, &Options{BeforeSealing: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"credentialSchema: required by the EDC generic profile",
		"credentialSubject.hasClaim.title: required by the EDC generic profile",
		"displayParameter.primaryLanguage: required by the EDC generic profile",
		"validFrom: required by the EDC generic profile",
	}
	if got := violationStrings(vs); !slices.Equal(got, want) {
		t.Fatalf("violations =\n%q\nwant\n%q", got, want)
	}
}

func TestCheckRequiresIssuedOnceSealed(t *testing.T) {
	c := mustParse(t, readSample(t, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}}))
	vs, err := Check(c, Generic, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"issued: required by the EDC generic profile"}
	if got := violationStrings(vs); !slices.Equal(got, want) {
		t.Fatalf("violations = %q, want %q", got, want)
	}
}

func TestCheckProfileOverlays(t *testing.T) {
	mc := readSample(t, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	tests := []struct {
		profile Profile
		want    []string
	}{
		{Accredited, []string{"evidence: required by the EDC accredited profile"}},
		{IssuedByMandate, []string{"evidence: required by the EDC issuedByMandate profile"}},
		{Converted, []string{"evidence: required by the EDC converted profile"}},
		{DiplomaSupplement, []string{
			"credentialSubject.hasClaim.creditReceived: required by the EDC diplomaSupplement profile",
			"credentialSubject.hasClaim.specifiedBy.awardingOpportunity: required by the EDC diplomaSupplement profile",
			"credentialSubject.hasClaim.specifiedBy.hasPart: required by the EDC diplomaSupplement profile",
			"evidence: required by the EDC accredited profile",
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.profile), func(t *testing.T) {
			vs, err := Check(mustParse(t, mc), tt.profile, &Options{BeforeSealing: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := violationStrings(vs); !slices.Equal(got, tt.want) {
				t.Fatalf("violations =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestCheckEvidenceRulesOfProfiles(t *testing.T) {
	mandate := readSample(t, sample{"", []string{"elm", "edci", "credential_shouldValidate.jsonld"}})
	var doc map[string]any
	if err := json.Unmarshal(mandate, &doc); err != nil {
		t.Fatal(err)
	}
	ev := doc["evidence"]
	path := "evidence.evidenceStatement"
	if _, isArr := ev.([]any); isArr {
		path = "evidence[0].evidenceStatement"
	}
	vs, err := Check(mustParse(t, without(t, mandate, path)), IssuedByMandate, &Options{BeforeSealing: true})
	if err != nil {
		t.Fatal(err)
	}
	want := path + ": required by the EDC issuedByMandate profile"
	if got := violationStrings(vs); !slices.Contains(got, want) {
		t.Fatalf("violations = %q, want %q", got, want)
	}
	// Without its accreditation, the evidence fails the accredited profile.
	acc := strings.TrimSuffix(path, ".evidenceStatement") + ".accreditation"
	vs, err = Check(mustParse(t, without(t, mandate, acc)), Accredited, &Options{BeforeSealing: true})
	if err != nil {
		t.Fatal(err)
	}
	wantAcc := acc + ": required by the EDC accredited profile"
	if got := violationStrings(vs); !slices.Contains(got, wantAcc) {
		t.Fatalf("violations = %q, want %q", got, wantAcc)
	}
}

func TestCheckValueRules(t *testing.T) {
	mc := readSample(t, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	spec := "credentialSubject.hasClaim.specifiedBy."
	tests := []struct {
		name string
		path string
		val  any
		want string
	}{
		{"EQF level out of range", spec + "eqfLevel", map[string]any{"id": EQFNamespace + "9", "type": "Concept"},
			spec + "eqfLevel: http://data.europa.eu/snb/eqf/9 is not a concept of the EQF vocabulary, as required by the EDC generic profile"},
		{"ISCED-F typo", spec + "thematicArea", []any{map[string]any{"id": ISCEDFNamespace + "0612x", "type": "Concept"}},
			spec + "thematicArea[0]: http://data.europa.eu/snb/isced-f/0612x is not a concept of the ISCED-F vocabulary, as required by the EDC generic profile"},
		{"unknown learning setting", spec + "learningSetting", map[string]any{"id": LearningSettingNamespace + "abc", "type": "Concept"},
			spec + "learningSetting: http://data.europa.eu/snb/learning-setting/abc is not a concept of the learning setting vocabulary, as required by the EDC generic profile"},
		{"validFrom not a date", "validFrom", "next Tuesday",
			`validFrom: "next Tuesday" is not an xsd:dateTime, as required by the EDC generic profile`},
		{"point as number", spec + "creditPoint.point", json.Number("2"),
			spec + "creditPoint.point: must be a string, found a number, as required by the EDC generic profile"},
		{"page zero", "displayParameter.individualDisplay.displayDetail.page", json.Number("0"),
			"displayParameter.individualDisplay.displayDetail.page: 0 is not a positive integer, as required by the EDC generic profile"},
		{"two primary languages", "displayParameter.primaryLanguage", []any{"http://publications.europa.eu/resource/authority/language/ENG", "http://publications.europa.eu/resource/authority/language/FRA"},
			"displayParameter.primaryLanguage: at most 1 value allowed (found 2) by the EDC generic profile"},
		{"bad ESI", "credentialSubject.id", ESIPrefix + "es:",
			"credentialSubject.id: invalid European Student Identifier: empty code, not allowed by the EDC generic profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := Check(mustParse(t, with(t, mc, tt.path, tt.val)), Generic, &Options{BeforeSealing: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := violationStrings(vs); !slices.Contains(got, tt.want) {
				t.Fatalf("violations =\n%q\nwant one:\n%q", got, tt.want)
			}
		})
	}
}

func TestCheckAcceptsValidESISubject(t *testing.T) {
	mc := readSample(t, sample{"", []string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}})
	vs, err := Check(mustParse(t, with(t, mc, "credentialSubject.id", ESIPrefix+"ie:S1234567")), Generic, &Options{BeforeSealing: true})
	if err != nil || len(vs) != 0 {
		t.Fatalf("Check = %q, %v; want no violation", violationStrings(vs), err)
	}
}

func TestCheckRejectsUnknownProfile(t *testing.T) {
	_, err := Check(&EuropeanDigitalCredential{}, Profile("diploma"), nil)
	if !errors.Is(err, ErrUnknownProfile) || !strings.Contains(err.Error(), `"diploma"`) {
		t.Fatalf("err = %v, want ErrUnknownProfile naming diploma", err)
	}
	if _, err := ParseProfile("Diploma"); !errors.Is(err, ErrUnknownProfile) {
		t.Fatalf("ParseProfile err = %v", err)
	}
	if p, err := ParseProfile("diplomasupplement"); err != nil || p != DiplomaSupplement {
		t.Fatalf("ParseProfile = %v, %v", p, err)
	}
}

func TestCheckEmptyCredentialNamesEveryTopLevelRequirement(t *testing.T) {
	vs, err := Check(mustParse(t, []byte(`{}`)), Generic, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"credentialProfiles: required by the EDC generic profile",
		"credentialSchema: required by the EDC generic profile",
		"credentialSubject: required by the EDC generic profile",
		"displayParameter: required by the EDC generic profile",
		"issued: required by the EDC generic profile",
		"issuer: required by the EDC generic profile",
		"type: must include EuropeanDigitalCredential, required by the EDC generic profile",
		"validFrom: required by the EDC generic profile",
	}
	if got := violationStrings(vs); !slices.Equal(got, want) {
		t.Fatalf("violations =\n%q\nwant\n%q", got, want)
	}
}

func TestDeclaredProfiles(t *testing.T) {
	tests := []struct {
		rel  []string
		want []Profile
	}{
		{[]string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}, []Profile{Generic}},
		{[]string{"elm", "credential-sample.jsonld"}, []Profile{Generic}},
		{[]string{"elm", "edci", "credential_shouldValidate.jsonld"}, []Profile{Generic, IssuedByMandate}},
	}
	for _, tt := range tests {
		t.Run(tt.rel[len(tt.rel)-1], func(t *testing.T) {
			got, err := Declared(mustParse(t, readSample(t, sample{"", tt.rel})))
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Declared = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("unknown concept", func(t *testing.T) {
		c := &EuropeanDigitalCredential{CredentialProfiles: List(&Concept{Node: Node{ID: "http://example.org/profile/x"}})}
		_, err := Declared(c)
		if !errors.Is(err, ErrUnknownProfile) || !strings.Contains(err.Error(), "credentialProfiles[0]") || !strings.Contains(err.Error(), "http://example.org/profile/x") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("shacl schema names the profile", func(t *testing.T) {
		c := &EuropeanDigitalCredential{CredentialSchema: List(&CredentialSchema{Node{ID: "http://data.europa.eu/snb/model/ap/edc-diploma-supplement", Type: One("ShaclValidator2017")}})}
		got, err := Declared(c)
		if err != nil || !slices.Equal(got, []Profile{Generic, DiplomaSupplement}) {
			t.Fatalf("Declared = %v, %v", got, err)
		}
	})
}

func TestPathNodeWritesThePathJoinPathAndIndexedWrite(t *testing.T) {
	var cl collector
	a := cl.node(nil, "credentialSubject", -1)
	b := cl.node(a, "hasClaim", -1)
	c := cl.node(b, "", 0)
	d := cl.node(c, "a.b", -1)
	e := cl.node(nil, "", -1) // a member named "" of the root: its path is "" too
	f := cl.node(e, "x", -1)
	for _, tt := range []struct {
		n    *pathNode
		want string
	}{
		{nil, ""},
		{a, "credentialSubject"},
		{c, "credentialSubject.hasClaim[0]"},
		{d, "credentialSubject.hasClaim[0].a.b"},
		{e, ""},
		{f, "x"},
	} {
		if got := tt.n.String(); got != tt.want || tt.n.isEmpty() != (tt.want == "") {
			t.Errorf("path %q (empty %v), want %q", got, tt.n.isEmpty(), tt.want)
		}
	}
}
