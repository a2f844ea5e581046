package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newStoreBackupCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the store to FILE (mode 0600), while it is in use",
		Long: "Write a consistent copy of the store to the new file FILE while the store is in use. A\n" +
			"PostgreSQL store (DIPLOMAT_STORE) is written as a store file, from one snapshot of the\n" +
			"database, and checked; pg_dump backs up the database itself (docs/deploy.md).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if u := a.storeURL(); u != "" {
				o := &storeCopyOptions{from: u, to: args[0]}
				return o.run(cmd.Context(), a)
			}
			s, err := a.existingStore()
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
