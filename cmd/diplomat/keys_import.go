package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/diplomat-edu/diplomat/keys"
)

type keysImportOptions struct {
	jwk, pem  string
	p12       string
	cert, key string
	chain     string
	purpose   string
}

func (o *keysImportOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.jwk, "jwk", "", "a private JWK file (Ed25519, P-256 or P-384)")
	f.StringVar(&o.pem, "pem", "", "a PEM private key file (PKCS#8 or SEC 1)")
	f.StringVar(&o.p12, "p12", "", "an eSeal as a PKCS#12 file (.p12/.pfx); the password comes from $DIPLOMAT_P12_PASSWORD or a prompt")
	f.StringVar(&o.cert, "cert", "", "an eSeal's PEM certificate chain, its own certificate first (with --key)")
	f.StringVar(&o.key, "key", "", "the eSeal's PEM private key (with --cert)")
	f.StringVar(&o.chain, "chain", "", "the PEM chain a trust service provider issued for an existing key's CSR")
	f.StringVar(&o.purpose, "purpose", "assertion", "with --jwk or --pem: assertion or authentication")
}

func newKeysImportCommand(a *app) *cobra.Command {
	o := &keysImportOptions{}
	c := &cobra.Command{
		Use:   "import NAME (--jwk FILE | --pem FILE | --p12 FILE | --cert FILE --key FILE | --chain FILE)",
		Short: "Import a private key or an X.509 eSeal, or attach the certificate issued for a CSR",
		Example: `  diplomat keys import seal --p12 seal.p12
  diplomat keys import seal --cert chain.pem --key seal-key.pem
  diplomat keys import seal --chain issued.pem     # after 'diplomat keys csr seal'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(a, args[0]) },
	}
	o.AddFlags(c)
	return c
}

func (o *keysImportOptions) run(a *app, name string) error {
	n := 0
	for _, s := range []string{o.jwk, o.pem, o.p12, o.cert, o.chain} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return usagef("give exactly one of --jwk, --pem, --p12, --cert (with --key) or --chain")
	}
	if (o.cert == "") != (o.key == "") {
		return usagef("--cert and --key go together")
	}
	purpose := keys.Purpose(o.purpose)
	if purpose != keys.Assertion && purpose != keys.Authentication {
		return usagef(fmt.Sprintf("--purpose %q is not a purpose: use assertion or authentication", o.purpose))
	}
	if o.chain != "" {
		// Attaching a certificate needs no passphrase.
		data, err := a.readInput(o.chain)
		if err != nil {
			return err
		}
		s, err := a.openStore()
		if err != nil {
			return err
		}
		k, err := s.AttachChain(name, data)
		if err != nil {
			return fmt.Errorf("%s: %w", o.chain, err)
		}
		return a.reportImported(k)
	}
	var (
		file string
		data []byte
		err  error
	)
	for _, f := range []string{o.jwk, o.pem, o.p12, o.cert} {
		if f != "" {
			file = f
		}
	}
	if data, err = a.readInput(file); err != nil {
		return err
	}
	defer clear(data)
	s, err := a.unlockedStore()
	if err != nil {
		return err
	}
	var k *keys.Key
	switch {
	case o.jwk != "", o.pem != "":
		k, err = s.ImportKey(name, purpose, data)
	case o.p12 != "":
		var pass []byte
		pass, err = a.p12Password()
		if err != nil {
			return err
		}
		k, err = s.ImportPKCS12(name, data, string(pass))
		clear(pass)
		if errors.Is(err, keys.ErrWrongPKCS12Password) {
			return withHint(fmt.Errorf("%s: %w", file, err), "set DIPLOMAT_P12_PASSWORD to the file's password")
		}
	default:
		var keyPEM []byte
		if keyPEM, err = a.readInput(o.key); err != nil {
			return err
		}
		defer clear(keyPEM)
		k, err = s.ImportPEM(name, data, keyPEM)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return a.reportImported(k)
}

func (a *app) p12Password() ([]byte, error) {
	if p := a.getenv("DIPLOMAT_P12_PASSWORD"); p != "" {
		return []byte(p), nil
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, withHint(errors.New("the PKCS#12 file needs its password and none was given"), "set DIPLOMAT_P12_PASSWORD, or run the command on a terminal to be asked for it")
	}
	return a.readSecret(f, "PKCS#12 password: ")
}

func (a *app) reportImported(k *keys.Key) error {
	if a.json {
		return a.printJSON(newKeyView(k, true))
	}
	fmt.Fprintf(a.stdout, "imported %s key %q (%s, %s), id %s\n", k.Type, k.Name, kind(k), k.Purpose, k.ID)
	for i, c := range k.Chain {
		printCertInfo(a, i, keys.Describe(c))
	}
	return nil
}
