package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/wallet"
)

type walletExportOptions struct {
	out string
}

func (o *walletExportOptions) AddFlags(c *cobra.Command) {
	c.Flags().StringVarP(&o.out, "out", "o", "", "write to `FILE` instead of stdout")
}

func newWalletExportCommand(a *app) *cobra.Command {
	o := &walletExportOptions{}
	c := &cobra.Command{
		Use:   "export ID",
		Short: "Write a credential exactly as received (to send it, or to verify it with 'diplomat verify')",
		Long: `Export writes the credential, byte for byte as the issuer signed it, to stdout or to --out FILE
(mode 0600, never over an existing file). An SD-JWT VC is written with every disclosure: to show only
some claims to someone, make a presentation instead ('diplomat wallet present --file').`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.openWallet(nil, false, true, wallet.Options{})
			if err != nil {
				return err
			}
			c, err := walletCredential(w, args[0])
			if err != nil {
				return err
			}
			raw, err := w.Raw(c, 0)
			if err != nil {
				return err
			}
			if o.out == "" {
				_, err = a.stdout.Write(append(raw, '\n'))
				return err
			}
			if err := writeNewFile(o.out, raw); err != nil {
				return err
			}
			a.stderrf("wrote credential %s (%s) to %s\n", c.ID, c.Format, o.out)
			return nil
		},
	}
	o.AddFlags(c)
	return c
}

// writeNewFile writes data to a file that must not exist yet, mode 0600.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			return usagef(fmt.Sprintf("%s exists: choose another file (nothing is written over)", path))
		}
		return fileError("writing", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return f.Close()
}
