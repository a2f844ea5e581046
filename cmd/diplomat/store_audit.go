package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newStoreAuditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log of key and trust operations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			recs, err := s.Audit()
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(recs)
			}
			rows := [][]string{{"SEQ", "TIME", "OPERATION", "NAME", "SUBJECT", "DETAIL", "BY"}}
			for _, r := range recs {
				rows = append(rows, []string{fmt.Sprint(r.Seq), r.Time.Format("2006-01-02 15:04:05"), r.Op, r.Name, r.Subject, r.Detail, r.Actor})
			}
			return a.table(rows)
		},
	}
}
