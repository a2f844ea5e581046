package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

type demoOptions struct{ keep bool }

func (o *demoOptions) AddFlags(c *cobra.Command) {
	c.Flags().BoolVar(&o.keep, "keep", false, "keep the throw-away store folder and print its path")
}

func newDemoCommand(a *app) *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run an end-to-end demonstration on a throw-away store",
		Long: "Create a throw-away store in a temporary folder with a random passphrase, create an\n" +
			"institution key in it, show the key's identifiers, and say what was done. Nothing is\n" +
			"written outside the temporary folder, which is removed afterwards unless --keep.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(a) },
	}
	o.AddFlags(c)
	return c
}

func (o *demoOptions) run(a *app) error {
	dir, err := os.MkdirTemp("", "diplomat-demo-")
	if err != nil {
		return fmt.Errorf("creating a temporary folder: %v", err)
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	path := filepath.Join(dir, "home", keys.DefaultFile)
	s, err := keys.Open(path, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	pass := make([]byte, 32)
	if _, err := rand.Read(pass); err != nil {
		return err
	}
	if err := s.Unlock(pass); err != nil {
		return err
	}
	clear(pass)

	w := a.stdout
	fmt.Fprintf(w, "1. created a throw-away store at %s (encrypted with a random passphrase)\n", path)
	k, err := s.Create("registrar", keys.Ed25519, keys.Assertion)
	if err != nil {
		return err
	}
	keyDID, err := k.KeyDID()
	if err != nil {
		return err
	}
	jwkDID, err := k.JWKDID()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "2. created the Ed25519 signing key %q, sealed in the store\n", k.Name)
	fmt.Fprintf(w, "   key id (RFC 7638 thumbprint): %s\n", k.ID)
	fmt.Fprintf(w, "   did:key: %s\n", keyDID)
	fmt.Fprintf(w, "   did:jwk: %s\n", jwkDID)
	if err := s.SetWebDID("did:web:registrar.example.edu"); err != nil {
		return err
	}
	doc, err := s.WebDocument("")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "3. built the did:web document for %s with %d verification methods\n", doc.ID, len(doc.VerificationMethod))
	if o.keep {
		fmt.Fprintf(w, "kept the store folder %s\n", dir)
	} else {
		fmt.Fprintf(w, "removed the throw-away store\n")
	}
	return nil
}
