package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

func newTrustCommand(a *app) *cobra.Command {
	return newGroupCommand("trust", "Keep the list of issuers this verifier trusts, and for what",
		"",
		newTrustAddCommand(a),
		newTrustListCommand(a),
		newTrustRemoveCommand(a),
		newTrustImportCommand(a),
		newTrustExportCommand(a),
		newTrustSourcesCommand(a),
		newTrustExplainCommand(a))
}

func windowString(e keys.TrustEntry) string {
	from, to := "…", "…"
	if e.NotBefore != nil {
		from = e.NotBefore.UTC().Format("2006-01-02")
	}
	if e.NotAfter != nil {
		to = e.NotAfter.UTC().Format("2006-01-02")
	}
	if from == "…" && to == "…" {
		return "always"
	}
	return fmt.Sprintf("%s to %s", from, to)
}
