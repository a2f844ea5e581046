package main

import (
	"github.com/spf13/cobra"
)

func newKeysListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List every key version (no passphrase needed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.existingStore()
			if done, err2 := a.noStoreYet(err, []keyView{}, "no keys yet; create one with 'diplomat keys create NAME'"); done {
				return err2
			}
			if err != nil {
				return err
			}
			ks, err := s.Keys()
			if err != nil {
				return err
			}
			if a.json {
				views := make([]keyView, 0, len(ks))
				for _, k := range ks {
					views = append(views, newKeyView(k, false))
				}
				return a.printJSON(views)
			}
			if len(ks) == 0 {
				a.stderrf("no keys yet; create one with 'diplomat keys create NAME'\n")
				return nil
			}
			rows := [][]string{{"NAME", "TYPE", "PURPOSE", "STATE", "KIND", "CREATED", "ID"}}
			for _, k := range ks {
				rows = append(rows, []string{k.Name, string(k.Type), string(k.Purpose), string(k.State), kind(k), day(k.Created), k.ID})
			}
			return a.table(rows)
		},
	}
}
