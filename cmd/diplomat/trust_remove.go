package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newTrustRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Stop trusting an issuer (ID as 'diplomat trust list' shows it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			if err := s.RemoveTrust(args[0]); err != nil {
				return withHint(err, "'diplomat trust list' shows the entry ids")
			}
			if a.json {
				return a.printJSON(map[string]string{"removed": args[0]})
			}
			fmt.Fprintf(a.stdout, "removed %s\n", args[0])
			return nil
		},
	}
}
