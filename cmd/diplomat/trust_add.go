package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
)

type trustAddOptions struct {
	did, thumbprint, certFile string
	name, country             string
	types, profiles, isced    []string
	maxEQF                    int
	notBefore, notAfter       string
}

func (o *trustAddOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.did, "did", "", "the issuer's DID, e.g. did:web:registrar.example.edu")
	f.StringVar(&o.thumbprint, "thumbprint", "", "the RFC 7638 thumbprint of the issuer's key")
	f.StringVar(&o.certFile, "cert", "", "a PEM certificate: the issuer's seal, or a CA whose seals are trusted")
	f.StringVar(&o.name, "name", "", "display name of the issuer (required)")
	f.StringVar(&o.country, "country", "", "ISO 3166-1 alpha-2 country of the issuer (required)")
	f.StringSliceVar(&o.types, "types", nil, "credential types it may issue (comma-separated); default any")
	f.StringSliceVar(&o.profiles, "profiles", nil, "profiles it uses: edc, ebsi, w3c, eudi; default any")
	f.IntVar(&o.maxEQF, "max-eqf", 0, "highest EQF level (1-8) it may award; default not restricted")
	f.StringSliceVar(&o.isced, "isced", nil, "ISCED-F field codes it may award in, e.g. 0421,0613; default all")
	f.StringVar(&o.notBefore, "not-before", "", "start of the entry's validity (YYYY-MM-DD or RFC 3339)")
	f.StringVar(&o.notAfter, "not-after", "", "end of the entry's validity (YYYY-MM-DD or RFC 3339)")
}

func newTrustAddCommand(a *app) *cobra.Command {
	o := &trustAddOptions{}
	c := &cobra.Command{
		Use:   "add (--did DID | --thumbprint T | --cert FILE) --name NAME --country CC",
		Short: "Trust an issuer, within a scope and a validity window",
		Example: `  diplomat trust add --did did:web:uni.example.fr --name "Université Exemple" --country FR --max-eqf 7
  diplomat trust add --cert ca.pem --name "Example QTSP CA" --country BE --profiles edc`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(a) },
	}
	o.AddFlags(c)
	return c
}

func parseWhen(flag, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t, nil
		}
	}
	return nil, usagef(fmt.Sprintf("%s %q is not a date: use YYYY-MM-DD or RFC 3339", flag, s))
}

func (o *trustAddOptions) run(a *app) error {
	e := keys.TrustEntry{DID: o.did, JWKThumbprint: o.thumbprint, Name: o.name, Country: o.country,
		Scope: keys.TrustScope{CredentialTypes: o.types, Profiles: o.profiles, MaxEQFLevel: o.maxEQF, ISCEDFields: o.isced}}
	if o.certFile != "" {
		pem, err := a.readInput(o.certFile)
		if err != nil {
			return err
		}
		e.Certificate = string(pem)
	}
	for _, p := range o.profiles {
		if !slices.Contains(issuer.Profiles(), p) {
			return usagef(fmt.Sprintf("--profiles %q is not a profile: use %s", p, strings.Join(issuer.Profiles(), ", ")))
		}
	}
	var err error
	if e.NotBefore, err = parseWhen("--not-before", o.notBefore); err != nil {
		return err
	}
	if e.NotAfter, err = parseWhen("--not-after", o.notAfter); err != nil {
		return err
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	added, err := s.AddTrust(e)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(added)
	}
	fmt.Fprintf(a.stdout, "trusted %s (%s) as %s\nscope: %s; valid %s\n", added.Name, added.Country, added.ID, added.Scope.String(), windowString(*added))
	return nil
}
