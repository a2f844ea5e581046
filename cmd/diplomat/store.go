package main

import (
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
