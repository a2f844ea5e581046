package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/wallet"
)

type walletPresentOptions struct {
	net       walletNetOptions
	yes       bool
	dryRun    bool
	use       []string
	allClaims bool
	// A presentation for a file (e-mail).
	file      string
	challenge string
	domain    string
	disclose  []string
}

func (o *walletPresentOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.yes, "yes", false, "share without asking (for scripts: what is shared is still printed)")
	f.BoolVar(&o.dryRun, "dry-run", false, "show who asks and what would be shared, and send nothing")
	f.StringArrayVar(&o.use, "use", nil, "answer with credential `ID` only (repeat it; default: the first that fits of those held)")
	f.BoolVar(&o.allClaims, "all-claims", false, "list every claim that would be shared (default: the first 30 of each credential)")
	f.StringVar(&o.file, "file", "", "make a presentation of credential ID for e-mail and write it to `FILE` (- for stdout) instead of answering a request")
	f.StringVar(&o.challenge, "challenge", "", "with --file: the challenge (nonce) the verifier sent you")
	f.StringVar(&o.domain, "domain", "", "with --file: the domain (its identifier) the verifier sent you")
	f.StringArrayVar(&o.disclose, "disclose", nil, "with --file: show only this claim of an SD-JWT VC, as a `PATH` like elm.credentialSubject.hasClaim.*.title (repeat it; default: every claim)")
	o.net.AddFlags(c)
}

func newWalletPresentCommand(a *app) *cobra.Command {
	o := &walletPresentOptions{}
	c := &cobra.Command{
		Use:   "present REQUEST | present --file FILE --challenge C --domain D ID",
		Short: "Answer a verifier's request (a link, its request_uri, or a QR code image), showing only what it asks",
		Long: `Present answers a presentation request: an openid4vp:// link, the request's https request_uri, or
a PNG or JPEG image of its QR code. The wallet verifies the signed request (the verifier's
certificate or DID), says who asks and whether a trust source of the wallet knows them, finds the
credentials that answer the query, checks them again (a revoked credential is never sent), and
shows exactly which claims would be shared: for an SD-JWT VC only those asked for. Nothing is sent
until you say yes (--yes in scripts; --dry-run to only look).

With --file, it makes a presentation of credential ID for a verifier who sent you a challenge and a
domain by e-mail, and writes it to FILE.`,
		Example: `  diplomat wallet present 'openid4vp://?client_id=x509_hash%3A…&request_uri=https%3A%2F%2F…'
  diplomat wallet present request-qr.png
  diplomat wallet present --file for-admissions.txt --challenge 7Hq2… --domain https://admissions.uni-voorbeeld.nl k3m9x2pq`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.file != "" {
				return o.presentFile(cmd.Context(), a, args[0])
			}
			if o.challenge != "" || o.domain != "" || len(o.disclose) > 0 {
				return usagef("--challenge, --domain and --disclose go with --file (a request carries its own)")
			}
			return o.answer(cmd.Context(), a, args[0])
		},
	}
	o.AddFlags(c)
	return c
}

func (o *walletPresentOptions) answer(ctx context.Context, a *app, arg string) error {
	text, err := a.readLinkArg(arg, "request")
	if err != nil {
		return err
	}
	w, err := a.openWallet(&o.net, false, true, wallet.Options{})
	if err != nil {
		return err
	}
	link, err := w.RequestLink(ctx, text)
	if err != nil {
		return withHint(fmt.Errorf("reading the request: %w; nothing was sent", err), requestHint(err))
	}
	var use []string
	for _, id := range o.use {
		c, err := walletCredential(w, id)
		if err != nil {
			return err
		}
		use = append(use, c.ID)
	}
	p, err := w.Prepare(ctx, link, wallet.PrepareOptions{Use: use})
	var nm *wallet.NoMatchError
	var re *wallet.RefusedError
	switch {
	case errors.As(err, &nm):
		return withHint(err, "see what the wallet holds with 'diplomat wallet list'")
	case errors.As(err, &re):
		return withHint(err, "see 'diplomat wallet show "+"ID' and ask the issuer")
	case err != nil:
		return withHint(fmt.Errorf("the request: %w; nothing was sent", err), requestHint(err))
	}
	ew := &errWriter{w: a.stderr}
	if a.json {
		ew.w = a.stderr
	}
	o.describe(ew, p)
	if ew.err != nil {
		return ew.err
	}
	result := map[string]any{"verifier": p.Verifier, "shares": sharesView(p.Shares), "sent": false}
	if o.dryRun {
		a.stderrf("dry run: nothing was sent\n")
		if a.json {
			return a.printJSON(result)
		}
		return nil
	}
	if !o.yes {
		ok, err := a.ask(fmt.Sprintf("share this with %s?", p.Verifier.Name), "--yes")
		if err != nil {
			return err
		}
		if !ok {
			if err := p.Decline(ctx); err != nil {
				return fmt.Errorf("declined; nothing was shared, but telling the verifier failed: %w", err)
			}
			return errors.New("declined: nothing was shared, and the verifier was told")
		}
	}
	ack, err := p.Send(ctx)
	if err != nil {
		return withHint(fmt.Errorf("sending the presentation to %s: %w", p.Verifier.ResponseHost, err), requestHint(err))
	}
	result["sent"] = true
	if ack.RedirectURI != "" {
		result["redirectUri"] = ack.RedirectURI
	}
	if a.json {
		return a.printJSON(result)
	}
	fmt.Fprintf(a.stdout, "shared with %s\n", p.Verifier.Name)
	if ack.RedirectURI != "" {
		fmt.Fprintf(a.stdout, "continue in your browser: %s\n", ack.RedirectURI)
	}
	return nil
}

// describe writes who asks and exactly what would be shared.
func (o *walletPresentOptions) describe(ew *errWriter, p *wallet.Pending) {
	v := p.Verifier
	how := v.Prefix
	if v.Signed {
		how += ", signed request verified"
	}
	ew.println(fmt.Sprintf("request from %s (%s; the answer goes to %s)", orDash(v.Name), how, orDash(v.ResponseHost)))
	if !v.Signed {
		ew.println("  WARNING: the request is not signed (redirect_uri): the wallet cannot tell who made it")
	}
	switch {
	case v.Trust != nil:
		ew.println(fmt.Sprintf("  known to the wallet: yes, %s (%s)", v.Trust.Entity, v.Trust.Source))
	case v.Trusted:
		ew.println("  known to the wallet: yes, its certificate chains to a verifier CA you trust")
	default:
		ew.println("  known to the wallet: NO: no trust source of this wallet knows this verifier; share only if you know who asks")
	}
	for _, s := range p.Shares {
		c := s.Credential
		ew.println(fmt.Sprintf("it would be shown %s %q (%s) from %s:", c.ID, c.Title, c.Format, issuerOf(c)))
		var asked, rest []wallet.Claim
		for _, cl := range s.Visible {
			if under(cl.Path, s.Asked) {
				asked = append(asked, cl)
			} else {
				rest = append(rest, cl)
			}
		}
		ew.println("  the claims it asks for:")
		printClaims(ew, asked, o.allClaims, "    ")
		if s.Selective {
			ew.println("  and what the credential always shows:")
		} else {
			ew.println(fmt.Sprintf("  and the rest of the credential (%s cannot show less):", c.Format))
		}
		printClaims(ew, rest, o.allClaims, "    ")
	}
}

// under reports whether path is one of paths or inside one.
func under(path string, paths []string) bool {
	for _, p := range paths {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

type shareView struct {
	QueryID    string         `json:"queryId"`
	Credential string         `json:"credential"`
	Title      string         `json:"title"`
	Format     string         `json:"format"`
	Selective  bool           `json:"selectiveDisclosure"`
	Disclosed  []string       `json:"disclosed,omitempty"`
	Asked      []string       `json:"asked,omitempty"`
	Visible    []wallet.Claim `json:"visible"`
}

func sharesView(shares []wallet.Share) []shareView {
	out := []shareView{}
	for _, s := range shares {
		out = append(out, shareView{QueryID: s.QueryID, Credential: s.Credential.ID, Title: s.Credential.Title, Format: s.Credential.Format,
			Selective: s.Selective, Disclosed: s.Disclosed, Asked: s.Asked, Visible: s.Visible})
	}
	return out
}

// presentFile makes a presentation for e-mail.
func (o *walletPresentOptions) presentFile(ctx context.Context, a *app, id string) error {
	if o.challenge == "" || o.domain == "" {
		return usagef("--file needs the verifier's --challenge and --domain")
	}
	if o.yes || o.dryRun {
		return usagef("--yes and --dry-run go with a request, not with --file")
	}
	var paths []dcql.Path
	for _, d := range o.disclose {
		p, err := wallet.ParsePath(d)
		if err != nil {
			return usagef("--disclose: " + err.Error())
		}
		paths = append(paths, p)
	}
	w, err := a.openWallet(&o.net, false, true, wallet.Options{})
	if err != nil {
		return err
	}
	c, err := walletCredential(w, id)
	if err != nil {
		return err
	}
	out, sh, err := w.PresentFile(ctx, c, wallet.FileOptions{Challenge: o.challenge, Domain: o.domain, Disclose: paths})
	if err != nil {
		return err
	}
	if o.file == "-" {
		if _, err := a.stdout.Write(out); err != nil {
			return err
		}
	} else if err := writeNewFile(o.file, out); err != nil {
		return err
	}
	what := "every claim"
	if sh.Selective && paths != nil {
		what = "only " + strings.Join(sh.Disclosed, ", ")
	} else if !sh.Selective {
		what = "the whole credential"
	}
	a.stderrf("wrote a presentation of %s %q for %s (%s) to %s\n", c.ID, c.Title, o.domain, what, o.file)
	return nil
}
