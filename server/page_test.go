package server

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/verifier"
)

// TestEveryFormControlHasALabel renders each page and checks that every
// visible input, select and textarea has a <label for> naming its id, and
// that the page states its language and loads no script.
func TestEveryFormControlHasALabel(t *testing.T) {
	p, err := newPages()
	if err != nil {
		t.Fatal(err)
	}
	rep := &verifier.Report{Verdict: verifier.Verified, Checks: []verifier.Check{{ID: "proof", Result: verifier.Passed, Message: "ok"}},
		Summary: &verifier.Summary{ELM: true, Holder: "A", Courses: []verifier.Course{{Title: "C", ECTS: "5"}}}}
	entries := []*registerEntry{{ID: "urn:uuid:1", State: "valid"}}
	datas := map[string]*pageData{
		"verify":   {Title: "t", Samples: []Sample{{Name: "a.jwt", Title: "A"}}},
		"signin":   {Title: "t"},
		"console":  {Title: "t", Session: &session{Name: "n"}, Templates: []string{"diploma"}, Profiles: []string{"w3c"}, CanStatus: true},
		"batch":    {Title: "t", Batch: &BatchRecord{ID: "b", State: BatchReady, Valid: 2}},
		"register": {Title: "t", Query: "q", Searched: true, Entries: entries, CanStatus: true},
	}
	control := regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idOf := regexp.MustCompile(`\bid="([^"]+)"`)
	for name, d := range datas {
		for _, withReport := range []bool{false, true} {
			if withReport && name != "verify" {
				continue
			}
			if withReport {
				d.Report, d.Banner = rep, bannerFor(rep)
			}
			var b bytes.Buffer
			if err := p.byName[name].ExecuteTemplate(&b, "layout.html", d); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			html := b.String()
			if !strings.Contains(html, `<html lang="en">`) || strings.Contains(html, "<script") {
				t.Errorf("%s: no lang, or a script", name)
			}
			for _, c := range control.FindAllString(html, -1) {
				if strings.Contains(c, `type="hidden"`) {
					continue
				}
				if strings.Contains(c, `type="checkbox"`) && strings.Contains(html, "<label class=\"check\">"+c) {
					continue
				}
				m := idOf.FindStringSubmatch(c)
				if m == nil || !strings.Contains(html, `<label for="`+m[1]+`"`) {
					t.Errorf("%s: %s has no label", name, c)
				}
			}
		}
	}
}
