package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/diplomat-edu/diplomat/keys"
)

// TestMain lets testscript scenarios run the real program as the command
// "diplomat", in a child process, with the exit codes main gives.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"diplomat": func() {
			a := &app{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
				kdf: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}
			err := a.run(context.Background(), os.Args[1:])
			os.Exit(exitCode(err, os.Stderr))
		},
	})
}

// TestScripts runs the CLI scenarios in testdata/script/*.txt. Each scenario
// gets a fresh work folder; DIPLOMAT_HOME points into it, and the passphrase
// is set for the store. The program runs with cheap key-derivation
// parameters (recorded in each store it creates) so that the scenarios stay
// fast; the shipped binary has no way to choose them.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DIPLOMAT_HOME", env.WorkDir+"/home")
			env.Setenv("DIPLOMAT_PASSPHRASE", "correct-horse-battery-staple")
			return nil
		},
	})
}
