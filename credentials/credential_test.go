package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// specExpect says what each example of the VC 2.0 specification is: a good
// credential or presentation, a document that breaks a rule (the rule and
// path of the first problem), or not JSON at all (the .txt examples are
// fragments with "…" and comments).
type specExpect struct {
	presentation bool
	rule, path   string // expected problem; empty for a valid document
	notJSON      bool
}

var vc20Examples = map[string]specExpect{
	"ex01": {rule: RuleIssuer, path: "$"}, // a template: no issuer yet
	"ex02": {}, "ex03": {}, "ex04": {}, "ex05": {}, "ex06": {}, "ex07": {}, "ex08": {},
	"ex09": {}, "ex10": {}, "ex11": {}, "ex12": {}, "ex13": {}, "ex14": {}, "ex15": {},
	"ex16": {notJSON: true}, // an SD-JWT, wrapped over lines
	"ex17": {notJSON: true, presentation: true},
	"ex18": {presentation: true},
	"ex19": {presentation: true, rule: RuleType, path: "$.type"}, // EnvelopedVerifiablePresentation
	"ex20": {notJSON: true, presentation: true},
	"ex21": {notJSON: true, presentation: true},
	"ex22": {},
	"ex23": {rule: RuleContext, path: "$.@context"}, // a JSON-LD context, not a credential
	"ex24": {},
	"ex25": {notJSON: true}, "ex26": {notJSON: true},
	"ex27": {},
	"ex28": {notJSON: true}, "ex29": {notJSON: true},
	"ex30": {},
	"ex31": {notJSON: true, presentation: true},
	"ex32": {notJSON: true},
	"ex33": {rule: RuleContext, path: "$.@context"},
	"ex34": {},
	"ex35": {notJSON: true}, "ex36": {notJSON: true}, "ex37": {notJSON: true}, "ex38": {notJSON: true}, "ex39": {notJSON: true},
	"ex40": {},
}

func TestParseVC20SpecExamples(t *testing.T) {
	dir := reftest.Path(t, "vectors", "vcdm-2.0-spec-examples")
	files, err := filepath.Glob(filepath.Join(dir, "ex*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := vc20Examples[name[:4]]
			if !ok {
				t.Fatalf("example %s is not classified in vc20Examples", name)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var problems []Problem
			var version Version
			if want.presentation {
				var p *Presentation
				p, err = ParsePresentation(data, ParseOptions{})
				if p != nil {
					problems, version = p.Validate(), p.Version()
				}
			} else {
				var c *Credential
				c, err = ParseCredential(data, ParseOptions{})
				if c != nil {
					problems, version = c.Validate(), c.Version()
				}
			}
			assertOutcome(t, err, problems, want)
			if err == nil && version != Version20 {
				t.Errorf("Version() = %q, want 2.0", version)
			}
		})
	}
}

func assertOutcome(t *testing.T, err error, problems []Problem, want specExpect) {
	t.Helper()
	var je *jsonx.Error
	var ve *ValidationError
	switch {
	case want.notJSON:
		if !errors.As(err, &je) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want a JSON error wrapping ErrMalformed", err)
		}
		if je.Path == "" || je.Offset < 0 {
			t.Errorf("JSON error without a place: %+v", je)
		}
	case want.rule != "":
		if !errors.As(err, &ve) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want a *ValidationError", err)
		}
		if p := ve.Problems[0]; p.Rule != want.rule || p.Path != want.path {
			t.Errorf("first problem = %v, want rule %s at %s", p, want.rule, want.path)
		}
	default:
		if err != nil {
			t.Fatalf("err = %v, want a valid document", err)
		}
		for _, p := range problems {
			if !p.Warning {
				t.Errorf("unexpected problem %v", p)
			}
		}
	}
}

var vc11Examples = map[string]specExpect{
	"ex04": {}, "ex05": {}, "ex06": {}, "ex07": {}, "ex08": {}, "ex09": {}, "ex10": {}, "ex12": {}, "ex13": {},
	"ex15": {}, "ex17": {}, "ex18": {}, "ex20": {}, "ex21": {}, "ex46": {},
	"ex16": {rule: RuleContext, path: "$.@context"},                                         // a JSON-LD context
	"ex24": {rule: RuleIssuanceDate, path: "$"},                                             // abridged: no issuanceDate
	"ex25": {presentation: true, rule: RuleIssuanceDate, path: "$.verifiableCredential[0]"}, // the same, embedded
	"ex27": {rule: RuleContext, path: "$"},                                                  // a JWT header
	"ex28": {rule: RuleContext, path: "$"},                                                  // a JWT payload
	"ex30": {rule: RuleContext, path: "$"},                                                  // a JWT header
}

func TestParseVC11SpecExamples(t *testing.T) {
	dir := reftest.Path(t, "vectors", "vc-jwt-1.1", "vcdm-1.1-spec-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "ex*.json"))
	if len(files) == 0 {
		t.Fatalf("no examples in %s", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := vc11Examples[name[:4]]
			if !ok {
				t.Fatalf("example %s is not classified in vc11Examples", name)
			}
			data, _ := os.ReadFile(f)
			var err error
			var problems []Problem
			if want.presentation {
				var p *Presentation
				if p, err = ParsePresentation(data, ParseOptions{}); p != nil {
					problems = p.Validate()
				}
			} else {
				var c *Credential
				if c, err = ParseCredential(data, ParseOptions{}); c != nil {
					problems = c.Validate()
					if err == nil && c.Version() != Version11 {
						t.Errorf("Version() = %q, want 1.1", c.Version())
					}
				}
			}
			assertOutcome(t, err, problems, want)
		})
	}
}

func TestParseAcceptsEDCCredentialsWithWarnings(t *testing.T) {
	for _, tc := range []struct {
		file    []string
		version Version
		warn    string
	}{
		{[]string{"elm", "Sample-MC-Annex1-unsigned.jsonld"}, Version11, RuleIssuanceDate},
		{[]string{"elm", "Sample-CertOfPart-unsigned.jsonld"}, Version11, RuleIssuanceDate},
		{[]string{"elm", "credential-sample.jsonld"}, Version11, ""},
		{[]string{"elm", "ebsi", "vcdm2.0-europass-edc-schema", "examples", "DigiComp Generic.json"}, Version20, RuleDateVersion},
	} {
		t.Run(tc.file[len(tc.file)-1], func(t *testing.T) {
			c, err := ParseCredential(reftest.Read(t, tc.file...), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Version() != tc.version {
				t.Errorf("Version() = %q, want %q", c.Version(), tc.version)
			}
			var warned string
			for _, p := range c.Validate() {
				if p.Warning {
					warned = p.Rule
				}
			}
			if warned != tc.warn {
				t.Errorf("warning rule %q, want %q", warned, tc.warn)
			}
			if _, ok := c.ValidFrom(); !ok {
				t.Error("ValidFrom() not found")
			}
			if c.Issuer() == "" || len(c.Subjects()) == 0 {
				t.Errorf("Issuer() = %q, %d subjects", c.Issuer(), len(c.Subjects()))
			}
		})
	}
}

const goodV2 = `{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
  "id": "http://university.example/credentials/3732",
  "type": ["VerifiableCredential", "ExampleDegreeCredential"],
  "issuer": {"id": "did:example:76e12ec712ebc6f1c221ebfeb1f", "name": "Example University"},
  "validFrom": "2010-01-01T19:23:24Z",
  "validUntil": "2020-01-01T19:23:24Z",
  "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "degree": {"type": "ExampleBachelorDegree"}},
  "credentialStatus": {"id": "https://university.example/status/3#94567", "type": "BitstringStatusListEntry"},
  "credentialSchema": {"id": "https://example.org/examples/degree.json", "type": "JsonSchema"},
  "evidence": [{"id": "https://videos.example/a.mp4", "type": ["Evidence"]}],
  "termsOfUse": {"type": "TrustFrameworkPolicy"},
  "refreshService": {"type": "VerifiableCredentialRefreshService2021", "url": "https://r.example"},
  "relatedResource": [{"id": "https://www.w3.org/ns/credentials/v2", "digestSRI": "sha384-x"}],
  "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z1"}
}`

const goodV1 = `{
  "@context": ["https://www.w3.org/2018/credentials/v1"],
  "id": "urn:uuid:1",
  "type": "VerifiableCredential",
  "issuer": "did:example:issuer",
  "issuanceDate": "2010-01-01T19:23:24",
  "expirationDate": "2020-01-01T19:23:24Z",
  "credentialSubject": [{"id": "did:example:s1"}, {"name": "two"}],
  "credentialStatus": {"id": "https://example.edu/status/24", "type": "CredentialStatusList2017"}
}`

// mutate returns doc with member set to value (a JSON text) or, when value
// is "", removed.
func mutate(t *testing.T, doc, member, value string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	if value == "" {
		delete(m, member)
	} else {
		m[member] = json.RawMessage(value)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidateReportsEveryRuleWithPath(t *testing.T) {
	for _, doc := range []string{goodV2, goodV1} {
		if _, err := ParseCredential([]byte(doc), ParseOptions{}); err != nil {
			t.Fatalf("good document rejected: %v", err)
		}
	}
	tests := []struct {
		name          string
		doc           string
		member, value string
		path, rule    string
	}{
		{"context missing", goodV2, "@context", "", "$", RuleContext},
		{"context a number", goodV2, "@context", `5`, "$.@context", RuleContext},
		{"context empty", goodV2, "@context", `[]`, "$.@context", RuleContext},
		{"context entry a number", goodV2, "@context", `["https://www.w3.org/ns/credentials/v2", 7]`, "$.@context[1]", RuleContext},
		{"context entry not a URL", goodV2, "@context", `["https://www.w3.org/ns/credentials/v2", "examples v2"]`, "$.@context[1]", RuleContext},
		{"base context not first", goodV2, "@context", `["https://www.w3.org/ns/credentials/examples/v2", "https://www.w3.org/ns/credentials/v2"]`, "$.@context[0]", RuleBaseContext},
		{"base context repeated", goodV2, "@context", `["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1"]`, "$.@context[1]", RuleBaseContext},
		{"context object first", goodV2, "@context", `[{"@vocab": "https://x.example/"}]`, "$.@context[0]", RuleBaseContext},
		{"type missing", goodV2, "type", "", "$", RuleType},
		{"type without VerifiableCredential", goodV2, "type", `["ExampleDegreeCredential"]`, "$.type", RuleType},
		{"type a number", goodV2, "type", `1`, "$.type", RuleType},
		{"id not a URL", goodV2, "id", `"credential 3732"`, "$.id", RuleID},
		{"id not a string", goodV2, "id", `{"a":1}`, "$.id", RuleID},
		{"issuer missing", goodV2, "issuer", "", "$", RuleIssuer},
		{"issuer not a URL", goodV2, "issuer", `"Example University"`, "$.issuer", RuleIssuer},
		{"issuer object without id", goodV2, "issuer", `{"name": "Example University"}`, "$.issuer", RuleIssuer},
		{"issuer id not a URL", goodV2, "issuer", `{"id": "university"}`, "$.issuer.id", RuleID},
		{"issuer an array", goodV2, "issuer", `["did:example:1"]`, "$.issuer", RuleIssuer},
		{"subject missing", goodV2, "credentialSubject", "", "$", RuleSubject},
		{"subject a string", goodV2, "credentialSubject", `"did:example:1"`, "$.credentialSubject", RuleSubject},
		{"subject empty array", goodV2, "credentialSubject", `[]`, "$.credentialSubject", RuleSubject},
		{"subject array entry not an object", goodV2, "credentialSubject", `[{"id":"did:example:1"}, 3]`, "$.credentialSubject[1]", RuleSubject},
		{"subject id not a URL", goodV2, "credentialSubject", `{"id": "Jane"}`, "$.credentialSubject.id", RuleID},
		{"validFrom without zone in 2.0", goodV2, "validFrom", `"2010-01-01T19:23:24"`, "$.validFrom", RuleDateFormat},
		{"validFrom a date only", goodV2, "validFrom", `"2010-01-01"`, "$.validFrom", RuleDateFormat},
		{"validUntil bad month", goodV2, "validUntil", `"2020-13-01T00:00:00Z"`, "$.validUntil", RuleDateFormat},
		{"validUntil a number", goodV2, "validUntil", `2020`, "$.validUntil", RuleDateFormat},
		{"validUntil before validFrom", goodV2, "validUntil", `"2009-12-31T23:59:59Z"`, "$.validUntil", RuleDateOrder},
		{"issuanceDate missing in 1.1", goodV1, "issuanceDate", "", "$", RuleIssuanceDate},
		{"issuanceDate malformed in 1.1", goodV1, "issuanceDate", `"01/01/2010"`, "$.issuanceDate", RuleDateFormat},
		{"expirationDate before issuanceDate", goodV1, "expirationDate", `"2001-01-01T00:00:00Z"`, "$.expirationDate", RuleDateOrder},
		{"status without type", goodV2, "credentialStatus", `{"id": "https://x.example/1"}`, "$.credentialStatus", RuleEntryType},
		{"status a string", goodV2, "credentialStatus", `"https://x.example/1"`, "$.credentialStatus", RuleEntryShape},
		{"status entry not an object", goodV2, "credentialStatus", `[{"type":"X"}, "y"]`, "$.credentialStatus[1]", RuleEntryShape},
		{"status id not a URL", goodV2, "credentialStatus", `{"id": "1", "type": "X"}`, "$.credentialStatus.id", RuleID},
		{"status without id in 1.1", goodV1, "credentialStatus", `{"type": "CredentialStatusList2017"}`, "$.credentialStatus", RuleEntryID},
		{"schema without id", goodV2, "credentialSchema", `{"type": "JsonSchema"}`, "$.credentialSchema", RuleEntryID},
		{"schema without type", goodV2, "credentialSchema", `[{"id": "https://x.example/s.json"}]`, "$.credentialSchema[0]", RuleEntryType},
		{"schema type empty", goodV2, "credentialSchema", `{"id": "https://x.example/s.json", "type": []}`, "$.credentialSchema.type", RuleEntryType},
		{"evidence without type", goodV2, "evidence", `[{"id": "https://x.example/e"}]`, "$.evidence[0]", RuleEntryType},
		{"evidence id not a URL", goodV2, "evidence", `{"id": "video", "type": "Evidence"}`, "$.evidence.id", RuleID},
		{"termsOfUse without type", goodV2, "termsOfUse", `{"id": "https://x.example/t"}`, "$.termsOfUse", RuleEntryType},
		{"termsOfUse type a number", goodV2, "termsOfUse", `{"type": 3}`, "$.termsOfUse.type", RuleEntryType},
		{"refreshService without type", goodV2, "refreshService", `{"url": "https://r.example"}`, "$.refreshService", RuleEntryType},
		{"refreshService without id in 1.1", goodV1, "refreshService", `{"type": "ManualRefreshService2018"}`, "$.refreshService", RuleEntryID},
		{"relatedResource without digest", goodV2, "relatedResource", `[{"id": "https://x.example/c"}]`, "$.relatedResource[0]", RuleDigest},
		{"relatedResource without id", goodV2, "relatedResource", `{"digestSRI": "sha384-x"}`, "$.relatedResource", RuleEntryID},
		{"proof without type", goodV2, "proof", `{"proofValue": "z1"}`, "$.proof", RuleEntryType},
		{"proof a string", goodV2, "proof", `"z1"`, "$.proof", RuleEntryShape},
		{"name a number", goodV2, "name", `42`, "$.name", RuleText},
		{"description value object without @value", goodV2, "description", `[{"@language": "en"}]`, "$.description[0]", RuleText},
		// VC Data Model 2.0 rules the envelope check once missed (issue 10, item 13).
		{"subject with no claim", goodV2, "credentialSubject", `{}`, "$.credentialSubject", RuleSubject},
		{"second subject with no claim", goodV2, "credentialSubject", `[{"id": "did:example:1", "name": "A"}, {}]`, "$.credentialSubject[1]", RuleSubject},
		{"subject with no claim in 1.1", goodV1, "credentialSubject", `{}`, "$.credentialSubject", RuleSubject},
		{"name value object with another member", goodV2, "name", `{"@value": "Diploma", "@language": "en", "note": "x"}`, "$.name", RuleText},
		{"description value object with @type", goodV2, "description", `[{"@value": "x", "@type": "xsd:string"}]`, "$.description[0]", RuleText},
		{"name @language not a string", goodV2, "name", `{"@value": "Diploma", "@language": 5}`, "$.name", RuleText},
		{"name @direction neither ltr nor rtl", goodV2, "name", `{"@value": "Diploma", "@direction": "up"}`, "$.name", RuleText},
		{"issuer name a number", goodV2, "issuer", `{"id": "did:example:1", "name": 42}`, "$.issuer.name", RuleText},
		{"issuer name value object with another member", goodV2, "issuer", `{"id": "did:example:1", "name": {"@value": "U", "x": 1}}`, "$.issuer.name", RuleText},
		{"issuer description without @value", goodV2, "issuer", `{"id": "did:example:1", "description": [{"@language": "en"}]}`, "$.issuer.description[0]", RuleText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := mutate(t, tc.doc, tc.member, tc.value)
			c, err := ParseCredential(data, ParseOptions{})
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want a *ValidationError wrapping ErrMalformed", err)
			}
			if c == nil {
				t.Fatal("no credential returned with the validation error")
			}
			found := false
			for _, p := range ve.Problems {
				if p.Path == tc.path && p.Rule == tc.rule && !p.Warning {
					found = true
				}
			}
			if !found {
				t.Errorf("problems %v; want rule %s at %s", ve.Problems, tc.rule, tc.path)
			}
		})
	}
}

func TestValidateReportsAllProblemsNotJustTheFirst(t *testing.T) {
	data := []byte(`{"@context":"https://example.org/ctx","type":"Thing","issuer":"x","validFrom":"yesterday","credentialSubject":7}`)
	_, err := ParseCredential(data, ParseOptions{})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	want := []string{RuleBaseContext, RuleType, RuleIssuer, RuleSubject, RuleDateFormat}
	for _, rule := range want {
		if !strings.Contains(err.Error(), "["+rule+"]") {
			t.Errorf("error %q lacks rule %s", err, rule)
		}
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(ve.Problems), len(want), ve.Problems)
	}
}

func TestVersionSpecificDatesAreWarnings(t *testing.T) {
	data := mutate(t, goodV2, "issuanceDate", `"2010-01-01T00:00:00Z"`)
	c, err := ParseCredential(data, ParseOptions{})
	if err != nil {
		t.Fatalf("a VC 1.1 date in a VC 2.0 credential must be a warning, got %v", err)
	}
	ps := c.Validate()
	if len(ps) != 1 || !ps[0].Warning || ps[0].Rule != RuleDateVersion || ps[0].Path != "$.issuanceDate" {
		t.Errorf("problems = %v, want one date-version warning at $.issuanceDate", ps)
	}
	// In 1.1 validFrom stands in for a missing issuanceDate, with a warning.
	v1 := mutate(t, mutate2(t, goodV1, "issuanceDate", ""), "validFrom", `"2010-01-01T00:00:00Z"`)
	c, err = ParseCredential(v1, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	from, ok := c.ValidFrom()
	if !ok || !from.Equal(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ValidFrom() = %v, %v", from, ok)
	}
}

func mutate2(t *testing.T, doc, member, value string) string {
	return string(mutate(t, doc, member, value))
}

func TestAccessorsReadTheDataModel(t *testing.T) {
	c, err := ParseCredential([]byte(goodV2), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	from, _ := c.ValidFrom()
	until, _ := c.ValidUntil()
	got := fmt.Sprintln(c.Version(), c.ID(), c.Types(), c.Issuer(), from.Format(time.RFC3339), until.Format(time.RFC3339), len(c.Subjects()), len(c.Proofs()))
	want := "2.0 http://university.example/credentials/3732 [VerifiableCredential ExampleDegreeCredential] did:example:76e12ec712ebc6f1c221ebfeb1f 2010-01-01T19:23:24Z 2020-01-01T19:23:24Z 1 1\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	c1, err := ParseCredential([]byte(goodV1), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	until, ok := c1.ValidUntil() // expirationDate stands for validUntil in 1.1
	if !ok || until.Year() != 2020 || len(c1.Subjects()) != 2 || c1.Issuer() != "did:example:issuer" {
		t.Errorf("1.1: until %v %v, %d subjects, issuer %q", until, ok, len(c1.Subjects()), c1.Issuer())
	}
}

func TestBytesKeepsUnknownMembersInStableOrder(t *testing.T) {
	in := `{"zeta":{"b":1, "a":[1, 2]},"proof":{"type":"X"},"credentialSubject":{"id":"did:example:1"},"issuer":"did:example:i","type":["VerifiableCredential"],"alpha":"\u00e9","@context":["https://www.w3.org/ns/credentials/v2"]}`
	c, err := ParseCredential([]byte(in), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:i","credentialSubject":{"id":"did:example:1"},"zeta":{"b":1,"a":[1,2]},"alpha":"\u00e9","proof":{"type":"X"}}`
	if string(out) != want {
		t.Errorf("Bytes() =\n%s\nwant\n%s", out, want)
	}
	// Writing what was written gives the same bytes, and marshalling the
	// struct goes through Bytes.
	c2, err := ParseCredential(out, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := json.Marshal(c2)
	if string(out2) != want {
		t.Errorf("second round trip differs:\n%s", out2)
	}
	if err := c.Set("id", "urn:uuid:7"); err != nil {
		t.Fatal(err)
	}
	c.Delete("zeta")
	out3, _ := c.Bytes()
	if !strings.HasPrefix(string(out3), `{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:uuid:7",`) || strings.Contains(string(out3), "zeta") {
		t.Errorf("after Set/Delete: %s", out3)
	}
}

func TestRoundTripLosesNothingOnEDCSample(t *testing.T) {
	data := reftest.Read(t, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	c, err := ParseCredential(data, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("written credential differs from the one read")
	}
}

func TestParseRefusesBadInputWithClearErrors(t *testing.T) {
	deep := `{"@context":"https://www.w3.org/ns/credentials/v2","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}"
	tests := []struct {
		name  string
		in    string
		opts  ParseOptions
		path  string
		limit bool
	}{
		{"malformed", `{"@context": [}`, ParseOptions{}, "$.@context[0]", false},
		{"duplicate key", `{"type":"VerifiableCredential","type":"X"}`, ParseOptions{}, "$.type", false},
		{"deeply nested", deep, ParseOptions{}, "$.x" + strings.Repeat("[0]", 63), true},
		{"huge", `{"@context":"` + strings.Repeat("a", 2000) + `"}`, ParseOptions{MaxBytes: 1024}, "", true},
		{"not an object", `["VerifiableCredential"]`, ParseOptions{}, "", false},
		{"trailing garbage", `{} x`, ParseOptions{}, "$", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, parse := range []func([]byte, ParseOptions) error{
				func(b []byte, o ParseOptions) error { _, err := ParseCredential(b, o); return err },
				func(b []byte, o ParseOptions) error { _, err := ParsePresentation(b, o); return err },
			} {
				err := parse([]byte(tc.in), tc.opts)
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				if errors.Is(err, jsonx.ErrLimit) != tc.limit {
					t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", !tc.limit, tc.limit)
				}
				var je *jsonx.Error
				if tc.path != "" && (!errors.As(err, &je) || je.Path != tc.path) {
					t.Errorf("err = %v, want path %s", err, tc.path)
				}
			}
		})
	}
}

func TestParsePresentationChecksEmbeddedCredentials(t *testing.T) {
	good := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"did:example:h",
	  "verifiableCredential":[` + goodV2 + `,
	    {"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential","id":"data:application/vc+jwt,eyJ.eyJ.sig"}]}`
	p, err := ParsePresentation([]byte(good), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	creds := p.Credentials()
	if len(creds) != 2 || creds[0].Credential == nil || creds[0].Credential.Issuer() != "did:example:76e12ec712ebc6f1c221ebfeb1f" ||
		creds[1].Enveloped != "data:application/vc+jwt,eyJ.eyJ.sig" || creds[1].Path != "$.verifiableCredential[1]" || p.Holder() != "did:example:h" {
		t.Fatalf("credentials = %+v, holder %q", creds, p.Holder())
	}
	v11 := `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":"VerifiablePresentation","verifiableCredential":["eyJ.eyJ.c2ln"]}`
	p, err = ParsePresentation([]byte(v11), ParseOptions{})
	if err != nil || len(p.Credentials()) != 1 || p.Credentials()[0].Enveloped != "eyJ.eyJ.c2ln" {
		t.Fatalf("1.1 JWT entry: %v %+v", err, p)
	}

	tests := []struct {
		name, doc  string
		path, rule string
	}{
		{"type without VerifiablePresentation", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"X"}`, "$.type", RuleType},
		{"holder not a URL", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","holder":"me"}`, "$.holder", RuleHolder},
		{"holder object without id", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","holder":{"name":"me"}}`, "$.holder", RuleHolder},
		{"embedded credential without issuer", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":` + mutate2(t, goodV2, "issuer", "") + `}`, "$.verifiableCredential", RuleIssuer},
		{"embedded credential bad date", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":[` + mutate2(t, goodV2, "validFrom", `"x"`) + `]}`, "$.verifiableCredential[0].validFrom", RuleDateFormat},
		{"JWT string in 2.0", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":["eyJ.eyJ.c2ln"]}`, "$.verifiableCredential[0]", RuleVC},
		{"string not a JWT in 1.1", `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":"VerifiablePresentation","verifiableCredential":["hello"]}`, "$.verifiableCredential[0]", RuleVC},
		{"number entry", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":[1]}`, "$.verifiableCredential[0]", RuleVC},
		{"enveloped without data URL", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":{"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential","id":"https://x.example/vc"}}`, "$.verifiableCredential.id", RuleVC},
		{"enveloped without id", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":{"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential"}}`, "$.verifiableCredential", RuleVC},
		{"enveloped without context", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":{"type":"EnvelopedVerifiableCredential","id":"data:application/vc+jwt,a.b.c"}}`, "$.verifiableCredential", RuleContext},
		{"presentation proof without type", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","proof":{}}`, "$.proof", RuleEntryType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePresentation([]byte(tc.doc), ParseOptions{})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			for _, p := range ve.Problems {
				if p.Path == tc.path && p.Rule == tc.rule {
					return
				}
			}
			t.Errorf("problems %v; want rule %s at %s", ve.Problems, tc.rule, tc.path)
		})
	}
}

func TestParseDateTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		zone bool
		want string // RFC 3339 in UTC, or "" for an error
	}{
		{"2010-01-01T19:23:24Z", true, "2010-01-01T19:23:24Z"},
		{"2024-04-03T00:00:00.000Z", true, "2024-04-03T00:00:00Z"},
		{"2010-01-01T19:23:24.123456789123+02:00", true, "2010-01-01T17:23:24.123456789Z"},
		{"2010-01-01T24:00:00Z", true, "2010-01-02T00:00:00Z"},
		{"2024-02-29T00:00:00-14:00", true, "2024-02-29T14:00:00Z"},
		{"12024-01-01T00:00:00Z", true, "12024-01-01T00:00:00Z"},
		{"2010-01-01T19:23:24", false, "2010-01-01T19:23:24Z"},
		{"2010-01-01T19:23:24", true, ""},
		{"2023-02-29T00:00:00Z", true, ""},
		{"2010-01-01T24:00:01Z", true, ""},
		{"2010-01-01T19:60:00Z", true, ""},
		{"2010-01-01T19:23:24+14:30", true, ""},
		{"2010-01-01 19:23:24Z", true, ""},
		{"2010-1-01T19:23:24Z", true, ""},
		{"02010-01-01T00:00:00Z", true, ""},
		{"2010-01-01T19:23:24.Z", true, ""},
		{"2010-01-01T19:23:24Zjunk", true, ""},
		{"", true, ""},
	} {
		got, err := ParseDateTime(tc.in, tc.zone)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("ParseDateTime(%q) = %v, want an error", tc.in, got)
		case tc.want != "" && err != nil:
			t.Errorf("ParseDateTime(%q): %v", tc.in, err)
		case tc.want != "" && got.UTC().Format(time.RFC3339Nano) != tc.want:
			t.Errorf("ParseDateTime(%q) = %s, want %s", tc.in, got.UTC().Format(time.RFC3339Nano), tc.want)
		}
	}
}

func TestIsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"https://example.edu/x": true, "did:example:123": true, "urn:uuid:1": true, "data:,x": true,
		"": false, "example": false, "did:": false, ":x": false, "1a:b": false, "https://a b": false, "http://x/%zz": false,
	} {
		if IsURL(in) != want {
			t.Errorf("IsURL(%q) = %v, want %v", in, !want, want)
		}
	}
}

func ExampleParseCredential() {
	c, err := ParseCredential([]byte(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2"],
	  "type": ["VerifiableCredential"],
	  "issuer": "did:example:university",
	  "validFrom": "2024-07-01T00:00:00Z",
	  "validUntil": "2023-07-01T00:00:00Z",
	  "credentialSubject": {"id": "student 42"}
	}`), ParseOptions{})
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	fmt.Println(c.Version(), c.Issuer())
	// Output:
	// $.credentialSubject.id: credentialSubject id "student 42" is not a URL [id-url]
	// $.validUntil: validUntil is before validFrom [date-order]
	// 2.0 did:example:university
}

func FuzzParseCredential(f *testing.F) {
	f.Add([]byte(goodV2))
	f.Add([]byte(goodV1))
	f.Add([]byte(`{"@context":"https://www.w3.org/ns/credentials/v2","credentialSubject":[1,{"id":5}],"proof":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCredential(data, ParseOptions{MaxDepth: 32})
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error not wrapping ErrMalformed: %v", err)
		}
		if c == nil {
			return
		}
		_ = c.Validate()
		out, err := c.Bytes()
		if err != nil {
			t.Fatalf("Bytes: %v", err)
		}
		if !json.Valid(out) {
			t.Fatalf("Bytes wrote invalid JSON: %s", out)
		}
		c.Issuer()
		c.ValidFrom()
		c.Subjects()
	})
}

func FuzzParsePresentation(f *testing.F) {
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","holder":{"id":"did:x:1"},"verifiableCredential":[` + goodV2 + `,"a.b.c",{"type":"EnvelopedVerifiableCredential","id":"data:a,b"}]}`))
	f.Add([]byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":"VerifiablePresentation","verifiableCredential":"eyJ.eyJ.x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePresentation(data, ParseOptions{MaxDepth: 32})
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error not wrapping ErrMalformed: %v", err)
		}
		if p == nil {
			return
		}
		for _, c := range p.Credentials() {
			if c.Credential == nil && c.Enveloped == "" {
				t.Fatalf("empty entry at %s", c.Path)
			}
		}
		if out, err := p.Bytes(); err != nil || !json.Valid(out) {
			t.Fatalf("Bytes: %v %s", err, out)
		}
	})
}
