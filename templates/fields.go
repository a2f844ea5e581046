package templates

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/suggest"
)

// Validate checks a record against the template's fields and returns every
// problem at once, each with the record's row (or item) and the field as
// the input names it: unknown fields (a typo in a column name is never
// ignored), missing required fields, values of the wrong type, broken
// rules, grades outside their scheme. None means Render will accept the
// record.
func (t *Template) Validate(rec Record) []FieldError {
	_, errs := t.normalize(rec)
	return errs
}

// ValidateAll validates every record of a file and returns a *RecordsError
// listing every problem of every record, or nil.
func (t *Template) ValidateAll(recs []Record, file string) error {
	var all []FieldError
	for _, r := range recs {
		all = append(all, t.Validate(r)...)
	}
	if len(all) == 0 {
		return nil
	}
	return &RecordsError{File: file, Errors: all}
}

// CheckColumns checks the columns of a CSV header (CSVColumns) before any
// row: a column no field takes (a typo, a language tag that is not one, a
// list column without its index) and a required field no column gives are
// each one problem, reported once for the file at row 1 (the header) rather
// than once per row. It returns a *RecordsError listing them, or nil.
func (t *Template) CheckColumns(columns []string, file string) error {
	var errs []FieldError
	given := map[string]bool{}
	for _, col := range columns {
		name, _, _ := strings.Cut(col, ".")
		given[name] = true
		// The column's own problems, as a row holding a value in it
		// alone would show them.
		_, probs := t.normalize(Record{col: "x"})
		for _, p := range probs {
			if p.Field == col && columnProblem(p.Message) {
				errs = append(errs, FieldError{Row: 1, Field: col, Message: p.Message})
			}
		}
	}
	for _, f := range t.h.Fields {
		if !f.Required || f.Default != "" || given[f.Name] {
			continue
		}
		msg := "required, and the header has no column for it"
		switch f.Type {
		case LangText:
			msg += fmt.Sprintf(" (add %s.%s, or %s.xx for another language)", f.Name, t.lang, f.Name)
		case List:
			msg += fmt.Sprintf(" (add %s.1.%s and the other columns of an item)", f.Name, f.Fields[0].Name)
		}
		errs = append(errs, FieldError{Row: 1, Field: f.Name, Message: msg})
	}
	if len(errs) == 0 {
		return nil
	}
	return &RecordsError{File: file, Errors: errs}
}

// columnProblem reports whether a message normalize gives is about the
// column's name rather than its value: an unknown field, a list column
// without its index, a multilingual column whose suffix is not a language
// (langText's message, not the one of a "lang" rule on a value).
func columnProblem(msg string) bool {
	return strings.HasPrefix(msg, "unknown field") || strings.HasPrefix(msg, "must be a list") ||
		strings.Contains(msg, "is not a BCP 47 language tag (write ")
}

// entry is one input value and the column (or JSON path) it came from.
type entry struct {
	key string // relative to the level: "title.fr", "ects"
	val any
	col string // as the input names it: "course.3.title.fr"
}

type problems struct {
	row, item, line int
	errs            []FieldError
}

func (p *problems) add(col, format string, args ...any) {
	p.errs = append(p.errs, FieldError{Row: p.row, Item: p.item, Line: p.line, Field: col, Message: fmt.Sprintf(format, args...)})
}

// normalize turns a record into the values the template body sees: every
// declared field present (nil when absent), texts as strings, LangText as
// map[string]string, dates as xsd:dateTime strings, decimals as their
// shortest decimal string, integers as int64, bools, lists as
// []map[string]any.
func (t *Template) normalize(rec Record) (map[string]any, []FieldError) {
	p := &problems{row: rec.Row(), item: rec.Item(), line: rec.Line()}
	entries := make([]entry, 0, len(rec))
	for k, v := range rec {
		if k == rowKey || k == itemKey || k == lineKey {
			continue
		}
		entries = append(entries, entry{key: k, val: v, col: k})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.col, b.col) })
	vals := t.level(t.h.Fields, entries, nil, "", p)
	slices.SortStableFunc(p.errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return vals, p.errs
}

// level normalizes the entries of one level (the record, or one list item)
// against its fields. top is the record's values when the level is a list
// item, for grading schemes declared at the top.
func (t *Template) level(fields []Field, entries []entry, top map[string]any, prefix string, p *problems) map[string]any {
	byName := t.fields // the record's level: built once
	if len(fields) == 0 || len(t.h.Fields) == 0 || &fields[0] != &t.h.Fields[0] {
		byName = make(map[string]*Field, len(fields))
		for i := range fields {
			byName[fields[i].Name] = &fields[i]
		}
	}
	grouped := make(map[string][]entry, len(fields))
	for _, e := range entries {
		name, rest, _ := strings.Cut(e.key, ".")
		f := byName[name]
		if f == nil {
			p.add(e.col, "%s", unknownField(name, fields))
			continue
		}
		switch f.Type {
		case LangText:
			if obj, ok := e.val.(map[string]any); ok && rest == "" {
				for lang, v := range obj {
					grouped[name] = append(grouped[name], entry{key: lang, val: v, col: e.col + "." + lang})
				}
				continue
			}
			grouped[name] = append(grouped[name], entry{key: rest, val: e.val, col: e.col})
		case List:
			if arr, ok := e.val.([]any); ok && rest == "" {
				for i, item := range arr {
					col := fmt.Sprintf("%s.%d", e.col, i+1)
					obj, ok := item.(map[string]any)
					if !ok {
						p.add(col, "must be an object of the item's fields, found %s", jsonx.Kind(item))
						continue
					}
					for k, v := range obj {
						grouped[name] = append(grouped[name], entry{key: strconv.Itoa(i+1) + "." + k, val: v, col: col + "." + k})
					}
				}
				continue
			}
			if rest == "" {
				p.add(e.col, "must be a list: columns %s.1.…, %s.2.… in CSV, an array of objects in JSON", name, name)
				continue
			}
			grouped[name] = append(grouped[name], entry{key: rest, val: e.val, col: e.col})
		default:
			if rest != "" {
				p.add(e.col, "unknown field: %s takes one value, not %s.%s", name, name, rest)
				continue
			}
			grouped[name] = append(grouped[name], e)
		}
	}

	vals := make(map[string]any, len(fields))
	// Lists last, so that their items can see the top-level values.
	for pass := 0; pass < 2; pass++ {
		for i := range fields {
			f := &fields[i]
			if (f.Type == List) != (pass == 1) {
				continue
			}
			es := grouped[f.Name]
			switch f.Type {
			case LangText:
				vals[f.Name] = t.langText(f, es, prefix, p)
			case List:
				vals[f.Name] = t.list(f, es, vals, p)
			default:
				var e entry
				if len(es) > 0 {
					e = es[0]
				} else {
					e = entry{col: prefix + f.Name}
				}
				vals[f.Name] = t.scalar(f, e, p)
			}
		}
	}
	// Grades, once every value of the level is known.
	for i := range fields {
		f := &fields[i]
		if f.Grading == "" || vals[f.Name] == nil {
			continue
		}
		grade := sprint(vals[f.Name])
		schemeName, _ := vals[f.Grading].(string)
		if schemeName == "" && top != nil {
			schemeName, _ = top[f.Grading].(string) // an item falls back to the record's scheme
		}
		col := colOf(grouped[f.Name], prefix+f.Name)
		if schemeName == "" {
			p.add(col, "a grade needs its grading scheme: field %s is empty", f.Grading)
			continue
		}
		gs, ok := t.scheme(schemeName)
		if !ok {
			if _, here := byName[f.Grading]; !here {
				p.add(col, "unknown grading scheme %q in field %s", schemeName, f.Grading)
			}
			continue // else reported on the scheme field below
		}
		g, msg := gradeProblem(grade, gs, schemeName)
		if msg != "" {
			p.add(col, "%s", msg)
			continue
		}
		vals[f.Name] = g
	}
	// Scheme fields must name a known scheme.
	for i := range fields {
		f := &fields[i]
		for j := range fields {
			if fields[j].Grading != f.Name {
				continue
			}
			if s, _ := vals[f.Name].(string); s != "" {
				if _, ok := t.scheme(s); !ok {
					p.add(colOf(grouped[f.Name], prefix+f.Name), "unknown grading scheme %q (known: %s; or a range such as 0..20, or a list such as A|B|C|D|E|FX|F)",
						s, strings.Join(slices.Sorted(maps.Keys(t.h.GradingSchemes)), ", "))
				}
			}
			break
		}
	}
	return vals
}

// sprint is fmt.Sprint(v), without fmt for the values normalize makes most.
func sprint(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

func colOf(es []entry, name string) string {
	if len(es) > 0 {
		return es[0].col
	}
	return name
}

// scalar converts and checks one value of a non-list, non-langtext field.
func (t *Template) scalar(f *Field, e entry, p *problems) any {
	raw := e.val
	if isEmpty(raw) {
		if f.Default == "" {
			if f.Required {
				p.add(e.col, "required")
			}
			return nil
		}
		raw = f.Default
	}
	v, msg := t.convert(f, raw, e.col)
	if msg != "" {
		p.add(e.col, "%s", msg)
		return nil
	}
	if f.Rules != "" {
		check := v
		if f.Type == Decimal {
			check, _ = parseDecimal(v.(string))
		}
		if m := t.runRules(f, check, sprint(v)); m != "" {
			p.add(e.col, "%s", m)
			return nil
		}
	}
	return v
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	}
	return false
}

// convert reads a raw value (a CSV string, or a JSON value) as the field's
// type. The message is "" on success.
func (t *Template) convert(f *Field, raw any, col string) (any, string) {
	s, isString := raw.(string)
	if n, ok := raw.(json.Number); ok {
		s, isString = string(n), true
	}
	if b, ok := raw.(bool); ok && f.Type == Bool {
		return b, ""
	}
	if !isString {
		return nil, fmt.Sprintf("must be %s, found %s", typeWords(f.Type), jsonx.Kind(raw))
	}
	s = strings.TrimSpace(s)
	switch f.Type {
	case Text, LangText:
		return s, ""
	case Date:
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d.Format(time.RFC3339), ""
		}
		if d, err := time.Parse(time.RFC3339, s); err == nil {
			return d.UTC().Format(time.RFC3339), ""
		}
		return nil, fmt.Sprintf("%q is not a date: write YYYY-MM-DD, such as 2025-07-01", s)
	case Decimal:
		d, err := parseDecimal(s)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a number", s)
		}
		return fmtNum(d), ""
	case Integer:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a whole number", s)
		}
		return n, ""
	case Bool:
		switch strings.ToLower(s) {
		case "true", "yes", "1", "y":
			return true, ""
		case "false", "no", "0", "n":
			return false, ""
		}
		return nil, fmt.Sprintf("%q is not true or false", s)
	}
	return nil, fmt.Sprintf("cannot hold a single value (type %s)", f.Type)
}

func typeWords(ft FieldType) string {
	switch ft {
	case Date:
		return "a date (YYYY-MM-DD)"
	case Decimal, Integer:
		return "a number"
	case Bool:
		return "true or false"
	}
	return "text"
}

// langText gathers the texts of a LangText field by language.
func (t *Template) langText(f *Field, es []entry, prefix string, p *problems) map[string]string {
	out := map[string]string{}
	for _, e := range es {
		if isEmpty(e.val) {
			continue
		}
		lang := e.key
		if lang == "" {
			lang = t.lang
		}
		tag, err := language.Parse(lang)
		if err != nil || strings.Contains(lang, ".") {
			p.add(e.col, "%q is not a BCP 47 language tag (write %s.en, %s.fr…)", lang, f.Name, f.Name)
			continue
		}
		v, msg := t.convert(f, e.val, e.col)
		if msg != "" {
			p.add(e.col, "%s", msg)
			continue
		}
		text := v.(string)
		if f.Rules != "" {
			if m := t.runRules(f, text, text); m != "" {
				p.add(e.col, "%s", m)
				continue
			}
		}
		key := tag.String()
		if _, dup := out[key]; dup {
			p.add(e.col, "a second text in language %s", key)
			continue
		}
		out[key] = text
	}
	if len(out) == 0 {
		if f.Default != "" {
			return map[string]string{t.lang: f.Default}
		}
		if col := prefix + f.Name; f.Required && !hasErrorFor(p, col) {
			p.add(col, "required (a column %s.%s, or %s.xx for another language)", col, t.lang, col)
		}
		return nil
	}
	return out
}

func hasErrorFor(p *problems, name string) bool {
	for _, e := range p.errs {
		if e.Field == name || strings.HasPrefix(e.Field, name+".") {
			return true
		}
	}
	return false
}

// list gathers the items of a List field by index.
func (t *Template) list(f *Field, es []entry, top map[string]any, p *problems) []map[string]any {
	byIndex := map[int][]entry{}
	for _, e := range es {
		idx, rest, _ := strings.Cut(e.key, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || n > 10000 || rest == "" || idx != strconv.Itoa(n) {
			p.add(e.col, "unknown field: write %s.N.<field> with N counting from 1, such as %s.1.%s", f.Name, f.Name, f.Fields[0].Name)
			continue
		}
		if isEmpty(e.val) {
			if _, ok := byIndex[n]; !ok {
				byIndex[n] = nil
			}
			continue
		}
		byIndex[n] = append(byIndex[n], entry{key: rest, val: e.val, col: e.col})
	}
	var out []map[string]any
	for _, n := range slices.Sorted(maps.Keys(byIndex)) {
		items := byIndex[n]
		if len(items) == 0 {
			continue // an empty group of columns: fewer items in this row
		}
		out = append(out, t.level(f.Fields, items, top, fmt.Sprintf("%s.%d.", f.Name, n), p))
	}
	if len(out) == 0 && f.Required {
		p.add(f.Name, "required: at least one item (%s.1.…)", f.Name)
		return nil
	}
	if f.Rules != "" && len(out) > 0 {
		if m := t.runRules(f, out, ""); m != "" {
			p.add(f.Name, "%s", m)
		}
	}
	return out
}

// unknownField words an unknown column, with the closest field name.
func unknownField(name string, fields []Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	if best := suggest.Nearest(name, names, 4); best != "" {
		return fmt.Sprintf("unknown field (did you mean %s?)", best)
	}
	return "unknown field (fields: " + strings.Join(names, ", ") + ")"
}
