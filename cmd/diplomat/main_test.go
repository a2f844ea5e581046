package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/diplomat-edu/diplomat/internal/pgtest"
	"github.com/diplomat-edu/diplomat/keys"
)

// cluster is the PostgreSQL of the tests that need one (the
// store_postgres scenario, the tests of several serve nodes): started by
// TestMain in the test process only, never in the child processes that run
// "diplomat".
var cluster *pgtest.Cluster

// withCluster runs the tests with the cluster around them.
type withCluster struct{ m *testing.M }

func (w withCluster) Run() int { return pgtest.Main(w.m, &cluster, nil) }

// TestMain lets testscript scenarios run the real program as the command
// "diplomat", in a child process, with the signal handling and exit codes
// main gives.
func TestMain(m *testing.M) {
	testscript.Main(withCluster{m}, map[string]func(){
		"diplomat": func() {
			a := &app{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
				kdf: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}
			os.Exit(a.main(os.Args[1:]))
		},
	})
}

// TestScripts runs the CLI scenarios in testdata/script/*.txt. Each scenario
// gets a fresh work folder; DIPLOMAT_HOME points into it, and the passphrase
// is set for the store. The program runs with cheap key-derivation
// parameters (recorded in each store it creates) so that the scenarios stay
// fast; the shipped binary has no way to choose them.
//
// Besides testscript's own commands, scenarios may use
//
//	exitcode N command [args...]
//
// which runs the command like exec and fails unless it exits with code N
// (0 success, 1 failure, 2 usage error); stdout and stderr are then
// checked as after exec; oid4vc (wallet_test.go), which drives a test
// OpenID4VC issuer and verifier for the wallet scenarios; and capture NAME
// REGEXP, which sets $NAME to the first group REGEXP matches in the last
// stdout.
//
// Scenarios that need PostgreSQL start with "[!postgres] skip": they get a
// fresh database in $PGSTORE.
func TestScripts(t *testing.T) {
	if cluster == nil && os.Getenv(pgtest.EnvRequired) == "1" {
		pgtest.Require(t, cluster)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DIPLOMAT_HOME", env.WorkDir+"/home")
			env.Setenv("DIPLOMAT_PASSPHRASE", "correct-horse-battery-staple")
			env.Setenv("DIPLOMAT_WALLET_HOME", env.WorkDir+"/wallet")
			env.Setenv("DIPLOMAT_WALLET_PASSPHRASE", "a student's passphrase")
			if cluster != nil && strings.Contains(env.WorkDir, "postgres") {
				u, err := cluster.CreateDB(context.Background())
				if err != nil {
					return err
				}
				env.Defer(func() { _ = cluster.DropDB(context.Background(), u) })
				env.Setenv("PGSTORE", u)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return cluster != nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":  cmdExitCode,
			"qrdecode":  cmdQRDecode,
			"oid4vc":    cmdOID4VC(t),
			"capture":   cmdCapture,
			"jwtclaims": cmdJWTClaims,
		},
	})
}

// cmdQRDecode decodes the QR code of a PNG file (gozxing) and fails unless
// it holds the text of the second file (its final newline aside):
//
//	qrdecode offer.png link.txt
func cmdQRDecode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: qrdecode IMAGE.png TEXTFILE")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	img, err := png.Decode(f)
	ts.Check(err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	ts.Check(err)
	// The image is a clean render, not a photograph: PURE_BARCODE reads it
	// without the detector's guesswork (which misjudges about 2 % of
	// clean codes' size).
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	ts.Check(err)
	want := strings.TrimRight(ts.ReadFile(args[1]), "\n")
	if res.GetText() != want {
		ts.Fatalf("the QR code holds %q, want %q", res.GetText(), want)
	}
}

// cmdJWTClaims prints the payload of the compact JWS in a file, the claims
// a verifier reads, without checking it:
//
//	jwtclaims lists/w3c-1-revocation.jwt
func cmdJWTClaims(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: jwtclaims FILE")
	}
	parts := strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), ".")
	if len(parts) != 3 {
		ts.Fatalf("%s is not a compact JWS", args[0])
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	ts.Check(err)
	ts.Stdout().Write(append(b, '\n'))
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with code %d, want %d", args[1], got, want)
	}
}
