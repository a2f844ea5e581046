package main

import (
	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/wallet"
)

type walletStatusOptions struct {
	net walletNetOptions
}

func (o *walletStatusOptions) AddFlags(c *cobra.Command) { o.net.AddFlags(c) }

func newWalletStatusCommand(a *app) *cobra.Command {
	o := &walletStatusOptions{}
	c := &cobra.Command{
		Use:   "status [ID...]",
		Short: "Check every credential again: its issuer's status lists (revoked? suspended?), validity and trust",
		Long: `Status verifies each credential (or those named) again, fetching its issuer's status lists, and
records what it found, which 'wallet list' then shows. Exit status 1 when a credential is no longer
valid (revoked, suspended, expired or invalid).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.openWallet(&o.net, false, true, wallet.Options{})
			if err != nil {
				return err
			}
			var list []*wallet.Credential
			if len(args) == 0 {
				if list, err = w.List(); err != nil {
					return err
				}
			}
			for _, id := range args {
				c, err := walletCredential(w, id)
				if err != nil {
					return err
				}
				list = append(list, c)
			}
			type result struct {
				ID      string           `json:"id"`
				Title   string           `json:"title"`
				Was     string           `json:"was"`
				Status  string           `json:"status"`
				Verdict verifier.Verdict `json:"verdict"`
				Reason  string           `json:"reason,omitempty"`
			}
			results := []result{}
			rows := [][]string{{"ID", "TITLE", "WAS", "NOW", "WHY"}}
			bad := false
			for _, c := range list {
				was := c.Status.Word()
				if _, err := w.Check(cmd.Context(), c); err != nil {
					return err
				}
				r := result{ID: c.ID, Title: c.Title, Was: was, Status: c.Status.Word(), Verdict: c.Status.Verdict, Reason: c.Status.Reason}
				if r.Status != "valid" {
					bad = true
				}
				results = append(results, r)
				why := "-"
				if r.Status != "valid" {
					why = oneLine(r.Reason, 70)
				}
				rows = append(rows, []string{r.ID, oneLine(r.Title, 40), r.Was, r.Status, why})
			}
			if a.json {
				err = a.printJSON(results)
			} else if len(list) == 0 {
				a.stderrf("the wallet holds no credential yet\n")
			} else {
				err = a.table(rows)
			}
			if err != nil {
				return err
			}
			if bad {
				return &silentError{code: 1}
			}
			return nil
		},
	}
	o.AddFlags(c)
	return c
}
