package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/keys"
)

// contextRow is one line of `diplomat contexts list`.
type contextRow struct {
	URL    string `json:"url"`
	Source string `json:"source"` // "builtin" or "store"
	SHA256 string `json:"sha256,omitempty"`
	Size   int    `json:"size,omitempty"`
	// Status is "pinned" when the bytes match a pinned digest, else
	// "mismatch" (the loader will refuse them).
	Status string `json:"status"`
}

func newContextsListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the contexts built in and those installed in the store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cached []keys.ContextInfo
			s, err := a.existingStore()
			switch {
			case errors.Is(err, errNoStore): // the built-in contexts only
			case err != nil:
				return err
			default:
				if cached, err = s.ListContexts(); err != nil {
					return err
				}
			}
			var rows []contextRow
			for _, u := range jsonld.Builtin() {
				rows = append(rows, contextRow{URL: u, Source: "builtin", Status: "pinned"})
			}
			for _, c := range cached {
				status := "pinned"
				if !slices.Contains(jsonld.Pinned(c.URL), c.SHA256) {
					status = "mismatch"
				}
				rows = append(rows, contextRow{URL: c.URL, Source: "store", SHA256: c.SHA256, Size: c.Size, Status: status})
			}
			if a.json {
				return a.printJSON(rows)
			}
			table := [][]string{{"URL", "SOURCE", "SHA-256", "SIZE", "STATUS"}}
			for _, r := range rows {
				sum, size := "-", "-"
				if r.SHA256 != "" {
					sum, size = r.SHA256[:16]+"…", fmt.Sprint(r.Size)
				}
				table = append(table, []string{r.URL, r.Source, sum, size, r.Status})
			}
			if len(cached) == 0 {
				a.stderrf("no contexts installed in the store yet; install them with 'diplomat contexts import DIR'\n")
			}
			return a.table(table)
		},
	}
}
