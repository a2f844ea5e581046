package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/store/postgres"
)

// app is what every command shares for one invocation: the environment, the
// standard streams and the global flags. Commands open the store through it
// so that one process opens it once.
type app struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	home string // --home, or DIPLOMAT_HOME, or ./diplomat-data
	// wallet is set by the wallet commands: the store is the student's
	// wallet (--home, DIPLOMAT_WALLET_HOME or ~/.diplomat-wallet) and its
	// passphrase is DIPLOMAT_WALLET_PASSPHRASE.
	wallet bool
	json   bool // --json

	store *keys.Store // opened on first use by openStore or existingStore
	// db is the store's database (a postgres:// store: DIPLOMAT_STORE or
	// serve's store setting), with the options of its connection.
	db     string
	dbOpts *postgres.Options
	// created is true when this invocation created the store file (and
	// createdDir when it created its folder too): a command that then
	// fails leaves no empty store behind (see close).
	created, createdDir bool
	// weakPassphrase is --weak-passphrase: a new store accepts a
	// passphrase shorter than minPassphrase characters.
	weakPassphrase bool
	// kdf are the Argon2id parameters of a store this invocation creates;
	// the zero value is keys' strong default. Only tests set it, so that
	// CLI scenarios need not spend 64 MiB per command.
	kdf     keys.KDFParams
	closers []func() error
}

// homeDir returns the store folder chosen by --home, DIPLOMAT_HOME or the
// default; for the wallet commands by --home, DIPLOMAT_WALLET_HOME or
// ~/.diplomat-wallet.
func (a *app) homeDir() string {
	if a.home != "" {
		return a.home
	}
	if a.wallet {
		if h := a.getenv("DIPLOMAT_WALLET_HOME"); h != "" {
			return h
		}
		if h := a.getenv("HOME"); h != "" {
			return filepath.Join(h, ".diplomat-wallet")
		}
		return filepath.Join(".", ".diplomat-wallet")
	}
	if h := a.getenv("DIPLOMAT_HOME"); h != "" {
		return h
	}
	return filepath.Join(".", "diplomat-data")
}

// passphraseVar is the environment variable the store's passphrase is read
// from.
func (a *app) passphraseVar() string {
	if a.wallet {
		return "DIPLOMAT_WALLET_PASSPHRASE"
	}
	return "DIPLOMAT_PASSPHRASE"
}

// onClose registers f to run when the invocation ends.
func (a *app) onClose(f func() error) { a.closers = append(a.closers, f) }

// close runs the closers registered with onClose. When the command failed
// (err not nil) and this invocation created a store that still holds
// nothing, the store file, and the folder when it was made for it, are
// removed: a failed first command leaves no store behind.
func (a *app) close(err error) {
	empty := err != nil && a.created && a.store != nil && storeEmpty(a.store)
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
	if empty {
		path := a.storePath()
		_ = os.Remove(path)
		if a.createdDir {
			_ = os.Remove(filepath.Dir(path)) // only if empty
		}
	}
}

func newRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "diplomat",
		Short:         "Issue, verify and keep European learning credentials",
		Long:          "Diplomat issues European Learning Model (ELM v3) credentials as W3C verifiable credentials,\nverifies them against signatures, status lists and European trust lists, and keeps an\ninstitution's keys and trusted issuers in one encrypted store.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.home, "home", "", "store folder (default $DIPLOMAT_HOME or ./diplomat-data; for wallet commands $DIPLOMAT_WALLET_HOME or ~/.diplomat-wallet)")
	root.PersistentFlags().BoolVar(&a.json, "json", false, "print JSON for scripts instead of human output")
	root.PersistentFlags().BoolVar(&a.weakPassphrase, "weak-passphrase", false, "let a new store take a passphrase shorter than 12 characters (for tests and demonstrations only)")
	root.Version = version()
	root.SetVersionTemplate("diplomat {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usagef(err.Error()) })
	root.CompletionOptions.DisableDefaultCmd = true

	// Every command group, one file each (<group>.go, <group>_<verb>.go).
	root.AddCommand(
		newKeysCommand(a),
		newTrustCommand(a),
		newStoreCommand(a),
		newContextsCommand(a),
		newTemplatesCommand(a),
		newDemoCommand(a),
		newVerifyCommand(a),
		newImportCommand(a), newExportCommand(a),
		newIssuerCommand(a), newIssueCommand(a), newRevokeCommand(a), newSuspendCommand(a), newReinstateCommand(a), newStatusCommand(a), newIssuedCommand(a),
		newServeCommand(a), newTokensCommand(a), newOfferCommand(a),
		newWalletCommand(a),
	)
	return root
}

// newGroupCommand returns a command that only gathers subcommands (diplomat
// keys, trust, …). Run alone it prints its help; with a word that is not
// one of its subcommands it is a usage error (exit code 2) naming the word,
// never the help with success.
func newGroupCommand(use, short, long string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return withHint(usagef(msg), fmt.Sprintf("run '%s --help' for its commands", cmd.CommandPath()))
		},
	}
	c.SuggestionsMinimumDistance = 2
	c.AddCommand(subs...)
	return c
}
