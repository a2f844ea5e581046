package verifier

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/keys"
)

// The trust scope is a rule over every achievement the credential awards:
// every top-level one, every part of each (hasPart, at any depth), every
// ISCED-F field of each (issue 10, item 3).

// scopedIssuer is a did:key issuer accredited up to EQF 6 in the broad
// ISCED-F field 00 only.
func scopedIssuer(t *testing.T, w *world) *party {
	t.Helper()
	p := newDIDKeyParty(t, p256Signer(t))
	if _, err := w.store.AddTrust(keys.TrustEntry{DID: p.did, Name: "Scoped University", Country: "FR",
		Scope: keys.TrustScope{MaxEQFLevel: 6, ISCEDFields: []string{"00"}}}); err != nil {
		t.Fatal(err)
	}
	return p
}

// achievementOf returns the sample's first achievement, edited.
func achievementOf(t *testing.T, w *world, edit func(a map[string]any)) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.elmSample, &m); err != nil {
		t.Fatal(err)
	}
	a := m["credentialSubject"].(map[string]any)["hasClaim"].(map[string]any)
	if edit != nil {
		edit(a)
	}
	return a
}

func specOf(a map[string]any) map[string]any { return a["specifiedBy"].(map[string]any) }

func fields(codes ...string) []any {
	var out []any
	for _, c := range codes {
		out = append(out, map[string]any{"id": "http://data.europa.eu/snb/isced-f/" + c, "type": "Concept",
			"inScheme": map[string]any{"id": "http://data.europa.eu/snb/isced-f/25831c2", "type": "ConceptScheme"}})
	}
	return out
}

func eqf(n string) map[string]any {
	return map[string]any{"id": "http://data.europa.eu/snb/eqf/" + n, "type": "Concept",
		"inScheme": map[string]any{"id": "http://data.europa.eu/snb/eqf/25831c2", "type": "ConceptScheme"}}
}

// inScope keeps the sample's achievement within the scope: field 003 only.
func inScope(a map[string]any) { specOf(a)["thematicArea"] = fields("003") }

func TestTrustScopeCoversEveryAchievementPartAndField(t *testing.T) {
	w := newWorld(t)
	uni := scopedIssuer(t, w)
	withClaims := func(claims ...map[string]any) func(m map[string]any) {
		return func(m map[string]any) {
			delete(m, "credentialStatus")
			var list []any
			for _, c := range claims {
				list = append(list, c)
			}
			m["credentialSubject"].(map[string]any)["hasClaim"] = list
		}
	}
	part := func(edit func(p map[string]any)) map[string]any {
		p := achievementOf(t, w, inScope)
		p["id"] = "urn:epass:learningAchievement:part-1"
		delete(p, "hasPart")
		if edit != nil {
			edit(p)
		}
		return p
	}
	second := func(edit func(a map[string]any)) map[string]any {
		a := achievementOf(t, w, inScope)
		a["id"] = "urn:epass:learningAchievement:second"
		if edit != nil {
			edit(a)
		}
		return a
	}
	for _, tc := range []struct {
		name   string
		claims []map[string]any
		want   string // "" verifies
	}{
		{"one achievement in scope", []map[string]any{achievementOf(t, w, inScope)}, ""},
		{"a second ISCED-F field outside the scope", []map[string]any{achievementOf(t, w, func(a map[string]any) { specOf(a)["thematicArea"] = fields("003", "0688") })}, "0688"},
		{"a second achievement above the EQF level", []map[string]any{achievementOf(t, w, inScope), second(func(a map[string]any) { specOf(a)["eqfLevel"] = eqf("7") })}, "EQF level 7"},
		{"a second achievement in another field", []map[string]any{achievementOf(t, w, inScope), second(func(a map[string]any) { specOf(a)["thematicArea"] = fields("0421") })}, "0421"},
		{"a second achievement stating no EQF level", []map[string]any{achievementOf(t, w, inScope), second(func(a map[string]any) { delete(specOf(a), "eqfLevel") })}, "states no EQF level"},
		{"a part above the EQF level", []map[string]any{achievementOf(t, w, func(a map[string]any) {
			inScope(a)
			a["hasPart"] = []any{part(func(p map[string]any) { specOf(p)["eqfLevel"] = eqf("7") })}
		})}, "EQF level 7"},
		{"a part of a part in another field", []map[string]any{achievementOf(t, w, func(a map[string]any) {
			inScope(a)
			a["hasPart"] = []any{part(func(p map[string]any) {
				p["hasPart"] = []any{part(func(q map[string]any) {
					q["id"] = "urn:epass:learningAchievement:part-1-1"
					specOf(q)["thematicArea"] = fields("0421")
				})}
			})}
		})}, "0421"},
		{"a part that states no field of its own", []map[string]any{achievementOf(t, w, func(a map[string]any) {
			inScope(a)
			a["hasPart"] = []any{part(func(p map[string]any) { delete(specOf(p), "thematicArea"); delete(specOf(p), "eqfLevel") })}
		})}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			input := w.vcJWTBy(uni, uni.key(), withClaims(tc.claims...))
			rep := verifyWith(t, w, input, Request{}, nil)
			if tc.want == "" {
				if c := rep.Check(CheckTrust); c == nil || c.Result != Passed {
					t.Fatalf("not trusted:\n%s", dump(rep))
				}
				return
			}
			assertReport(t, rep, Untrusted, CheckTrust, ProblemOutOfScope)
			if msg := rep.Check(CheckTrust).Message; !strings.Contains(msg, tc.want) {
				t.Errorf("trust message %q does not say %s", msg, tc.want)
			}
		})
	}
}

// The same rule for Diplomat's SD-JWT VC layout, whose achievements are
// claims of their own.
func TestTrustScopeCoversEveryAchievementOfAnSDJWT(t *testing.T) {
	w := newWorld(t)
	uni := scopedIssuer(t, w)
	issue := func(claims ...map[string]any) []byte {
		var list []any
		for _, c := range claims {
			list = append(list, c)
		}
		doc := w.elmDoc(uni.did, false, func(m map[string]any) { m["credentialSubject"].(map[string]any)["hasClaim"] = list })
		mapped, err := sdjwt.MapELM(doc)
		if err != nil {
			t.Fatal(err)
		}
		mapped.Claims["iss"] = uni.did
		b, _ := json.Marshal(mapped.Claims)
		out, err := sdjwt.Issue(b, uni.key(), sdjwt.IssueOptions{Frame: mapped.Frame, Now: func() time.Time { return testNow.Add(-time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		return []byte(out)
	}
	rep := verifyWith(t, w, issue(achievementOf(t, w, inScope)), Request{}, nil)
	if c := rep.Check(CheckTrust); c == nil || c.Result != Passed {
		t.Fatalf("in scope, not trusted:\n%s", dump(rep))
	}
	second := achievementOf(t, w, func(a map[string]any) {
		inScope(a)
		a["id"] = "urn:epass:learningAchievement:second"
		specOf(a)["eqfLevel"] = eqf("7")
	})
	rep = verifyWith(t, w, issue(achievementOf(t, w, inScope), second), Request{}, nil)
	assertReport(t, rep, Untrusted, CheckTrust, ProblemOutOfScope)
	if msg := rep.Check(CheckTrust).Message; !strings.Contains(msg, "EQF level 7") {
		t.Errorf("trust message %q does not name the second achievement's level", msg)
	}
	two := achievementOf(t, w, func(a map[string]any) { specOf(a)["thematicArea"] = fields("003", "0688") })
	rep = verifyWith(t, w, issue(two), Request{}, nil)
	assertReport(t, rep, Untrusted, CheckTrust, ProblemOutOfScope)
	if msg := rep.Check(CheckTrust).Message; !strings.Contains(msg, "0688") {
		t.Errorf("trust message %q does not name the second field", msg)
	}
}
