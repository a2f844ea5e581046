package elmo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/credentials/elmo"
	"github.com/diplomat-edu/diplomat/templates"
)

// A transcript made by the built-in template exports to ELMO: the
// programme as a degree with its course units, credits and grades.
func TestTemplateTranscriptExportsToELMO(t *testing.T) {
	tm, err := templates.Builtin("transcript")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := tm.Example()
	if err != nil {
		t.Fatal(err)
	}
	inst := templates.Institution{LegalName: map[string]string{"en": "Université Exemple"}, Country: "FR", DID: "did:web:univ-exemple.fr", Homepage: "https://www.univ-exemple.fr"}
	r, err := tm.Render(rec, inst, templates.RenderOptions{IssuedAt: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := elm.Parse(r.Credential)
	if err != nil {
		t.Fatal(err)
	}
	out, err := elmo.Export(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<title xml:lang=\"en\">Master of Science in Computer Science</title>",
		"<title xml:lang=\"en\">Cryptography</title>",
		"<value>7.5</value>",
		"<resultLabel>14.5</resultLabel>",
		"<identifier type=\"esi\">urn:schac:personalUniqueCode:int:esi:uni-zed.example:s20190042</identifier>",
		"<type>EQF</type>",
		"<iscedCode>0613</iscedCode>",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the export lacks %s\n%s", want, out)
		}
	}
	res, err := elmo.Import(context.Background(), out, nil)
	if err != nil {
		t.Fatalf("the export does not import: %v", err)
	}
	if s := elm.Summarise(res.Credentials[0].Credential); len(s.Parts) != 1 || s.Parts[0].Title != "Master of Science in Computer Science" || s.Parts[0].EQFLevel != 7 {
		t.Errorf("imported again: %+v", s.Parts)
	}
}

func TestExportRefusesACredentialWithoutAchievement(t *testing.T) {
	c, err := elm.Parse([]byte(`{"type":"EuropeanDigitalCredential","credentialSubject":{"hasClaim":{"type":"LearningActivity","title":{"en":"x"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elmo.Export(c, nil); err == nil || !strings.Contains(err.Error(), "no learning achievement") {
		t.Fatalf("err = %v", err)
	}
}
