package main

import "github.com/spf13/cobra"

func newIssuedCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "issued",
		Short: "Look up the register of issued credentials",
	}
	c.AddCommand(newIssuedListCommand(a), newIssuedShowCommand(a))
	return c
}
