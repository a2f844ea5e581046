package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newStoreBackupCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the store to FILE (mode 0600), while it is in use",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
