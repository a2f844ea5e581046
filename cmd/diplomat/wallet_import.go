package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/diplomat-edu/diplomat/wallet"
)

type walletImportOptions struct {
	net    walletNetOptions
	accept bool
}

func (o *walletImportOptions) AddFlags(c *cobra.Command) {
	c.Flags().BoolVar(&o.accept, "accept", false, "keep the credential even when no trust source of the wallet knows its issuer")
	o.net.AddFlags(c)
}

func newWalletImportCommand(a *app) *cobra.Command {
	o := &walletImportOptions{}
	c := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Keep a credential received by e-mail or download, once it verifies",
		Long: `Import verifies a credential file (any format Diplomat reads) like a received one and keeps it
exactly as it is. It can be presented when it is bound to a key of this wallet; otherwise it can be
shown and exported.`,
		Example: `  diplomat wallet import diploma.jwt`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := a.readVerifyInput(args[0])
			if err != nil {
				return err
			}
			w, err := a.openWallet(&o.net, true, true, wallet.Options{})
			if err != nil {
				return err
			}
			accept := o.accept
			for {
				c, rep, err := w.Import(cmd.Context(), data, args[0], accept)
				var re *wallet.RefusedError
				if errors.Is(err, wallet.ErrUntrusted) && errors.As(err, &re) && !accept {
					if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
						if accept, err = a.ask(fmt.Sprintf("no trust source of this wallet knows %s; keep the credential anyway?", orDash(re.Issuer)), "--accept"); err != nil {
							return err
						}
						if accept {
							continue
						}
					}
					return withHint(re, "if you know this issuer, add --accept, or add it to the wallet's trust registry (diplomat trust add --home "+a.homeDir()+")")
				}
				if err != nil {
					return err
				}
				if a.json {
					return a.printJSON(viewOf(c))
				}
				fmt.Fprintf(a.stdout, "stored %s  %q (%s) from %s: %s\n", c.ID, c.Title, c.Format, issuerOf(c), rep.Verdict)
				if c.Copies[0].HolderKey == "" {
					a.stderrf("note: the credential is bound to no key of this wallet: it can be shown and exported, not presented with proof of possession\n")
				}
				return nil
			}
		},
	}
	o.AddFlags(c)
	return c
}
