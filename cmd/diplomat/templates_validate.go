package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/templates"
)

// templateCheck is `diplomat templates validate --json`.
type templateCheck struct {
	File               string   `json:"file"`
	Name               string   `json:"name"`
	OK                 bool     `json:"ok"`
	Fields             int      `json:"fields"`
	Bytes              int      `json:"credentialBytes"`
	Violations         []string `json:"violations,omitempty"`
	MissingDisclosable []string `json:"missingDisclosable,omitempty"`
}

func newTemplatesValidateCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|NAME",
		Short: "Check a template file: it parses, declares its fields, and renders its example as a conformant ELM credential",
		Long: "Check a template file: the header parses and declares its fields with known types and\n" +
			"rules, the body parses, and the example record in the header renders (for a sample\n" +
			"institution) to a credential with no violation of the EDC generic profile and with every\n" +
			"declared disclosable path. Exit code 1 when it does not.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := loadTemplate(args[0])
			if err != nil {
				return err
			}
			res, err := t.Check(nil)
			if err != nil {
				var re *templates.RecordsError
				if errors.As(err, &re) {
					return withHint(err, "fix the example record in the template's header")
				}
				return err
			}
			n, _ := countFields(t.Fields())
			out := templateCheck{File: args[0], Name: t.Name(), OK: res.OK(), Fields: n, Bytes: len(res.Rendered.Credential), MissingDisclosable: res.MissingDisclosable}
			for _, v := range res.Violations {
				out.Violations = append(out.Violations, v.String())
			}
			if a.json {
				if err := a.printJSON(out); err != nil {
					return err
				}
			} else if out.OK {
				if err := a.printLine(fmt.Sprintf("%s: template %s is valid: %d fields; its example renders a %d-byte credential that passes the EDC generic profile", args[0], t.Name(), n, out.Bytes)); err != nil {
					return err
				}
			}
			if out.OK {
				return nil
			}
			if a.json {
				return &silentError{code: 1}
			}
			var probs []string
			for _, v := range out.Violations {
				probs = append(probs, "  "+v)
			}
			for _, p := range out.MissingDisclosable {
				probs = append(probs, "  disclosable path "+p+" is not in the example's credential")
			}
			return fmt.Errorf("%s: template %s: its example renders a credential with %d problem(s):\n%s", args[0], t.Name(), len(probs), strings.Join(probs, "\n"))
		},
	}
}
