package main

import (
	"github.com/spf13/cobra"
)

func newTemplatesCommand(a *app) *cobra.Command {
	return newGroupCommand("templates", "List, show and check the ELM credential templates",
		"",
		newTemplatesListCommand(a), newTemplatesShowCommand(a), newTemplatesValidateCommand(a))
}

// The template commands find templates with loadTemplate (issue.go): a
// built-in name, or a path to a template file.
