package main

import (
	"github.com/spf13/cobra"
)

func newTrustListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the trusted issuers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.existingStore()
			if done, err2 := a.noStoreYet(err, []any{}, "no trusted issuers yet; add one with 'diplomat trust add' or 'diplomat trust import FILE'"); done {
				return err2
			}
			if err != nil {
				return err
			}
			entries, err := s.TrustEntries()
			if err != nil {
				return err
			}
			if a.json {
				if entries == nil {
					return a.printJSON([]any{})
				}
				return a.printJSON(entries)
			}
			if len(entries) == 0 {
				a.stderrf("no trusted issuers yet; add one with 'diplomat trust add' or 'diplomat trust import FILE'\n")
				return nil
			}
			rows := [][]string{{"NAME", "COUNTRY", "SCOPE", "VALID", "SOURCE", "ID"}}
			for _, e := range entries {
				rows = append(rows, []string{e.Name, e.Country, e.Scope.String(), windowString(e), e.Source, e.ID})
			}
			return a.table(rows)
		},
	}
}
