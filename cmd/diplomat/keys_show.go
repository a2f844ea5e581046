package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

func newKeysShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a key: its versions, DIDs and certificates (no passphrase needed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			versions, err := s.KeyVersions(args[0])
			if err != nil {
				return withHint(err, "'diplomat keys list' shows the keys in the store")
			}
			if a.json {
				views := make([]keyView, 0, len(versions))
				for _, k := range versions {
					views = append(views, newKeyView(k, true))
				}
				return a.printJSON(views)
			}
			for i, k := range versions {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				fmt.Fprintf(a.stdout, "%s  %s %s key, %s, %s\n", k.Name, k.Type, kind(k), k.Purpose, k.State)
				fmt.Fprintf(a.stdout, "id:        %s\n", k.ID)
				fmt.Fprintf(a.stdout, "created:   %s\n", day(k.Created))
				if !k.Retired.IsZero() {
					fmt.Fprintf(a.stdout, "retired:   %s\n", day(k.Retired))
				}
				if !k.Destroyed.IsZero() {
					fmt.Fprintf(a.stdout, "destroyed: %s (private half deleted)\n", day(k.Destroyed))
				}
				v := newKeyView(k, false)
				if v.DIDKey != "" {
					fmt.Fprintf(a.stdout, "did:key:   %s\n", v.DIDKey)
				}
				if v.DIDJWK != "" {
					fmt.Fprintf(a.stdout, "did:jwk:   %s\n", v.DIDJWK)
				}
				for j, c := range k.Chain {
					printCertInfo(a, j, keys.Describe(c))
				}
			}
			return nil
		},
	}
}
