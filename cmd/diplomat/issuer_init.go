package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

type issuerInitOptions struct {
	institution string
	statusURL   string
	keep        bool
	keys        []string
}

func (o *issuerInitOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.institution, "institution", "", "JSON file with the institution's identity (legalName, legalIdentifier, country, homepage, email, logo, did, location)")
	f.StringVar(&o.statusURL, "status-url", "", "https base URL the status lists are published under, e.g. https://registrar.example.edu/status")
	f.BoolVar(&o.keep, "keep-credentials", false, "also keep every issued credential in the store (off: only the register entry, data minimisation)")
	f.StringArrayVar(&o.keys, "key", nil, "`PROFILE=NAME`: the key that signs for a profile (repeatable; default: the best fitting key now in the store)")
}

func newIssuerInitCommand(a *app) *cobra.Command {
	o := &issuerInitOptions{}
	c := &cobra.Command{
		Use:   "init --institution FILE --status-url URL",
		Short: "Set the institution stamped on every credential and the status list URL",
		Long: "Set, once per store, the institution's identity that every credential carries, the base URL\n" +
			"its status lists are published under, and the key that signs for each profile: the one given\n" +
			"with --key PROFILE=NAME, else the best fitting key in the store now (an eSeal for edc, a P-256\n" +
			"key for ebsi, an Ed25519 key before a P-256 one for w3c and eudi; never a key awaiting its\n" +
			"certificate). Running it again replaces the configuration; credentials already issued keep what\n" +
			"they were issued with. See docs/issuing.md.",
		Example: `  diplomat issuer init --institution institution.json --status-url https://registrar.example.edu/status
  diplomat issuer init --institution institution.json --status-url https://registrar.example.edu/status --key ebsi=ebsi-2025`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(a) },
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
	inst, err := issuer.ParseInstitution(data)
	if err != nil {
		return withHint(fmt.Errorf("%s: %w", o.institution, err), "see docs/issuing.md for the institution file")
	}
	cfg := &issuer.Config{Institution: *inst, StatusBaseURL: o.statusURL, KeepCredentials: o.keep}
	if err := cfg.Validate(); err != nil {
		var ie *issuer.InstitutionError
		if errors.As(err, &ie) {
			return withHint(fmt.Errorf("%s: %w", o.institution, err), "see docs/issuing.md for the institution file")
		}
		return usagef("--status-url: " + strings.TrimPrefix(err.Error(), issuer.ErrInvalidConfig.Error()+": statusBaseURL: "))
	}
	named := map[string]string{}
	for _, kv := range o.keys {
		prof, name, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return usagef(fmt.Sprintf("--key %q: write PROFILE=NAME, e.g. --key ebsi=ebsi-2025", kv))
		}
		if !slices.Contains(issuer.Profiles(), prof) {
			return usagef(fmt.Sprintf("--key %q: %q is not a profile: use %s", kv, prof, strings.Join(issuer.Profiles(), ", ")))
		}
		named[prof] = name
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	if cfg.Keys, err = issuer.ChooseKeys(s); err != nil {
		return err
	}
	for prof, name := range named {
		if err := issuer.CheckKey(s, prof, name); err != nil {
			return inputHint(err)
		}
		cfg.Keys[prof] = name
	}
	if err := issuer.SaveConfig(s, cfg); err != nil {
		return err
	}
	if err := a.showConfig(cfg); err != nil {
		return err
	}
	if !a.json {
		for _, prof := range issuer.Profiles() {
			if cfg.Keys[prof] == "" {
				a.stderrf("warning: no key in the store can sign for %s yet; run issuer init again once there is one (see docs/profiles.md)\n", prof)
			}
		}
	}
	return nil
}
