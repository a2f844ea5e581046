package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/keys"
)

type keysExportOptions struct {
	format string
	did    string
	domain string
}

func (o *keysExportOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.format, "format", "jwk", "jwk, jwks, did-key, did-jwk, did-web, pem (a seal's certificate, or a DID key's public key) or chain (a seal's certificate chain)")
	f.StringVar(&o.did, "did", "", "did-web: the did:web DID to publish (remembered in the store)")
	f.StringVar(&o.domain, "domain", "", "did-web: the domain (and port) of the did:web DID, e.g. registrar.example.edu (remembered in the store)")
}

func newKeysExportCommand(a *app) *cobra.Command {
	o := &keysExportOptions{}
	c := &cobra.Command{
		Use:   "export [NAME] --format jwk|jwks|did-key|did-jwk|did-web|pem|chain",
		Short: "Print a key's public form: JWK, JWKS, did:key, did:jwk, the did:web document, or a seal's certificate",
		Long: "Print a key's public form. jwk, did-key, did-jwk, pem and chain need NAME and print its active\n" +
			"version; jwks prints every version of NAME (or of every DID key without NAME); did-web prints the\n" +
			"DID document to publish at https://DOMAIN/.well-known/did.json, listing active and retired keys and\n" +
			"the eSeals' keys. pem prints an eSeal's certificate (a DID key's public key for a DID key), chain\n" +
			"its whole certificate chain, leaf first: what a verifier adds with 'diplomat trust add --cert'.",
		Example: `  diplomat keys export registrar --format did-key
  diplomat keys export --format did-web --domain registrar.example.edu > did.json
  diplomat keys export seal --format pem > seal.pem`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return o.run(a, name)
		},
	}
	o.AddFlags(c)
	return c
}

func (o *keysExportOptions) run(a *app, name string) error {
	if (o.did != "" || o.domain != "") && o.format != "did-web" {
		return usagef("--did and --domain go with --format did-web")
	}
	s, err := a.existingStore()
	if err != nil {
		return err
	}
	switch o.format {
	case "pem", "chain":
		if name == "" {
			return usagef("--format " + o.format + " needs the key NAME")
		}
		k, err := s.Key(name)
		if err != nil {
			return withHint(err, "'diplomat keys list' shows the keys in the store")
		}
		return a.exportPEM(k, o.format == "chain")
	case "jwk", "did-key", "did-jwk":
		if name == "" {
			return usagef("--format " + o.format + " needs the key NAME")
		}
		k, err := s.Key(name)
		if err != nil {
			return withHint(err, "'diplomat keys list' shows the keys in the store")
		}
		switch o.format {
		case "jwk":
			j, err := k.JWK()
			if err != nil {
				return err
			}
			return a.printJSON(j)
		case "did-key":
			d, err := k.KeyDID()
			if err != nil {
				return fmt.Errorf("key %q has no did:key: %v", name, err)
			}
			return a.printLine(d)
		default:
			d, err := k.JWKDID()
			if err != nil {
				return err
			}
			return a.printLine(d)
		}
	case "jwks":
		set, err := s.JWKS(name)
		if err != nil {
			return err
		}
		return a.printJSON(set)
	case "did-web":
		if name != "" {
			return usagef("--format did-web lists every DID key of the store: give no NAME")
		}
		webDID := o.did
		if o.domain != "" {
			if o.did != "" {
				return usagef("give --did or --domain, not both")
			}
			webDID = did.WebDID(o.domain)
		}
		if webDID != "" {
			if !strings.HasPrefix(webDID, "did:web:") {
				return usagef(fmt.Sprintf("--did %q is not a did:web DID", webDID))
			}
			if _, err := did.WebURL(webDID); err != nil {
				return usagef(err.Error())
			}
			if err := s.SetWebDID(webDID); err != nil {
				return err
			}
		}
		doc, err := s.WebDocument("")
		if err != nil {
			return withHint(err, "give the domain once with --domain registrar.example.edu; the store remembers it")
		}
		return a.printJSON(doc)
	}
	return usagef(fmt.Sprintf("--format %q is not one of jwk, jwks, did-key, did-jwk, did-web, pem, chain", o.format))
}

// exportPEM prints k's certificate (chain: its whole chain, leaf first) as
// PEM; for a DID key, pem prints its public key (PKIX) and chain is an
// error.
func (a *app) exportPEM(k *keys.Key, chain bool) error {
	if len(k.Chain) == 0 {
		if chain {
			what := "a DID key"
			if k.AwaitingCertificate {
				what = "awaiting its certificate"
			}
			return withHint(fmt.Errorf("key %q has no certificate chain: it is %s", k.Name, what), "--format pem prints its public key; attach a seal's certificate with 'diplomat keys import NAME --chain FILE'")
		}
		der, err := x509.MarshalPKIXPublicKey(k.Public)
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		return err
	}
	certs := k.Chain[:1]
	if chain {
		certs = k.Chain
	}
	for _, c := range certs {
		if _, err := a.stdout.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})); err != nil {
			return err
		}
	}
	return nil
}
