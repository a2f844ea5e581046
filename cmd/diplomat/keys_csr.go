package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

type keysCSROptions struct {
	subject keys.SealSubject
	typ     string
	out     string
}

func (o *keysCSROptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.subject.CommonName, "cn", "", "common name of the seal, e.g. \"Université Exemple diplomas\" (required)")
	f.StringVar(&o.subject.Organization, "org", "", "full registered name of the organisation (O, required)")
	f.StringVar(&o.subject.Country, "country", "", "ISO 3166-1 alpha-2 country (C, required)")
	f.StringVar(&o.subject.OrganizationIdentifier, "org-id", "", "organizationIdentifier as in ETSI EN 319 412-1, e.g. VATFR-12345678901 (required)")
	f.StringVar(&o.subject.OrganizationalUnit, "ou", "", "organisational unit (OU)")
	f.StringVar(&o.subject.Locality, "locality", "", "locality (L)")
	f.StringVar(&o.typ, "type", "p256", "type of the key created when NAME does not exist yet: p256 or p384")
	f.StringVar(&o.out, "out", "", "write the CSR to this file instead of stdout")
}

func newKeysCSRCommand(a *app) *cobra.Command {
	o := &keysCSROptions{}
	c := &cobra.Command{
		Use:   "csr NAME --cn CN --org O --country C --org-id ID",
		Short: "Make a certificate signing request for an organisation eSeal",
		Long: "Make a PKCS#10 certificate signing request for a qualified electronic seal (ETSI EN 319 412-3\n" +
			"subject: CN, O, C, organizationIdentifier), signed by the key NAME, which is created (ECDSA)\n" +
			"if it does not exist. Send it to a trust service provider, then attach the certificate it\n" +
			"issues with 'diplomat keys import NAME --chain issued.pem'.",
		Example: `  diplomat keys csr seal --cn "Exemple diplomas" --org "Université Exemple" --country FR --org-id VATFR-12345678901 > seal.csr`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(a, args[0]) },
	}
	o.AddFlags(c)
	return c
}

func (o *keysCSROptions) run(a *app, name string) error {
	typ := keys.KeyType(o.typ)
	if typ != keys.P256 && typ != keys.P384 {
		return usagef(fmt.Sprintf("--type %q: a seal key made here is p256 or p384", o.typ))
	}
	s, err := a.unlockedStore()
	if err != nil {
		return err
	}
	if _, err := s.Key(name); errors.Is(err, keys.ErrNotFound) {
		k, err := s.Create(name, typ, keys.Assertion)
		if err != nil {
			return err
		}
		a.stderrf("created %s key %q (%s) for the seal\n", k.Type, k.Name, k.ID)
	} else if err != nil {
		return err
	}
	csr, err := s.CSR(name, o.subject)
	if err != nil {
		return err
	}
	if o.out == "" {
		_, err = a.stdout.Write(csr)
		return err
	}
	if err := os.WriteFile(o.out, csr, 0o644); err != nil {
		return fmt.Errorf("writing %s: %v", o.out, err)
	}
	a.stderrf("wrote the CSR to %s\n", o.out)
	return nil
}
