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
	"sync"
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
	path *pathNode
	obj  map[string]any
}

// group is one node of the graph: the occurrences that share an id (or one
// occurrence without id), checked together as SHACL checks the merged node.
type group struct {
	path    *pathNode // of the first occurrence
	types   []string
	occs    []occurrence
	isRoot  bool
	ordinal int

	// Most nodes have one type and one occurrence: these hold them
	// without an allocation of their own.
	types0 [2]string
	occs0  [1]occurrence
}

// pathNode is the JSON path of a value walked, written out only for a
// violation (String): most credentials have none, and writing the path of
// every object cost a quarter of the check. nil is the root.
type pathNode struct {
	parent *pathNode
	key    string // the member name, when index < 0
	index  int    // the array index, or -1
	empty  bool   // String() is ""
}

// String is the path as joinPath and indexed write it.
func (n *pathNode) String() string {
	if n == nil {
		return ""
	}
	if n.index >= 0 {
		return indexed(n.parent.String(), n.index)
	}
	return joinPath(n.parent.String(), n.key)
}

// isEmpty reports whether String() is "".
func (n *pathNode) isEmpty() bool { return n == nil || n.empty }

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
	byClass := rulesByClass()

	var out []Violation
	seen := map[string]bool{}
	add := func(v Violation) {
		key := v.Path + "\x00" + v.Problem
		if !seen[key] {
			seen[key] = true
			out = append(out, v)
		}
	}

	classesOfType := map[string][]string{} // classesOf, once per type
	var classes []string
	for _, g := range groups {
		types := g.types
		if g.isRoot && !slices.Contains(types, "EuropeanDigitalCredential") {
			add(Violation{Path: joinPath(g.path.String(), "type"), Profile: Generic, Rule: "type", Problem: "must include EuropeanDigitalCredential, required"})
			types = append(slices.Clone(types), "EuropeanDigitalCredential")
		}
		classes = classes[:0]
		for _, t := range types {
			of, ok := classesOfType[t]
			if !ok {
				of = classesOf(t)
				classesOfType[t] = of
			}
			for _, cl := range of {
				if !slices.Contains(classes, cl) {
					classes = append(classes, cl)
				}
			}
		}
		for _, cl := range classes {
			for _, r := range byClass[cl] {
				if !active[r.Profile] || opts.BeforeSealing && r.Term == "issued" {
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

// rulesByClass is rules() by class, each class's in the order of rules().
// It is computed once and never changed after.
var rulesByClass = sync.OnceValue(func() map[string][]Rule {
	out := map[string][]Rule{}
	for _, r := range rules() {
		out[r.Class] = append(out[r.Class], r)
	}
	return out
})

func sortViolations(vs []Violation) {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Problem, b.Problem))
	})
}

// collect walks the tree and groups its typed objects by id, in document
// order of first appearance (object members in sorted order).
func collect(root map[string]any) []*group {
	cl := collector{byID: map[string]*group{}}
	cl.walk(nil, root)
	return cl.groups
}

// collector is collect's state. keys is a stack of the member names being
// walked, shared by every level: each object sorts its own segment at the
// end, and the deeper levels append beyond it. Path nodes and groups are
// allocated from slabs, never moved once handed out.
type collector struct {
	groups  []*group
	byID    map[string]*group
	keys    []string
	nodes   []pathNode
	grouped []group
}

func (cl *collector) node(parent *pathNode, key string, index int) *pathNode {
	if len(cl.nodes) == cap(cl.nodes) {
		cl.nodes = make([]pathNode, 0, 64)
	}
	empty := parent.isEmpty() && index < 0 && key == ""
	cl.nodes = append(cl.nodes, pathNode{parent: parent, key: key, index: index, empty: empty})
	return &cl.nodes[len(cl.nodes)-1]
}

func (cl *collector) newGroup(path *pathNode, isRoot bool) *group {
	if len(cl.grouped) == cap(cl.grouped) {
		cl.grouped = make([]group, 0, 32)
	}
	cl.grouped = append(cl.grouped, group{path: path, isRoot: isRoot, ordinal: len(cl.groups)})
	g := &cl.grouped[len(cl.grouped)-1]
	g.types, g.occs = g.types0[:0], g.occs0[:0]
	return g
}

func (cl *collector) walk(path *pathNode, v any) {
	switch t := v.(type) {
	case map[string]any:
		isRoot := path.isEmpty()
		tv := t["type"]
		if isRoot || hasTypeName(tv) {
			id, _ := t["id"].(string)
			g := cl.byID[id]
			if id == "" || g == nil {
				g = cl.newGroup(path, isRoot)
				cl.groups = append(cl.groups, g)
				if id != "" {
					cl.byID[id] = g
				}
			}
			eachTypeName(tv, func(ty string) {
				if !slices.Contains(g.types, ty) {
					g.types = append(g.types, ty)
				}
			})
			g.occs = append(g.occs, occurrence{path: path, obj: t})
		}
		// Only the members walked into are sorted: the others would
		// only be skipped.
		start := len(cl.keys)
		for k, e := range t {
			if k != "@context" && isContainer(e) {
				cl.keys = append(cl.keys, k)
			}
		}
		slices.Sort(cl.keys[start:])
		for i := start; i < len(cl.keys); i++ {
			k := cl.keys[i]
			cl.walk(cl.node(path, k, -1), t[k])
		}
		cl.keys = cl.keys[:start]
	case []any:
		for i, e := range t {
			if isContainer(e) {
				cl.walk(cl.node(path, "", i), e)
			}
		}
	}
}

// hasTypeName reports whether typeNames(v) would be non-empty.
func hasTypeName(v any) bool {
	switch t := v.(type) {
	case string:
		return true
	case []any:
		for _, e := range t {
			if _, ok := e.(string); ok {
				return true
			}
		}
	}
	return false
}

// eachTypeName calls fn with each name typeNames(v) returns, in order.
func eachTypeName(v any, fn func(string)) {
	switch t := v.(type) {
	case string:
		fn(t)
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				fn(s)
			}
		}
	}
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
				p := joinPath(o.path.String(), r.Term)
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
		add(Violation{Path: joinPath(g.path.String(), r.Term), Profile: r.Profile, Rule: fmt.Sprintf("%s min %d", name, r.Min), Problem: "required"})
	case r.Max > 0 && count > r.Max:
		add(Violation{Path: joinPath(g.path.String(), r.Term), Profile: r.Profile, Rule: fmt.Sprintf("%s max %d", name, r.Max),
			Problem: fmt.Sprintf("at most %d value%s allowed (found %d)", r.Max, plural(r.Max), count)})
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// durationRE is the lexical form of xsd:duration, less the forms
// durationOK refuses besides ("P", a trailing "T"). It is compiled once:
// compiling it for every duration of a credential cost more than checking.
var durationRE = regexp.MustCompile(`^-?P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$`)

// durationOK reports whether s has the lexical form of xsd:duration.
func durationOK(s string) bool {
	return durationRE.MatchString(s) && s != "P" && !strings.HasSuffix(s, "T")
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
				p := joinPath(o.path.String(), term)
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
