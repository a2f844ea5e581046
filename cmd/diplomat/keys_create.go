package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

type keysCreateOptions struct {
	typ      string
	purpose  string
	x509Test bool
	subject  keys.SealSubject
	typeSet  bool // --type was given
}

func (o *keysCreateOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.typ, "type", "ed25519", "key type: ed25519, p256 or p384 (test seals: p256 or p384)")
	f.StringVar(&o.purpose, "purpose", "assertion", "what the key signs: assertion (credentials) or authentication (presentations)")
	f.BoolVar(&o.x509Test, "x509-test", false, "make a self-signed TEST eSeal certificate for demonstrations (never qualified)")
	f.StringVar(&o.subject.Organization, "org", "", "test seal: organisation name (O)")
	f.StringVar(&o.subject.Country, "country", "", "test seal: ISO 3166-1 alpha-2 country (C)")
	f.StringVar(&o.subject.OrganizationIdentifier, "org-id", "", "test seal: organizationIdentifier, e.g. VATFR-12345678901")
	f.StringVar(&o.subject.CommonName, "cn", "", "test seal: common name (default: the organisation)")
}

func newKeysCreateCommand(a *app) *cobra.Command {
	o := &keysCreateOptions{}
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a signing key (or, with --x509-test, a test eSeal)",
		Example: `  diplomat keys create registrar
  diplomat keys create holder --type p256 --purpose authentication
  diplomat keys create seal --x509-test --org "Université Exemple" --country FR --org-id VATFR-12345678901`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.typeSet = cmd.Flags().Changed("type")
			return o.run(a, args[0])
		},
	}
	o.AddFlags(c)
	return c
}

func (o *keysCreateOptions) run(a *app, name string) error {
	typ := keys.KeyType(o.typ)
	switch typ {
	case keys.Ed25519, keys.P256, keys.P384:
	default:
		return usagef(fmt.Sprintf("--type %q is not a key type: use ed25519, p256 or p384", o.typ))
	}
	purpose := keys.Purpose(o.purpose)
	if purpose != keys.Assertion && purpose != keys.Authentication {
		return usagef(fmt.Sprintf("--purpose %q is not a purpose: use assertion or authentication", o.purpose))
	}
	if !o.x509Test && (o.subject != keys.SealSubject{}) {
		return usagef("--org, --country, --org-id and --cn go with --x509-test")
	}
	s, err := a.unlockedStore()
	if err != nil {
		return err
	}
	var k *keys.Key
	if o.x509Test {
		if typ == keys.Ed25519 {
			if o.typeSet {
				return usagef("--type ed25519 cannot make an eSeal: a test seal is p256 or p384")
			}
			typ = keys.P256
		}
		if o.subject.Organization == "" || o.subject.Country == "" {
			return usagef("--x509-test needs --org and --country")
		}
		k, err = s.CreateTestSeal(name, keys.TestSealOptions{Subject: o.subject, Type: typ})
	} else {
		k, err = s.Create(name, typ, purpose)
	}
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(newKeyView(k, true))
	}
	fmt.Fprintf(a.stdout, "created %s key %q (%s, %s)\n", k.Type, k.Name, kind(k), k.Purpose)
	fmt.Fprintf(a.stdout, "id:      %s\n", k.ID)
	if v := newKeyView(k, false); v.DIDKey != "" || v.DIDJWK != "" {
		if v.DIDKey != "" {
			fmt.Fprintf(a.stdout, "did:key: %s\n", v.DIDKey)
		}
		fmt.Fprintf(a.stdout, "did:jwk: %s\n", v.DIDJWK)
	}
	for i, c := range k.Chain {
		printCertInfo(a, i, keys.Describe(c))
	}
	return nil
}
