package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

func newTrustCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "trust",
		Short: "Keep the list of issuers this verifier trusts, and for what",
	}
	c.AddCommand(
		newTrustAddCommand(a),
		newTrustListCommand(a),
		newTrustRemoveCommand(a),
		newTrustImportCommand(a),
		newTrustExportCommand(a),
		newTrustSourcesCommand(a),
		newTrustExplainCommand(a),
	)
	return c
}

// scopeString is a short human description of an accreditation scope.
func scopeString(s keys.TrustScope) string {
	var parts []string
	if len(s.Profiles) > 0 {
		parts = append(parts, "profiles "+strings.Join(s.Profiles, ","))
	}
	if len(s.CredentialTypes) > 0 {
		parts = append(parts, "types "+strings.Join(s.CredentialTypes, ","))
	}
	if s.MaxEQFLevel > 0 {
		parts = append(parts, "EQF ≤ "+strconv.Itoa(s.MaxEQFLevel))
	}
	if len(s.ISCEDFields) > 0 {
		parts = append(parts, "ISCED-F "+strings.Join(s.ISCEDFields, ","))
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, "; ")
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
