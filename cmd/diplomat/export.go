package main

import (
	"github.com/spf13/cobra"
)

func newExportCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "export",
		Short: "Write ELM credentials in other record formats (ELMO)",
	}
	c.AddCommand(newExportELMOCommand(a))
	return c
}
