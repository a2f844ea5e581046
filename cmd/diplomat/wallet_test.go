package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/diplomat-edu/diplomat/credentials/did"
	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// oid4vcEnvs are the test issuers and verifiers of the running scenarios,
// by work folder.
var oid4vcEnvs sync.Map

// The queries scenarios ask with.
var scenarioQueries = map[string]string{
	"sdjwt-title": `{"credentials":[{"id":"diploma","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},
	  "claims":[{"path":["elm","credentialSubject","hasClaim",null,"title"]}]}]}`,
	"jwt-title": `{"credentials":[{"id":"diploma","format":"jwt_vc_json","meta":{"type_values":[["VerifiableCredential","EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`,
}

// cmdOID4VC drives a test issuer and verifier (internal/oid4vctest) on
// 127.0.0.1 for the wallet scenarios; the diplomat under test runs in a
// child process and reaches it with --local --ca $WORK/ca.pem.
//
//	oid4vc start                 start the service; ca.pem, $ISSUER_DID and $EBSI_ISSUER_DID (the registrar's keys)
//	oid4vc offer NAME CONFIG [tx] [ref]   an offer: NAME.link, NAME.uri, NAME.png, $NAME_TXCODE
//	oid4vc request NAME QUERY [post]      a request: NAME.link, NAME.uri, NAME.png
//	oid4vc result NAME           print the verifier's result for request NAME (JSON)
//	oid4vc revoke                revoke every credential issued
func cmdOID4VC(t *testing.T) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) == 0 {
			ts.Fatalf("usage: oid4vc start|offer|request|result|revoke ...")
		}
		work := ts.Getenv("WORK")
		write := func(name string, data []byte) {
			if err := os.WriteFile(filepath.Join(work, name), data, 0o600); err != nil {
				ts.Fatalf("%v", err)
			}
		}
		ctx := context.Background()
		if args[0] == "start" {
			e := testenv.New(t, testenv.Options{})
			oid4vcEnvs.Store(work, &scenarioEnv{e: e, requests: map[string]*vp.CreatedRequest{}})
			write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.CA.Raw}))
			for name, v := range map[string]string{"registrar": "ISSUER_DID", "ebsi": "EBSI_ISSUER_DID"} {
				k, err := e.Store.Key(name)
				ts.Check(err)
				d, _ := did.KeyDID(k.Public)
				ts.Setenv(v, d)
			}
			return
		}
		v, ok := oid4vcEnvs.Load(work)
		if !ok {
			ts.Fatalf("oid4vc start first")
		}
		se := v.(*scenarioEnv)
		e := se.e
		has := func(word string) bool {
			for _, a := range args[2:] {
				if a == word {
					return true
				}
			}
			return false
		}
		switch args[0] {
		case "offer":
			req := vci.OfferRequest{Configurations: []string{args[2]}, Dataset: testenv.DiplomaDataset(t), ByReference: has("ref")}
			if has("tx") {
				req.TxCode = &vci.TxCodeRequest{}
			}
			o, err := e.VCI.CreateOffer(ctx, req)
			ts.Check(err)
			write(args[1]+".link", []byte(o.Link))
			write(args[1]+".uri", []byte(o.URI))
			ts.Setenv(strings.ToUpper(args[1])+"_TXCODE", o.TxCode)
			write(args[1]+".png", qrImage(ts, o.Link))
		case "request":
			q, err := dcql.Parse([]byte(scenarioQueries[args[2]]))
			ts.Check(err)
			o := vp.RequestOptions{Query: *q}
			if has("post") {
				o.ResponseMode = vp.ModeDirectPost
			}
			r, err := e.RP.CreateRequest(ctx, o)
			ts.Check(err)
			se.mu.Lock()
			se.requests[args[1]] = r
			se.mu.Unlock()
			write(args[1]+".link", []byte(r.Link))
			write(args[1]+".uri", []byte(r.RequestURI))
			write(args[1]+".png", qrImage(ts, r.Link))
		case "result":
			se.mu.Lock()
			r := se.requests[args[1]]
			se.mu.Unlock()
			res, err := e.RP.Result(ctx, r.TransactionID, "")
			ts.Check(err)
			b, _ := json.MarshalIndent(res, "", " ")
			ts.Stdout().Write(append(b, '\n'))
		case "revoke":
			entries, err := issuer.List(e.Store, issuer.Filter{})
			ts.Check(err)
			for _, en := range entries {
				if en.State != issuer.StateRevoked {
					_, err := e.Issuer.Revoke(en.ID, "scenario")
					ts.Check(err)
				}
			}
		default:
			ts.Fatalf("oid4vc: unknown %q", args[0])
		}
	}
}

type scenarioEnv struct {
	e        *testenv.Env
	mu       sync.Mutex
	requests map[string]*vp.CreatedRequest
}

// qrImage renders text as a QR code PNG.
func qrImage(ts *testscript.TestScript, text string) []byte {
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 600, 600, nil)
	ts.Check(err)
	var b bytes.Buffer
	ts.Check(png.Encode(&b, m))
	return b.Bytes()
}

// cmdCapture sets an environment variable to the first group of a regular
// expression matched in the last command's stdout:
//
//	capture NAME REGEXP
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: capture NAME REGEXP")
	}
	m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("capture: no match for %s in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

// TestWalletReceiveWithSignIn: an offer that asks the student to sign in;
// the command prints the link to open, waits for the browser to come back
// on 127.0.0.1, and stores the credential. The test plays the browser.
func TestWalletReceiveWithSignIn(t *testing.T) {
	e := testenv.New(t, testenv.Options{RequireDPoP: true})
	work := t.TempDir()
	ca := filepath.Join(work, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.CA.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	const contact = "camille.dupont@etu.univ-exemple.fr"
	o, err := e.VCI.CreateOffer(context.Background(), vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, Dataset: testenv.DiplomaDataset(t), SignIn: contact})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DIPLOMAT_WALLET_HOME": filepath.Join(work, "wallet"), "DIPLOMAT_WALLET_PASSPHRASE": "a student's passphrase"}
	a := &app{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stderr: io.Discard,
		kdf: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}
	out, w := io.Pipe()
	a.stdout = w
	done := make(chan error, 1)
	go func() {
		err := a.run(context.Background(), []string{"wallet", "receive", "--local", "--ca", ca, "--accept", "--sign-in-timeout", "20s", o.Link})
		w.Close()
		done <- err
	}()
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		t.Fatalf("no sign-in link printed: %v", <-done)
	}
	authURL := lines.Text()
	if !strings.HasPrefix(authURL, e.URL+"/authorize?") {
		t.Fatalf("printed %q", authURL)
	}
	// The student's browser: the sign-in page, the code from the mail,
	// and the way back to the wallet.
	back, err := e.Browse(authURL, contact)
	if err != nil || !strings.HasPrefix(back, "http://127.0.0.1:") {
		t.Fatalf("redirected to %q, %v", back, err)
	}
	resp, err := e.Client.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go back to the terminal") {
		t.Fatalf("the wallet's page: %d %s", resp.StatusCode, body)
	}
	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(rest) != 1 || !strings.HasPrefix(rest[0], "stored ") || !strings.Contains(rest[0], "(dc+sd-jwt)") {
		t.Fatalf("stdout after sign-in: %q", rest)
	}
}
