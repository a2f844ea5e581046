package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

func newTokensListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the API tokens with their scopes, expiry and last use (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openStore()
			if err != nil {
				return err
			}
			ts, err := s.Tokens()
			if err != nil {
				return err
			}
			if a.json {
				if ts == nil {
					ts = []*keys.Token{}
				}
				return a.printJSON(ts)
			}
			if len(ts) == 0 {
				a.stderrf("no tokens yet; create one with 'diplomat tokens create --name NAME --scope issue'\n")
				return nil
			}
			now := time.Now()
			rows := [][]string{{"ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "STATE"}}
			for _, t := range ts {
				state := "active"
				switch {
				case !t.Revoked.IsZero():
					state = "revoked " + dayOrDash(t.Revoked)
				case !t.Usable(now):
					state = "expired"
				}
				exp := "never"
				if !t.Expires.IsZero() {
					exp = dayOrDash(t.Expires)
				}
				last := "-"
				if !t.LastUsed.IsZero() {
					last = t.LastUsed.UTC().Format("2006-01-02 15:04")
				}
				rows = append(rows, []string{t.ID, t.Name, strings.Join(t.Scopes, ","), dayOrDash(t.Created), exp, last, state})
			}
			return a.table(rows)
		},
	}
}
