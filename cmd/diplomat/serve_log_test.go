package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc/vci"
)

// TestServeLogHoldsNoPersonalDataOrSecrets runs "diplomat serve" as a
// process on a store made with the CLI, at debug level, in text and in
// JSON, drives issue, verify (API and page), a register search, revoke, a
// batch, an offer collected by a wallet, and looks in everything the
// process wrote to stderr for the student's name, birth date and
// identifier, the API token, the store's passphrase and the offer's
// pre-authorized and transaction codes.
func TestServeLogHoldsNoPersonalDataOrSecrets(t *testing.T) {
	if _, err := exec.LookPath("diplomat"); err != nil {
		t.Skip("the diplomat command is not installed by TestMain")
	}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) { serveLogFlow(t, format) })
	}
}

func serveLogFlow(t *testing.T, format string) {
	const (
		given, family, birth = "Zéphyrine", "Quibbleworth-Ashcombe", "1998-11-23"
		esi                  = "urn:schac:personalUniqueCode:int:esi:fr:88776655"
		passphrase           = "recognisable-passphrase-q7XkP2"
	)
	work := t.TempDir()
	env := append(os.Environ(), "DIPLOMAT_HOME="+filepath.Join(work, "home"), "DIPLOMAT_PASSPHRASE="+passphrase,
		"DIPLOMAT_STORE=", "DIPLOMAT_CONFIG=", "DIPLOMAT_LOG_LEVEL=debug", "TMPDIR="+work)
	dip := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("diplomat", args...)
		cmd.Env, cmd.Dir = env, work
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("diplomat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	if err := os.WriteFile(filepath.Join(work, "inst.json"), []byte(`{"legalName": {"en": "Université Exemple"}, "country": "FR"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	dip("keys", "create", "registrar")
	dip("keys", "create", "ec", "--type", "p256")
	dip("issuer", "init", "--institution", "inst.json", "--status-url", base+"/status")
	for _, k := range []string{"registrar", "ec"} {
		for _, line := range strings.Split(dip("keys", "show", k), "\n") {
			if d, ok := strings.CutPrefix(line, "did:key:"); ok {
				dip("trust", "add", "--did", strings.TrimSpace(d), "--name", "Université Exemple", "--country", "FR")
			}
		}
	}
	token := strings.TrimSpace(dip("tokens", "create", "--name", "sis-export", "--scope", "admin"))
	if !strings.HasPrefix(token, "dpl_") {
		t.Fatalf("token %q", token)
	}

	cmd := exec.Command("diplomat", "serve", "--listen", addr, "--log-format", format)
	cmd.Env, cmd.Dir = env, work
	var logBuf lockedBuffer
	cmd.Stderr = &logBuf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var stdout lockedBuffer
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := false
		for sc.Scan() {
			stdout.Write([]byte(sc.Text() + "\n"))
			if !once && strings.HasPrefix(sc.Text(), "diplomat is serving on ") {
				once = true
				close(started)
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case <-started:
	case <-exited:
		t.Fatalf("serve exited: %s", logBuf.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("serve did not start: %s", logBuf.String())
	}

	client := &http.Client{Timeout: 60 * time.Second}
	call := func(method, path, contentType string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	record := func(n int) map[string]any {
		return map[string]any{"id": fmt.Sprintf("%s%d", esi, n), "givenName": given, "familyName": family, "dateOfBirth": birth,
			"title": map[string]any{"en": "Master of Science in Computer Science"}, "awardDate": "2025-07-01", "eqf": 7, "isced": "0613",
			"ects": 120, "grade": "15.2", "gradingScheme": "fr-20"}
	}
	body, _ := json.Marshal(map[string]any{"template": "diploma", "record": record(1), "options": map[string]any{"profile": "w3c"}})
	code, resp := call("POST", "/credentials/issue", "application/json", body)
	var issued struct {
		VerifiableCredential json.RawMessage
		Register             struct{ ID string }
	}
	if code != 201 || json.Unmarshal(resp, &issued) != nil {
		t.Fatalf("issue: %d %s", code, resp)
	}
	body, _ = json.Marshal(map[string]any{"verifiableCredential": issued.VerifiableCredential})
	if code, resp := call("POST", "/credentials/verify", "application/json", body); code != 200 {
		t.Fatalf("verify: %d %.500s", code, resp)
	}
	var env2 struct{ ID string }
	_ = json.Unmarshal(issued.VerifiableCredential, &env2)
	_, jwt, _ := strings.Cut(env2.ID, ",")
	if code, page := call("POST", "/", "application/x-www-form-urlencoded", []byte(url.Values{"credential": {jwt}}.Encode())); code != 200 || !bytes.Contains(page, []byte(family)) {
		t.Fatalf("page: %d", code)
	}
	if code, _ := call("GET", "/credentials?subject="+url.QueryEscape(esi+"1"), "", nil); code != 200 {
		t.Fatalf("search: %d", code)
	}
	body, _ = json.Marshal(map[string]any{"credentialId": issued.Register.ID, "credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": true, "reason": "test"})
	if code, resp := call("POST", "/credentials/status", "application/json", body); code != 200 {
		t.Fatalf("revoke: %d %s", code, resp)
	}
	csv := "id,givenName,familyName,dateOfBirth,title.en,awardDate,eqf,isced,ects,grade,gradingScheme\n" +
		fmt.Sprintf("%s2,%s,%s,%s,Master of Science,2025-07-01,7,0613,120,15.2,fr-20\n", esi, given, family, birth) +
		fmt.Sprintf("%s3,%s,%s,%s,Master of Science,2025-07-01,7,0613,-1,15.2,fr-20\n", esi, given, family, birth)
	code, resp = call("POST", "/batches?template=diploma&profile=w3c&skipInvalid=true", "text/csv", []byte(csv))
	var batch struct{ ID, State string }
	if code != 202 || json.Unmarshal(resp, &batch) != nil {
		t.Fatalf("batch: %d %s", code, resp)
	}
	for deadline := time.Now().Add(60 * time.Second); batch.State != "done"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("batch: %s", resp)
		}
		_, resp = call("GET", "/batches/"+batch.ID, "", nil)
		_ = json.Unmarshal(resp, &batch)
	}
	if code, _ := call("GET", "/batches/"+batch.ID+"/result?format=jsonl", "", nil); code != 200 {
		t.Fatalf("batch result: %d", code)
	}
	body, _ = json.Marshal(map[string]any{"template": "diploma", "record": record(4), "format": "dc+sd-jwt", "txCode": true, "txCodeLength": 10})
	code, resp = call("POST", "/offers", "application/json", body)
	var offer struct{ Link, TxCode string }
	if code != 201 || json.Unmarshal(resp, &offer) != nil || offer.TxCode == "" {
		t.Fatalf("offer: %d %s", code, resp)
	}
	u, _ := url.Parse(offer.Link)
	var co struct {
		Grants map[string]struct {
			Code string `json:"pre-authorized_code"`
		} `json:"grants"`
	}
	_ = json.Unmarshal([]byte(u.Query().Get("credential_offer")), &co)
	preAuth := co.Grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"].Code
	if preAuth == "" {
		t.Fatalf("no pre-authorized code in %s", offer.Link)
	}
	ctx := context.Background()
	wc := &vci.Client{HTTP: client, AllowHTTP: true}
	s, err := wc.Start(ctx, offer.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, "0000000000"); err == nil {
		t.Fatal("a wrong transaction code was accepted")
	}
	if err := s.PreAuthorized(ctx, offer.TxCode); err != nil {
		t.Fatal(err)
	}
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: holder}}}); err != nil || len(got.Credentials) != 1 {
		t.Fatalf("collect: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	log := logBuf.String()
	if !strings.Contains(log, "/credentials/issue") || !strings.Contains(log, "sis-export") || !strings.Contains(log, "/credential") {
		t.Fatalf("the log lacks the access lines:\n%.3000s", log)
	}
	for what, v := range map[string]string{"given name": given, "family name": family, "birth date": birth, "student identifier": esi,
		"API token": token, "store passphrase": passphrase, "pre-authorized code": preAuth, "transaction code": offer.TxCode} {
		if i := strings.Index(log, v); i >= 0 {
			t.Errorf("the log holds the %s: …%s…", what, log[max(0, i-200):min(len(log), i+len(v)+50)])
		}
		if strings.Contains(stdout.String(), v) && what != "API token" {
			t.Errorf("serve's standard output holds the %s", what)
		}
	}
	if strings.Contains(log, "dpl_") {
		t.Error("the log holds something like a token")
	}
}
