package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// trustImportOptions are the flags of "trust import".
type trustImportOptions struct {
	format   string
	pins     []string
	roots    []string
	grace    time.Duration
	unsigned bool
	plainSig bool
}

func (o *trustImportOptions) addFlags(c *cobra.Command) {
	c.Flags().StringVar(&o.format, "format", "registry", "what FILE is: registry (Diplomat's own JSON), etsi-tl (an ETSI TS 119 612 LOTL or national trusted list), ebsi-tir (an EBSI TIR snapshot) or lote (an ETSI TS 119 602 list of trusted entities)")
	c.Flags().StringArrayVar(&o.pins, "pin", nil, "certificate file (PEM or DER) allowed to sign the list: the LOTL's signers, a national list's when no LOTL is held, a LoTE's signer or its CA (repeatable)")
	c.Flags().StringArrayVar(&o.roots, "root", nil, "ebsi-tir: DID whose authorisation of a RootTAO ends a trust chain (repeatable)")
	c.Flags().DurationVar(&o.grace, "grace", 0, "accept a list this long after its NextUpdate (e.g. 72h); default none")
	c.Flags().BoolVar(&o.unsigned, "unsigned", false, "lote: accept a plain-JSON list that carries no signature (you vouch for the file)")
	c.Flags().BoolVar(&o.plainSig, "plain-xmldsig", false, "etsi-tl: accept a list signed with plain XML-DSig, without the XAdES signed properties ETSI TS 119 612 requires (test lists); the signature is still checked")
}

func newTrustImportCommand(a *app) *cobra.Command {
	var o trustImportOptions
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Import trusted issuers from a JSON file (all or nothing), or a European trust list",
		Long: "Import trusted issuers from a JSON file of the form {\"entries\": [...]} (see docs/keys.md).\n" +
			"Every entry is validated first; if one is invalid, nothing is imported and the error\n" +
			"names the entry and the field.\n\n" +
			"With --format etsi-tl, ebsi-tir or lote, import a European trust list instead (see\n" +
			"docs/trust.md): its signature is checked against the pinned certificates (a national\n" +
			"list's against the held LOTL), and a list that fails, is older than the one held or is\n" +
			"malformed changes nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.format {
			case "registry", "etsi-tl", "ebsi-tir", "lote":
			default:
				return usagef(fmt.Sprintf("--format %q: want registry, etsi-tl, ebsi-tir or lote", o.format))
			}
			if o.plainSig && o.format != "etsi-tl" {
				return usagef("--plain-xmldsig goes with --format etsi-tl")
			}
			data, err := a.readInput(args[0])
			if err != nil {
				return err
			}
			if o.format == "registry" {
				return a.importRegistry(data, args[0])
			}
			return a.importTrustList(o, data, args[0])
		},
	}
	o.addFlags(c)
	return c
}

func (a *app) importRegistry(data []byte, file string) error {
	s, err := a.openStore()
	if err != nil {
		return err
	}
	source := file
	if source != "-" {
		source = filepath.Base(source)
	}
	n, err := s.ImportTrust(data, source)
	if err != nil {
		return fmt.Errorf("%s: %w; nothing was imported", file, err)
	}
	if a.json {
		return a.printJSON(map[string]any{"imported": n, "source": source})
	}
	fmt.Fprintf(a.stdout, "imported %d trusted issuers from %s\n", n, file)
	return nil
}

func (a *app) importTrustList(o trustImportOptions, data []byte, file string) error {
	var pinned []*x509.Certificate
	for _, p := range o.pins {
		certs, err := readCertificates(p)
		if err != nil {
			return err
		}
		pinned = append(pinned, certs...)
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	st := snapshot.New(s, nil)
	opts := snapshot.ImportOptions{Pinned: pinned, Roots: o.roots, Grace: o.grace, AllowUnsigned: o.unsigned, AcceptPlainXMLDSig: o.plainSig}
	var (
		m        snapshot.Meta
		replaced bool
	)
	switch o.format {
	case "etsi-tl":
		m, replaced, err = st.ImportETSI(data, opts)
	case "ebsi-tir":
		m, replaced, err = st.ImportEBSI(data, opts)
	case "lote":
		m, replaced, err = st.ImportLoTE(data, opts)
	}
	if err != nil {
		return withHint(fmt.Errorf("%s: %w; nothing was changed", file, err), "the trust list held before, if any, stays in force; 'diplomat trust sources' shows it")
	}
	if a.json {
		return a.printJSON(map[string]any{"imported": m, "replaced": replaced})
	}
	if !replaced {
		fmt.Fprintf(a.stdout, "%s %s sequence %d is already held; nothing changed\n", m.Kind, m.Name, m.Sequence)
		return nil
	}
	fmt.Fprintf(a.stdout, "imported %s %s sequence %d (%d entities) from %s\n", m.Kind, m.Name, m.Sequence, m.Entities, file)
	if o.unsigned && m.Signer == "" && m.Kind == snapshot.KindLoTE {
		a.stderrf("warning: %s carries no signature; it is trusted because you imported it\n", file)
	}
	return nil
}

// readCertificates reads one or more PEM certificates, or one DER
// certificate, from a file.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileError("reading the certificate", path, err)
	}
	var out []*x509.Certificate
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: a certificate does not parse: %v", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("%s: no PEM certificate and not a DER certificate", path)
		}
		out = append(out, c)
	}
	return out, nil
}
