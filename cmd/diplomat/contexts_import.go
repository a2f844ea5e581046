package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
)

func newContextsImportCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import DIR",
		Short: "Install the contexts of DIR (files and an index.json of URL to file) into the store",
		Long: "Import reads DIR/index.json, an object mapping each context URL to a file in DIR, checks every\n" +
			"file against the SHA-256 digests Diplomat pins for its URL, and only if all match stores them.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(args[0]); err != nil {
				return fileError("reading", args[0], err)
			}
			s, err := a.openStore()
			if err != nil {
				return err
			}
			imported, err := jsonld.Import(args[0], s)
			if err != nil {
				switch {
				case errors.Is(err, jsonld.ErrContextMismatch):
					return withHint(err, "the file is not the published context; nothing was imported")
				case errors.Is(err, jsonld.ErrUnknownContext):
					return withHint(err, "Diplomat accepts only the contexts pinned in its code (see docs/jsonld.md); nothing was imported")
				}
				return err
			}
			if a.json {
				return a.printJSON(imported)
			}
			rows := [][]string{{"URL", "FILE", "SHA-256", "SIZE"}}
			for _, im := range imported {
				rows = append(rows, []string{im.URL, im.File, im.SHA256[:16] + "…", fmt.Sprint(im.Size)})
			}
			return a.table(rows)
		},
	}
}
