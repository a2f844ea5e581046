package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript scenarios run the real program as the command
// "diplomat", in a child process, with the exit codes main gives.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"diplomat": func() {
			err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
			os.Exit(exitCode(err, os.Stderr))
		},
	})
}

// TestScripts runs the CLI scenarios in testdata/script/*.txt. Each scenario
// gets a fresh work folder; DIPLOMAT_HOME points into it, and the passphrase
// is set for the store, with cheap key-derivation parameters so that the
// scenarios stay fast (the parameters are recorded in the store).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DIPLOMAT_HOME", env.WorkDir+"/home")
			env.Setenv("DIPLOMAT_PASSPHRASE", "correct-horse-battery-staple")
			env.Setenv("DIPLOMAT_INSECURE_TEST_KDF", "1")
			return nil
		},
	})
}
