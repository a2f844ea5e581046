package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/testdata/records"
)

type demoOptions struct {
	keep     bool
	out      string
	contexts string
}

func (o *demoOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.keep, "keep", false, "keep the throw-away store folder and print its path")
	f.StringVar(&o.out, "out", "", "also write every credential (template-profile.ext), the DID document, the seal's certificate chain and the status lists to this folder")
	f.StringVar(&o.contexts, "contexts", "", "JSON-LD contexts folder to import (as 'diplomat contexts import'), to include Data Integrity proofs")
}

func newDemoCommand(a *app) *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Issue and verify one credential per template and profile on a throw-away store",
		Long: "Create a throw-away store in a temporary folder with a random passphrase, keys for every profile\n" +
			"(Ed25519 and P-256 DID keys under did:web:registrar.example.edu, a TEST eSeal), issue one\n" +
			"credential per built-in template and profile from the sample records, verify each with its\n" +
			"format's verifier, revoke one, and print a table. Data Integrity proofs need the JSON-LD\n" +
			"contexts (--contexts DIR); without them those rows say so. Nothing is written outside the\n" +
			"temporary folder unless --out, and it is removed afterwards unless --keep.",
		Example: `  diplomat demo
  diplomat demo --out demo-out --contexts ../shared/reference/contexts`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), a) },
	}
	o.AddFlags(c)
	return c
}

const demoWebDID = "did:web:registrar.example.edu"

func (o *demoOptions) run(ctx context.Context, a *app) error {
	dir, err := os.MkdirTemp("", "diplomat-demo-")
	if err != nil {
		return fmt.Errorf("creating a temporary folder: %v", err)
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	s, err := demoStore(filepath.Join(dir, "home", keys.DefaultFile), demoWebDID, "https://registrar.example.edu/status")
	if err != nil {
		return err
	}
	defer s.Close()
	if o.contexts != "" {
		if _, err := jsonld.Import(o.contexts, s); err != nil {
			return err
		}
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		return err
	}
	resolver := did.Resolver{Web: func(_ context.Context, url string) ([]byte, error) {
		// The throw-away store is the did:web host: serve its document.
		if want, _ := did.WebURL(demoWebDID); url != want {
			return nil, fmt.Errorf("demo: no network: %s", url)
		}
		doc, err := s.WebDocument("")
		if err != nil {
			return nil, err
		}
		return json.Marshal(doc)
	}}
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return err
		}
	}

	rows := [][]string{{"TEMPLATE", "PROFILE", "FORMAT", "BYTES", "VERIFIED", "STATUS"}}
	failed := 0
	var revoke string
	err = demoIssue(ctx, iss, func(t *templates.Template, p issuer.Profile, out *issuer.Issued, err error) error {
		proof := p.Proof
		if proof == "" {
			proof = demoProof(p.Name)
		}
		row := []string{t.Name(), p.Name, proof, "", "", ""}
		if errors.Is(err, jsonld.ErrUnknownContext) {
			row[4] = "skipped: JSON-LD contexts not installed (--contexts DIR)"
			rows = append(rows, row)
			return nil
		}
		if err != nil {
			return fmt.Errorf("issuing %s as %s: %w", t.Name(), p, err)
		}
		row[3] = strconv.Itoa(len(out.Credential))
		row[5] = out.Entry.StatusList + "#" + strconv.Itoa(out.Entry.StatusIndex)
		if v, err := demoVerify(ctx, s, proof, out.Credential, resolver); err != nil {
			row[4] = "NO: " + err.Error()
			failed++
		} else {
			row[4] = "yes, " + shortIssuer(v)
		}
		if revoke == "" && p.Name == issuer.W3C {
			revoke = out.Entry.ID
			row[5] += " (revoked below)"
		}
		rows = append(rows, row)
		if o.out != "" {
			if err := os.WriteFile(filepath.Join(o.out, demoFileName(t, p)+out.Ext), out.Credential, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if revoke != "" {
		if _, err := iss.Revoke(revoke, "demonstration"); err != nil {
			return err
		}
	}
	w := a.stdout
	fmt.Fprintf(w, "throw-away store %s, issuer %s, status lists under %s\n\n", s.Path(), demoWebDID, iss.Config().StatusBaseURL)
	if err := a.table(rows); err != nil {
		return err
	}
	pubs, err := iss.PublishStatus(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsigned %d status list credentials; revoked %s\n", len(pubs), revoke)
	if o.out != "" {
		if err := demoWriteOut(s, o.out, pubs); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote the credentials, did.json, seal-chain.pem and status/ to %s\n", o.out)
	}
	if o.keep {
		fmt.Fprintf(w, "kept the store folder %s\n", dir)
	}
	if failed > 0 {
		return fmt.Errorf("%d credentials did not verify", failed)
	}
	return nil
}

// demoProfiles are the profiles demo and serve --dev issue every template in.
var demoProfiles = []issuer.Profile{
	{Name: issuer.EDC}, {Name: issuer.EBSI}, {Name: issuer.W3C},
	{Name: issuer.W3C, Proof: issuer.ProofEdDSA}, {Name: issuer.EUDI},
}

// demoIssue issues one credential per built-in template and demo profile
// from the sample records, and calls fn with each outcome (out nil and err
// set when issuing failed); an error from fn stops it.
func demoIssue(ctx context.Context, iss *issuer.Issuer, fn func(t *templates.Template, p issuer.Profile, out *issuer.Issued, err error) error) error {
	for _, t := range templates.Builtins() {
		data, err := records.JSON(t.Name())
		if err != nil {
			return fmt.Errorf("sample record of %s: %v", t.Name(), err)
		}
		recs, err := templates.ReadJSON(data, t.Name()+".json")
		if err != nil {
			return err
		}
		for _, p := range demoProfiles {
			out, err := iss.Issue(ctx, t, recs[0], p)
			if err := fn(t, p, out, err); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoFileName names a demo credential file: template-profile[-proof].
func demoFileName(t *templates.Template, p issuer.Profile) string {
	name := t.Name() + "-" + p.Name
	if p.Proof != "" {
		name += "-" + p.Proof
	}
	return name
}

// demoStore creates the throw-away store: a random passphrase, one key per
// profile, the demo institution under webDID, status lists under
// statusBase.
func demoStore(path, webDID, statusBase string) (*keys.Store, error) {
	s, err := keys.Open(path, nil)
	if err != nil {
		return nil, err
	}
	pass := make([]byte, 32)
	if _, err := rand.Read(pass); err != nil {
		s.Close()
		return nil, err
	}
	err = s.Unlock(pass)
	clear(pass)
	if err == nil {
		_, err = s.Create("registrar", keys.Ed25519, keys.Assertion)
	}
	if err == nil {
		_, err = s.Create("registrar-p256", keys.P256, keys.Assertion)
	}
	if err == nil {
		_, err = s.CreateTestSeal("seal", keys.TestSealOptions{Subject: keys.SealSubject{
			Organization: "Université Exemple", Country: "FR", OrganizationIdentifier: "VATFR-12345678901",
		}})
	}
	if err == nil {
		err = s.SetWebDID(webDID)
	}
	if err == nil {
		err = issuer.SaveConfig(s, &issuer.Config{
			Institution: issuer.Institution{
				LegalName:       map[string]string{"en": "Université Exemple", "fr": "Université Exemple"},
				LegalIdentifier: "VATFR-12345678901", Country: "FR", Homepage: "https://www.univ-exemple.fr",
			},
			StatusBaseURL: statusBase,
		})
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func demoProof(profile string) string {
	switch profile {
	case issuer.EDC:
		return issuer.ProofJAdES
	case issuer.EBSI:
		return issuer.ProofJWTVC
	case issuer.EUDI:
		return issuer.ProofSDJWT
	}
	return issuer.ProofVCJWT
}

// demoVerify checks a credential with its format's own verifier (the
// securing mechanism), not the full verifier: signature, key and issuer.
func demoVerify(ctx context.Context, s *keys.Store, proof string, cred []byte, r credentials.KeyResolver) (*credentials.Verified, error) {
	var m credentials.Mechanism
	switch proof {
	case issuer.ProofJAdES:
		m = &jades.Mechanism{}
	case issuer.ProofJWTVC:
		m = jose.JWTVCJSON{}
	case issuer.ProofVCJWT:
		m = jose.VCJWT{}
	case issuer.ProofSDJWT:
		m = sdjwt.Mechanism{}
	default:
		suite, err := dataintegrity.New(proof, dataintegrity.Options{Contexts: jsonld.New(jsonld.Options{Cache: s})})
		if err != nil {
			return nil, err
		}
		m = suite
	}
	return m.Verify(ctx, cred, r, credentials.VerifyOptions{})
}

func shortIssuer(v *credentials.Verified) string {
	if len(v.Chain) > 0 {
		return "sealed by " + v.Chain[0].Subject.CommonName
	}
	return "signed by " + v.KeyID[strings.LastIndexByte(v.KeyID, '#')+1:]
}

// demoWriteOut writes the DID document, the seal's chain and the status lists.
func demoWriteOut(s *keys.Store, out string, pubs []issuer.Published) error {
	doc, err := s.WebDocument("")
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "did.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	chain, err := s.Chain("seal")
	if err != nil {
		return err
	}
	var pemData []byte
	for _, c := range chain {
		pemData = append(pemData, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(filepath.Join(out, "seal-chain.pem"), pemData, 0o644); err != nil {
		return err
	}
	dir := filepath.Join(out, "status")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range pubs {
		if err := os.WriteFile(filepath.Join(dir, p.File), p.Credential, 0o644); err != nil {
			return err
		}
	}
	return nil
}
