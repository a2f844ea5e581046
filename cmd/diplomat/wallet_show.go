package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/wallet"
)

type walletShowOptions struct {
	raw bool
	all bool
}

func (o *walletShowOptions) AddFlags(c *cobra.Command) {
	c.Flags().BoolVar(&o.raw, "raw", false, "print the credential exactly as received")
	c.Flags().BoolVar(&o.all, "all", false, "list every claim (default: the first 30)")
}

func newWalletShowCommand(a *app) *cobra.Command {
	o := &walletShowOptions{}
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show a credential: what it certifies, what a verifier can be shown of it, or (--raw) the credential itself",
		Long: `Show prints what the wallet knows of a credential, the recognition summary of its signed content
(title, awarding body, level, field, credits, grade), and the claims a verifier could ask for: for an
SD-JWT VC each claim that can be shown alone; for other formats the whole credential, which is
always shown whole. --raw prints the credential exactly as received. ID may be the start of an id.`,
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
			if o.raw {
				raw, err := w.Raw(c, 0)
				if err != nil {
					return err
				}
				_, err = a.stdout.Write(append(raw, '\n'))
				return err
			}
			rep, err := w.Report(cmd.Context(), c)
			if err != nil {
				return err
			}
			claims, selective, err := w.Disclosable(c)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(struct {
					credentialView
					Summary   *verifier.Summary `json:"summary,omitempty"`
					Selective bool              `json:"selectiveDisclosure"`
					Claims    []wallet.Claim    `json:"claims"`
				}{viewOf(c), rep.Summary, selective, claims})
			}
			ew := &errWriter{w: a.stdout}
			row := func(k, v string) { ew.println(fmt.Sprintf("%-14s %s", k, v)) }
			row("id:", c.ID)
			row("title:", c.Title)
			row("issuer:", fmt.Sprintf("%s  %s", issuerOf(c), c.Issuer))
			trusted := "NO: no trust source of this wallet knows the issuer"
			if c.Trusted {
				trusted = "yes (" + c.TrustSource + ")"
			}
			row("trusted:", trusted)
			row("format:", c.Format)
			if len(c.Types) > 0 {
				row("types:", strings.Join(c.Types, ", "))
			}
			row("received:", fmt.Sprintf("%s from %s", c.Received.Local().Format("2006-01-02 15:04"), c.Origin))
			status := c.Status.Word()
			if !c.Status.Checked.IsZero() {
				status += ", checked " + c.Status.Checked.Local().Format("2006-01-02 15:04")
			}
			if c.Status.Reason != "" && c.Status.Word() != "valid" {
				status += ": " + c.Status.Reason
			}
			row("status:", status)
			for i, cp := range c.Copies {
				key := "bound to no key of this wallet (cannot be presented)"
				if cp.HolderKey != "" {
					key = cp.HolderKeyID
				}
				label := "holder:"
				if len(c.Copies) > 1 {
					label = fmt.Sprintf("copy %d:", i+1)
				}
				row(label, fmt.Sprintf("%s, presented %d times", oneLine(key, 90), cp.Presented))
			}
			if rep.Summary != nil {
				ew.println("")
				ew.println("what it certifies:")
				printSummary(ew, rep.Summary, "  ")
			}
			ew.println("")
			if selective {
				ew.println("claims a verifier can be shown one by one (it sees only those it asks for):")
			} else {
				ew.println(fmt.Sprintf("a verifier is always shown the whole credential (%s cannot show less): %d %s", c.Format, len(claims), plural(len(claims), "claim")))
			}
			printClaims(ew, claims, o.all, "  ")
			return ew.err
		},
	}
	o.AddFlags(c)
	return c
}

// maxClaimLines is how many claims are listed unless --all.
const maxClaimLines = 30

// printClaims lists claims as path = value, the first maxClaimLines unless
// all.
func printClaims(ew *errWriter, claims []wallet.Claim, all bool, indent string) {
	for i, c := range claims {
		if !all && i == maxClaimLines {
			ew.println(fmt.Sprintf("%s… and %d more (--all lists them)", indent, len(claims)-i))
			return
		}
		ew.println(fmt.Sprintf("%s%s = %s", indent, c.Path, c.Value))
	}
}
