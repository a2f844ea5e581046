package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/wallet"
)

type walletDeleteOptions struct {
	yes bool
}

func (o *walletDeleteOptions) AddFlags(c *cobra.Command) {
	c.Flags().BoolVar(&o.yes, "yes", false, "delete without asking")
}

func newWalletDeleteCommand(a *app) *cobra.Command {
	o := &walletDeleteOptions{}
	c := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a credential from the wallet (and the keys made for it alone)",
		Long: `Delete removes the credential and destroys the holder keys made for it alone (--unlinkable or
--copies), so that nothing can present it again. It cannot be undone: the issuer would have to
offer it again. Asks for confirmation unless --yes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.openWallet(nil, false, false, wallet.Options{})
			if err != nil {
				return err
			}
			c, err := walletCredential(w, args[0])
			if err != nil {
				return err
			}
			if !o.yes {
				if err := a.confirm(fmt.Sprintf("delete %s %q from %s for good?", c.ID, c.Title, issuerOf(c)), "--yes"); err != nil {
					return err
				}
			}
			if err := w.Delete(c); err != nil {
				return err
			}
			a.stderrf("deleted %s %q\n", c.ID, c.Title)
			return nil
		},
	}
	o.AddFlags(c)
	return c
}
