package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/wallet"
)

func newWalletBackupCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a copy of the wallet to FILE (mode 0600): keys and credentials stay sealed by your passphrase",
		Long: `Backup writes a consistent copy of the wallet store. Keys and credentials in it stay encrypted under
your passphrase; the list of titles, issuers and dates is readable. Restore by using the copy as a
wallet: 'diplomat wallet list --home DIR' with the file named diplomat.db in DIR.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.openWallet(nil, false, false, wallet.Options{})
			if err != nil {
				return err
			}
			list, err := w.List()
			if err != nil {
				return err
			}
			if err := w.Store().BackupFile(args[0]); err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"backup": args[0], "credentials": len(list)})
			}
			fmt.Fprintf(a.stdout, "wrote a backup of the wallet (%d %s) to %s\n", len(list), plural(len(list), "credential"), args[0])
			return nil
		},
	}
}
