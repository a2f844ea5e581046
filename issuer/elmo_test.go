package issuer

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/elmo"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier"
)

// officialELMO is the official ELMO example without its placeholder
// signature (RSA-SHA1 over an older version of the file, which does not
// verify and is refused).
func officialELMO(t testing.TB) []byte {
	t.Helper()
	data := reftest.Read(t, "elmo", "example.xml")
	return regexp.MustCompile(`(?s)<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*</Signature>`).ReplaceAll(data, nil)
}

func TestELMOTranscriptIsIssuedAndRecognisedWithEveryProfile(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	importContexts(t, s)
	iss := newTestIssuer(t, s)
	data := officialELMO(t)
	v, err := verifier.New(verifier.Options{Contexts: jsonld.New(jsonld.Options{Cache: s})})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range testProfiles {
		t.Run(p.String(), func(t *testing.T) {
			out, res, err := iss.IssueELMO(context.Background(), data, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || len(res.Credentials) != 1 || out[0].Entry.Template != ELMOTemplateName {
				t.Fatalf("%d credentials, template %q", len(out), out[0].Entry.Template)
			}
			rep, err := v.Verify(context.Background(), out[0].Credential, verifier.Request{})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{verifier.CheckProof, verifier.CheckELM} {
				if c := rep.Check(id); c == nil || c.Result != verifier.Passed {
					t.Fatalf("check %s: %+v", id, c)
				}
			}
			sum := rep.Summary
			if sum == nil || !sum.ELM {
				t.Fatalf("no ELM summary: %+v", sum)
			}
			if sum.Holder != "Wojciech Łukasz Rygielski" || sum.AwardingBody != "University of Warsaw" || sum.Country != "POL" ||
				!strings.HasPrefix(sum.Title, "Transcript of records") {
				t.Errorf("summary %+v", sum)
			}
			want := []verifier.Course{
				{Title: "Master of Science in Biology", ECTS: "120"},
				{Title: "Compiler construction", ECTS: "6", Grade: "45.1", EQFLevel: 5},
				{Title: "The importance of <br> in HTML", Grade: "C"},
			}
			if !slices.Equal(sum.Courses, want) {
				t.Errorf("courses\n got %+v\nwant %+v", sum.Courses, want)
			}
			if sum.ECTS != "126.0" {
				t.Errorf("ECTS %q, want the courses' 126.0", sum.ECTS)
			}
			// The issuing institution is the issuer; the ELMO report's
			// issuer stays the awarding body.
			if rep.Issuer == "" || strings.Contains(rep.Issuer, "uuid") {
				t.Errorf("issuer %q", rep.Issuer)
			}
		})
	}
}

func TestELMOIssuedAgainIsTheSameCredential(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	data := officialELMO(t)
	first, _, err := iss.IssueELMO(context.Background(), data, Profile{Name: W3C}, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := iss.IssueELMO(context.Background(), data, Profile{Name: W3C}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again[0].Existing || again[0].Entry.ID != first[0].Entry.ID {
		t.Errorf("issued again: existing %v, ids %s %s", again[0].Existing, first[0].Entry.ID, again[0].Entry.ID)
	}
}

func TestELMOBatchIssuesEveryReportOrNone(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	ewp := `<imobility-tors-get-response xmlns="https://github.com/erasmus-without-paper/ewp-specs-api-imobility-tors/blob/stable-v2/endpoints/get-response.xsd">
  <tor><omobility-id>m-1</omobility-id>` + string(stripDecl(officialELMO(t))) + `</tor>
  <tor><omobility-id>m-2</omobility-id>` + string(stripDecl(officialELMO(t))) + `</tor>
</imobility-tors-get-response>`
	recs, res, err := ELMORecords(context.Background(), []byte(ewp), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || res.Credentials[1].Report.MobilityID != "m-2" {
		t.Fatalf("%d records", len(recs))
	}
	dir := t.TempDir()
	br, err := iss.Batch(context.Background(), ELMO, recs, Profile{Name: EBSI}, BatchOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if br.Issued != 2 || br.Manifest.Template != ELMOTemplateName {
		t.Errorf("issued %d, template %s", br.Issued, br.Manifest.Template)
	}
	// A refused document gives no record.
	if _, _, err := ELMORecords(context.Background(), []byte(strings.Replace(ewp, "<bday>1983-04-12</bday>", "<bday>12.04.1983</bday>", 1)), nil); err == nil {
		t.Fatal("an invalid document gave records")
	}
	// A record that did not come from ELMORecords is refused.
	if _, err := iss.Issue(context.Background(), ELMO, map[string]any{"x": 1}, Profile{Name: W3C}); err == nil {
		t.Fatal("issued a record that is not an ELMO one")
	}
	_ = elmo.Namespace
}

func stripDecl(b []byte) []byte {
	s := string(b)
	if i := strings.Index(s, "<elmo"); i >= 0 {
		return []byte(s[i:])
	}
	return b
}
