package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/elmo"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// elmoOptions are the flags ELMO input shares: import elmo, issue --elmo.
type elmoOptions struct {
	requireSignature bool
	requireTrusted   bool
	lang             string
}

func (o *elmoOptions) addFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.requireSignature, "require-signature", false, "refuse an ELMO file without a verified XML signature")
	f.BoolVar(&o.requireTrusted, "require-trusted-signer", false, "refuse an ELMO file whose signer no trust source of the store knows (implies --require-signature)")
	f.StringVar(&o.lang, "lang", "en", "the language of ELMO text that has no xml:lang (BCP 47 tag)")
}

type importELMOOptions struct {
	elmoOptions
	out string
}

func newImportELMOCommand(a *app) *cobra.Command {
	o := &importELMOOptions{}
	c := &cobra.Command{
		Use:   "elmo FILE [--out DIR]",
		Short: "Map an ELMO transcript (EMREX, Erasmus Without Paper) to unsigned ELM credentials",
		Long: "Read an ELMO v1 document (a bare <elmo>, or an EWP imobility-tors get-response), check it\n" +
			"against the ELMO schema, verify its XML signature when it has one (and ask the store's trust\n" +
			"sources about the signer), and write one unsigned ELM credential per report (EDC generic and\n" +
			"converted profiles) with its mapping report beside it: FILE-STEM[-N].json and\n" +
			"FILE-STEM[-N].mapping.json. A file that is refused writes nothing. See docs/elmo.md.",
		Example: `  diplomat import elmo transcript.xml --out imported/
  diplomat issue --elmo transcript.xml --profile edc`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), a, args[0]) },
	}
	o.addFlags(c)
	c.Flags().StringVar(&o.out, "out", ".", "folder for the credentials and mapping reports")
	return c
}

// readELMO reads an ELMO file through the size limit.
func (a *app) readELMO(name string) ([]byte, error) {
	var r io.Reader = a.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %v", name, errors.Unwrap(err))
		}
		defer f.Close()
		r = f
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(r, elmo.DefaultMaxBytes+1)); err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, err)
	}
	if b.Len() > elmo.DefaultMaxBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB, the most an ELMO file may be", name, elmo.DefaultMaxBytes>>20)
	}
	return b.Bytes(), nil
}

// elmoImportOptions builds the import options: the store's trust sources
// (registry, then the imported European lists) when a store exists.
func (a *app) elmoImportOptions(o *elmoOptions, source string) (*elmo.Options, error) {
	opts := &elmo.Options{Source: source, Language: o.lang, RequireSignature: o.requireSignature, RequireTrustedSigner: o.requireTrusted}
	if !a.storeExists() {
		if o.requireTrusted {
			return nil, withHint(fmt.Errorf("--require-trusted-signer: there is no store at %s, so no trust source", a.storePath()), "add trusted signers with 'diplomat trust add --cert' or import a trusted list")
		}
		return opts, nil
	}
	s, err := a.openStore()
	if err != nil {
		return nil, err
	}
	t := verifier.ELMOTrust{Sources: []verifier.TrustSource{verifier.RegistrySource{Registry: s}}}
	eu, err := loadEuropeanSources(s, snapshot.LoadOptions{})
	if err != nil {
		return nil, err
	}
	if len(eu.All()) > 0 {
		t.Sources = append(t.Sources, eu)
	}
	opts.Trust = t
	return opts, nil
}

// elmoError adds the hint an ELMO refusal needs.
func elmoError(name string, err error) error {
	var se *elmo.SyntaxError
	var ie *elmo.InvalidError
	switch {
	case errors.As(err, &se):
		return withHint(fmt.Errorf("%s: %s", name, strings.TrimPrefix(se.Error(), "elmo: ")), "nothing was written; the file is not well-formed XML (or holds a DTD, or is too large or deep): fix it at the place named")
	case errors.As(err, &ie):
		var b strings.Builder
		fmt.Fprintf(&b, "%s breaks the ELMO schema in %d place(s):", name, len(ie.Problems))
		for i, p := range ie.Problems {
			if i == 20 {
				fmt.Fprintf(&b, "\n  and %d more", len(ie.Problems)-20)
				break
			}
			b.WriteString("\n  " + p.String())
		}
		return withHint(errors.New(b.String()), "nothing was written; see docs/elmo.md for what the schema requires")
	case errors.Is(err, elmo.ErrSignature):
		return withHint(fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "elmo: ")), "nothing was written; a file whose signature fails is never imported: ask the sender for the file as signed (RSA or ECDSA with SHA-2), or unsigned if your process accepts that")
	}
	return err
}

func (o *importELMOOptions) run(ctx context.Context, a *app, name string) error {
	data, err := a.readELMO(name)
	if err != nil {
		return err
	}
	opts, err := a.elmoImportOptions(&o.elmoOptions, filepath.Base(name))
	if err != nil {
		return err
	}
	res, err := elmo.Import(ctx, data, opts)
	if err != nil {
		return elmoError(name, err)
	}
	stem := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if name == "-" {
		stem = "elmo"
	}
	var files []outFile
	type written struct {
		Credential string       `json:"credential"`
		Mapping    string       `json:"mapping"`
		Report     *elmo.Report `json:"report"`
	}
	var summary []written
	for k, cv := range res.Credentials {
		base := stem
		if len(res.Credentials) > 1 {
			base = fmt.Sprintf("%s-%d", stem, k+1)
		}
		rep, err := elmo.MarshalReport(cv.Report)
		if err != nil {
			return err
		}
		cp, mp := filepath.Join(o.out, base+".json"), filepath.Join(o.out, base+".mapping.json")
		files = append(files, outFile{cp, append(cv.JSON, '\n')}, outFile{mp, append(rep, '\n')})
		summary = append(summary, written{cp, mp, cv.Report})
	}
	if err := writeAll(o.out, files); err != nil {
		return err
	}
	a.reportSignatures(name, res)
	if a.json {
		return a.printJSON(summary)
	}
	for _, s := range summary {
		if err := a.printLine(fmt.Sprintf("%s\t%s\t%d elements mapped, %d without an ELM home, %d adjusted",
			s.Credential, s.Mapping, s.Report.Mapped, len(s.Report.Unmapped), len(s.Report.Adjusted))); err != nil {
			return err
		}
	}
	return nil
}

// reportSignatures tells the person what the signature check found, and
// the reader's warnings.
func (a *app) reportSignatures(name string, res *elmo.Result) {
	for _, s := range res.Signatures {
		if !s.Signed || (s.Trust != nil && !s.Trust.Known) || !s.Signer.ValidNow {
			a.stderrf("warning: %s: %s\n", name, s)
		} else {
			a.stderrf("%s: %s\n", name, s)
		}
	}
	for _, w := range res.Warnings {
		a.stderrf("warning: %s: %s\n", name, w)
	}
}

// outFile is a file to write.
type outFile struct {
	path string
	data []byte
}

// writeAll writes every file or none: each goes to a temporary file in
// dir first, and all are renamed into place once every one is written.
func writeAll(dir string, files []outFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %v", dir, errors.Unwrap(err))
	}
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			_ = os.Remove(t)
		}
	}
	for _, f := range files {
		tmp, err := os.CreateTemp(dir, ".diplomat-*")
		if err != nil {
			cleanup()
			return fmt.Errorf("writing into %s: %v", dir, errors.Unwrap(err))
		}
		temps = append(temps, tmp.Name())
		_, err = tmp.Write(f.data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o644)
		}
		if err != nil {
			cleanup()
			return fmt.Errorf("writing %s: %v", f.path, err)
		}
	}
	for i, f := range files {
		if err := os.Rename(temps[i], f.path); err != nil {
			cleanup()
			return fmt.Errorf("writing %s: %v", f.path, errors.Unwrap(err))
		}
	}
	return nil
}
