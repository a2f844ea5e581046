package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

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
