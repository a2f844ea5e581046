package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newKeysRotateCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate NAME",
		Short: "Make a new active key under NAME and retire the old one (it stays published)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.unlockedStore()
			if err != nil {
				return err
			}
			old, err := s.Key(args[0])
			if err != nil {
				return withHint(err, "'diplomat keys list' shows the keys in the store")
			}
			k, err := s.Rotate(args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"active": newKeyView(k, false), "retired": old.ID})
			}
			fmt.Fprintf(a.stdout, "rotated %q: new active key %s; %s is retired and stays in the DID document\n", k.Name, k.ID, old.ID)
			return nil
		},
	}
}
