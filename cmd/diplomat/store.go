package main

import (
	"github.com/spf13/cobra"
)

func newStoreCommand(a *app) *cobra.Command {
	return newGroupCommand("store", "Look at and back up the store file",
		"",
		newStoreInfoCommand(a), newStoreBackupCommand(a), newStoreAuditCommand(a))
}
