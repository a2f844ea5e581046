package main

import (
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
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
	json bool   // --json

	store *keys.Store // opened on first use by openStore
	// kdf are the Argon2id parameters of a store this invocation creates;
	// the zero value is keys' strong default. Only tests set it, so that
	// CLI scenarios need not spend 64 MiB per command.
	kdf     keys.KDFParams
	closers []func() error
}

// homeDir returns the store folder chosen by --home, DIPLOMAT_HOME or the default.
func (a *app) homeDir() string {
	if a.home != "" {
		return a.home
	}
	if h := a.getenv("DIPLOMAT_HOME"); h != "" {
		return h
	}
	return filepath.Join(".", "diplomat-data")
}

// onClose registers f to run when the invocation ends.
func (a *app) onClose(f func() error) { a.closers = append(a.closers, f) }

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
}

func newRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "diplomat",
		Short:         "Issue, verify and keep European learning credentials",
		Long:          "Diplomat issues European Learning Model (ELM v3) credentials as W3C verifiable credentials,\nverifies them against signatures, status lists and European trust lists, and keeps an\ninstitution's keys and trusted issuers in one encrypted store.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.home, "home", "", "store folder (default $DIPLOMAT_HOME or ./diplomat-data)")
	root.PersistentFlags().BoolVar(&a.json, "json", false, "print JSON for scripts instead of human output")
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
	)
	return root
}
