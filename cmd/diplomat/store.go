package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newStoreCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "store",
		Short: "Look at and back up the store file",
	}
	c.AddCommand(newStoreInfoCommand(a), newStoreBackupCommand(a), newStoreAuditCommand(a))
	return c
}

func newStoreInfoCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show the store's path, schema version, size and counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openStore()
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
			return a.table([][]string{
				{"path", info.Path},
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

func newStoreBackupCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the store to FILE (mode 0600), while it is in use",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.openStore()
			if err != nil {
				return err
			}
			if err := s.BackupFile(args[0]); err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]string{"backup": args[0]})
			}
			fmt.Fprintf(a.stdout, "wrote a backup of %s to %s\n", s.Path(), args[0])
			return nil
		},
	}
}

func newStoreAuditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log of key and trust operations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openStore()
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
			rows := [][]string{{"SEQ", "TIME", "OPERATION", "NAME", "SUBJECT", "DETAIL"}}
			for _, r := range recs {
				rows = append(rows, []string{fmt.Sprint(r.Seq), r.Time.Format("2006-01-02 15:04:05"), r.Op, r.Name, r.Subject, r.Detail})
			}
			return a.table(rows)
		},
	}
}
