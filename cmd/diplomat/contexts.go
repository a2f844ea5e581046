package main

import (
	"github.com/spf13/cobra"
)

func newContextsCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "contexts",
		Short: "Install and list the JSON-LD contexts Data Integrity proofs need",
	}
	c.AddCommand(newContextsImportCommand(a), newContextsFetchCommand(a), newContextsListCommand(a))
	return c
}
