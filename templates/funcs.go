package templates

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// The JSON shapes the template functions write, after EDC.

type schemeJ struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type conceptJ struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	InScheme  *schemeJ          `json:"inScheme,omitempty"`
	PrefLabel map[string]string `json:"prefLabel,omitempty"`
}

func concept(ns, code, label string) conceptJ {
	c := conceptJ{ID: ns + code, Type: "Concept", InScheme: &schemeJ{ID: ns + "25831c2", Type: "ConceptScheme"}}
	if label != "" {
		c.PrefLabel = map[string]string{"en": label}
	}
	return c
}

const (
	countryNS  = "http://publications.europa.eu/resource/authority/country/"
	languageNS = "http://publications.europa.eu/resource/authority/language/"
	fileTypeNS = "http://publications.europa.eu/resource/authority/file-type/"
	base64IRI  = "http://data.europa.eu/snb/encoding/6146cde7dd"
)

func authority(ns, code, label string) conceptJ {
	c := conceptJ{ID: ns + code, Type: "Concept", InScheme: &schemeJ{ID: strings.TrimSuffix(ns, "/"), Type: "ConceptScheme"}}
	if label != "" {
		c.PrefLabel = map[string]string{"en": label}
	}
	return c
}

// countryConcept maps an ISO 3166-1 alpha-2 code to the EU country
// authority concept (alpha-3 IRI).
func countryConcept(code string) (conceptJ, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return conceptJ{}, false
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.ISO3() == "" || r.String() != code {
		return conceptJ{}, false
	}
	return authority(countryNS, r.ISO3(), display.English.Regions().Name(r)), true
}

// languageConcept maps a BCP 47 tag to the EU language authority concept
// (ISO 639 three-letter IRI).
func languageConcept(tag string) (conceptJ, error) {
	t, err := language.Parse(tag)
	if err != nil {
		return conceptJ{}, fmt.Errorf("language %q: not a BCP 47 language tag", tag)
	}
	base, _ := t.Base()
	code := strings.ToUpper(base.ISO3())
	if code == "" || code == "UND" {
		return conceptJ{}, fmt.Errorf("language %q has no ISO 639 code", tag)
	}
	return authority(languageNS, code, display.English.Languages().Name(base)), nil
}

type noteJ struct {
	Type        string            `json:"type"`
	NoteLiteral map[string]string `json:"noteLiteral"`
}

type mediaJ struct {
	Type            string   `json:"type"`
	Content         string   `json:"content"`
	ContentEncoding conceptJ `json:"contentEncoding"`
	ContentType     conceptJ `json:"contentType"`
}

type displayImage struct {
	media mediaJ
	ok    bool
}

// parseDataURL reads a data: URL of a PNG or JPEG image in base64; with
// decode, it also checks the content decodes.
func parseDataURL(s string, decode bool) (mediaJ, error) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return mediaJ{}, errors.New("not a data: URL (data:image/png;base64,…)")
	}
	meta, content, ok := strings.Cut(rest, ",")
	if !ok {
		return mediaJ{}, errors.New("data: URL without a comma")
	}
	var ft string
	switch strings.ToLower(meta) {
	case "image/png;base64":
		ft = "PNG"
	case "image/jpeg;base64", "image/jpg;base64":
		ft = "JPEG"
	default:
		return mediaJ{}, fmt.Errorf("data: URL of %q: only base64 PNG or JPEG images are embedded", meta)
	}
	if decode {
		if _, err := base64.StdEncoding.DecodeString(content); err != nil {
			return mediaJ{}, fmt.Errorf("data: URL content is not base64: %v", err)
		}
	} else if strings.Trim(content, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != "" || content == "" {
		return mediaJ{}, errors.New("data: URL content is not base64")
	}
	return mediaJ{
		Type:            "MediaObject",
		Content:         content,
		ContentEncoding: conceptJ{ID: base64IRI, Type: "Concept", InScheme: &schemeJ{ID: "http://data.europa.eu/snb/encoding/25831c2", Type: "ConceptScheme"}, PrefLabel: map[string]string{"en": "base64"}},
		ContentType:     authority(fileTypeNS, ft, ft),
	}, nil
}

func parseDisplayImage(s string) (displayImage, error) {
	if s == "" {
		return displayImage{}, errors.New("required: a data: URL of the PNG or JPEG image EDC shows for the credential")
	}
	m, err := parseDataURL(s, true)
	return displayImage{media: m, ok: err == nil}, err
}

// funcs returns the functions a template body may call. Each returns a
// JSON value (rawJSON) built from its arguments, or a plain value the
// escaper then encodes.
func (t *Template) funcs() template.FuncMap {
	return template.FuncMap{
		escaper:            jsonValue,
		"lang":             t.fnLang,
		"text":             t.fnText,
		"eqf":              t.memoized("eqf", fnEQF),
		"isced":            t.memoized("isced", fnISCED),
		"country":          t.memoized("country", fnCountry),
		"location":         t.memoized("location", fnLocation),
		"language":         t.memoized("language", fnLanguage),
		"languages":        t.fnLanguages,
		"mode":             t.memoized("mode", fnMode),
		"learningSetting":  t.memoized("learningSetting", fnLearningSetting),
		"ects":             t.memoized("ects", fnECTS),
		"organisation":     t.fnOrganisation,
		"gradingScheme":    t.memoized("gradingScheme", t.fnGradingScheme),
		"note":             t.fnNote,
		"displayParameter": t.fnDisplayParameter,
		"credentialProfile": func(name string) (rawJSON, error) {
			return t.memo("credentialProfile\x00"+name, func() (rawJSON, error) { return fnCredentialProfile(name) })
		},
		"hours":  fnHours,
		"join":   fnJoin,
		"sum":    fnSum,
		"dict":   fnDict,
		"orgRef": t.fnOrgRef,
	}
}

// memoMax bounds the number of memoised function results per template.
const memoMax = 4096

// memo returns the cached result of build for key, computing it once.
// Only results of functions of vocabulary values (concepts, credit points,
// grading schemes) are cached: a bounded set in practice, and capped.
func (t *Template) memo(key string, build func() (rawJSON, error)) (rawJSON, error) {
	if v, ok := t.cache.Load(key); ok {
		return v.(rawJSON), nil
	}
	v, err := build()
	if err == nil && t.cacheSize.Load() < memoMax {
		if _, loaded := t.cache.LoadOrStore(key, v); !loaded {
			t.cacheSize.Add(1)
		}
	}
	return v, err
}

func raw(v any) (rawJSON, error) {
	b, err := marshal(v)
	return rawJSON(b), err
}

// memoized wraps a function of one scalar argument with the memo.
func (t *Template) memoized(name string, fn func(any) (rawJSON, error)) func(any) (rawJSON, error) {
	return func(v any) (rawJSON, error) {
		var key string
		switch x := v.(type) {
		case string:
			key = name + "\x00s" + x
		case int64:
			key = name + "\x00i" + strconv.FormatInt(x, 10)
		default:
			return fn(v)
		}
		return t.memo(key, func() (rawJSON, error) { return fn(v) })
	}
}

// asLang reads a LangText value (or a plain string, in the template's
// language) as a language map.
func (t *Template) asLang(v any) (map[string]string, error) {
	switch x := v.(type) {
	case map[string]string:
		if len(x) == 0 {
			return nil, errNoValue
		}
		return x, nil
	case string:
		if x == "" {
			return nil, errNoValue
		}
		return map[string]string{t.lang: x}, nil
	case rawJSON:
		return nil, errors.New("a language map needs text, not JSON")
	case nil:
		return nil, errNoValue
	}
	return map[string]string{t.lang: fmt.Sprint(v)}, nil
}

// lang writes a language map: {"en": "…", "fr": "…"}.
func (t *Template) fnLang(v any) (rawJSON, error) {
	if s, ok := v.(string); ok && s != "" {
		// langJSON(map[string]string{t.lang: s}), without the map.
		var b strings.Builder
		b.Grow(len(t.lang) + len(s) + 8)
		b.WriteByte('{')
		quoteTo(&b, t.lang)
		b.WriteByte(':')
		quoteTo(&b, s)
		b.WriteByte('}')
		return rawJSON(b.String()), nil
	}
	m, err := t.asLang(v)
	if err != nil {
		return "", err
	}
	return langJSON(m), nil
}

// langJSON writes a language map with its keys in order.
func langJSON(m map[string]string) rawJSON {
	var keyArray [8]string
	keys := keyArray[:0]
	n := 2
	for k, v := range m {
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		quoteTo(&b, k)
		b.WriteByte(':')
		quoteTo(&b, m[k])
	}
	b.WriteByte('}')
	return rawJSON(b.String())
}

// text returns the text in the template's language, else the first by
// language tag; for printf.
func (t *Template) fnText(v any) string {
	m, err := t.asLang(v)
	if err != nil {
		return ""
	}
	if s, ok := m[t.lang]; ok {
		return s
	}
	return m[slices.Sorted(maps.Keys(m))[0]]
}

func intOf(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	case nil:
		return 0, errNoValue
	}
	return 0, fmt.Errorf("%v is not a whole number", v)
}

// eqf writes the EQF level concept.
func fnEQF(v any) (rawJSON, error) {
	n, err := intOf(v)
	if err != nil {
		return "", fmt.Errorf("eqf: %v", err)
	}
	c := concept(elm.EQFNamespace, strconv.FormatInt(n, 10), "")
	lvl, ok := elm.EQFLevel(c.ID)
	if !ok {
		return "", fmt.Errorf("eqf: %d is not an EQF level", n)
	}
	c.PrefLabel = map[string]string{"en": "Level " + strconv.Itoa(lvl)}
	return raw(c)
}

// isced writes the ISCED-F field concept.
func fnISCED(v any) (rawJSON, error) {
	code, _ := v.(string)
	_, label, ok := elm.ISCEDF(elm.ISCEDFNamespace + code)
	if !ok {
		return "", fmt.Errorf("isced: %q is not an ISCED-F code", code)
	}
	return raw(concept(elm.ISCEDFNamespace, code, label))
}

// country writes the EU country concept of an alpha-2 code.
func fnCountry(v any) (rawJSON, error) {
	code, _ := v.(string)
	c, ok := countryConcept(code)
	if !ok {
		return "", fmt.Errorf("country: %q is not an ISO 3166-1 alpha-2 code", code)
	}
	return raw(c)
}

type addressJ struct {
	Type        string   `json:"type"`
	CountryCode conceptJ `json:"countryCode"`
	FullAddress *noteJ   `json:"fullAddress,omitempty"`
}

type locationJ struct {
	Type    string   `json:"type"`
	Address addressJ `json:"address"`
}

func location(c conceptJ, full map[string]string) locationJ {
	l := locationJ{Type: "Location", Address: addressJ{Type: "Address", CountryCode: c}}
	if len(full) > 0 {
		l.Address.FullAddress = &noteJ{Type: "Note", NoteLiteral: full}
	}
	return l
}

// location writes a Location whose address is in the given country.
func fnLocation(v any) (rawJSON, error) {
	code, _ := v.(string)
	c, ok := countryConcept(code)
	if !ok {
		return "", fmt.Errorf("location: %q is not an ISO 3166-1 alpha-2 code", code)
	}
	return raw(location(c, nil))
}

// language writes the EU language concept of a BCP 47 tag.
func fnLanguage(v any) (rawJSON, error) {
	tag, _ := v.(string)
	c, err := languageConcept(tag)
	if err != nil {
		return "", err
	}
	return raw(c)
}

// languages writes an array of the language concepts of a LangText's
// languages.
func (t *Template) fnLanguages(v any) (rawJSON, error) {
	m, err := t.asLang(v)
	if err != nil {
		return "", err
	}
	var cs []conceptJ
	for _, k := range slices.Sorted(maps.Keys(m)) {
		c, err := languageConcept(k)
		if err != nil {
			return "", err
		}
		cs = append(cs, c)
	}
	return raw(cs)
}

// mode writes the learning mode concept (presential, online, blended…).
func fnMode(v any) (rawJSON, error) {
	label, _ := v.(string)
	code, ok := modeCode(label)
	if !ok {
		return "", fmt.Errorf("mode: %q is not a learning mode", label)
	}
	c := concept(elm.ModeNamespace, code, "")
	l, _ := elm.Mode(c.ID)
	c.PrefLabel = map[string]string{"en": l}
	return raw(c)
}

// learningSetting writes the formal or non-formal learning concept.
func fnLearningSetting(v any) (rawJSON, error) {
	s, _ := v.(string)
	var code string
	switch strings.ToLower(s) {
	case "formal":
		code = "6fd4685715"
	case "non-formal", "nonformal":
		code = "e207a81fc7"
	default:
		return "", fmt.Errorf("learningSetting: %q is neither formal nor non-formal", s)
	}
	c := concept(elm.LearningSettingNamespace, code, "")
	l, _ := elm.LearningSetting(c.ID)
	c.PrefLabel = map[string]string{"en": l}
	return raw(c)
}

type creditJ struct {
	Type      string   `json:"type"`
	Framework conceptJ `json:"framework"`
	Point     string   `json:"point"`
}

// ects writes an ECTS CreditPoint.
func fnECTS(v any) (rawJSON, error) {
	var p string
	switch x := v.(type) {
	case string:
		p = x
	case int64:
		p = strconv.FormatInt(x, 10)
	case nil:
		return "", fmt.Errorf("ects: %w", errNoValue)
	default:
		return "", fmt.Errorf("ects: %v is not a number", v)
	}
	return raw(creditJ{Type: "CreditPoint", Framework: concept(elm.CreditNamespace, "6fcec5c5af", "European Credit Transfer System"), Point: p})
}

type legalIDJ struct {
	Type     string   `json:"type"`
	Notation string   `json:"notation"`
	Spatial  conceptJ `json:"spatial"`
}

type webJ struct {
	Type       string `json:"type"`
	ContentURL string `json:"contentURL"`
}

type mailboxJ struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type contactJ struct {
	Type         string   `json:"type"`
	EmailAddress mailboxJ `json:"emailAddress"`
}

type orgJ struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	LegalName    map[string]string `json:"legalName"`
	Registration *legalIDJ         `json:"registration,omitempty"`
	Location     locationJ         `json:"location"`
	Homepage     *webJ             `json:"homepage,omitempty"`
	ContactPoint *contactJ         `json:"contactPoint,omitempty"`
	Logo         *mediaJ           `json:"logo,omitempty"`
}

// organisation writes the institution as an ELM Organisation: id, legal
// name, registration, location, homepage, e-mail and logo.
func (t *Template) fnOrganisation(iv *issuerView) (rawJSON, error) {
	if iv == nil {
		return "", errors.New("organisation: no institution")
	}
	return iv.org, nil
}

// organisationJSON builds what fnOrganisation writes.
func (t *Template) organisationJSON(inst *Institution) (rawJSON, error) {
	c, ok := countryConcept(inst.Country)
	if !ok {
		return "", fmt.Errorf("organisation: country %q is not an ISO 3166-1 alpha-2 code", inst.Country)
	}
	o := orgJ{ID: inst.DID, Type: "Organisation", LegalName: inst.LegalName}
	if inst.LegalIdentifier != "" {
		o.Registration = &legalIDJ{Type: "LegalIdentifier", Notation: inst.LegalIdentifier, Spatial: c}
	}
	var full map[string]string
	if inst.Location != "" {
		full = map[string]string{t.lang: inst.Location}
	}
	o.Location = location(c, full)
	if inst.Homepage != "" {
		o.Homepage = &webJ{Type: "WebResource", ContentURL: inst.Homepage}
	}
	if inst.Email != "" {
		o.ContactPoint = &contactJ{Type: "ContactPoint", EmailAddress: mailboxJ{ID: "mailto:" + inst.Email, Type: "Mailbox"}}
	}
	if strings.HasPrefix(inst.Logo, "data:") {
		m, err := parseDataURL(inst.Logo, false)
		if err != nil {
			return "", fmt.Errorf("organisation: logo: %v", err)
		}
		o.Logo = &m
	}
	return raw(o)
}

type gradingJ struct {
	Type        string            `json:"type"`
	Title       map[string]string `json:"title"`
	Description map[string]string `json:"description,omitempty"`
}

// gradingScheme writes the GradingScheme a scheme name stands for.
func (t *Template) fnGradingScheme(v any) (rawJSON, error) {
	name, _ := v.(string)
	gs, ok := t.scheme(name)
	if !ok {
		return "", fmt.Errorf("gradingScheme: unknown scheme %q", name)
	}
	return raw(gradingJ{Type: "GradingScheme", Title: gs.Title, Description: gs.Description})
}

// note writes a Note holding a text (or a LangText).
func (t *Template) fnNote(v any) (rawJSON, error) {
	m, err := t.asLang(v)
	if err != nil {
		return "", fmt.Errorf("note: %w", err)
	}
	return rawJSON(`{"type":"Note","noteLiteral":` + string(langJSON(m)) + `}`), nil
}

type displayDetailJ struct {
	Type  string `json:"type"`
	Image mediaJ `json:"image"`
	Page  int    `json:"page"`
}

type individualDisplayJ struct {
	Type          string           `json:"type"`
	Language      conceptJ         `json:"language"`
	DisplayDetail []displayDetailJ `json:"displayDetail"`
}

type displayParameterJ struct {
	Type              string               `json:"type"`
	Title             map[string]string    `json:"title"`
	Description       map[string]string    `json:"description,omitempty"`
	Language          []conceptJ           `json:"language"`
	PrimaryLanguage   conceptJ             `json:"primaryLanguage"`
	IndividualDisplay []individualDisplayJ `json:"individualDisplay"`
}

// displayParameter writes the DisplayParameter EDC requires: the title, the
// languages of the title, the primary language (the template's, when the
// title has it) and one page showing the template's display image.
func (t *Template) fnDisplayParameter(title any, description ...any) (rawJSON, error) {
	m, err := t.asLang(title)
	if err != nil {
		return "", fmt.Errorf("displayParameter: %w", err)
	}
	var desc map[string]string
	if len(description) > 0 && description[0] != nil {
		desc, _ = t.asLang(description[0])
	}
	keys := slices.Sorted(maps.Keys(m))
	// Everything but the title and description depends only on the
	// title's languages: memoised.
	tail, err := t.memo("displayParameter\x00"+strings.Join(keys, "\x00"), func() (rawJSON, error) {
		primary := keys[0]
		if _, ok := m[t.lang]; ok {
			primary = t.lang
		}
		d := displayParameterJ{}
		for _, k := range keys {
			c, err := languageConcept(k)
			if err != nil {
				return "", err
			}
			d.Language = append(d.Language, c)
			if k == primary {
				d.PrimaryLanguage = c
			}
		}
		d.IndividualDisplay = []individualDisplayJ{{
			Type:          "IndividualDisplay",
			Language:      d.PrimaryLanguage,
			DisplayDetail: []displayDetailJ{{Type: "DisplayDetail", Image: t.image.media, Page: 1}},
		}}
		b, err := marshal(struct {
			Language          []conceptJ           `json:"language"`
			PrimaryLanguage   conceptJ             `json:"primaryLanguage"`
			IndividualDisplay []individualDisplayJ `json:"individualDisplay"`
		}{d.Language, d.PrimaryLanguage, d.IndividualDisplay})
		return rawJSON(b[1:]), err // without its opening brace
	})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(`{"type":"DisplayParameter","title":`)
	b.WriteString(string(langJSON(m)))
	if len(desc) > 0 {
		b.WriteString(`,"description":`)
		b.WriteString(string(langJSON(desc)))
	}
	b.WriteByte(',')
	b.WriteString(string(tail))
	return rawJSON(b.String()), nil
}

// credentialProfile writes the concept of an EDC credential profile.
func fnCredentialProfile(name string) (rawJSON, error) {
	codes := map[string][2]string{
		"generic":           {"e34929035b", "Generic"},
		"accredited":        {"c_ae121a00", "Accredited"},
		"diplomaSupplement": {"6dff8a0f87", "Diploma Supplement"},
	}
	c, ok := codes[name]
	if !ok {
		return "", fmt.Errorf("credentialProfile: unknown profile %q (generic, accredited, diplomaSupplement)", name)
	}
	return raw(concept(elm.CredentialTypeNamespace, c[0], c[1]))
}

// hours turns a number of hours into an xsd:duration ("PT60H", "PT7H30M").
func fnHours(v any) (string, error) {
	var f float64
	switch x := v.(type) {
	case string:
		var err error
		if f, err = parseDecimal(x); err != nil {
			return "", fmt.Errorf("hours: %q is not a number", x)
		}
	case int64:
		f = float64(x)
	case nil:
		return "", fmt.Errorf("hours: %w", errNoValue)
	default:
		return "", fmt.Errorf("hours: %v is not a number", v)
	}
	if f < 0 {
		return "", fmt.Errorf("hours: %v is negative", f)
	}
	mins := int64(f*60 + 0.5)
	h, m := mins/60, mins%60
	if m == 0 {
		return fmt.Sprintf("PT%dH", h), nil
	}
	return fmt.Sprintf("PT%dH%dM", h, m), nil
}

// sum adds up a decimal field over the items of a list:
// {{sum .Record.course "ects"}} writes "60".
func fnSum(items []map[string]any, field string) (string, error) {
	total := new(big.Rat)
	for i, it := range items {
		s, ok := it[field].(string)
		if !ok {
			continue
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return "", fmt.Errorf("sum: item %d: %s %q is not a number", i+1, field, s)
		}
		total.Add(total, r)
	}
	out := strings.TrimRight(strings.TrimRight(total.FloatString(6), "0"), ".")
	return out, nil
}

// orgRef writes the institution with only what identifies it (id, type,
// legal name, location), for the places that repeat it after the issuer.
func (t *Template) fnOrgRef(iv *issuerView) (rawJSON, error) {
	if iv == nil {
		return "", errors.New("orgRef: no institution")
	}
	return iv.ref, nil
}

// orgRefJSON builds what fnOrgRef writes.
func (t *Template) orgRefJSON(inst *Institution) (rawJSON, error) {
	c, ok := countryConcept(inst.Country)
	if !ok {
		return "", fmt.Errorf("orgRef: country %q is not an ISO 3166-1 alpha-2 code", inst.Country)
	}
	return raw(orgJ{ID: inst.DID, Type: "Organisation", LegalName: inst.LegalName, Location: location(c, nil)})
}

// dict builds a map from name, value pairs, to hand several values to a
// {{template}}: {{template "course" (dict "Course" $c "Issuer" $.Issuer)}}.
func fnDict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, errors.New("dict: needs name, value pairs")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: name %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

// join joins strings: {{join "urn:x:" .Record.code}}.
func fnJoin(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		if p != nil {
			fmt.Fprint(&b, p)
		}
	}
	return b.String()
}
