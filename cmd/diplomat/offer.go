package main

import "github.com/spf13/cobra"

func newOfferCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "offer",
		Short: "Offer credentials to students' wallets (OpenID4VCI): create",
	}
	c.AddCommand(newOfferCreateCommand(a))
	return c
}
