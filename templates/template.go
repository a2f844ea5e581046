package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"

	"github.com/go-playground/validator/v10"
	"golang.org/x/text/language"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

//go:embed builtin/*.tmpl
var builtinFS embed.FS

// builtinNames lists the built-in templates in the order Builtins returns
// them.
var builtinNames = [...]string{"diploma", "transcript", "microcredential", "participation", "mobility"}

// FieldType is the kind of value a field takes.
type FieldType string

const (
	// Text is a string.
	Text FieldType = "text"
	// LangText is a text in one or more languages: CSV columns "title.en",
	// "title.fr"; a JSON object {"en": "…", "fr": "…"}; or a plain string,
	// taken to be in the template's language.
	LangText FieldType = "langtext"
	// Date is a calendar date, YYYY-MM-DD (or an RFC 3339 date-time),
	// rendered as an xsd:dateTime.
	Date FieldType = "date"
	// Decimal is a number such as 7.5 (a decimal comma, 7,5, is accepted
	// too), rendered as its shortest decimal string.
	Decimal FieldType = "decimal"
	// Integer is a whole number.
	Integer FieldType = "integer"
	// Bool is true or false (also yes/no, 1/0).
	Bool FieldType = "bool"
	// List is a repeated group of fields: CSV columns "course.1.title.en",
	// "course.1.ects", "course.2.ects"…; a JSON array of objects.
	List FieldType = "list"
)

// Field declares one input field of a template.
type Field struct {
	// Name is the field's name in records and in the template body
	// (.Record.name): a letter, then letters, digits or underscores.
	Name string `json:"name"`
	// Type is the kind of value; "" means Text.
	Type FieldType `json:"type,omitempty"`
	// Required fields must be present and not empty.
	Required bool `json:"required,omitempty"`
	// Rules are go-playground/validator tags applied to the value (to
	// each text of a LangText, to the item count of a List), with the
	// rules this package adds: esi, ects, eqf, isced, country, lang, mode,
	// duration. See docs/templates.md.
	Rules string `json:"rules,omitempty"`
	// Description says what the field holds, for people.
	Description string `json:"description,omitempty"`
	// Default is the value of an absent field, in its CSV form.
	Default string `json:"default,omitempty"`
	// Grading makes the field a grade checked against a grading scheme:
	// it names the field (in the same list item, else at the top level)
	// whose value names the scheme — a key of the template's
	// gradingSchemes, or an inline scheme ("0..20", "A|B|C|D|E|FX|F").
	Grading string `json:"grading,omitempty"`
	// Fields are the fields of each item of a List.
	Fields []Field `json:"fields,omitempty"`
}

// GradingScheme is a scale grades are given on: a numeric range (Min and
// Max) or a list of grades (Values), with a title for the credential.
type GradingScheme struct {
	Title       map[string]string `json:"title"`
	Description map[string]string `json:"description,omitempty"`
	Min         *float64          `json:"min,omitempty"`
	Max         *float64          `json:"max,omitempty"`
	Values      []string          `json:"values,omitempty"`
}

// header is the JSON part of a template file, before the "---" line.
type header struct {
	Name           string                   `json:"name"`
	Title          string                   `json:"title"`
	Description    string                   `json:"description"`
	Language       string                   `json:"language"`
	EQFField       string                   `json:"eqfField,omitempty"`
	ISCEDField     string                   `json:"iscedField,omitempty"`
	Disclosable    []string                 `json:"disclosable,omitempty"`
	GradingSchemes map[string]GradingScheme `json:"gradingSchemes,omitempty"`
	DisplayImage   string                   `json:"displayImage"`
	Fields         []Field                  `json:"fields"`
	Example        json.RawMessage          `json:"example"`
}

// Template is a parsed credential template. It is safe for concurrent use.
type Template struct {
	h        header
	source   []byte
	body     *template.Template
	fast     *compiledBody // body compiled, nil when it uses what compile does not cover
	validate *validator.Validate
	lang     string            // the header's language, canonical
	fields   map[string]*Field // top level, by name
	image    displayImage

	cache      sync.Map // memoised function results, see memo
	cacheSize  atomic.Int64
	lastIssuer atomic.Pointer[issuerView]
}

// Name returns the template's name, as in its header.
func (t *Template) Name() string { return t.h.Name }

// Title returns the one-line title of the template.
func (t *Template) Title() string { return t.h.Title }

// Description returns what the template is for.
func (t *Template) Description() string { return t.h.Description }

// Language returns the template's language: the language of plain-string
// values of LangText fields, and the credential's primary language.
func (t *Template) Language() string { return t.lang }

// Fields returns the declared input fields, in declaration order. The
// slice is a copy; the caller may change it.
func (t *Template) Fields() []Field { return cloneFields(t.h.Fields) }

// GradingSchemes returns the template's named grading schemes.
func (t *Template) GradingSchemes() map[string]GradingScheme {
	m := make(map[string]GradingScheme, len(t.h.GradingSchemes))
	for k, v := range t.h.GradingSchemes {
		m[k] = v
	}
	return m
}

// Disclosable returns the JSON paths the template declares selectively
// disclosable (see Rendered.Disclosable).
func (t *Template) Disclosable() []string { return slices.Clone(t.h.Disclosable) }

// Source returns the template file as read, for a registrar to copy.
func (t *Template) Source() []byte { return bytes.Clone(t.source) }

// Example returns the example record the template file carries.
func (t *Template) Example() (Record, error) {
	recs, err := ReadJSON(t.h.Example, t.h.Name+" example")
	if err != nil {
		return nil, err
	}
	if len(recs) != 1 {
		return nil, fmt.Errorf("%w: the example must be one record", ErrInvalidTemplate)
	}
	return recs[0], nil
}

func cloneFields(fs []Field) []Field {
	out := slices.Clone(fs)
	for i := range out {
		out[i].Fields = cloneFields(out[i].Fields)
	}
	return out
}

// Builtin returns the built-in template of that name (see Builtins). An
// unknown name is an error wrapping ErrUnknownTemplate that lists the known
// ones.
func Builtin(name string) (*Template, error) {
	if !slices.Contains(builtinNames[:], name) {
		return nil, fmt.Errorf("%w %q (built-in: %s)", ErrUnknownTemplate, name, strings.Join(builtinNames[:], ", "))
	}
	src, err := builtinFS.ReadFile(path.Join("builtin", name+".tmpl"))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return Parse(src, name+".tmpl")
}

// Builtins returns every built-in template: diploma, transcript,
// microcredential, participation and mobility.
func Builtins() []*Template {
	out := make([]*Template, 0, len(builtinNames))
	for _, n := range builtinNames {
		t, err := Builtin(n)
		if err != nil { // the embedded files are tested; never happens
			continue
		}
		out = append(out, t)
	}
	return out
}

// Load reads and parses a template file (see Parse).
func Load(file string) (*Template, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading template: %w", err)
	}
	return Parse(src, file)
}

// MaxTemplateBytes is the largest template file accepted (1 MiB).
const MaxTemplateBytes = 1 << 20

var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Parse parses a template file: a JSON header, a line "---", and the
// text/template body. file names the file in messages. It checks the
// header (known members only, field names, types, rules, grading schemes,
// language) and parses the body, appending the JSON escaper to every
// action; it does not render the example (Check does). Errors wrap
// ErrInvalidTemplate.
func Parse(src []byte, file string) (*Template, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", file, ErrInvalidTemplate, fmt.Sprintf(format, args...))
	}
	if len(src) > MaxTemplateBytes {
		return nil, fail("%d bytes, over the limit of %d", len(src), MaxTemplateBytes)
	}
	src = bytes.TrimPrefix(src, utf8BOM)
	head, body, ok := splitTemplate(src)
	if !ok {
		return nil, fail("no line \"---\" between the JSON header and the template body")
	}
	if err := jsonx.Check(head, jsonx.Limits{}); err != nil {
		return nil, fail("header: %v", err)
	}
	t := &Template{source: src}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t.h); err != nil {
		return nil, fail("header: %v", err)
	}
	if !fieldName.MatchString(t.h.Name) {
		return nil, fail("header: name %q must be a letter followed by letters, digits or underscores", t.h.Name)
	}
	tag, err := language.Parse(cmpOr(t.h.Language, "en"))
	if err != nil {
		return nil, fail("header: language %q is not a BCP 47 language tag", t.h.Language)
	}
	t.lang = tag.String()
	if t.validate, err = newValidator(); err != nil {
		return nil, fmt.Errorf("templates: setting up the validation rules: %w", err)
	}
	if err := t.checkFields(t.h.Fields, ""); err != nil {
		return nil, fail("%v", err)
	}
	t.fields = make(map[string]*Field, len(t.h.Fields))
	for i := range t.h.Fields {
		t.fields[t.h.Fields[i].Name] = &t.h.Fields[i]
	}
	for _, f := range []struct{ name, want string }{{t.h.EQFField, "eqfField"}, {t.h.ISCEDField, "iscedField"}} {
		if f.name != "" && t.fields[f.name] == nil {
			return nil, fail("header: %s names %q, which is not a field", f.want, f.name)
		}
	}
	for name, gs := range t.h.GradingSchemes {
		if err := checkScheme(gs); err != nil {
			return nil, fail("header: grading scheme %q: %v", name, err)
		}
	}
	if t.image, err = parseDisplayImage(t.h.DisplayImage); err != nil {
		return nil, fail("header: displayImage: %v", err)
	}
	if len(t.h.Example) == 0 {
		return nil, fail("header: no example record")
	}
	t.body, err = parseBody(t, string(body), file)
	if err != nil {
		return nil, fail("%v", err)
	}
	if t.body.Tree != nil {
		t.fast = t.compile(t.body.Tree.Root)
	}
	return t, nil
}

// splitTemplate cuts the file at its first line that is exactly "---".
func splitTemplate(src []byte) (head, body []byte, ok bool) {
	rest := src
	off := 0
	for len(rest) > 0 {
		line, after, found := bytes.Cut(rest, []byte{'\n'})
		if string(bytes.TrimRight(line, "\r")) == "---" {
			return src[:off], after, true
		}
		if !found {
			break
		}
		off += len(line) + 1
		rest = after
	}
	return nil, nil, false
}

func (t *Template) checkFields(fs []Field, parent string) error {
	seen := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		where := parent + f.Name
		if !fieldName.MatchString(f.Name) {
			return fmt.Errorf("field %q: a name is a letter followed by letters, digits or underscores", where)
		}
		if seen[f.Name] {
			return fmt.Errorf("field %q is declared twice", where)
		}
		seen[f.Name] = true
		if f.Type == "" {
			f.Type = Text
		}
		switch f.Type {
		case Text, LangText, Date, Decimal, Integer, Bool:
			if len(f.Fields) > 0 {
				return fmt.Errorf("field %q: only a list has fields", where)
			}
		case List:
			if parent != "" {
				return fmt.Errorf("field %q: a list cannot hold another list", where)
			}
			if len(f.Fields) == 0 {
				return fmt.Errorf("field %q: a list must declare the fields of its items", where)
			}
			if err := t.checkFields(f.Fields, where+"."); err != nil {
				return err
			}
			if f.Default != "" {
				return fmt.Errorf("field %q: a list cannot have a default", where)
			}
		default:
			return fmt.Errorf("field %q: unknown type %q (known: text, langtext, date, decimal, integer, bool, list)", where, f.Type)
		}
		if f.Rules != "" {
			if err := t.tryRules(f); err != nil {
				return fmt.Errorf("field %q: rules %q: %v", where, f.Rules, err)
			}
		}
		if f.Grading != "" && !slices.ContainsFunc(fs, func(g Field) bool { return g.Name == f.Grading }) &&
			!slices.ContainsFunc(t.h.Fields, func(g Field) bool { return g.Name == f.Grading }) {
			return fmt.Errorf("field %q: grading names %q, which is not a field", where, f.Grading)
		}
		if f.Default != "" && f.Type != List {
			v, fe := t.convert(f, f.Default, where)
			if fe == "" && f.Rules != "" {
				if f.Type == Decimal {
					v, _ = parseDecimal(v.(string))
				}
				fe = t.runRules(f, v, f.Default)
			}
			if fe != "" {
				return fmt.Errorf("field %q: default %q: %s", where, f.Default, fe)
			}
		}
	}
	return nil
}

// tryRules runs the field's rules once on a zero value of its type, so
// that an unknown rule or a bad parameter is a load error, not a panic at
// issuance.
func (t *Template) tryRules(f *Field) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	var zero any
	switch f.Type {
	case Decimal:
		zero = 0.0
	case Integer:
		zero = int64(0)
	case Bool:
		zero = false
	case List:
		zero = []map[string]any{}
	default:
		zero = ""
	}
	verr := t.validate.Var(zero, f.Rules)
	var inv *validator.InvalidValidationError
	if errors.As(verr, &inv) {
		return verr
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
