package main

import "github.com/spf13/cobra"

func newTokensCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "tokens",
		Short: "Manage the API tokens of diplomat serve: create, list, revoke",
	}
	c.AddCommand(newTokensCreateCommand(a), newTokensListCommand(a), newTokensRevokeCommand(a))
	return c
}
