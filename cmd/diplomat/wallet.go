package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
	"github.com/diplomat-edu/diplomat/wallet"
)

func newWalletCommand(a *app) *cobra.Command {
	c := newGroupCommand("wallet", "The student's wallet: receive credentials, keep them, show a verifier only what it asks",
		"The wallet keeps a student's credentials in an encrypted store of its own (--home, default\n"+
			"$DIPLOMAT_WALLET_HOME or ~/.diplomat-wallet; passphrase $DIPLOMAT_WALLET_PASSPHRASE or a prompt),\n"+
			"receives them from a registrar over OpenID4VCI and presents them to a verifier over OpenID4VP.\n"+
			"The issuers it trusts are its trust registry: add them with 'diplomat trust add --home DIR'\n"+
			"(docs/wallet.md).",
		newWalletReceiveCommand(a), newWalletImportCommand(a), newWalletListCommand(a), newWalletShowCommand(a),
		newWalletStatusCommand(a), newWalletExportCommand(a), newWalletDeleteCommand(a), newWalletBackupCommand(a),
		newWalletPresentCommand(a))
	c.PersistentPreRun = func(*cobra.Command, []string) { a.wallet = true }
	return c
}

// walletNetOptions are the flags of the wallet commands that talk to
// issuers and verifiers.
type walletNetOptions struct {
	local        bool
	ca           string
	verifierRoot string
}

func (o *walletNetOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.local, "local", false, "allow a service on this machine or a private network (http://127.0.0.1:8080 of 'diplomat serve --dev'): for tests and demonstrations")
	f.StringVar(&o.ca, "ca", "", "also trust the TLS certificates of the PEM `FILE` (a test service's own CA)")
	f.StringVar(&o.verifierRoot, "verifier-ca", "", "trust verifiers whose request-signing certificates chain to a certificate of the PEM `FILE`")
}

// openWallet opens the wallet store (creating it when create) and, when
// unlock, unlocks it, and builds the wallet over it.
func (a *app) openWallet(net *walletNetOptions, create, unlock bool, o wallet.Options) (*wallet.Wallet, error) {
	var s *keys.Store
	var err error
	switch {
	case unlock && create:
		s, err = a.unlockedStore()
	case create:
		s, err = a.openStore()
	default:
		if s, err = a.existingStore(); err == nil && unlock {
			s, err = a.unlockedStore()
		}
	}
	if err != nil {
		return nil, err
	}
	if net != nil {
		o.Local = net.local
		if o.RootCAs, err = certPool(net.ca, "--ca"); err != nil {
			return nil, err
		}
		if o.VerifierRoots, err = certPool(net.verifierRoot, "--verifier-ca"); err != nil {
			return nil, err
		}
		if net.local {
			a.stderrf("warning: --local: talking to services on this machine and private networks, plain http to this machine allowed\n")
		}
	}
	// The wallet's trust registry, then the European lists imported into
	// its store.
	if o.Trust, o.Resolvers, err = storeTrust(s, snapshot.LoadOptions{}); err != nil {
		return nil, err
	}
	return wallet.New(s, o)
}

// certPool reads the PEM certificates of path ("" none: nil).
func certPool(path, flag string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fileError("reading "+flag, path, err)
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, usagef(fmt.Sprintf("%s %s: certificate %d does not parse: %v", flag, path, n+1, err))
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, usagef(fmt.Sprintf("%s %s: no PEM certificate in the file", flag, path))
	}
	return pool, nil
}

// walletCredential finds a credential by id (or unique prefix).
func walletCredential(w *wallet.Wallet, id string) (*wallet.Credential, error) {
	c, err := w.Get(id)
	if errors.Is(err, wallet.ErrNotFound) || errors.Is(err, wallet.ErrAmbiguous) {
		return nil, usagef(err.Error())
	}
	return c, err
}

// credentialView is the JSON form of a stored credential.
type credentialView struct {
	*wallet.Credential
	StatusWord string `json:"statusWord"`
}

func viewOf(c *wallet.Credential) credentialView {
	return credentialView{Credential: c, StatusWord: c.Status.Word()}
}

// issuerOf names a credential's issuer for a person.
func issuerOf(c *wallet.Credential) string {
	switch {
	case c.IssuerName != "" && c.Trusted:
		return c.IssuerName
	case c.IssuerName != "":
		return c.IssuerName + " (as it says)"
	}
	return orDash(c.Issuer)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

// offerHint and requestHint turn what an issuer or a verifier answered
// into a hint for the student.
func offerHint(err error) string {
	var e *openid4vc.Error
	switch {
	case errors.As(err, &e) && e.Code == openid4vc.CodeInvalidGrant && strings.Contains(e.Description, "wrong transaction code"):
		return "check the transaction code the registrar sent you and run the command again (a few wrong codes lock the offer)"
	case errors.As(err, &e) && e.Code == openid4vc.CodeInvalidGrant,
		strings.Contains(err.Error(), "no pending credential offer"), strings.Contains(err.Error(), "credential offer") && strings.Contains(err.Error(), "404"):
		return "this offer is used up, expired or withdrawn: ask the registrar for a new one"
	}
	return networkHint(err)
}

func requestHint(err error) string {
	var e *openid4vc.Error
	if errors.As(err, &e) && (e.Code == openid4vc.CodeInvalidRequest || e.Code == openid4vc.CodeInvalidRequestObject || e.Code == openid4vc.CodeInvalidClient) {
		return "the request is not one this wallet can trust: do not answer it; ask the verifier for a new link or QR code"
	}
	if strings.Contains(err.Error(), "HTTP status 404") {
		return "the request has expired or was answered: ask the verifier for a new one"
	}
	return networkHint(err)
}

func networkHint(err error) string {
	switch m := err.Error(); {
	case strings.Contains(m, "connection refused"), strings.Contains(m, "no such host"), strings.Contains(m, "timeout"):
		return "the service cannot be reached: check the link and your connection, or try again later"
	case strings.Contains(m, "certificate signed by unknown authority"):
		return "the service's TLS certificate is not trusted; for a test service give its CA with --ca FILE"
	case strings.Contains(m, "forbidden") || strings.Contains(m, "non-public") || strings.Contains(m, "not an https"):
		return "the link points to this machine, a private network or plain http: for a test service add --local"
	}
	return ""
}

func dayOf(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02")
}
