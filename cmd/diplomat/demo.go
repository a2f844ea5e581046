package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/testdata/records"
	"github.com/diplomat-edu/diplomat/verifier"
)

type demoOptions struct {
	keep     bool
	out      string
	contexts string
}

func (o *demoOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.keep, "keep", false, "keep the throw-away store folder (with its passphrase) and say how to use it")
	f.StringVar(&o.out, "out", "", "also write every credential (template-profile.ext), the DID document, the seal's certificate chain and the status lists to this folder, and the same documents laid out as HOST/PATH for a web server or 'verify --documents'")
	f.StringVar(&o.contexts, "contexts", "", "JSON-LD contexts folder to import (as 'diplomat contexts import'), to include Data Integrity proofs")
}

func newDemoCommand(a *app) *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Issue and verify one credential per template and profile on a throw-away store",
		Long: "Create a throw-away store in a temporary folder with a random passphrase, keys for every profile\n" +
			"(Ed25519 and P-256 DID keys and a TEST eSeal, all under did:web:registrar.example.edu), issue one\n" +
			"credential per built-in template and profile from the sample records, publish the status lists and\n" +
			"the DID document as a web server would serve them, verify each credential in full as a recognition\n" +
			"officer trusting that DID would (offline, from those documents), then revoke one and verify it again.\n" +
			"Data Integrity proofs need the JSON-LD contexts (--contexts DIR); without them those rows say so.\n" +
			"Nothing is written outside the temporary folder unless --out, and it is removed afterwards (also on\n" +
			"Ctrl-C or a closed pipe) unless --keep.",
		Example: `  diplomat demo
  diplomat demo --json
  diplomat demo --out demo-out --contexts ../shared/reference/contexts
  diplomat verify --documents demo-out demo-out/diploma-w3c.jwt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), a) },
	}
	o.AddFlags(c)
	return c
}

const demoWebDID = "did:web:registrar.example.edu"

// demoRow is one credential of the demo, as --json prints it.
type demoRow struct {
	Template    string `json:"template"`
	Profile     string `json:"profile"`
	Proof       string `json:"proof"`
	ID          string `json:"id,omitempty"`
	Bytes       int    `json:"bytes,omitempty"`
	Key         string `json:"key,omitempty"`
	Verdict     string `json:"verdict"`
	Issuer      string `json:"issuer,omitempty"`
	SealedBy    string `json:"sealedBy,omitempty"`
	StatusList  string `json:"statusList,omitempty"`
	StatusIndex *int   `json:"statusIndex,omitempty"`
	Reason      string `json:"reason,omitempty"`
	File        string `json:"file,omitempty"`

	cred []byte
}

// demoResult is what demo --json prints.
type demoResult struct {
	Issuer      string    `json:"issuer"`
	Store       string    `json:"store,omitempty"` // with --keep
	Credentials []demoRow `json:"credentials"`
	Revoked     *demoRow  `json:"revoked,omitempty"`
	StatusLists int       `json:"statusLists"`
	Out         string    `json:"out,omitempty"`
}

func (o *demoOptions) run(ctx context.Context, a *app) error {
	dir, err := os.MkdirTemp("", "diplomat-demo-")
	if err != nil {
		return fmt.Errorf("creating a temporary folder: %v", err)
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	home := filepath.Join(dir, "home")
	s, pass, err := demoStore(filepath.Join(home, keys.DefaultFile), demoWebDID, "https://registrar.example.edu/status")
	if err != nil {
		return err
	}
	defer s.Close()
	if o.keep {
		// The store is kept for the person to look into; its random
		// passphrase is useless unless kept beside it.
		if err := os.WriteFile(filepath.Join(dir, "passphrase"), []byte(pass+"\n"), 0o600); err != nil {
			return err
		}
	}
	if o.contexts != "" {
		if _, err := jsonld.Import(o.contexts, s); err != nil {
			return err
		}
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		return err
	}
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return err
		}
	}

	// Issue.
	res := demoResult{Issuer: demoWebDID}
	err = demoIssue(ctx, iss, func(t *templates.Template, p issuer.Profile, out *issuer.Issued, err error) error {
		proof := p.Proof
		if proof == "" {
			proof = demoProof(p.Name)
		}
		row := demoRow{Template: t.Name(), Profile: p.Name, Proof: proof}
		if errors.Is(err, jsonld.ErrUnknownContext) {
			row.Verdict, row.Reason = "skipped", "no JSON-LD contexts"
			res.Credentials = append(res.Credentials, row)
			return nil
		}
		if err != nil {
			return fmt.Errorf("issuing %s as %s: %w", t.Name(), p, err)
		}
		idx := out.Entry.StatusIndex
		row.ID, row.Bytes, row.Key, row.cred = out.Entry.ID, len(out.Credential), out.Entry.KeyName, out.Credential
		row.StatusList, row.StatusIndex = out.Entry.StatusList, &idx
		if o.out != "" {
			row.File = demoFileName(t, p) + out.Ext
			if err := os.WriteFile(filepath.Join(o.out, row.File), out.Credential, 0o644); err != nil {
				return err
			}
		}
		res.Credentials = append(res.Credentials, row)
		return nil
	})
	if err != nil {
		return err
	}

	// Publish, then verify everything as a recognition officer would.
	web := filepath.Join(dir, "web")
	pubs, err := demoPublish(ctx, s, iss, web, o.out)
	if err != nil {
		return err
	}
	res.StatusLists = len(pubs)
	failed := 0
	for k := range res.Credentials {
		r := &res.Credentials[k]
		if r.cred == nil {
			continue
		}
		if err := demoVerify(ctx, s, web, r); err != nil {
			return err
		}
		if r.Verdict != string(verifier.Verified) {
			failed++
		}
	}

	// Revoke the first w3c credential, publish again and verify it again.
	for _, r := range res.Credentials {
		if r.Profile == issuer.W3C && r.cred != nil {
			if _, err := iss.Revoke(r.ID, "demonstration"); err != nil {
				return err
			}
			if _, err := demoPublish(ctx, s, iss, web, o.out); err != nil {
				return err
			}
			again := r
			if err := demoVerify(ctx, s, web, &again); err != nil {
				return err
			}
			res.Revoked = &again
			if again.Verdict != string(verifier.Revoked) {
				failed++
			}
			break
		}
	}
	if o.keep {
		res.Store = home
	}
	res.Out = o.out

	if a.json {
		if err := a.printJSON(res); err != nil {
			return err
		}
	} else if err := o.print(a, s, iss, res, dir); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d credentials did not verify as expected", failed)
	}
	return nil
}

// print writes the demo for a person: what was set up, the table, the
// revocation, and where things are.
func (o *demoOptions) print(a *app, s *keys.Store, iss *issuer.Issuer, res demoResult, dir string) error {
	w := &errWriter{w: a.stdout}
	w.println(fmt.Sprintf("throw-away store %s, issuer %s, status lists under %s", s.Path(), demoWebDID, iss.Config().StatusBaseURL))
	for _, prof := range issuer.Profiles() {
		if k, as, err := iss.SignsAs(issuer.Profile{Name: prof}); err == nil {
			w.println(fmt.Sprintf("  %-4s signs with key %q (%s %s) as %s", prof, k.Name, kind(k), k.Type, as))
		}
	}
	w.println("verified offline, as a recognition officer who trusts " + demoWebDID + " and holds its published documents")
	w.println("")
	if w.err != nil {
		return w.err
	}
	rows := [][]string{{"TEMPLATE", "PROFILE", "FORMAT", "BYTES", "VERDICT", "SIGNED BY", "STATUS"}}
	skipped := 0
	for _, r := range res.Credentials {
		status := ""
		if r.StatusIndex != nil {
			status = r.StatusList + "#" + strconv.Itoa(*r.StatusIndex)
			if res.Revoked != nil && r.ID == res.Revoked.ID {
				status += " (revoked below)"
			}
		}
		verdict := r.Verdict
		if r.Reason != "" {
			verdict += ": " + oneLine(r.Reason, 40)
		}
		if r.Verdict == "skipped" {
			skipped++
		}
		rows = append(rows, []string{r.Template, r.Profile, r.Proof, orEmpty(r.Bytes), verdict, demoSigner(r), status})
	}
	if err := a.table(rows); err != nil {
		return err
	}
	w.println("")
	if skipped > 0 {
		w.println(fmt.Sprintf("%d Data Integrity rows were skipped: they need the JSON-LD contexts (diplomat demo --contexts DIR, see docs/jsonld.md)", skipped))
	}
	w.println(fmt.Sprintf("signed %d status list credentials", res.StatusLists))
	if r := res.Revoked; r != nil {
		line := fmt.Sprintf("revoked %s (%s, %s), published the lists again and verified it again: %s", r.ID, r.Template, r.Profile, strings.ToUpper(r.Verdict))
		if r.Reason != "" {
			line += " (" + r.Reason + ")"
		}
		w.println(line)
	}
	if o.out != "" {
		w.println(fmt.Sprintf("wrote the credentials, did.json, seal-chain.pem and status/ to %s, and the same documents laid out for the web under %s/registrar.example.edu/", o.out, o.out))
		w.println(fmt.Sprintf("verify one offline: diplomat verify --documents %s %s", o.out, filepath.Join(o.out, "diploma-w3c.jwt")))
	}
	if o.keep {
		w.println(fmt.Sprintf("kept the store folder %s; its passphrase is in %s", dir, filepath.Join(dir, "passphrase")))
		w.println(fmt.Sprintf("use it with: export DIPLOMAT_HOME=%s DIPLOMAT_PASSPHRASE=\"$(cat %s)\"", res.Store, filepath.Join(dir, "passphrase")))
		w.println("then, for example: diplomat keys list; diplomat issued list; diplomat status publish --out status/")
		w.println(fmt.Sprintf("remove it when done: rm -r %s", dir))
	}
	return w.err
}

func orEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// demoSigner is who signed a row, as the verifier established it: the
// issuer's DID, with the seal's organisation for a sealed credential.
func demoSigner(r demoRow) string {
	switch {
	case r.Issuer != "" && r.SealedBy != "":
		return r.Issuer + " (its eSeal)"
	case r.SealedBy != "":
		return "sealed by " + r.SealedBy
	}
	return r.Issuer
}

// demoProfiles are the profiles demo and serve --dev issue every template in.
var demoProfiles = []issuer.Profile{
	{Name: issuer.EDC}, {Name: issuer.EBSI}, {Name: issuer.W3C},
	{Name: issuer.W3C, Proof: issuer.ProofEdDSA}, {Name: issuer.EUDI},
}

// demoIssue issues one credential per built-in template and demo profile
// from the sample records, and calls fn with each outcome (out nil and err
// set when issuing failed); an error from fn, or a cancelled ctx, stops it.
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
			if err := ctx.Err(); err != nil {
				return err
			}
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

// demoStore creates the throw-away store: a random passphrase (returned),
// one key per profile, the demo institution under webDID with its status
// lists under statusBase, and the registry entry a recognition officer
// would add for it.
func demoStore(path, webDID, statusBase string) (*keys.Store, string, error) {
	s, err := keys.Open(path, nil)
	if err != nil {
		return nil, "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		s.Close()
		return nil, "", err
	}
	pass := base64.RawURLEncoding.EncodeToString(raw)
	err = s.Unlock([]byte(pass))
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
	cfg := &issuer.Config{
		Institution: issuer.Institution{
			LegalName:       map[string]string{"en": "Université Exemple", "fr": "Université Exemple"},
			LegalIdentifier: "VATFR-12345678901", Country: "FR", Homepage: "https://www.univ-exemple.fr",
		},
		StatusBaseURL: statusBase,
	}
	if err == nil {
		cfg.Keys, err = issuer.ChooseKeys(s)
	}
	if err == nil {
		err = issuer.SaveConfig(s, cfg)
	}
	if err == nil {
		_, err = s.AddTrust(keys.TrustEntry{DID: webDID, Name: "Université Exemple", Country: "FR"})
	}
	if err != nil {
		s.Close()
		return nil, "", err
	}
	return s, pass, nil
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

// demoPublish signs the status lists and writes them, with the DID
// document, laid out for the web under web (and, with --out, under out as
// well, beside did.json, seal-chain.pem and status/).
func demoPublish(ctx context.Context, s *keys.Store, iss *issuer.Issuer, web, out string) ([]issuer.Published, error) {
	pubs, err := iss.PublishStatus(ctx, 0)
	if err != nil {
		return nil, err
	}
	if _, err := writeWebLayout(s, web, pubs); err != nil {
		return nil, err
	}
	if out == "" {
		return pubs, nil
	}
	if _, err := writeWebLayout(s, out, pubs); err != nil {
		return nil, err
	}
	return pubs, demoWriteOut(s, out, pubs)
}

// demoVerify verifies r's credential in full, as a recognition officer
// trusting the demo's DID would, with the published documents under web
// instead of the network, and records the verdict in r.
func demoVerify(ctx context.Context, s *keys.Store, web string, r *demoRow) error {
	docs, err := verifier.NewDocuments(web, verifier.FetchLimits{})
	if err != nil {
		return err
	}
	v, err := verifier.New(verifier.Options{
		Fetcher:  docs,
		Trust:    []verifier.TrustSource{verifier.RegistrySource{Registry: s}},
		Contexts: jsonld.New(jsonld.Options{Cache: s}),
	})
	if err != nil {
		return err
	}
	rep, err := v.Verify(ctx, r.cred, verifier.Request{})
	if err != nil {
		return err
	}
	r.Verdict, r.Issuer, r.SealedBy, r.Reason = string(rep.Verdict), "", rep.SealedBy, ""
	if rep.IssuerVerified {
		r.Issuer = rep.Issuer
	}
	if f := rep.Failed(); len(f) > 0 {
		r.Reason = f[0].ID + ": " + f[0].Message
	}
	return nil
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
