package main

import "github.com/spf13/cobra"

func newIssuedCommand(a *app) *cobra.Command {
	return newGroupCommand("issued", "Look up the register of issued credentials",
		"",
		newIssuedListCommand(a), newIssuedShowCommand(a))
}
