package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

type keysDestroyOptions struct{ yes bool }

func (o *keysDestroyOptions) AddFlags(c *cobra.Command) {
	c.Flags().BoolVar(&o.yes, "yes", false, "confirm without asking (for scripts)")
}

func newKeysDestroyCommand(a *app) *cobra.Command {
	o := &keysDestroyOptions{}
	c := &cobra.Command{
		Use:   "destroy NAME",
		Short: "Delete the private half of a key for good; its public key stays published",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			k, err := s.Key(args[0])
			if err != nil {
				return withHint(err, "'diplomat keys list' shows the keys in the store")
			}
			if !o.yes {
				if err := a.confirm(fmt.Sprintf("destroy the private key %q (%s)? it cannot sign again", k.Name, k.ID), "--yes"); err != nil {
					return err
				}
			}
			if err := s.Destroy(args[0]); err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]string{"destroyed": k.Name})
			}
			fmt.Fprintf(a.stdout, "destroyed the private key of %q; its public key stays in the DID document\n", k.Name)
			return nil
		},
	}
	o.AddFlags(c)
	return c
}
