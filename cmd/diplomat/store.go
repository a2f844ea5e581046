package main

import (
	"github.com/spf13/cobra"
)

func newStoreCommand(a *app) *cobra.Command {
	return newGroupCommand("store", "Look at, back up, migrate and copy the store",
		"The store is a file (--home) or a PostgreSQL database several service nodes share\n(DIPLOMAT_STORE=postgres://…, docs/deploy.md).",
		newStoreInfoCommand(a), newStoreBackupCommand(a), newStoreAuditCommand(a), newStoreMigrateCommand(a), newStoreCopyCommand(a))
}
