package main

import (
	"github.com/spf13/cobra"
)

func newImportCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "import",
		Short: "Turn records of other formats (ELMO) into unsigned ELM credentials",
	}
	c.AddCommand(newImportELMOCommand(a))
	return c
}
