package main

import (
	"github.com/spf13/cobra"
)

func newTemplatesCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "templates",
		Short: "List, show and check the ELM credential templates",
		Long: "A template turns an input record (a JSON object or a CSV row) into an ELM credential.\n" +
			"Five are built in: diploma, transcript, microcredential, participation, mobility.\n" +
			"Copy one with 'diplomat templates show NAME --source > my.tmpl', change it, and check\n" +
			"it with 'diplomat templates validate my.tmpl'. See docs/templates.md.",
	}
	c.AddCommand(newTemplatesListCommand(a), newTemplatesShowCommand(a), newTemplatesValidateCommand(a))
	return c
}

// The template commands find templates with loadTemplate (issue.go): a
// built-in name, or a path to a template file.
