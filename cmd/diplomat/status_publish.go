package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/internal/webpath"
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
	ttl      time.Duration
}

func (o *statusPublishOptions) AddFlags(c *cobra.Command) {
	c.Flags().StringVar(&o.out, "out", "", "folder to write the signed status list credentials to, also laid out as HOST/PATH with the did:web document (required)")
	c.Flags().DurationVar(&o.validity, "validity", 0, "how long each published list is valid, e.g. 48h (default: no end)")
	c.Flags().DurationVar(&o.ttl, "ttl", 0, "how long verifiers may cache each list before fetching it again, e.g. 1h: the lists' ttl (default: none stated)")
}

func newStatusPublishCommand(a *app) *cobra.Command {
	o := &statusPublishOptions{}
	c := &cobra.Command{
		Use:   "publish --out DIR",
		Short: "Write every status list as a signed status list credential",
		Long: "Sign every status list (revocation and suspension) in the form its profile expects and write them\n" +
			"to DIR, named <profile>-<n>-<purpose>.<ext>, to be served at <status-url>/<profile>/<n>/<purpose>.\n" +
			"They are also written laid out as DIR/HOST/PATH for the URL each is served at, with the issuer's\n" +
			"did:web document (DIR/HOST/.well-known/did.json): a static web server serves DIR as it is, and a\n" +
			"verifier without the network reads it with 'diplomat verify --documents DIR'. See docs/status.md.",
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
			if o.validity < 0 || o.ttl < 0 {
				return usagef("--validity and --ttl take a positive duration, like 48h")
			}
			if o.ttl > 0 && o.ttl < time.Second {
				return usagef(fmt.Sprintf("--ttl %s: give at least one second (the token status list states it in seconds)", o.ttl))
			}
			pubs, err := i.PublishStatusWith(cmd.Context(), issuer.PublishOptions{Validity: o.validity, TTL: o.ttl})
			if err != nil {
				return err
			}
			if err := os.MkdirAll(o.out, 0o755); err != nil {
				return err
			}
			rows := [][]string{{"FILE", "URL", "USED", "SET"}}
			type view struct {
				File    string `json:"file"`
				Path    string `json:"path"` // in the HOST/PATH layout
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
				rel, _ := webpath.Rel(p.List.URL)
				views = append(views, view{p.File, rel, p.List.URL, p.List.ID, p.List.Purpose, p.List.Used})
			}
			layout, err := writeWebLayout(s, o.out, pubs)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(views)
			}
			if len(pubs) == 0 {
				a.stderrf("no status lists yet: nothing has been issued\n")
			} else if err := a.table(rows); err != nil {
				return err
			}
			if len(layout) > 0 {
				a.stderrf("also laid out for the web under %s: %s (serve each as the web root of that host, or verify offline with 'diplomat verify --documents %s')\n",
					o.out, strings.Join(hosts(layout), ", "), o.out)
			}
			return nil
		},
	}
	o.AddFlags(c)
	return c
}
