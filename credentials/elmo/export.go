package elmo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// ExportOptions adjust Export. A nil *ExportOptions means the zero value.
type ExportOptions struct {
	// Now is the clock of generatedDate. Nil means time.Now.
	Now func() time.Time
}

// ErrNotTranscript is wrapped when a credential has nothing ELMO can say:
// no learning achievement.
var ErrNotTranscript = errors.New("elmo: the credential holds no learning achievement to write as ELMO")

// Export writes an ELMO v1 document (unsigned) for the ELM credential c:
// the learner from its subject, one report for its first learning
// achievement — its parts as the learning opportunities when it is a
// transcript Import made (no specification of its own), else the
// achievement itself with its parts — and the credential's attachments.
// It is the inverse of Import for everything Import maps (docs/elmo.md),
// and the document it writes is checked against the ELMO schema before it
// is returned.
func Export(c *elm.EuropeanDigitalCredential, opts *ExportOptions) ([]byte, error) {
	if opts == nil {
		opts = &ExportOptions{}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if c == nil || c.CredentialSubject == nil {
		return nil, fmt.Errorf("%w: it has no credential subject", ErrNotTranscript)
	}
	var main *elm.LearningAchievement
	for _, cl := range c.CredentialSubject.HasClaim.Items {
		if la, ok := cl.(*elm.LearningAchievement); ok {
			main = la
			break
		}
	}
	if main == nil {
		return nil, ErrNotTranscript
	}
	x := &exporter{c: c, media: map[string]string{}, schemes: map[*elm.GradingScheme]string{}}
	w := &xw{}
	w.b.WriteString(xml.Header)
	w.open("elmo", "xmlns", Namespace)
	w.leaf("generatedDate", now().UTC().Truncate(time.Second).Format(time.RFC3339))
	x.learner(w, c.CredentialSubject)

	w.open("report")
	var body *elm.Organisation
	if main.AwardedBy != nil {
		body, _ = main.AwardedBy.AwardingBody.First()
	}
	if body == nil {
		body = c.Issuer
	}
	if body == nil {
		return nil, fmt.Errorf("elmo: the credential names no awarding body nor issuer for the report's <issuer>")
	}
	x.issuer(w, body)
	top := []*elm.LearningAchievement{main}
	issueDate := dateTimeOf(c.Issued, c.ValidFrom, c.IssuanceDate)
	if main.SpecifiedBy == nil {
		top = main.HasPart.Items
		if main.AwardedBy != nil && main.AwardedBy.AwardingDate != "" {
			issueDate = dateTimeOf(main.AwardedBy.AwardingDate)
		}
	}
	// Attachment identifiers first: instances refer to them.
	for i, mo := range c.Attachment.Items {
		if mo != nil {
			x.media[mo.ID] = mo.ID
			if mo.ID == "" {
				x.media[fmt.Sprint(i)] = fmt.Sprintf("attachment-%d", i+1)
			}
		}
	}
	for _, la := range top {
		if la != nil {
			x.los(w, la)
		}
	}
	if issueDate == "" {
		issueDate = now().UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	w.leaf("issueDate", issueDate)
	for _, gs := range x.order {
		w.open("gradingScheme", "localId", x.schemes[gs])
		desc := gs.Description
		if len(desc) == 0 {
			desc = gs.Title
		}
		x.langLeaves(w, "description", desc)
		w.close("gradingScheme")
	}
	var global []*elm.MediaObject
	for _, mo := range c.Attachment.Items {
		if mo == nil {
			continue
		}
		if mo.AttachmentType != nil && mo.AttachmentType.PrefLabel.Get() == "EMREX transcript" {
			global = append(global, mo)
			continue
		}
		x.attachment(w, mo)
	}
	w.close("report")
	for _, mo := range global {
		x.attachment(w, mo)
	}
	x.groups(w)
	w.close("elmo")

	out := w.b.Bytes()
	root, err := parseTree(out, limits{maxBytes: DefaultMaxBytes * 4, maxDepth: DefaultMaxDepth, maxElements: DefaultMaxElements})
	if err != nil {
		return nil, fmt.Errorf("elmo: export wrote malformed XML: %w", err)
	}
	ck := &checker{}
	ck.sequence(root, elmoType.seq)
	for _, p := range ck.problems {
		if p.Error {
			return nil, fmt.Errorf("elmo: the exported document breaks the ELMO schema: %s", p)
		}
	}
	return out, nil
}

// xw writes indented XML.
type xw struct {
	b     bytes.Buffer
	depth int
}

func (w *xw) indent() {
	for i := 0; i < w.depth; i++ {
		w.b.WriteString("  ")
	}
}

func (w *xw) start(name string, attrs []string) {
	w.indent()
	w.b.WriteByte('<')
	w.b.WriteString(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteByte(' ')
		w.b.WriteString(attrs[i])
		w.b.WriteString(`="`)
		_ = xml.EscapeText(&w.b, []byte(attrs[i+1]))
		w.b.WriteByte('"')
	}
}

func (w *xw) open(name string, attrs ...string) {
	w.start(name, attrs)
	w.b.WriteString(">\n")
	w.depth++
}

func (w *xw) close(name string) {
	w.depth--
	w.indent()
	w.b.WriteString("</" + name + ">\n")
}

func (w *xw) leaf(name, text string, attrs ...string) {
	w.start(name, attrs)
	if text == "" {
		w.b.WriteString("/>\n")
		return
	}
	w.b.WriteByte('>')
	_ = xml.EscapeText(&w.b, []byte(text))
	w.b.WriteString("</" + name + ">\n")
}

type exporter struct {
	c          *elm.EuropeanDigitalCredential
	media      map[string]string // media object id → attachment identifier
	schemes    map[*elm.GradingScheme]string
	order      []*elm.GradingScheme
	groupsUsed []*elm.Concept
}

// langLeaves writes one element per text of a language map, languages in
// sorted order.
func (x *exporter) langLeaves(w *xw, name string, lm elm.LangMap) {
	keys := make([]string, 0, len(lm))
	for k := range lm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range lm[k].Values {
			w.leaf(name, v, "xml:lang", k)
		}
	}
}

// titles writes the first non-empty language map as <title> elements, or
// one empty <title> (which the schema requires, and accepts empty).
func (x *exporter) titles(w *xw, candidates ...elm.LangMap) {
	for _, lm := range candidates {
		if len(lm) > 0 {
			x.langLeaves(w, "title", lm)
			return
		}
	}
	w.leaf("title", "")
}

func (x *exporter) learner(w *xw, p *elm.Person) {
	w.open("learner")
	if cc, ok := p.CitizenshipCountry.First(); ok {
		if code := countryCode(cc); slices.Contains(europassCountries, code) {
			w.leaf("citizenship", code)
		}
	}
	if elm.IsESI(p.ID) {
		w.leaf("identifier", p.ID, "type", "esi")
	}
	if p.NationalID != nil && p.NationalID.Notation != "" {
		w.leaf("identifier", p.NationalID.Notation, "type", "nationalIdentifier")
	}
	for _, id := range p.Identifier.Items {
		if id != nil && id.Notation != "" {
			w.leaf("identifier", id.Notation, "type", orDefault(id.SchemeName, "local"))
		}
	}
	given, family := p.GivenName.Get(), p.FamilyName.Get()
	if given == "" && family == "" {
		family = p.FullName.Get()
	}
	w.leaf("givenNames", given)
	w.leaf("familyName", family)
	if d := dateOf(p.DateOfBirth); d != "" {
		w.leaf("bday", d)
	}
	if bn := p.BirthName.Get(); bn != "" {
		w.leaf("birthName", bn)
	}
	if p.Gender != nil {
		for _, g := range genders {
			if p.Gender.ID == humanSexNS+g[1] {
				w.leaf("gender", g[0])
			}
		}
	}
	w.close("learner")
}

func (x *exporter) issuer(w *xw, o *elm.Organisation) {
	w.open("issuer")
	var full string
	for _, loc := range o.Location.Items {
		for _, a := range loc.Address.Items {
			if a == nil {
				continue
			}
			if code := countryCode(a.CountryCode); code != "" && slices.Contains(europassCountries, code) {
				w.leaf("country", code)
			}
			if a.FullAddress != nil {
				full = a.FullAddress.NoteLiteral.Get()
			}
			goto ids
		}
	}
ids:
	n := 0
	for _, id := range o.Identifier.Items {
		if id != nil && id.Notation != "" {
			w.leaf("identifier", id.Notation, "type", orDefault(id.SchemeName, "local"))
			n++
		}
	}
	if full != "" {
		w.leaf("identifier", full, "type", "address")
		n++
	}
	if n == 0 && o.ID != "" {
		w.leaf("identifier", o.ID, "type", "uri")
	} else if n == 0 {
		w.leaf("identifier", "", "type", "local")
	}
	x.titles(w, o.LegalName, o.PrefLabel)
	url := ""
	if h, ok := o.Homepage.First(); ok && h != nil {
		url = h.ContentURL
	}
	w.leaf("url", url)
	w.close("issuer")
}

// los writes an achievement as a learningOpportunitySpecification.
func (x *exporter) los(w *xw, la *elm.LearningAchievement) {
	w.open("learningOpportunitySpecification")
	spec := la.SpecifiedBy
	if spec == nil {
		spec = &elm.Qualification{}
	}
	for _, id := range spec.Identifier.Items {
		if id != nil && id.Notation != "" {
			w.leaf("identifier", id.Notation, "type", orDefault(id.SchemeName, "local"))
		}
	}
	x.titles(w, spec.Title, la.Title)
	if t := spec.Category.Get("en"); t != "" {
		w.leaf("type", t)
	}
	for _, s := range spec.EducationSubject.Items {
		if s != nil && s.InScheme != nil && s.InScheme.ID == schemeSubjectArea {
			w.leaf("subjectArea", s.Notation)
			break
		}
	}
	for _, ta := range spec.ThematicArea.Items {
		if ta == nil {
			continue
		}
		if code, _, ok := elm.ISCEDF(ta.ID); ok {
			w.leaf("iscedCode", code)
			break
		}
	}
	if h, ok := spec.Homepage.First(); ok && h != nil && h.ContentURL != "" {
		w.leaf("url", h.ContentURL)
	}
	x.langLeaves(w, "description", spec.Description)
	w.open("specifies")
	x.instance(w, la, spec)
	w.close("specifies")
	for _, p := range la.HasPart.Items {
		if p == nil {
			continue
		}
		w.open("hasPart")
		x.los(w, p)
		w.close("hasPart")
	}
	w.close("learningOpportunitySpecification")
}

func (x *exporter) instance(w *xw, la *elm.LearningAchievement, spec *elm.Qualification) {
	w.open("learningOpportunityInstance")
	for _, id := range la.Identifier.Items {
		if id != nil && id.Notation != "" {
			w.leaf("identifier", id.Notation, "type", orDefault(id.SchemeName, "local"))
		}
	}
	var act *elm.LearningActivity
	if a, ok := la.InfluencedBy.First(); ok {
		act = a
	}
	if act != nil {
		if pt, ok := act.Temporal.First(); ok && pt != nil {
			if d := dateOf(pt.StartDate); d != "" {
				w.leaf("start", d)
			}
		}
	}
	if la.AwardedBy != nil {
		if d := dateOf(la.AwardedBy.AwardingDate); d != "" {
			w.leaf("date", d)
		}
	}
	if lo := la.LearningOpportunity; lo != nil && lo.Temporal != nil {
		t := lo.Temporal
		start, end := dateOf(t.StartDate), dateOf(t.EndDate)
		if start != "" && end != "" {
			w.open("academicTerm")
			if len(t.PrefLabel) == 0 {
				w.leaf("title", start+" – "+end)
			}
			x.langLeaves(w, "title", t.PrefLabel)
			w.leaf("start", start)
			w.leaf("end", end)
			w.close("academicTerm")
		}
	}
	w.leaf("status", "passed")
	var a *elm.LearningAssessment
	for _, p := range la.ProvenBy.Items {
		if p != nil && p.Grade != nil {
			a = p
			break
		}
	}
	if a != nil {
		if a.SpecifiedBy != nil && a.SpecifiedBy.GradingScheme != nil {
			w.leaf("gradingSchemeLocalId", x.scheme(a.SpecifiedBy.GradingScheme))
		}
		w.leaf("resultLabel", a.Grade.NoteLiteral.Get())
		if sg := a.ShortenedGrading; sg != nil && sg.PercentageLower != "" && sg.PercentageEqual != "" && sg.PercentageHigher != "" {
			w.open("shortenedGrading")
			w.leaf("percentageLower", string(sg.PercentageLower))
			w.leaf("percentageEqual", string(sg.PercentageEqual))
			w.leaf("percentageHigher", string(sg.PercentageHigher))
			w.close("shortenedGrading")
		}
		if rd := a.ResultDistribution; rd != nil && rd.ResultCategory.Len() > 0 {
			w.open("resultDistribution")
			for _, c := range rd.ResultCategory.Items {
				if c != nil {
					w.leaf("category", "", "count", string(c.Count), "label", c.Label)
				}
			}
			x.langLeaves(w, "description", rd.Description)
			w.close("resultDistribution")
		}
	}
	for _, cp := range la.CreditReceived.Items {
		if cp == nil || cp.Framework == nil {
			continue
		}
		scheme := "ects"
		if cp.Framework.ID != elm.ECTS {
			scheme = orDefault(cp.Framework.Notation, cp.Framework.PrefLabel.Get())
		}
		w.open("credit")
		w.leaf("scheme", scheme)
		if _, ok := decimal(cp.Point); ok {
			w.leaf("value", cp.Point)
		}
		w.close("credit")
	}
	if spec.EQFLevel != nil {
		if n, ok := elm.EQFLevel(spec.EQFLevel.ID); ok {
			w.open("level")
			w.leaf("type", "EQF")
			w.leaf("value", strconv.Itoa(n))
			w.close("level")
		}
	}
	for _, c := range spec.NQFLevel.Items {
		if c == nil {
			continue
		}
		w.open("level")
		w.leaf("type", "NQF")
		if c.InScheme != nil && len(c.InScheme.PrefLabel) > 0 {
			d, l := c.InScheme.PrefLabel.Pick()
			w.leaf("description", d, "xml:lang", l)
		}
		w.leaf("value", orDefault(c.Notation, c.PrefLabel.Get()))
		w.close("level")
	}
	if l, ok := spec.Language.First(); ok {
		if code := languageCode(l); code != "" {
			w.leaf("languageOfInstruction", code)
		}
	}
	if act != nil && act.Workload != "" {
		if h := durationHours(act.Workload); h != "" {
			w.leaf("engagementHours", h)
		}
	}
	var refs []string
	for _, sd := range la.SupplementaryDocument.Items {
		if sd == nil {
			continue
		}
		if id, ok := x.media[sd.ContentURL]; ok && id != "" {
			refs = append(refs, id)
		}
	}
	var dsNotes []*elm.Note
	var group *elm.Note
	for _, n := range la.AdditionalNote.Items {
		if n == nil || n.Subject == nil || n.Subject.InScheme == nil {
			continue
		}
		switch id := n.Subject.InScheme.ID; {
		case id == schemeDiplomaSupplement || id == schemeDSAdditional:
			dsNotes = append(dsNotes, n)
		case strings.HasPrefix(id, schemeGroupTypePrefix) && group == nil:
			group = n
		}
	}
	if len(refs) > 0 {
		w.open("attachments")
		for _, r := range refs {
			w.leaf("ref", r)
		}
		w.close("attachments")
	}
	if group != nil {
		typeref := strings.TrimPrefix(group.Subject.InScheme.ID, schemeGroupTypePrefix)
		w.leaf("grouping", "", "typeref", typeref, "idref", group.Subject.Notation)
		x.groupsUsed = append(x.groupsUsed, group.Subject)
	}
	if len(dsNotes) > 0 {
		x.diplomaSupplement(w, la, dsNotes)
	}
	w.close("learningOpportunityInstance")
}

// scheme returns the local id of a grading scheme, registering it.
func (x *exporter) scheme(gs *elm.GradingScheme) string {
	if id, ok := x.schemes[gs]; ok {
		return id
	}
	id := ""
	for _, i := range gs.Identifier.Items {
		if i != nil && i.SchemeName == "gradingSchemeLocalId" {
			id = i.Notation
		}
	}
	// The same scheme may be written more than once in a credential.
	for _, other := range x.order {
		if x.schemes[other] == id && id != "" {
			x.schemes[gs] = id
			return id
		}
		if id == "" && other.Title.Get() == gs.Title.Get() {
			x.schemes[gs] = x.schemes[other]
			return x.schemes[other]
		}
	}
	if id == "" {
		id = "gs" + strconv.Itoa(len(x.order)+1)
	}
	x.schemes[gs] = id
	x.order = append(x.order, gs)
	return id
}

// diplomaSupplement writes the sections the notes of a diploma supplement
// carry, nested by their numbers.
func (x *exporter) diplomaSupplement(w *xw, la *elm.LearningAchievement, notes []*elm.Note) {
	type section struct {
		number, title, content string
		info                   []string
		subs                   []*section
	}
	var lang string
	byNum := map[string]*section{}
	var order []*section
	for _, n := range notes {
		num := n.Subject.Notation
		s := byNum[num]
		if s == nil {
			s = &section{number: num}
			s.title, lang = n.Subject.PrefLabel.Pick()
			byNum[num] = s
			order = append(order, s)
		}
		text := n.NoteLiteral.Get(lang)
		if n.Subject.InScheme.ID == schemeDSAdditional {
			s.info = append(s.info, text)
		} else if text != s.title {
			s.content = text
		}
	}
	var roots []*section
	for _, s := range order {
		parent := ""
		if i := strings.LastIndexByte(s.number, '.'); i > 0 {
			parent = s.number[:i]
		}
		if p := byNum[parent]; parent != "" && p != nil {
			p.subs = append(p.subs, s)
		} else {
			roots = append(roots, s)
		}
	}
	var write func(s *section)
	write = func(s *section) {
		w.open("section", "number", s.number)
		w.leaf("title", s.title)
		if s.content != "" {
			w.leaf("content", s.content)
		}
		for _, i := range s.info {
			w.leaf("additionalInformation", i)
		}
		for _, sub := range s.subs {
			write(sub)
		}
		w.close("section")
	}
	attrs := []string{}
	if lang != "" {
		attrs = append(attrs, "xml:lang", lang)
	}
	w.open("diplomaSupplement", attrs...)
	w.leaf("version", "2018")
	d := ""
	if la.AwardedBy != nil {
		d = dateOf(la.AwardedBy.AwardingDate)
	}
	if d == "" {
		d = dateOf(elm.DateTime(dateTimeOf(x.c.Issued, x.c.ValidFrom, x.c.IssuanceDate)))
	}
	if d == "" {
		d = time.Now().UTC().Format("2006-01-02")
	}
	w.leaf("issueDate", d)
	w.leaf("introduction", "")
	for _, s := range roots {
		write(s)
	}
	w.close("diplomaSupplement")
}

func (x *exporter) attachment(w *xw, mo *elm.MediaObject) {
	mime := ""
	if mo.ContentType != nil {
		code := strings.TrimPrefix(mo.ContentType.ID, fileTypeNS)
		for _, ft := range fileTypes {
			if ft[1] == code {
				mime = ft[0]
				break
			}
		}
	}
	w.open("attachment")
	if id := x.media[mo.ID]; id != "" {
		w.leaf("identifier", id, "type", "internal")
	}
	x.langLeaves(w, "title", mo.Title)
	if mo.AttachmentType != nil {
		if t := mo.AttachmentType.PrefLabel.Get(); t != "" {
			w.leaf("type", t)
		}
	}
	x.langLeaves(w, "description", mo.Description)
	if mime != "" && mo.Content != "" {
		w.leaf("content", "data:"+mime+";base64,"+mo.Content)
	}
	w.close("attachment")
}

// groups writes the groups the instances named.
func (x *exporter) groups(w *xw) {
	if len(x.groupsUsed) == 0 {
		return
	}
	type gtype struct {
		id     string
		titles elm.LangMap
		groups []*elm.Concept
	}
	var types []*gtype
	byID := map[string]*gtype{}
	for _, c := range x.groupsUsed {
		id := strings.TrimPrefix(c.InScheme.ID, schemeGroupTypePrefix)
		t := byID[id]
		if t == nil {
			t = &gtype{id: id, titles: c.InScheme.PrefLabel}
			byID[id] = t
			types = append(types, t)
		}
		if !slices.ContainsFunc(t.groups, func(g *elm.Concept) bool { return g.Notation == c.Notation }) {
			t.groups = append(t.groups, c)
		}
	}
	sort.SliceStable(types, func(i, j int) bool { return types[i].id < types[j].id })
	w.open("groups")
	for _, t := range types {
		w.open("groupType", "id", t.id)
		if len(t.titles) == 0 {
			w.leaf("title", t.id)
		}
		x.langLeaves(w, "title", t.titles)
		sort.SliceStable(t.groups, func(i, j int) bool { return t.groups[i].Notation < t.groups[j].Notation })
		for _, g := range t.groups {
			w.open("group", "id", g.Notation)
			if len(g.PrefLabel) == 0 {
				w.leaf("title", g.Notation)
			}
			x.langLeaves(w, "title", g.PrefLabel)
			w.close("group")
		}
		w.close("groupType")
	}
	w.close("groups")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// dateOf writes the date part of an xsd:dateTime as an xs:date, with its
// time zone unless it is UTC at midnight.
func dateOf(d elm.DateTime) string {
	s := strings.TrimSpace(string(d))
	if len(s) < 10 {
		return ""
	}
	if _, err := parseDate(s[:10]); err != nil {
		return ""
	}
	if len(s) == 10 {
		return s
	}
	rest := s[10:]
	if i := strings.IndexAny(rest, "Z+-"); i >= 0 && strings.HasPrefix(rest, "T00:00:00") {
		tz := rest[i:]
		if tz == "Z" {
			return s[:10]
		}
		return s[:10] + tz
	}
	return s[:10]
}

// dateTimeOf returns the first of ds that is an xsd:dateTime, as one (a
// bare date gets midnight UTC).
func dateTimeOf(ds ...elm.DateTime) string {
	for _, d := range ds {
		s := strings.TrimSpace(string(d))
		if _, err := parseDateTime(s); err == nil {
			return s
		}
		if _, err := parseDate(s); err == nil && len(s) == 10 {
			return s + "T00:00:00Z"
		}
	}
	return ""
}

var reHours = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?$`)

// durationHours reads an xsd:duration of hours and minutes as a decimal
// number of hours ("PT7H30M" is "7.5").
func durationHours(d string) string {
	m := reHours.FindStringSubmatch(d)
	if m == nil || (m[1] == "" && m[2] == "") {
		return ""
	}
	h, _ := strconv.ParseInt(orDefault(m[1], "0"), 10, 64)
	mi, _ := strconv.ParseInt(orDefault(m[2], "0"), 10, 64)
	r := new(big.Rat).Add(big.NewRat(h, 1), big.NewRat(mi, 60))
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(4), "0"), ".")
}
