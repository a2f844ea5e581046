package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/server"
)

// offerCreateOptions are the flags of diplomat offer create.
type offerCreateOptions struct {
	record, issued, template, format string
	txCode                           bool
	txCodeLength                     int
	byReference                      bool
	expires                          string
	signIn                           string
	qr                               string
	serverURL, token                 string
	config, publicURL                string
}

func (o *offerCreateOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.record, "record", "", "the student's record `FILE` (JSON, as for issue; - for standard input)")
	f.StringVar(&o.issued, "issued", "", "offer the credential `ID` of the register again (with the --record it was issued from)")
	f.StringVar(&o.template, "template", "", "template `NAME` (diploma, transcript…; with --issued, the entry's)")
	f.StringVar(&o.format, "format", "", "dc+sd-jwt, jwt_vc_json or ldp_vc (with --issued, the entry's)")
	f.BoolVar(&o.txCode, "tx-code", false, "ask for a transaction code, printed once, to send the student apart from the link")
	f.IntVar(&o.txCodeLength, "tx-code-length", 0, "digits of the transaction code (4 to 12; default 6)")
	f.BoolVar(&o.byReference, "by-reference", false, "the link names the offer by URL (a shorter QR code)")
	f.StringVar(&o.expires, "expires", "", "how long the offer may be redeemed, like 72h (default 168h, openid4vc.offerTTL)")
	f.StringVar(&o.signIn, "sign-in", "", "instead of a pre-authorized code, the student signs in with a code sent to this `CONTACT`")
	f.StringVar(&o.qr, "qr", "offer", "write the QR code to `NAME`.png and NAME.svg (\"\" for none)")
	f.StringVar(&o.serverURL, "server", "", "create the offer through the running service at `URL` (POST /offers) instead of the store")
	f.StringVar(&o.token, "token", "", "API token (scope issue) for --server (default $DIPLOMAT_TOKEN)")
	f.StringVar(&o.config, "config", "", "the service's YAML configuration `FILE` (its publicURL names the issuer; default $DIPLOMAT_CONFIG)")
	f.StringVar(&o.publicURL, "public-url", "", "the service's public URL, the issuer the wallet will contact (default: the configuration's)")
}

func newOfferCreateCommand(a *app) *cobra.Command {
	o := &offerCreateOptions{}
	c := &cobra.Command{
		Use:   "create (--record FILE | --issued ID --record FILE) --template T --format F [--tx-code] [--by-reference] [--expires D]",
		Short: "Make a single-use credential offer for one student: a link, its QR code and a transaction code",
		Long: "Make a credential offer (OpenID4VCI) for one student and print its openid-credential-offer://\n" +
			"link; the QR code goes to offer.png and offer.svg, and the transaction code (--tx-code) is printed\n" +
			"once, to send the student by another channel. The credential is issued when the wallet collects it.\n" +
			"Without --server the offer is written to the store, which the service must not hold (stop it, or\n" +
			"use --server URL --token T to go through the running service). docs/openid4vc.md has the details.",
		Example: `  diplomat offer create --record alice.json --template diploma --format dc+sd-jwt --tx-code
  diplomat offer create --issued urn:uuid:… --record alice.json
  diplomat offer create --server https://registrar.example.edu --token "$TOKEN" --record alice.json --template diploma --format jwt_vc_json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), a) },
	}
	o.AddFlags(c)
	return c
}

func (o *offerCreateOptions) run(ctx context.Context, a *app) error {
	if o.record == "" {
		if o.issued != "" {
			return usagef("--issued needs the --record the credential was issued from (the register keeps no personal data)")
		}
		return usagef("give --record FILE (and --template, --format), or --issued ID --record FILE")
	}
	if o.issued == "" && (o.template == "" || o.format == "") {
		return usagef("give --template and --format (dc+sd-jwt, jwt_vc_json, ldp_vc)")
	}
	var data []byte
	var err error
	if o.record == "-" {
		data, err = io.ReadAll(io.LimitReader(a.stdin, 4<<20))
	} else {
		data, err = os.ReadFile(o.record)
	}
	if err != nil {
		return fmt.Errorf("reading the record: %v", errors.Unwrap(err))
	}
	if !json.Valid(data) {
		return fmt.Errorf("%s: not a JSON record", o.record)
	}
	req := server.OfferRequest{Template: o.template, Record: data, Issued: o.issued, Format: o.format, TxCode: o.txCode,
		TxCodeLength: o.txCodeLength, SignIn: o.signIn, ByReference: o.byReference, Expires: o.expires}
	var out *server.OfferResult
	if o.serverURL != "" {
		out, err = o.remote(ctx, a, req)
	} else {
		out, err = o.local(ctx, a, req)
	}
	if err != nil {
		return err
	}
	var files []string
	if o.qr != "" {
		png, err := server.QRPNG(out.Link)
		if err != nil {
			return err
		}
		svg, err := server.QRSVG(out.Link)
		if err != nil {
			return err
		}
		for _, f := range []struct {
			name string
			data []byte
		}{{o.qr + ".png", png}, {o.qr + ".svg", svg}} {
			if err := os.WriteFile(f.name, f.data, 0o644); err != nil {
				return fmt.Errorf("writing the QR code: %v", err)
			}
			files = append(files, f.name)
		}
	}
	if a.json {
		return a.printJSON(map[string]any{"offer": out, "qr": files})
	}
	if err := a.printLine(out.Link); err != nil {
		return err
	}
	a.stderrf("offer of %s as %s for one student, single use, until %s\n", out.Template, out.Format, out.Expires.Local().Format(time.RFC3339))
	if len(files) > 0 {
		a.stderrf("QR code: %s\n", strings.Join(files, ", "))
	}
	if out.TxCode != "" {
		a.stderrf("transaction code: %s — send it to the student apart from the link; it is shown only now\n", out.TxCode)
	}
	if out.SignIn != "" {
		a.stderrf("the student signs in with a one-time code sent to %s\n", out.SignIn)
	}
	return nil
}

// local writes the offer to the store, as the service would.
func (o *offerCreateOptions) local(ctx context.Context, a *app, req server.OfferRequest) (*server.OfferResult, error) {
	so := &serveOptions{config: o.config, publicURL: o.publicURL}
	cfg, err := so.configuration(a)
	if err != nil {
		return nil, err
	}
	if err := cfg.Defaults(); err != nil {
		return nil, usagef("configuration: " + err.Error())
	}
	if _, err := os.Stat(a.storePath()); err != nil {
		return nil, withHint(fmt.Errorf("no store at %s", a.storePath()), "give --home, or go through the running service with --server URL --token T")
	}
	st, err := a.unlockedStore()
	if errors.Is(err, keys.ErrInUse) {
		return nil, withHint(err, "the service holds the store while it runs: use --server URL --token T (a token with scope issue)")
	}
	if err != nil {
		return nil, err
	}
	iss, err := issuer.New(st, nil)
	if err != nil {
		return nil, notConfigured(err)
	}
	vopts, err := a.verifierOptions(&verifyOptions{policy: cfg.Policy}, nil)
	if err != nil {
		return nil, err
	}
	srv, err := server.New(server.Options{Config: *cfg, Store: st, Issuer: iss, Verifier: vopts})
	if err != nil {
		return nil, err
	}
	return srv.CreateOffer(ctx, req, "cli")
}

// remote asks the running service (POST /offers).
func (o *offerCreateOptions) remote(ctx context.Context, a *app, req server.OfferRequest) (*server.OfferResult, error) {
	tok := o.token
	if tok == "" {
		tok = a.getenv("DIPLOMAT_TOKEN")
	}
	if tok == "" {
		return nil, usagef("--server needs an API token with scope issue: --token or DIPLOMAT_TOKEN")
	}
	body, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.serverURL, "/")+"/offers", bytes.NewReader(body))
	if err != nil {
		return nil, usagef(fmt.Sprintf("--server %q: %v", o.serverURL, err))
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("reaching the service: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the service's answer: %v", err)
	}
	if resp.StatusCode != http.StatusCreated {
		var p server.Problem
		if json.Unmarshal(b, &p) == nil && p.Title != "" {
			msg := p.Title
			if p.Detail != "" {
				msg += ": " + p.Detail
			}
			for _, fe := range p.Errors {
				msg += fmt.Sprintf("\n  %s: %s", fe.Field, fe.Message)
			}
			return nil, fmt.Errorf("the service refused the offer (%d): %s", resp.StatusCode, msg)
		}
		return nil, fmt.Errorf("the service answered %s", resp.Status)
	}
	var out server.OfferResult
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("the service's answer: %v", err)
	}
	return &out, nil
}
