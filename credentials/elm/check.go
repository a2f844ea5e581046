package elm

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Options adjust Check. A nil *Options means the zero value.
type Options struct {
	// BeforeSealing checks a credential that has not been through the EDC
	// sealing step yet, as EDC validates what a registrar uploads: that step
	// writes issued (and issuanceDate), so issued is not required. The zero
	// value checks a credential as issued, where issued is required.
	BeforeSealing bool
}

// Violation is one way a credential fails a profile.
type Violation struct {
	// Path is the JSON path of the property concerned, in the credential as
	// written: "credentialSubject.hasClaim[0].awardedBy". Array indexes
	// appear only where the JSON has an array.
	Path string
	// Profile is the profile whose rule is broken.
	Profile Profile
	// Rule names the broken rule: "elm:Claim elm:awardedBy min 1",
	// "vocabulary EQF", "ESI".
	Rule string
	// Problem says what is wrong, in words: "required", "at most 1 value
	// allowed (found 2)", "not an xsd:dateTime".
	Problem string
}

// String formats the violation for people:
// "credentialSubject.hasClaim[0].awardedBy: required by the EDC generic profile".
func (v Violation) String() string {
	return fmt.Sprintf("%s: %s by the EDC %s profile", cmp.Or(v.Path, "(credential)"), v.Problem, v.Profile)
}

// Check checks the credential against profile p and the profiles it
// includes (every profile includes generic; diplomaSupplement includes
// accredited). It returns every violation found, sorted by path; none means
// the credential conforms as far as this checker sees (docs/elm.md says what
// it does not check). An unknown profile is an error wrapping
// ErrUnknownProfile.
func Check(c *EuropeanDigitalCredential, p Profile, opts *Options) ([]Violation, error) {
	inc := p.includes()
	if inc == nil {
		return nil, fmt.Errorf("elm: %w %q", ErrUnknownProfile, string(p))
	}
	return checkTree(ToTree(c), inc, opts), nil
}

// occurrence is one JSON object in the credential.
type occurrence struct {
	path string
	obj  map[string]any
}

// group is one node of the graph: the occurrences that share an id (or one
// occurrence without id), checked together as SHACL checks the merged node.
type group struct {
	path    string // of the first occurrence
	types   []string
	occs    []occurrence
	isRoot  bool
	ordinal int
}

// checkTree checks root, a credential as generic JSON values (ToTree's, or
// the tree ParseTree read), against profiles.
func checkTree(root map[string]any, profiles []Profile, opts *Options) []Violation {
	if opts == nil {
		opts = &Options{}
	}
	groups := collect(root)

	active := map[Profile]bool{}
	for _, p := range profiles {
		active[p] = true
	}
	byClass := map[string][]Rule{}
	for _, r := range rules() {
		if active[r.Profile] {
			byClass[r.Class] = append(byClass[r.Class], r)
		}
	}

	var out []Violation
	seen := map[string]bool{}
	add := func(v Violation) {
		key := v.Path + "\x00" + v.Problem
		if !seen[key] {
			seen[key] = true
			out = append(out, v)
		}
	}

	for _, g := range groups {
		types := g.types
		if g.isRoot && !slices.Contains(types, "EuropeanDigitalCredential") {
			add(Violation{Path: joinPath(g.path, "type"), Profile: Generic, Rule: "type", Problem: "must include EuropeanDigitalCredential, required"})
			types = append(slices.Clone(types), "EuropeanDigitalCredential")
		}
		var classes []string
		for _, t := range types {
			for _, cl := range classesOf(t) {
				if !slices.Contains(classes, cl) {
					classes = append(classes, cl)
				}
			}
		}
		for _, cl := range classes {
			for _, r := range byClass[cl] {
				if opts.BeforeSealing && r.Term == "issued" {
					continue
				}
				checkRule(g, r, add)
			}
		}
		if active[Generic] {
			checkVocabularies(g, add)
		}
	}
	if active[Generic] {
		checkSubjectID(root, add)
	}
	sortViolations(out)
	return out
}

func sortViolations(vs []Violation) {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Problem, b.Problem))
	})
}

// collect walks the tree and groups its typed objects by id, in document
// order of first appearance (object members in sorted order).
func collect(root map[string]any) []*group {
	var groups []*group
	byID := map[string]*group{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch t := v.(type) {
		case map[string]any:
			isRoot := path == ""
			types := typeNames(t["type"])
			if len(types) > 0 || isRoot {
				id, _ := t["id"].(string)
				g := byID[id]
				if id == "" || g == nil {
					g = &group{path: path, isRoot: isRoot, ordinal: len(groups)}
					groups = append(groups, g)
					if id != "" {
						byID[id] = g
					}
				}
				for _, ty := range types {
					if !slices.Contains(g.types, ty) {
						g.types = append(g.types, ty)
					}
				}
				g.occs = append(g.occs, occurrence{path: path, obj: t})
			}
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if k == "@context" || !isContainer(t[k]) {
					continue
				}
				walk(joinPath(path, k), t[k])
			}
		case []any:
			for i, e := range t {
				if isContainer(e) {
					walk(indexed(path, i), e)
				}
			}
		}
	}
	walk("", root)
	return groups
}

func typeNames(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// isContainer reports whether v is an object or an array, the values
// collect walks into.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// indexed returns path[i].
func indexed(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// values returns the values of a property as RDF would count them: an array
// gives its elements, null gives none, a language map gives one value per
// text.
func values(v any, present bool) []any {
	if !present || v == nil {
		return nil
	}
	if arr, ok := v.([]any); ok {
		var out []any
		for _, e := range arr {
			if e != nil {
				out = append(out, e)
			}
		}
		return out
	}
	return []any{v}
}

func langCount(v any) int {
	n := 0
	for _, e := range values(v, true) {
		m, ok := e.(map[string]any)
		if !ok {
			n++
			continue
		}
		for _, t := range m {
			if arr, ok := t.([]any); ok {
				n += len(arr)
			} else {
				n++
			}
		}
	}
	return n
}

func checkRule(g *group, r Rule, add func(Violation)) {
	name := r.Class + " " + r.Property
	// The merged node has the values of every occurrence; identical
	// occurrences (EDC repeats nodes in full) count once, so the count is
	// the largest of any occurrence.
	count := 0
	for _, o := range g.occs {
		v, ok := o.obj[r.Term]
		vals := values(v, ok)
		n := len(vals)
		if r.Datatype == "rdf:langString" {
			n = langCount(vals)
		}
		count = max(count, n)
		_, isArr := v.([]any)
		for i, e := range vals {
			// The path is written only for a violation: most values have none.
			path := func() string {
				p := joinPath(o.path, r.Term)
				if isArr {
					p = indexed(p, i)
				}
				return p
			}
			if prob := datatypeProblem(r.Datatype, e); prob != "" {
				add(Violation{Path: path(), Profile: r.Profile, Rule: name + " " + cmp.Or(r.Datatype, "node"), Problem: prob + ", as required"})
			}
			if r.ValueType != "" {
				if m, ok := e.(map[string]any); ok && !slices.Contains(typeNames(m["type"]), r.ValueType) {
					add(Violation{Path: path(), Profile: r.Profile, Rule: name + " class", Problem: "must be a " + r.ValueType + ", as required"})
				}
			}
		}
	}
	switch {
	case count < r.Min:
		add(Violation{Path: joinPath(g.path, r.Term), Profile: r.Profile, Rule: fmt.Sprintf("%s min %d", name, r.Min), Problem: "required"})
	case r.Max > 0 && count > r.Max:
		add(Violation{Path: joinPath(g.path, r.Term), Profile: r.Profile, Rule: fmt.Sprintf("%s max %d", name, r.Max),
			Problem: fmt.Sprintf("at most %d value%s allowed (found %d)", r.Max, plural(r.Max), count)})
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// durationOK reports whether s has the lexical form of xsd:duration.
func durationOK(s string) bool {
	return regexp.MustCompile(`^-?P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$`).MatchString(s) &&
		s != "P" && !strings.HasSuffix(s, "T")
}

// datatypeProblem says why v is not a literal of datatype dt, or "".
func datatypeProblem(dt string, v any) string {
	switch dt {
	case "":
		switch v.(type) {
		case map[string]any, string:
			return ""
		}
		return "must be an object or an IRI, found " + kindOf(v)
	case "rdf:langString":
		m, ok := v.(map[string]any)
		if !ok {
			return "must be a language map such as {\"en\": \"…\"}, found " + kindOf(v)
		}
		for k, t := range m {
			switch tt := t.(type) {
			case string:
			case []any:
				for _, s := range tt {
					if _, ok := s.(string); !ok {
						return fmt.Sprintf("language %q must have text, found %s", k, kindOf(s))
					}
				}
			default:
				return fmt.Sprintf("language %q must have text, found %s", k, kindOf(t))
			}
		}
	case "xsd:dateTime":
		s, ok := v.(string)
		if !ok {
			return "must be an xsd:dateTime, found " + kindOf(v)
		}
		if _, err := DateTime(s).Time(); err != nil {
			return fmt.Sprintf("%q is not an xsd:dateTime", s)
		}
	case "xsd:string", "xsd:anyURI":
		if _, ok := v.(string); !ok {
			return "must be a string, found " + kindOf(v)
		}
	case "xsd:duration":
		s, ok := v.(string)
		if !ok || !durationOK(s) {
			return fmt.Sprintf("must be an xsd:duration such as \"P3Y\", found %v", v)
		}
	case "xsd:integer", "xsd:positiveInteger", "xsd:decimal":
		var text string
		switch t := v.(type) {
		case json.Number:
			text = string(t)
		case string:
			text = t
		default:
			return "must be a number, found " + kindOf(v)
		}
		if dt == "xsd:decimal" {
			if _, ok := new(big.Rat).SetString(text); !ok {
				return fmt.Sprintf("%q is not a decimal", text)
			}
			return ""
		}
		n, ok := new(big.Int).SetString(text, 10)
		if !ok {
			return fmt.Sprintf("%q is not an integer", text)
		}
		if dt == "xsd:positiveInteger" && n.Sign() <= 0 {
			return fmt.Sprintf("%s is not a positive integer", text)
		}
	}
	return ""
}

// checkVocabularies checks that concepts claiming to be from one of the EU
// vocabularies the package knows (by their IRI's namespace) are concepts of
// it: a typo in an EQF level or an ISCED-F code fails.
func checkVocabularies(g *group, add func(Violation)) {
	for _, o := range g.occs {
		for term, v := range o.obj {
			voc, ok := vocabFor(term)
			if !ok {
				continue
			}
			_, isArr := v.([]any)
			for i, e := range values(v, true) {
				id := ""
				switch t := e.(type) {
				case string:
					id = t
				case map[string]any:
					id, _ = t["id"].(string)
				}
				if !strings.HasPrefix(id, voc.namespace) {
					continue
				}
				if _, known := voc.label(id); known {
					continue
				}
				p := joinPath(o.path, term)
				if isArr {
					p = fmt.Sprintf("%s[%d]", p, i)
				}
				add(Violation{Path: p, Profile: Generic, Rule: "vocabulary " + voc.name,
					Problem: fmt.Sprintf("%s is not a concept of the %s vocabulary, as required", id, voc.name)})
			}
		}
	}
}

// checkSubjectID checks that a subject identified by a European Student
// Identifier has a well-formed one.
func checkSubjectID(root map[string]any, add func(Violation)) {
	subj, _ := root["credentialSubject"].(map[string]any)
	id, _ := subj["id"].(string)
	if IsESI(id) {
		if _, err := ParseESI(id); err != nil {
			add(Violation{Path: "credentialSubject.id", Profile: Generic, Rule: "ESI", Problem: err.Error() + ", not allowed"})
		}
	}
}
