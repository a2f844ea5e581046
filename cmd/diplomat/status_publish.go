package main

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

func newStatusCommand(a *app) *cobra.Command {
	return newGroupCommand("status", "Publish the status lists of issued credentials",
		"",
		newStatusPublishCommand(a))
}

type statusPublishOptions struct {
	out      string
	validity time.Duration
}

func (o *statusPublishOptions) AddFlags(c *cobra.Command) {
	c.Flags().StringVar(&o.out, "out", "", "folder to write the signed status list credentials to (required)")
	c.Flags().DurationVar(&o.validity, "validity", 0, "how long each published list is valid, e.g. 48h (default: no end)")
}

func newStatusPublishCommand(a *app) *cobra.Command {
	o := &statusPublishOptions{}
	c := &cobra.Command{
		Use:   "publish --out DIR",
		Short: "Write every status list as a signed status list credential",
		Long: "Sign every status list (revocation and suspension) in the form its profile expects and write them\n" +
			"to DIR, named <profile>-<n>-<purpose>.<ext>, to be served at <status-url>/<profile>/<n>/<purpose>.\n" +
			"See docs/status.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.out == "" {
				return usagef("give --out DIR")
			}
			s, err := a.unlockedStore()
			if err != nil {
				return err
			}
			i, err := issuer.New(s, nil)
			if err != nil {
				return notConfigured(err)
			}
			pubs, err := i.PublishStatus(cmd.Context(), o.validity)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(o.out, 0o755); err != nil {
				return err
			}
			rows := [][]string{{"FILE", "URL", "USED", "SET"}}
			type view struct {
				File    string `json:"file"`
				URL     string `json:"url"`
				List    string `json:"list"`
				Purpose string `json:"purpose"`
				Used    int    `json:"used"`
			}
			var views []view
			for _, p := range pubs {
				if err := os.WriteFile(filepath.Join(o.out, p.File), p.Credential, 0o644); err != nil {
					return err
				}
				set := 0
				for k := 0; k < p.List.Bits.Len(); k++ {
					if v, _ := p.List.Bits.Get(k); v {
						set++
					}
				}
				rows = append(rows, []string{p.File, p.List.URL, strconv.Itoa(p.List.Used), strconv.Itoa(set)})
				views = append(views, view{p.File, p.List.URL, p.List.ID, p.List.Purpose, p.List.Used})
			}
			if a.json {
				return a.printJSON(views)
			}
			if len(pubs) == 0 {
				a.stderrf("no status lists yet: nothing has been issued\n")
				return nil
			}
			return a.table(rows)
		},
	}
	o.AddFlags(c)
	return c
}
