package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

func newIssuerCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "issuer",
		Short: "Configure the issuing institution once per store",
	}
	c.AddCommand(newIssuerInitCommand(a), newIssuerShowCommand(a))
	return c
}

type issuerInitOptions struct {
	institution string
	statusURL   string
	keep        bool
}

func (o *issuerInitOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.institution, "institution", "", "JSON file with the institution's identity (legalName, legalIdentifier, country, homepage, email, logo, did, location)")
	f.StringVar(&o.statusURL, "status-url", "", "https base URL the status lists are published under, e.g. https://registrar.example.edu/status")
	f.BoolVar(&o.keep, "keep-credentials", false, "also keep every issued credential in the store (off: only the register entry, data minimisation)")
}

func newIssuerInitCommand(a *app) *cobra.Command {
	o := &issuerInitOptions{}
	c := &cobra.Command{
		Use:   "init --institution FILE --status-url URL",
		Short: "Set the institution stamped on every credential and the status list URL",
		Long: "Set, once per store, the institution's identity that every credential carries, and the base URL\n" +
			"its status lists are published under. Running it again replaces the configuration; credentials\n" +
			"already issued keep what they were issued with. See docs/issuing.md.",
		Example: `  diplomat issuer init --institution institution.json --status-url https://registrar.example.edu/status`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(a) },
	}
	o.AddFlags(c)
	return c
}

func (o *issuerInitOptions) run(a *app) error {
	if o.institution == "" || o.statusURL == "" {
		return usagef("give --institution FILE and --status-url URL")
	}
	data, err := a.readInput(o.institution)
	if err != nil {
		return err
	}
	cfgJSON, err := json.Marshal(map[string]any{"institution": json.RawMessage(data), "statusBaseURL": o.statusURL, "keepCredentials": o.keep})
	if err != nil {
		return fmt.Errorf("%s: %v", o.institution, err)
	}
	cfg, err := issuer.ParseConfig(cfgJSON)
	if err != nil {
		return withHint(fmt.Errorf("%s: %w", o.institution, err), "see docs/issuing.md for the institution file")
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	if err := issuer.SaveConfig(s, cfg); err != nil {
		return err
	}
	return a.showConfig(cfg)
}

func newIssuerShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Show the issuer configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openStore()
			if err != nil {
				return err
			}
			cfg, err := issuer.LoadConfig(s)
			if err != nil {
				return notConfigured(err)
			}
			return a.showConfig(cfg)
		},
	}
}

func notConfigured(err error) error {
	if errors.Is(err, issuer.ErrNotConfigured) {
		return withHint(errors.New("the store has no issuer configuration"), "run 'diplomat issuer init --institution FILE --status-url URL' first")
	}
	return err
}

func (a *app) showConfig(cfg *issuer.Config) error {
	if a.json {
		return a.printJSON(cfg)
	}
	inst := cfg.Institution
	rows := [][]string{{"FIELD", "VALUE"}}
	for _, lang := range sortedKeys(inst.LegalName) {
		rows = append(rows, []string{"legal name (" + lang + ")", inst.LegalName[lang]})
	}
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, []string{k, v})
		}
	}
	add("legal identifier", inst.LegalIdentifier)
	add("country", inst.Country)
	add("homepage", inst.Homepage)
	add("did", inst.DID)
	add("status lists", cfg.StatusBaseURL+"/<profile>/<n>/<purpose>")
	keep := "no (register entries only)"
	if cfg.KeepCredentials {
		keep = "yes"
	}
	add("keeps credentials", keep)
	return a.table(rows)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
