package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/templates"
)

type templatesShowOptions struct{ source bool }

func (o *templatesShowOptions) AddFlags(c *cobra.Command) {
	c.Flags().BoolVar(&o.source, "source", false, "print the template file itself, to copy and change")
}

// templateInfo is `diplomat templates show --json`.
type templateInfo struct {
	Name           string                             `json:"name"`
	Title          string                             `json:"title"`
	Description    string                             `json:"description"`
	Language       string                             `json:"language"`
	Fields         []templates.Field                  `json:"fields"`
	GradingSchemes map[string]templates.GradingScheme `json:"gradingSchemes,omitempty"`
	Disclosable    []string                           `json:"disclosable,omitempty"`
}

func newTemplatesShowCommand(a *app) *cobra.Command {
	o := &templatesShowOptions{}
	c := &cobra.Command{
		Use:   "show NAME|FILE",
		Short: "Show a template's fields and their rules, or with --source the template file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := loadTemplate(args[0])
			if err != nil {
				return err
			}
			if o.source {
				_, err := a.stdout.Write(t.Source())
				return err
			}
			if a.json {
				return a.printJSON(templateInfo{Name: t.Name(), Title: t.Title(), Description: t.Description(), Language: t.Language(),
					Fields: t.Fields(), GradingSchemes: t.GradingSchemes(), Disclosable: t.Disclosable()})
			}
			if err := a.printLine(t.Name() + ": " + t.Title()); err != nil {
				return err
			}
			table := [][]string{{"FIELD", "TYPE", "REQUIRED", "RULES", "DESCRIPTION"}}
			var add func(fs []templates.Field, prefix string)
			add = func(fs []templates.Field, prefix string) {
				for _, f := range fs {
					name := prefix + f.Name
					switch f.Type {
					case templates.LangText:
						name += ".<lang>"
					case templates.List:
						name += ".<n>"
					}
					req := "no"
					if f.Required {
						req = "yes"
					}
					rules := f.Rules
					if f.Grading != "" {
						rules = strings.TrimPrefix(rules+",grade("+f.Grading+")", ",")
					}
					if f.Default != "" {
						rules = strings.TrimPrefix(rules+",default="+f.Default, ",")
					}
					table = append(table, []string{name, string(f.Type), req, dash(rules), f.Description})
					add(f.Fields, prefix+f.Name+".<n>.")
				}
			}
			add(t.Fields(), "")
			if err := a.table(table); err != nil {
				return err
			}
			if gs := t.GradingSchemes(); len(gs) > 0 {
				if err := a.printLine("\ngrading schemes: " + strings.Join(slices.Sorted(maps.Keys(gs)), ", ")); err != nil {
					return err
				}
			}
			return nil
		},
	}
	o.AddFlags(c)
	return c
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
