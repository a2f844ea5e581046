package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/wallet"
)

type walletReceiveOptions struct {
	net        walletNetOptions
	txCode     string
	accept     bool
	unlinkable bool
	copies     int
	keyType    string
	did        string
	only       []string
	plain      bool
	signIn     time.Duration
}

func (o *walletReceiveOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.txCode, "tx-code", "", "the transaction code the registrar sent separately (asked on a terminal when the offer needs one)")
	f.BoolVar(&o.accept, "accept", false, "keep a credential even when no trust source of the wallet knows its issuer")
	f.BoolVar(&o.unlinkable, "unlinkable", false, "bind the credential to a key of its own, so that verifiers cannot link it to your other credentials")
	f.IntVar(&o.copies, "copies", 1, "ask for `N` copies, each on its own key, used in turn (when the issuer gives several)")
	f.StringVar(&o.keyType, "key-type", "p256", "type of a new holder key: p256 or ed25519")
	f.StringVar(&o.did, "did", "jwk", "DID method naming the holder key: jwk or key")
	f.StringSliceVar(&o.only, "only", nil, "receive only these offered credential configuration `ID`s (default: every one offered)")
	f.BoolVar(&o.plain, "plain", false, "do not ask for an encrypted credential response even when the issuer offers one")
	f.DurationVar(&o.signIn, "sign-in-timeout", 10*time.Minute, "how long to wait for the sign-in in the browser (offers that ask you to sign in)")
	o.net.AddFlags(c)
}

func newWalletReceiveCommand(a *app) *cobra.Command {
	o := &walletReceiveOptions{}
	c := &cobra.Command{
		Use:   "receive OFFER",
		Short: "Receive credentials offered by a registrar (a link, its https URL, or a QR code image)",
		Long: `Receive follows a credential offer: an openid-credential-offer:// link, the offer's https URL
(credential_offer_uri), or a PNG or JPEG image of its QR code. It redeems the offer (with the
transaction code the registrar sent you separately, or by signing in in your browser), proves
possession of a holder key, receives the credential, verifies it (signature, validity, status,
issuer trust) and keeps it exactly as received. A credential whose issuer no trust source of the
wallet knows is kept only with --accept (or your yes on a terminal); one that does not verify,
or is revoked, never is.`,
		Example: `  diplomat wallet receive 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2F…'
  diplomat wallet receive offer-qr.png --tx-code 493817
  diplomat wallet receive https://registrar.univ-exemple.fr/credential-offer/… --unlinkable`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), a, args[0]) },
	}
	o.AddFlags(c)
	return c
}

// readLinkArg reads what names an offer or a request: a file (a QR code
// image, or a text file holding the link), else the argument itself.
func (a *app) readLinkArg(arg, what string) (string, error) {
	if strings.Contains(arg, "://") {
		return arg, nil
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return "", usagef(fmt.Sprintf("%q is neither a link nor a file (give the %s's link, its https URL, or an image of its QR code)", arg, what))
	}
	if fi.Size() > wallet.MaxImageBytes {
		return "", usagef(fmt.Sprintf("%s has %d bytes: too large to be a QR code image or a link", arg, fi.Size()))
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return "", fileError("reading", arg, err)
	}
	if !wallet.IsImage(b) {
		return strings.TrimSpace(string(b)), nil
	}
	text, err := wallet.DecodeQR(b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", arg, err)
	}
	return text, nil
}

func (o *walletReceiveOptions) run(ctx context.Context, a *app, arg string) error {
	typ := keys.KeyType(o.keyType)
	if typ != keys.P256 && typ != keys.Ed25519 {
		return usagef(fmt.Sprintf("--key-type %q: use p256 or ed25519", o.keyType))
	}
	if o.did != wallet.DIDJWK && o.did != wallet.DIDKey {
		return usagef(fmt.Sprintf("--did %q: use jwk or key", o.did))
	}
	if o.copies < 1 || o.copies > 10 {
		return usagef(fmt.Sprintf("--copies %d: give 1 to 10", o.copies))
	}
	text, err := a.readLinkArg(arg, "offer")
	if err != nil {
		return err
	}
	link, err := wallet.OfferLink(text, o.net.local)
	if err != nil {
		if h := networkHint(err); h != "" {
			return withHint(usagef(err.Error()), h)
		}
		return usagef(err.Error())
	}
	w, err := a.openWallet(&o.net, true, true, wallet.Options{KeyType: typ, DID: o.did})
	if err != nil {
		return err
	}
	in, err := w.Receive(ctx, link)
	if err != nil {
		return withHint(fmt.Errorf("reading the offer: %w", err), offerHint(err))
	}
	a.stderrf("offer from %s (%s):\n", orDash(in.IssuerName), in.Issuer)
	for _, off := range in.Offered {
		a.stderrf("  %s  %s  %s\n", off.ID, off.Format, off.Name)
	}
	fo := wallet.FetchOptions{Configurations: o.only, Copies: o.copies, Unlinkable: o.unlinkable, Plain: o.plain}
	if err := in.Check(fo); err != nil {
		// Before the offer is redeemed: it can still be received.
		return usagef(err.Error() + "; the offer is not used yet")
	}
	if err := o.redeem(ctx, a, in); err != nil {
		return withHint(fmt.Errorf("redeeming the offer: %w", err), offerHint(err))
	}
	got, err := in.Fetch(ctx, fo)
	if err != nil {
		return withHint(fmt.Errorf("receiving the credential: %w; nothing was stored", err), offerHint(err))
	}
	accept := o.accept
	for _, r := range got {
		a.stderrf("received %q (%s): %s\n", r.Credential.Title, r.Credential.Format, r.Report.Verdict)
		if r.Report.Verdict == verifier.Untrusted && !accept {
			if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				if accept, err = a.ask(fmt.Sprintf("no trust source of this wallet knows %s (%s); keep the credential anyway?", issuerOf(r.Credential), r.Credential.Issuer), "--accept"); err != nil {
					return err
				}
			}
		}
	}
	kept, err := in.Keep(ctx, accept)
	if a.json {
		views := []credentialView{}
		for _, c := range kept {
			views = append(views, viewOf(c))
		}
		if perr := a.printJSON(views); perr != nil {
			return perr
		}
	} else {
		for _, c := range kept {
			trusted := "trusted issuer"
			if !c.Trusted {
				trusted = "issuer NOT trusted (accepted)"
			}
			fmt.Fprintf(a.stdout, "stored %s  %q (%s) from %s, %s\n", c.ID, c.Title, c.Format, issuerOf(c), trusted)
		}
	}
	if err != nil {
		if errors.Is(err, wallet.ErrUntrusted) {
			return withHint(err, "the offer is used up: if you know this issuer, ask the registrar for a new offer and receive it with --accept, or add the issuer to the wallet's trust registry first (diplomat trust add --home "+a.homeDir()+")")
		}
		return err
	}
	return nil
}

// redeem gets the access token: the pre-authorized code (with the
// transaction code from the flag or a prompt), or the sign-in in the
// student's browser with the redirect caught on 127.0.0.1.
func (o *walletReceiveOptions) redeem(ctx context.Context, a *app, in *wallet.Incoming) error {
	if in.PreAuthorized {
		code := o.txCode
		if in.TxCode != nil && code == "" {
			tc := in.TxCode
			f, ok := a.stdin.(*os.File)
			if !ok || !term.IsTerminal(int(f.Fd())) {
				return usagef(fmt.Sprintf("the offer asks for a transaction code%s: give it with --tx-code", txCodeShape(tc.Length, tc.InputMode, tc.Description)))
			}
			a.stderrf("the offer asks for a transaction code%s: ", txCodeShape(tc.Length, tc.InputMode, tc.Description))
			line, err := bufio.NewReader(f).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("reading the transaction code: %v", err)
			}
			code = strings.TrimSpace(line)
		}
		if in.TxCode == nil && code != "" {
			a.stderrf("warning: the offer asks for no transaction code; --tx-code is not sent\n")
			code = ""
		}
		return in.Redeem(ctx, code)
	}
	if !in.AuthorizationCode {
		return errors.New("the offer has no grant this wallet can use (neither a pre-authorized code nor sign-in)")
	}
	r, err := wallet.ListenRedirect()
	if err != nil {
		return err
	}
	defer r.Close()
	u, err := in.Authorize(ctx, r.URI)
	if err != nil {
		return err
	}
	a.stderrf("sign in with your university account: open this link in your browser (waiting up to %s)\n", o.signIn)
	if a.json {
		a.stderrf("%s\n", u) // stdout is the JSON result
	} else {
		fmt.Fprintln(a.stdout, u)
	}
	wctx, cancel := context.WithTimeout(ctx, o.signIn)
	defer cancel()
	back, err := r.Wait(wctx)
	if err != nil {
		return err
	}
	return in.Exchange(ctx, back)
}

func txCodeShape(length int, mode, desc string) string {
	var parts []string
	if length > 0 {
		kind := "digits"
		if mode == "text" {
			kind = "characters"
		}
		parts = append(parts, fmt.Sprintf("%d %s", length, kind))
	}
	if desc != "" {
		parts = append(parts, oneLine(desc, 120))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}
