package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newTrustImportCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Import trusted issuers from a JSON file (all or nothing)",
		Long: "Import trusted issuers from a JSON file of the form {\"entries\": [...]} (see docs/keys.md).\n" +
			"Every entry is validated first; if one is invalid, nothing is imported and the error\n" +
			"names the entry and the field.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := a.readInput(args[0])
			if err != nil {
				return err
			}
			s, err := a.openStore()
			if err != nil {
				return err
			}
			source := args[0]
			if source != "-" {
				source = filepath.Base(source)
			}
			n, err := s.ImportTrust(data, source)
			if err != nil {
				return fmt.Errorf("%s: %w; nothing was imported", args[0], err)
			}
			if a.json {
				return a.printJSON(map[string]any{"imported": n, "source": source})
			}
			fmt.Fprintf(a.stdout, "imported %d trusted issuers from %s\n", n, args[0])
			return nil
		},
	}
}
