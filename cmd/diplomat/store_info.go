package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/store/postgres"
)

func newStoreInfoCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show the store's path, schema version, size and counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			info, err := s.Info()
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(info)
			}
			backend := "bbolt file"
			if a.storeURL() != "" {
				backend = fmt.Sprintf("PostgreSQL, schema %d", postgres.SchemaVersion())
			}
			return a.table([][]string{
				{"path", info.Path},
				{"backend", backend},
				{"schema version", fmt.Sprint(info.SchemaVersion)},
				{"size", fmt.Sprintf("%d bytes", info.Size)},
				{"created", day(info.Created)},
				{"passphrase set", fmt.Sprint(info.Initialised)},
				{"keys", fmt.Sprint(info.Keys)},
				{"certificates", fmt.Sprint(info.Certificates)},
				{"trusted issuers", fmt.Sprint(info.TrustEntries)},
				{"JSON-LD contexts", fmt.Sprint(info.Contexts)},
				{"audit records", fmt.Sprint(info.AuditRecords)},
			})
		},
	}
}
