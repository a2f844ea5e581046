package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

type tokensCreateOptions struct {
	name    string
	scopes  []string
	expires string
}

func newTokensCreateCommand(a *app) *cobra.Command {
	o := &tokensCreateOptions{}
	c := &cobra.Command{
		Use:   "create --name NAME --scope issue|status|admin [--expires 2160h|never]",
		Short: "Create an API token; its secret is printed once, the store keeps only its hash",
		Example: `  diplomat tokens create --name sis-export --scope issue
  diplomat tokens create --name registrar --scope admin --expires 720h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.name == "" || len(o.scopes) == 0 {
				return usagef("give --name and at least one --scope (issue, status, admin)")
			}
			var exp time.Time
			if o.expires != "never" {
				d, err := time.ParseDuration(o.expires)
				if err != nil || d <= 0 {
					return usagef(fmt.Sprintf("--expires %q: a duration like 2160h (90 days), or never", o.expires))
				}
				exp = time.Now().Add(d)
			}
			s, err := a.openStore()
			if err != nil {
				return err
			}
			var scopes []string
			for _, sc := range o.scopes {
				scopes = append(scopes, strings.Split(sc, ",")...)
			}
			secret, t, err := s.CreateToken(o.name, scopes, exp)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"token": secret, "id": t.ID, "name": t.Name, "scopes": t.Scopes, "expires": t.Expires})
			}
			if err := a.printLine(secret); err != nil {
				return err
			}
			until := "never expires"
			if !t.Expires.IsZero() {
				until = "expires " + t.Expires.Format(time.RFC3339)
			}
			a.stderrf("created token %s %q (%s), %s; it is shown only now: keep it in a secret store\n", t.ID, t.Name, strings.Join(t.Scopes, ","), until)
			return nil
		},
	}
	c.Flags().StringVar(&o.name, "name", "", "what or who the token is for (shown in lists and the audit log)")
	c.Flags().StringArrayVar(&o.scopes, "scope", nil, "issue, status or admin (repeat, or separate with commas)")
	c.Flags().StringVar(&o.expires, "expires", "2160h", "lifetime (Go duration), or never")
	return c
}
