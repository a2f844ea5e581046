package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/wallet"
)

func newWalletListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the credentials in the wallet: title, issuer, trusted, date, format, status",
		Long:  "List needs no passphrase. The status is the one last seen: re-check with 'diplomat wallet status'.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := a.openWallet(nil, false, false, wallet.Options{})
			if done, err2 := a.noStoreYet(err, []credentialView{}, "receive a credential with 'diplomat wallet receive OFFER'"); done {
				return err2
			}
			if err != nil {
				return err
			}
			list, err := w.List()
			if err != nil {
				return err
			}
			if a.json {
				views := []credentialView{}
				for _, c := range list {
					views = append(views, viewOf(c))
				}
				return a.printJSON(views)
			}
			if len(list) == 0 {
				a.stderrf("the wallet holds no credential yet: receive one with 'diplomat wallet receive OFFER'\n")
				return nil
			}
			rows := [][]string{{"ID", "TITLE", "ISSUER", "TRUSTED", "RECEIVED", "FORMAT", "STATUS"}}
			for _, c := range list {
				format := c.Format
				if n := len(c.Copies); n > 1 {
					format += fmt.Sprintf(" ×%d", n)
				}
				rows = append(rows, []string{c.ID, oneLine(c.Title, 50), oneLine(issuerOf(c), 40), yesNo(c.Trusted), dayOf(c.Received), format, c.Status.Word()})
			}
			return a.table(rows)
		},
	}
}
