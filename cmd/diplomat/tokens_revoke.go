package main

import "github.com/spf13/cobra"

func newTokensRevokeCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID|NAME",
		Short: "Revoke an API token: it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.openStore()
			if err != nil {
				return err
			}
			t, err := s.RevokeToken(args[0], "")
			if err != nil {
				return err
			}
			a.stderrf("revoked token %s %q\n", t.ID, t.Name)
			return nil
		},
	}
}
