package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/templates"
)

// templateRow is one line of `diplomat templates list`.
type templateRow struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Fields      int    `json:"fields"`
	Required    int    `json:"required"`
	Description string `json:"description"`
}

func newTemplatesListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the built-in templates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rows []templateRow
			for _, t := range templates.Builtins() {
				n, req := countFields(t.Fields())
				rows = append(rows, templateRow{Name: t.Name(), Title: t.Title(), Fields: n, Required: req, Description: t.Description()})
			}
			if a.json {
				return a.printJSON(rows)
			}
			table := [][]string{{"NAME", "FIELDS", "REQUIRED", "TITLE"}}
			for _, r := range rows {
				table = append(table, []string{r.Name, fmt.Sprint(r.Fields), fmt.Sprint(r.Required), r.Title})
			}
			return a.table(table)
		},
	}
}

func countFields(fs []templates.Field) (n, required int) {
	for _, f := range fs {
		n++
		if f.Required {
			required++
		}
		sn, sr := countFields(f.Fields)
		n, required = n+sn, required+sr
	}
	return n, required
}
