package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// SampleInstitution returns a fictitious institution for examples, tests
// and template checks.
func SampleInstitution() Institution {
	return Institution{
		LegalName:       map[string]string{"en": "University of Zed", "fr": "Université de Zed"},
		LegalIdentifier: "FR-UAI-0751234A",
		Country:         "FR",
		Homepage:        "https://www.uni-zed.example",
		Email:           "registrar@uni-zed.example",
		DID:             "did:web:uni-zed.example",
		Location:        "1 rue de l'Université, 75007 Paris",
	}
}

// CheckResult is what Check found.
type CheckResult struct {
	// Rendered is the example record's credential.
	Rendered *Rendered
	// Violations are the EDC generic profile's complaints about it.
	Violations []elm.Violation
	// MissingDisclosable are declared disclosable paths the example's
	// credential does not have.
	MissingDisclosable []string
}

// OK reports whether the template passed every check.
func (r *CheckResult) OK() bool {
	return r != nil && len(r.Violations) == 0 && len(r.MissingDisclosable) == 0
}

// Check renders the template's example record for inst (nil means
// SampleInstitution) and checks the credential against the EDC generic
// profile, as a credential before sealing, and checks that every declared
// disclosable path is in it. An example that does not validate, or a body
// that does not render, is an error.
func (t *Template) Check(inst *Institution) (*CheckResult, error) {
	ex, err := t.Example()
	if err != nil {
		return nil, err
	}
	in := SampleInstitution()
	if inst != nil {
		in = *inst
	}
	r, err := t.Render(ex, in, RenderOptions{ID: "urn:uuid:00000000-0000-4000-8000-000000000000", IssuedAt: time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		if re, ok := err.(*RecordsError); ok {
			re.File = t.h.Name + " example"
		}
		return nil, err
	}
	c, err := elm.Parse(r.Credential)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w: %v", t.h.Name, ErrInvalidTemplate, err)
	}
	vs, err := elm.Check(c, elm.Generic, &elm.Options{BeforeSealing: true})
	if err != nil {
		return nil, err
	}
	res := &CheckResult{Rendered: r, Violations: vs}
	dec := json.NewDecoder(bytes.NewReader(r.Credential))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	for _, p := range t.h.Disclosable {
		if len(resolvePath(tree, p)) == 0 {
			res.MissingDisclosable = append(res.MissingDisclosable, p)
		}
	}
	return res, nil
}

// resolvePath returns the values a disclosable path designates (see
// Rendered.Disclosable).
func resolvePath(v any, path string) []any {
	cur := []any{v}
	for _, seg := range strings.Split(path, ".") {
		name, idx, hasIdx := strings.Cut(seg, "[")
		idx = strings.TrimSuffix(idx, "]")
		var next []any
		for _, c := range cur {
			for _, o := range spread(c) {
				m, ok := o.(map[string]any)
				if !ok {
					continue
				}
				val, ok := m[name]
				if !ok {
					continue
				}
				if !hasIdx {
					next = append(next, val)
					continue
				}
				arr, ok := val.([]any)
				if !ok {
					continue
				}
				if idx == "*" {
					next = append(next, arr...)
				} else if n, err := strconv.Atoi(idx); err == nil && n >= 0 && n < len(arr) {
					next = append(next, arr[n])
				}
			}
		}
		cur = next
	}
	return cur
}

func spread(v any) []any {
	if arr, ok := v.([]any); ok {
		return arr
	}
	return []any{v}
}
