package main

import (
	"github.com/spf13/cobra"
)

func newContextsCommand(a *app) *cobra.Command {
	return newGroupCommand("contexts", "Install and list the JSON-LD contexts Data Integrity proofs need",
		"",
		newContextsImportCommand(a), newContextsFetchCommand(a), newContextsListCommand(a))
}
