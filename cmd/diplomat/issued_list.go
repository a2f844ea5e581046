package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

type issuedListOptions struct {
	f        issuer.Filter
	from, to string
}

func (o *issuedListOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.f.Template, "template", "", "only this template")
	f.StringVar(&o.f.Profile, "profile", "", "only this profile")
	f.StringVar(&o.f.State, "status", "", "only this state: valid, suspended or revoked")
	f.StringVar(&o.f.Subject, "subject", "", "only credentials of this subject identifier (matched by its salted hash)")
	f.StringVar(&o.from, "from", "", "issued on or after this date (YYYY-MM-DD or RFC 3339)")
	f.StringVar(&o.to, "to", "", "issued before this date (YYYY-MM-DD or RFC 3339)")
}

func parseIssuedDate(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef(flag + " " + strconv.Quote(v) + " is not a date: use YYYY-MM-DD or RFC 3339")
}

func newIssuedListCommand(a *app) *cobra.Command {
	o := &issuedListOptions{}
	c := &cobra.Command{
		Use:   "list",
		Short: "List issued credentials, with filters",
		Example: `  diplomat issued list --template diploma --status revoked
  diplomat issued list --from 2026-06-01 --to 2026-07-01 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.f.Profile != "" && !slices.Contains(issuer.Profiles(), o.f.Profile) {
				return usagef(fmt.Sprintf("--profile %q is not a profile: use %s", o.f.Profile, strings.Join(issuer.Profiles(), ", ")))
			}
			var err error
			if o.f.From, err = parseIssuedDate("--from", o.from); err != nil {
				return err
			}
			if o.f.To, err = parseIssuedDate("--to", o.to); err != nil {
				return err
			}
			switch o.f.State {
			case "", issuer.StateValid, issuer.StateSuspended, issuer.StateRevoked:
			default:
				return usagef("--status " + strconv.Quote(o.f.State) + ": use valid, suspended or revoked")
			}
			s, err := a.existingStore()
			if done, err2 := a.noStoreYet(err, []issuer.Entry{}, "nothing issued yet"); done {
				return err2
			}
			if err != nil {
				return err
			}
			es, err := issuer.List(s, o.f)
			if err != nil {
				return notConfigured(err)
			}
			if a.json {
				if es == nil {
					es = []issuer.Entry{}
				}
				return a.printJSON(es)
			}
			rows := [][]string{{"ID", "TEMPLATE", "PROFILE", "ISSUED", "STATUS", "LIST", "INDEX"}}
			for _, e := range es {
				rows = append(rows, []string{e.ID, e.Template, e.Profile, day(e.Issued), e.State, e.StatusList, strconv.Itoa(e.StatusIndex)})
			}
			return a.table(rows)
		},
	}
	o.AddFlags(c)
	return c
}
