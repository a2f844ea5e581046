package elmo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// displayImage is the page EDC shows for an imported transcript (the one
// of the built-in transcript template).
const displayImage = "iVBORw0KGgoAAAANSUhEUgAAADwAAAAqAgMAAACSHdBnAAAACVBMVEX///8AM5n/zACBT2mKAAAARklEQVR4nGIIRQUY/AAGZMA6AHxWuGMCsPIpto8Vbhx2/mB1Pwcqn2nVAhQ+16oVJPG1Vq2iSD+6/ejuw+4fAukPEAAA//8nQz9xydXrQgAAAABJRU5ErkJggg=="

// mapper maps one report of one <elmo> document.
type mapper struct {
	lang    string // the language of text without xml:lang
	digest  []byte // of the input, for derived ids
	rep     *Report
	doc     *node // <elmo>
	report  *node
	issuer  *elm.Organisation // the report's issuer, in full
	ref     *elm.Organisation // the same, as awarding bodies name it
	schemes map[string]*elm.GradingScheme
	// schemesUsed are the local ids of the grading schemes a carried
	// result uses.
	schemesUsed map[string]bool
	media       map[string]string // attachment identifier (internal) → media object id
	out         *elm.EuropeanDigitalCredential
	eqf         int
	isced       []string
}

func (m *mapper) unmapped(n *node, reason string) {
	if n == nil || n.reported {
		return
	}
	n.reported = true
	m.rep.Unmapped = append(m.rep.Unmapped, Unmapped{Path: n.path(), Element: n.name(), Reason: reason})
}

func (m *mapper) adjusted(n *node, what string) {
	m.rep.Adjusted = append(m.rep.Adjusted, Adjustment{Path: n.path(), Change: what})
}

// text builds a language map from elements of TokenWithOptionalLang (or
// the plaintext type, when plain), one value per element.
func (m *mapper) text(ns []*node, plain bool) elm.LangMap {
	if len(ns) == 0 {
		return nil
	}
	lm := elm.LangMap{}
	for _, n := range ns {
		n.mark()
		v := n.token()
		if plain {
			v = strings.TrimSpace(n.text)
		}
		if v == "" {
			continue
		}
		l := n.lang()
		if l == "" {
			l = m.lang
			m.adjusted(n, "no xml:lang: taken to be in "+m.lang)
		}
		t := lm[l]
		t.Values = append(t.Values, v)
		if len(t.Values) > 1 {
			t.Array = true
		}
		lm[l] = t
	}
	if len(lm) == 0 {
		return nil
	}
	return lm
}

// plainText is a language map of one text in the document's language.
func (m *mapper) plainText(s string) elm.LangMap { return elm.Lang(m.lang, s) }

// dateTime writes an xs:date as the xsd:dateTime ELM expects (midnight,
// with the date's time zone, UTC when it has none).
func dateTime(d string) elm.DateTime {
	if len(d) == 10 {
		return elm.DateTime(d + "T00:00:00Z")
	}
	if len(d) > 10 {
		tz := d[10:]
		if tz == "Z" {
			return elm.DateTime(d[:10] + "T00:00:00Z")
		}
		return elm.DateTime(d[:10] + "T00:00:00" + tz)
	}
	return elm.DateTime(d)
}

// organisation maps report/issuer.
func (m *mapper) organisation(n *node) error {
	n.mark()
	o := &elm.Organisation{Node: elm.Node{ID: derivedID(m.digest, n.path()), Type: elm.One("Organisation")}}
	o.LegalName = m.text(n.all("title"), false)
	if len(o.LegalName) == 0 {
		return fmt.Errorf("%s: the issuer has no name (an ELM organisation needs its legal name)", n.path())
	}
	country := n.child("country").mark()
	if country == nil {
		return fmt.Errorf("%s: the issuer has no <country>: an ELM organisation needs a location with a country, and ELMO leaves it out only for international institutions", n.path())
	}
	cc, ok := countryConcept(country.token())
	if !ok {
		return fmt.Errorf("%s: %q is not a country code", country.path(), country.token())
	}
	addr := &elm.Address{Node: elm.Node{Type: elm.One("Address")}, CountryCode: cc}
	for _, id := range n.all("identifier") {
		id.mark()
		typ, _ := id.attr("type")
		typ = collapse(typ)
		if typ == "address" {
			addr.FullAddress = &elm.Note{Node: elm.Node{Type: elm.One("Note")}, NoteLiteral: m.plainText(id.token())}
			continue
		}
		o.Identifier.Items = append(o.Identifier.Items, &elm.Identifier{Node: elm.Node{Type: elm.One("Identifier")}, Notation: id.token(), SchemeName: typ})
	}
	o.Location = elm.List(&elm.Location{Node: elm.Node{Type: elm.One("Location")}, Address: elm.List(addr)})
	if u := n.child("url").mark(); u != nil && u.token() != "" {
		o.Homepage = elm.List(&elm.WebResource{Node: elm.Node{Type: elm.One("WebResource")}, ContentURL: u.token()})
	}
	m.issuer = o
	// Inside the transcript the organisation is named by its id; the
	// transcript's own awarding process holds it in full.
	m.ref = &elm.Organisation{Node: elm.Node{ID: o.ID, Ref: true}}
	return nil
}

// learner maps <learner> to the credential subject.
func (m *mapper) learner(n *node) *elm.Person {
	n.mark()
	p := &elm.Person{Node: elm.Node{Type: elm.One("Person")}}
	given := n.child("givenNames").mark().token()
	family := n.child("familyName").mark().token()
	if given != "" {
		p.GivenName = m.plainText(given)
	}
	if family != "" {
		p.FamilyName = m.plainText(family)
	}
	if full := strings.TrimSpace(given + " " + family); full != "" {
		p.FullName = m.plainText(full)
	}
	var citizenship *elm.Concept
	if c := n.child("citizenship").mark(); c != nil {
		if cc, ok := countryConcept(c.token()); ok {
			citizenship = cc
			p.CitizenshipCountry = elm.List(cc)
		}
	}
	for _, id := range n.all("identifier") {
		id.mark()
		typ, _ := id.attr("type")
		typ, v := collapse(typ), id.token()
		switch {
		case typ == "esi" && p.ID == "" && elm.IsESI(v):
			p.ID = v
		case typ == "nationalIdentifier" && p.NationalID == nil && citizenship != nil:
			p.NationalID = &elm.LegalIdentifier{Identifier: elm.Identifier{Node: elm.Node{Type: elm.One("LegalIdentifier")}, Notation: v, SchemeName: typ}, Spatial: citizenship}
		default:
			p.Identifier.Items = append(p.Identifier.Items, &elm.Identifier{Node: elm.Node{Type: elm.One("Identifier")}, Notation: v, SchemeName: typ})
		}
	}
	if b := n.child("bday").mark(); b != nil {
		p.DateOfBirth = dateTime(b.token())
	}
	if b := n.child("birthName").mark(); b != nil && b.token() != "" {
		p.BirthName = m.plainText(b.token())
	}
	if g := n.child("gender").mark(); g != nil {
		for _, e := range genders {
			if e[0] == g.token() {
				p.Gender = authorityConcept(humanSexNS, e[1], "")
			}
		}
	}
	m.unmapped(n.child("placeOfBirth"), "an ELM place of birth is a location with an address in a country, which ELMO's text does not give")
	m.unmapped(n.child("currentAddress"), "ELM has no home for a person's current postal address outside a contact point; not carried")
	return p
}

// attachment maps an <attachment> to media objects, one per <content>; an
// attachment none of whose contents can be carried is reported whole.
func (m *mapper) attachment(n *node, where string) []*elm.MediaObject {
	var out []*elm.MediaObject
	var failed []*node
	var reasons []string
	for _, c := range n.all("content") {
		mo, reason := dataURL(c.token())
		if mo == nil {
			failed = append(failed, c)
			reasons = append(reasons, reason)
			continue
		}
		c.mark()
		mo.ID = derivedID(m.digest, c.path())
		if l := c.lang(); l != "" {
			m.adjusted(c, "the content's xml:lang "+l+" is not kept (an ELM media object has no language)")
		}
		out = append(out, mo)
	}
	if len(out) == 0 {
		why := "an attachment without content"
		if len(reasons) > 0 {
			why = "its content cannot be carried: " + reasons[0]
		}
		m.unmapped(n, why)
		return nil
	}
	for i, c := range failed {
		m.unmapped(c, reasons[i])
	}
	n.mark()
	title := m.text(n.all("title"), false)
	desc := m.text(n.all("description"), true)
	var typ *elm.Concept
	if t := n.child("type").mark(); t != nil {
		typ = &elm.Concept{Node: elm.Node{Type: elm.One("Concept")}, PrefLabel: elm.Lang("en", t.token())}
	}
	for _, mo := range out {
		mo.Title, mo.Description, mo.AttachmentType = title, desc, typ
		if mo.Title == nil {
			mo.Title = m.plainText(where)
		}
	}
	for _, id := range n.all("identifier") {
		id.mark()
		if _, dup := m.media[id.token()]; !dup {
			m.media[id.token()] = out[0].ID
		}
		m.adjusted(id, "the attachment's identifier "+id.token()+" becomes the id of its media object, "+out[0].ID)
	}
	m.unmapped(n.child("extension"), "extension: its content is not defined by ELMO")
	return out
}

// dataURL reads an attachment's content, a base64 data: URL, into a media
// object, or says why it cannot.
func dataURL(s string) (*elm.MediaObject, string) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return nil, "the content is not a data: URL"
	}
	meta, content, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, "the data: URL has no comma"
	}
	mt, isB64 := strings.CutSuffix(strings.ToLower(meta), ";base64")
	if !isB64 {
		return nil, "the data: URL is not base64, as an ELM media object must be"
	}
	mt, _, _ = strings.Cut(mt, ";")
	code := ""
	for _, ft := range fileTypes {
		if ft[0] == mt {
			code = ft[1]
		}
	}
	if code == "" {
		return nil, fmt.Sprintf("media type %q has no EU file-type concept this mapping knows (PDF, PNG, JPEG, XML, HTML, TXT)", mt)
	}
	content = strings.Join(strings.Fields(content), "")
	if _, err := base64.StdEncoding.DecodeString(content); err != nil {
		return nil, "the data: URL's content is not valid base64"
	}
	return &elm.MediaObject{
		Node:            elm.Node{Type: elm.One("MediaObject")},
		Content:         content,
		ContentEncoding: vocabConceptBase64(),
		ContentType:     authorityConcept(fileTypeNS, code, code),
	}, ""
}

func vocabConceptBase64() *elm.Concept {
	return &elm.Concept{Node: elm.Node{ID: base64IRI, Type: elm.One("Concept")}, InScheme: &elm.ConceptScheme{Node: elm.Node{ID: "http://data.europa.eu/snb/encoding/25831c2", Type: elm.One("ConceptScheme")}}, PrefLabel: elm.Lang("en", "base64")}
}

// gradingSchemes maps report/gradingScheme.
func (m *mapper) gradingSchemes() {
	for _, g := range m.report.all("gradingScheme") {
		g.mark()
		id, _ := g.attr("localId")
		id = collapse(id)
		desc := m.text(g.all("description"), true)
		gs := &elm.GradingScheme{Node: elm.Node{Type: elm.One("GradingScheme")}, Description: desc,
			Identifier: elm.List(&elm.Identifier{Node: elm.Node{Type: elm.One("Identifier")}, Notation: id, SchemeName: "gradingSchemeLocalId"})}
		gs.Title = desc
		if len(gs.Title) == 0 {
			gs.Title = m.plainText(id)
		}
		if _, dup := m.schemes[id]; !dup {
			m.schemes[id] = gs
		}
	}
}

// los maps a learningOpportunitySpecification and its parts to a learning
// achievement, or reports why it is not one.
func (m *mapper) los(n *node) *elm.LearningAchievement {
	n.mark()
	inst := n.child("specifies").mark().child("learningOpportunityInstance").mark()
	if st := inst.child("status").mark(); st != nil && st.token() != "passed" {
		m.unmapped(n, "status "+st.token()+": an ELM credential states what was achieved; a course not passed is not carried")
		return nil
	}
	title := m.text(n.all("title"), false)
	if len(title) == 0 {
		// ELMO allows an empty title as a last resort; ELM needs one.
		title = m.plainText("(untitled)")
		m.adjusted(n, "an empty title: written as (untitled)")
	}
	spec := &elm.Qualification{}
	spec.Type = elm.One("LearningAchievementSpecification")
	spec.Title = title
	spec.Description = m.text(n.all("description"), true)
	for _, id := range n.all("identifier") {
		id.mark()
		typ, _ := id.attr("type")
		spec.Identifier.Items = append(spec.Identifier.Items, &elm.Identifier{Node: elm.Node{Type: elm.One("Identifier")}, Notation: id.token(), SchemeName: collapse(typ)})
	}
	if t := n.child("type").mark(); t != nil {
		spec.Category = elm.Lang("en", t.token())
		if t.token() == "Degree Programme" {
			spec.Type = elm.One("Qualification")
		}
	}
	if sa := n.child("subjectArea").mark(); sa != nil {
		spec.EducationSubject = elm.List(&elm.Concept{Node: elm.Node{Type: elm.One("Concept")}, Notation: sa.token(),
			InScheme: &elm.ConceptScheme{Node: elm.Node{ID: schemeSubjectArea, Type: elm.One("ConceptScheme")}, PrefLabel: elm.Lang("en", "Erasmus subject area codes")}})
	}
	if ic := n.child("iscedCode"); ic != nil {
		if code, label, ok := elm.ISCEDF(elm.ISCEDFNamespace + ic.token()); ok {
			ic.mark()
			spec.ThematicArea = elm.List(vocabConcept(elm.ISCEDFNamespace, code, label))
			if !slices.Contains(m.isced, code) {
				m.isced = append(m.isced, code)
			}
		} else {
			m.unmapped(ic, fmt.Sprintf("%q is not an ISCED-F 2013 field code", ic.token()))
		}
	}
	if u := n.child("url").mark(); u != nil && u.token() != "" {
		spec.Homepage = elm.List(&elm.WebResource{Node: elm.Node{Type: elm.One("WebResource")}, ContentURL: u.token()})
	}
	for _, h := range n.all("descriptionHtml") {
		m.unmapped(h, "HTML description: not carried, since its markup cannot be trusted; the plain-text <description> is")
	}
	m.unmapped(n.child("extension"), "extension: its content is not defined by ELMO")
	m.unmapped(n.child("specifies").child("extension"), "extension: its content is not defined by ELMO")

	la := &elm.LearningAchievement{}
	la.Type = elm.One("LearningAchievement")
	la.Title = title
	la.SpecifiedBy = spec
	m.instance(inst, la, spec, title)
	for _, hp := range n.all("hasPart") {
		hp.mark()
		if part := m.los(hp.child("learningOpportunitySpecification")); part != nil {
			la.HasPart.Items = append(la.HasPart.Items, part)
		}
	}
	return la
}

// instance maps a learningOpportunityInstance onto its achievement.
func (m *mapper) instance(n *node, la *elm.LearningAchievement, spec *elm.Qualification, title elm.LangMap) {
	for _, id := range n.all("identifier") {
		id.mark()
		typ, _ := id.attr("type")
		la.Identifier.Items = append(la.Identifier.Items, &elm.Identifier{Node: elm.Node{Type: elm.One("Identifier")}, Notation: id.token(), SchemeName: collapse(typ)})
	}
	awarded := &elm.AwardingProcess{Node: elm.Node{Type: elm.One("AwardingProcess")}, AwardingBody: elm.List(m.ref)}
	date := n.child("date").mark()
	if date != nil {
		awarded.AwardingDate = dateTime(date.token())
	}
	la.AwardedBy = awarded
	if at := n.child("academicTerm").mark(); at != nil {
		lo := &elm.LearningOpportunity{Node: elm.Node{Type: elm.One("LearningOpportunity")}, Title: title, ProvidedBy: elm.List(m.ref)}
		lo.Temporal = &elm.PeriodOfTime{Node: elm.Node{Type: elm.One("PeriodOfTime")}, PrefLabel: m.text(at.all("title"), false),
			StartDate: dateTime(at.child("start").mark().token()), EndDate: dateTime(at.child("end").mark().token())}
		la.LearningOpportunity = lo
	}
	start := n.child("start").mark()
	hours := n.child("engagementHours").mark()
	if start != nil || hours != nil {
		act := &elm.LearningActivity{}
		act.Type = elm.One("LearningActivity")
		act.Title = title
		act.AwardedBy = awarded
		if start != nil {
			pt := &elm.PeriodOfTime{Node: elm.Node{Type: elm.One("PeriodOfTime")}, StartDate: dateTime(start.token())}
			if date != nil {
				pt.EndDate = awarded.AwardingDate
			}
			act.Temporal = elm.List(pt)
		}
		if hours != nil {
			act.Workload = hoursDuration(hours.token())
		}
		la.InfluencedBy = elm.List(act)
	}
	// Credits.
	for _, c := range n.all("credit") {
		c.mark()
		scheme := c.child("scheme").mark().token()
		val := c.child("value").mark()
		if val == nil {
			m.unmapped(c, "a credit without a value: ELM's credit point needs one")
			continue
		}
		cp := &elm.CreditPoint{Node: elm.Node{Type: elm.One("CreditPoint")}, Point: val.token()}
		if strings.EqualFold(scheme, "ects") {
			if scheme != "ects" {
				m.adjusted(c.child("scheme"), "scheme "+scheme+" is ECTS, written ects")
			}
			cp.Framework = vocabConcept(elm.CreditNamespace, "6fcec5c5af", "European Credit Transfer System")
		} else {
			cp.Framework = &elm.Concept{Node: elm.Node{Type: elm.One("Concept")}, Notation: scheme, PrefLabel: elm.Lang("en", scheme)}
		}
		la.CreditReceived.Items = append(la.CreditReceived.Items, cp)
		if lv := c.child("level"); lv != nil {
			m.unmapped(lv, "credit/level (deprecated in ELMO): no ELM home")
		}
	}
	// Levels.
	for _, l := range n.all("level") {
		typ := l.child("type").token()
		val := l.child("value")
		switch {
		case typ == "EQF" && val != nil:
			lvl, err := strconv.Atoi(val.token())
			if _, ok := elm.EQFLevel(elm.EQFNamespace + val.token()); err != nil || !ok {
				m.unmapped(l, fmt.Sprintf("EQF level %q is not 1 to 8", val.token()))
				continue
			}
			l.mark()
			l.child("type").mark()
			val.mark()
			spec.Type = elm.One("Qualification")
			spec.EQFLevel = vocabConcept(elm.EQFNamespace, val.token(), "Level "+val.token())
			m.eqf = max(m.eqf, lvl)
			if d := l.child("description"); d != nil {
				m.unmapped(d, "the description of the EQF framework: the EQF concept names it")
			}
		case typ == "NQF" && val != nil:
			l.mark()
			l.child("type").mark()
			val.mark()
			spec.Type = elm.One("Qualification")
			c := &elm.Concept{Node: elm.Node{Type: elm.One("Concept")}, Notation: val.token(), PrefLabel: m.plainText(val.token()),
				InScheme: &elm.ConceptScheme{Node: elm.Node{ID: schemeCreditLevelPrefix + "NQF", Type: elm.One("ConceptScheme")}}}
			if d := l.child("description").mark(); d != nil {
				c.InScheme.PrefLabel = m.text([]*node{d}, true)
				c.PrefLabel = elm.Lang(m.lang, strings.TrimSpace(d.text)+" "+val.token())
			}
			spec.NQFLevel.Items = append(spec.NQFLevel.Items, c)
		default:
			m.unmapped(l, fmt.Sprintf("level of type %q: ELM has EQF and NQF levels only", typ))
		}
	}
	if li := n.child("languageOfInstruction"); li != nil {
		if c, err := languageConcept(li.token()); err == nil {
			li.mark()
			spec.Language = elm.List(c)
		} else {
			m.unmapped(li, err.Error())
		}
	}
	m.result(n, la, title, awarded, date)
	// Attachments named by this instance.
	if as := n.child("attachments").mark(); as != nil {
		for _, r := range as.all("ref") {
			id, ok := m.media[strings.TrimSpace(r.text)]
			if !ok {
				m.unmapped(r, fmt.Sprintf("reference %q names no attachment carried into the credential", strings.TrimSpace(r.text)))
				continue
			}
			r.mark()
			m.adjusted(r, "the reference becomes the id of the attachment's media object, "+id)
			la.SupplementaryDocument.Items = append(la.SupplementaryDocument.Items, &elm.WebResource{Node: elm.Node{Type: elm.One("WebResource")}, ContentURL: id})
		}
	}
	if g := n.child("grouping"); g != nil {
		m.grouping(g, la)
	}
	m.unmapped(n.child("extension"), "extension: its content is not defined by ELMO")
	if ds := n.child("diplomaSupplement"); ds != nil {
		m.diplomaSupplement(ds, la)
	}
}

// result maps the grade, grading scheme, shortened grading and result
// distribution to an assessment proving the achievement.
func (m *mapper) result(n *node, la *elm.LearningAchievement, title elm.LangMap, awarded *elm.AwardingProcess, date *node) {
	label := n.child("resultLabel")
	sid := n.child("gradingSchemeLocalId")
	sg := n.child("shortenedGrading")
	rd := n.child("resultDistribution")
	if label == nil {
		const why = "no resultLabel: an ELM assessment needs a grade"
		m.unmapped(sid, why)
		m.unmapped(sg, why)
		m.unmapped(rd, why)
		return
	}
	label.mark()
	a := &elm.LearningAssessment{}
	a.Type = elm.One("LearningAssessment")
	a.Title = title
	a.Grade = &elm.Note{Node: elm.Node{Type: elm.One("Note")}, NoteLiteral: m.plainText(label.token())}
	a.AwardedBy = awarded
	if date != nil {
		a.DateIssued = awarded.AwardingDate
	}
	if sid != nil {
		sid.mark()
		gs, ok := m.schemes[sid.token()]
		m.schemesUsed[sid.token()] = true
		if !ok {
			m.rep.Warnings = append(m.rep.Warnings, Problem{Path: sid.path(), Line: sid.line, Column: sid.col, Message: fmt.Sprintf("names the grading scheme %q, which the report does not describe", sid.token())})
			gs = &elm.GradingScheme{Node: elm.Node{Type: elm.One("GradingScheme")}, Title: m.plainText(sid.token()),
				Identifier: elm.List(&elm.Identifier{Node: elm.Node{Type: elm.One("Identifier")}, Notation: sid.token(), SchemeName: "gradingSchemeLocalId"})}
		}
		spec := &elm.LearningAssessmentSpecification{GradingScheme: gs}
		spec.Type = elm.One("LearningAssessmentSpecification")
		spec.Title = title
		a.SpecifiedBy = spec
	}
	if sg != nil {
		sg.mark()
		s := &elm.ShortenedGrading{Node: elm.Node{Type: elm.One("ShortenedGrading")}}
		for _, f := range []struct {
			name string
			dst  *string
		}{{"percentageLower", (*string)(&s.PercentageLower)}, {"percentageEqual", (*string)(&s.PercentageEqual)}, {"percentageHigher", (*string)(&s.PercentageHigher)}} {
			e := sg.child(f.name).mark()
			v := e.token()
			r, _ := decimal(v)
			i := roundHalfAway(r)
			*f.dst = i
			if r.Cmp(new(big.Rat).SetFrac(mustInt(i), big.NewInt(1))) != 0 {
				m.adjusted(e, fmt.Sprintf("%s rounded to %s: ELM's percentages are integers", v, i))
			}
		}
		a.ShortenedGrading = s
	}
	if rd != nil {
		rd.mark()
		d := &elm.ResultDistribution{Node: elm.Node{Type: elm.One("ResultDistribution")}, Description: m.text(rd.all("description"), true)}
		for _, c := range rd.all("category") {
			lab, _ := c.attr("label")
			cnt, _ := c.attr("count")
			cnt = collapse(cnt)
			if cnt == "0" || strings.Trim(cnt, "+0") == "" {
				m.unmapped(c, "a category of count 0: ELM's counts are positive integers")
				continue
			}
			c.mark()
			d.ResultCategory.Items = append(d.ResultCategory.Items, &elm.ResultCategory{Node: elm.Node{Type: elm.One("ResultCategory")}, Label: collapse(lab), Count: jsonNumber(strings.TrimLeft(strings.TrimPrefix(cnt, "+"), "0"))})
		}
		if len(d.ResultCategory.Items) > 0 || len(d.Description) > 0 {
			a.ResultDistribution = d
		}
	}
	la.ProvenBy = elm.List(a)
}

// grouping maps an instance's grouping to a note whose subject is the group.
func (m *mapper) grouping(g *node, la *elm.LearningAchievement) {
	typeref, _ := g.attr("typeref")
	idref, _ := g.attr("idref")
	var gt, grp *node
	for _, t := range m.doc.child("groups").all("groupType") {
		if id, _ := t.attr("id"); id == typeref {
			gt = t
			for _, gg := range t.all("group") {
				if id, _ := gg.attr("id"); id == idref {
					grp = gg
				}
			}
		}
	}
	if gt == nil || grp == nil {
		m.unmapped(g, fmt.Sprintf("names group %q of group type %q, which <groups> does not hold", idref, typeref))
		return
	}
	g.mark()
	if strings.TrimSpace(g.text) != "" {
		m.adjusted(g, "the grouping's text is not kept")
	}
	m.doc.child("groups").mark()
	gt.mark()
	if _, ok := grp.attr("sortingKey"); ok && !grp.used {
		m.adjusted(grp, "the group's sortingKey is not kept")
	}
	grp.mark()
	titles := m.text(grp.all("title"), false)
	scheme := &elm.ConceptScheme{Node: elm.Node{ID: schemeGroupTypePrefix + typeref, Type: elm.One("ConceptScheme")}, PrefLabel: m.text(gt.all("title"), false)}
	c := &elm.Concept{Node: elm.Node{Type: elm.One("Concept")}, Notation: idref, PrefLabel: titles, InScheme: scheme}
	if len(titles) == 0 {
		titles = m.plainText(idref)
	}
	la.AdditionalNote.Items = append(la.AdditionalNote.Items, &elm.Note{Node: elm.Node{Type: elm.One("Note")}, NoteLiteral: titles, Subject: c})
}

// diplomaSupplement maps the sections of a diploma supplement to notes on
// the achievement, one per section content and per additional information,
// whose subject is the section (its number and title).
func (m *mapper) diplomaSupplement(ds *node, la *elm.LearningAchievement) {
	ds.mark()
	lang := ds.lang()
	if lang == "" {
		lang = m.lang
	}
	for _, name := range []string{"version", "issueDate", "introduction"} {
		m.unmapped(ds.child(name), "diploma supplement "+name+": no ELM home (the sections are carried)")
	}
	m.unmapped(ds.child("Signature"), "the diploma supplement's own signature is neither verified nor carried")
	var walk func(s *node)
	walk = func(s *node) {
		s.mark()
		num, _ := s.attr("number")
		title := s.child("title").mark()
		subject := func(scheme string) *elm.Concept {
			return &elm.Concept{Node: elm.Node{Type: elm.One("Concept")}, Notation: collapse(num), PrefLabel: elm.Lang(lang, title.token()),
				InScheme: &elm.ConceptScheme{Node: elm.Node{ID: scheme, Type: elm.One("ConceptScheme")}}}
		}
		if c := s.child("content").mark(); c != nil && c.token() != "" {
			if t, _ := c.attr("type"); t != "" && collapse(t) != "text/plain" {
				m.adjusted(c, "content of type "+collapse(t)+" kept as text")
			}
			la.AdditionalNote.Items = append(la.AdditionalNote.Items, &elm.Note{Node: elm.Node{Type: elm.One("Note")}, NoteLiteral: elm.Lang(lang, c.token()), Subject: subject(schemeDiplomaSupplement)})
		} else if c == nil || c.token() == "" {
			// A section with only subsections: its number and title are
			// kept by a note of its title.
			la.AdditionalNote.Items = append(la.AdditionalNote.Items, &elm.Note{Node: elm.Node{Type: elm.One("Note")}, NoteLiteral: elm.Lang(lang, title.token()), Subject: subject(schemeDiplomaSupplement)})
		}
		for _, ai := range s.all("additionalInformation") {
			ai.mark()
			la.AdditionalNote.Items = append(la.AdditionalNote.Items, &elm.Note{Node: elm.Node{Type: elm.One("Note")}, NoteLiteral: elm.Lang(lang, strings.TrimSpace(ai.text)), Subject: subject(schemeDSAdditional)})
		}
		for _, a := range s.all("attachment") {
			mos := m.attachment(a, "Diploma supplement section "+collapse(num))
			for _, mo := range mos {
				m.out.Attachment.Items = append(m.out.Attachment.Items, mo)
				la.SupplementaryDocument.Items = append(la.SupplementaryDocument.Items, &elm.WebResource{Node: elm.Node{Type: elm.One("WebResource")}, ContentURL: mo.ID})
			}
			if len(mos) > 0 {
				m.adjusted(a, "attached to the credential and named by the achievement; its place in section "+collapse(num)+" is not kept")
			}
		}
		for _, sub := range s.all("section") {
			walk(sub)
		}
	}
	for _, s := range ds.all("section") {
		walk(s)
	}
}

// hoursDuration writes a number of hours as an xsd:duration ("PT30H",
// "PT7H30M").
func hoursDuration(v string) string {
	r, ok := decimal(v)
	if !ok || r.Sign() < 0 {
		return ""
	}
	mins := new(big.Rat).Mul(r, big.NewRat(60, 1))
	mm := roundHalfAway(mins)
	n, _ := strconv.ParseInt(mm, 10, 64)
	h, mi := n/60, n%60
	if mi == 0 {
		return fmt.Sprintf("PT%dH", h)
	}
	return fmt.Sprintf("PT%dH%dM", h, mi)
}

// roundHalfAway rounds r to an integer, halves away from zero.
func roundHalfAway(r *big.Rat) string {
	if r == nil {
		return "0"
	}
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(rem, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg && q.Sign() != 0 {
		q.Neg(q)
	}
	return q.String()
}

func mustInt(s string) *big.Int {
	n, _ := new(big.Int).SetString(s, 10)
	if n == nil {
		return new(big.Int)
	}
	return n
}

// credential maps the mapper's report to an ELM
// credential.
func (m *mapper) credential(issued time.Time) (*elm.EuropeanDigitalCredential, error) {
	r := m.report
	r.mark()
	m.doc.mark()
	m.unmapped(m.doc.child("generatedDate"), "the time the ELMO file was generated: no ELM home (the embedded original keeps it)")
	m.unmapped(m.doc.child("extension"), "extension: its content is not defined by ELMO")
	if err := m.organisation(r.child("issuer")); err != nil {
		return nil, err
	}
	c := &elm.EuropeanDigitalCredential{
		Context: elm.List[any]("https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"),
		Node:    elm.Node{ID: derivedID(m.digest, r.path()), Type: elm.List("VerifiableCredential", "EuropeanDigitalCredential")},
	}
	m.out = c
	c.CredentialProfiles = elm.List(vocabConcept(elm.CredentialTypeNamespace, "c_7e400154", "Converted"))
	c.CredentialSchema = elm.List(
		&elm.CredentialSchema{Node: elm.Node{ID: shaclNS + "edc-generic-full", Type: elm.One("ShaclValidator2017")}},
		&elm.CredentialSchema{Node: elm.Node{ID: shaclNS + "edc-converted", Type: elm.One("ShaclValidator2017")}},
	)
	c.Issuer = m.issuer
	issueDate := r.child("issueDate").mark().token()
	c.IssuanceDate = elm.DateTime(issueDate)
	c.Issued = elm.DateTime(issueDate)
	c.ValidFrom = elm.DateTime(issueDate)
	if !issued.IsZero() {
		s := elm.DateTime(issued.UTC().Format(time.RFC3339))
		c.IssuanceDate, c.Issued, c.ValidFrom = s, s, s
	}
	name := m.issuer.LegalName.Get(m.lang)
	c.DisplayParameter = m.display("Transcript of records: " + name)

	subject := m.learner(m.doc.child("learner"))
	c.CredentialSubject = subject

	m.gradingSchemes()
	// Attachments first: instances refer to them.
	for _, a := range r.all("attachment") {
		c.Attachment.Items = append(c.Attachment.Items, m.attachment(a, "Attachment")...)
	}
	for _, a := range m.doc.all("attachment") {
		c.Attachment.Items = append(c.Attachment.Items, m.attachment(a, "Attachment")...)
	}

	main := &elm.LearningAchievement{}
	main.Type = elm.One("LearningAchievement")
	main.ID = derivedID(m.digest, r.path()+"#transcript")
	main.Title = elm.Lang("en", "Transcript of records: "+name)
	main.AwardedBy = &elm.AwardingProcess{Node: elm.Node{Type: elm.One("AwardingProcess")}, AwardingBody: elm.List(m.issuer), AwardingDate: elm.DateTime(issueDate)}
	for _, l := range r.all("learningOpportunitySpecification") {
		if la := m.los(l); la != nil {
			main.HasPart.Items = append(main.HasPart.Items, la)
		}
	}
	subject.HasClaim = elm.List[elm.Claim](main)
	for _, g := range r.all("gradingScheme") {
		if id, _ := g.attr("localId"); !m.schemesUsed[collapse(id)] {
			m.unmapped(g, "a grading scheme no carried result uses")
		}
	}
	for _, gt := range m.doc.child("groups").all("groupType") {
		for _, g := range gt.all("group") {
			if !g.used {
				m.unmapped(g, "a group no learning opportunity of this report belongs to")
			}
		}
		if !gt.used {
			m.unmapped(gt, "a group type no learning opportunity of this report uses")
		}
	}
	return c, nil
}

// display is the display parameter: the title, in English, shown on the
// transcript's page.
func (m *mapper) display(title string) *elm.DisplayParameter {
	en, _ := languageConcept("en")
	img := &elm.MediaObject{Node: elm.Node{Type: elm.One("MediaObject")}, Content: displayImage, ContentEncoding: vocabConceptBase64(), ContentType: authorityConcept(fileTypeNS, "PNG", "PNG")}
	return &elm.DisplayParameter{
		Node:            elm.Node{Type: elm.One("DisplayParameter")},
		Title:           elm.Lang("en", title),
		Language:        elm.List(en),
		PrimaryLanguage: en,
		IndividualDisplay: elm.List(&elm.IndividualDisplay{Node: elm.Node{Type: elm.One("IndividualDisplay")}, Language: en,
			DisplayDetail: elm.List(&elm.DisplayDetail{Node: elm.Node{Type: elm.One("DisplayDetail")}, Image: img, Page: "1"})}),
	}
}

func jsonNumber(s string) json.Number { return json.Number(s) }
