package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeDevStartsACompleteInstance runs "diplomat serve --dev" as the
// README's first command does, on a random port: the page offers the demo
// credentials, one verifies over the VC-API as verified (the instance
// trusts itself and serves its own status lists), the printed admin token
// works, and on cancel (SIGTERM) it stops and removes its store.
// serving is a "diplomat serve" running in this process.
type serving struct {
	url, token, store string
	cancel            context.CancelFunc
	done              chan error
}

// startServe runs "diplomat serve" with args until the test ends, and
// reads what it prints: its URL, the admin token and store of --dev.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	sv := &serving{cancel: cancel, done: make(chan error, 1)}
	go func() {
		sv.done <- run(ctx, append([]string{"serve"}, args...), func(string) string { return "" }, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-sv.done })
	sc := bufio.NewScanner(pr)
	deadline := time.AfterFunc(60*time.Second, func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	for sc.Scan() {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "diplomat is serving on "); ok {
			sv.url = u
		}
		if _, tok, ok := strings.Cut(line, "admin token (console sign-in, API): "); ok {
			sv.token = tok
		}
		if _, rest, ok := strings.Cut(line, "throw-away store "); ok {
			sv.store, _, _ = strings.Cut(rest, " ")
		}
		if line == "stop with Ctrl-C" {
			break
		}
	}
	deadline.Stop()
	go io.Copy(io.Discard, pr)
	if sv.url == "" {
		t.Fatal("serve printed no URL")
	}
	return sv
}

func TestServeDevStartsACompleteInstance(t *testing.T) {
	sv := startServe(t, "--dev", "--listen", "127.0.0.1:0")
	url, token, store := sv.url, sv.token, sv.store
	if url == "" || !strings.HasPrefix(token, "dpl_") || store == "" {
		t.Fatalf("url %q token %q store %q", url, token, store)
	}
	get := func(path, tok string) (int, []byte) {
		req, _ := http.NewRequest("GET", url+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, page := get("/", "")
	if code != 200 || !strings.Contains(string(page), "/samples/diploma-w3c.jwt") || !strings.Contains(string(page), "Development instance") {
		t.Fatalf("page: %d", code)
	}
	if code, page := get("/?sample=transcript-edc.json", ""); code != 200 || !strings.Contains(string(page), "<h2 id=\"verdict\">Verified</h2>") {
		t.Fatalf("a sample on the page: %d", code)
	}
	_, cred := get("/samples/diploma-w3c.jwt", "")
	body, _ := json.Marshal(map[string]any{"verifiableCredential": string(cred)})
	resp, err := http.Post(url+"/credentials/verify", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Verified bool
		Report   struct{ Verdict string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != 200 || !res.Verified {
		t.Fatalf("a demo credential: %d %+v", resp.StatusCode, res)
	}
	if code, _ := get("/credentials", token); code != 200 {
		t.Fatalf("the admin token: %d", code)
	}
	if code, _ := get("/readyz", ""); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	sv.cancel()
	select {
	case err := <-sv.done:
		sv.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := os.Stat(store); !os.IsNotExist(err) {
		t.Fatalf("the throw-away store %s is still there: %v", store, err)
	}
}

// TestServeTLSFromFiles serves HTTPS with a certificate and key from PEM
// files, and says so in its URL.
func TestServeTLSFromFiles(t *testing.T) {
	cert, _, err := selfSignedCertificate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	sv := startServe(t, "--dev", "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(sv.url, "https://") {
		t.Fatalf("url %s", sv.url)
	}
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool.AddCert(leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(sv.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("%d %v", resp.StatusCode, resp.TLS)
	}
	// Plain HTTP to the TLS port is refused.
	if resp, err := http.Get(strings.Replace(sv.url, "https://", "http://", 1) + "/readyz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered on the TLS port")
		}
	}
}

// TestServeDevTLSServesWithItsOwnCertificateAndCleansUpOnSIGTERM runs
// "diplomat serve --dev --tls" as a process: it prints where its
// self-signed certificate is and its SHA-256; a client trusting that file
// (as curl --cacert does) gets the page and /healthz over HTTPS, one
// trusting nothing is refused; on SIGTERM it exits cleanly and its
// throw-away store is gone.
func TestServeDevTLSServesWithItsOwnCertificateAndCleansUpOnSIGTERM(t *testing.T) {
	cmd, tmp := demoCommand(t, "serve", "--dev", "--tls", "--listen", "127.0.0.1:0")
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	var url, store, certFile, sum string
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	certLine := regexp.MustCompile(`^  self-signed TLS certificate (\S+) \(SHA-256 ([0-9a-f]{64})\): trust it with curl --cacert FILE`)
	timeout := time.After(90 * time.Second)
read:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited: %s", stderr.String())
			}
			if u, ok := strings.CutPrefix(line, "diplomat is serving on "); ok {
				url = u
			}
			if _, rest, ok := strings.Cut(line, "throw-away store "); ok {
				store, _, _ = strings.Cut(rest, " ")
			}
			if m := certLine.FindStringSubmatch(line); m != nil {
				certFile, sum = m[1], m[2]
			}
			if line == "stop with Ctrl-C" {
				break read
			}
		case <-timeout:
			t.Fatalf("serve did not start: %s", stderr.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	if !strings.HasPrefix(url, "https://127.0.0.1:") || store == "" || certFile == "" {
		t.Fatalf("url %q store %q certificate %q", url, store, certFile)
	}
	if !strings.HasPrefix(store, tmp) || !strings.HasPrefix(certFile, tmp) {
		t.Fatalf("the store %s and certificate %s are not in the temporary folder %s", store, certFile, tmp)
	}
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" || bytes.Contains(pemBytes, []byte("PRIVATE KEY")) {
		t.Fatalf("%s is not a certificate alone:\n%s", certFile, pemBytes)
	}
	if got := sha256.Sum256(block.Bytes); hex.EncodeToString(got[:]) != sum {
		t.Fatalf("the printed SHA-256 %s is not the file's %x", sum, got)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.TLS == nil || !bytes.Equal(resp.TLS.PeerCertificates[0].Raw, block.Bytes) {
			t.Fatalf("%s was not served with the printed certificate", path)
		}
		return resp.StatusCode, string(b)
	}
	if code, page := get("/"); code != 200 || !strings.Contains(page, "Development instance") || !strings.Contains(page, "/samples/diploma-w3c.jwt") {
		t.Fatalf("page: %d %.300s", code, page)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	// A client that trusts nothing in particular refuses the certificate.
	if resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("the self-signed certificate was trusted without being given")
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("refused for another reason: %v", err)
	}
	if _, err := os.Stat(store); err != nil {
		t.Fatalf("the store is not there while serving: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signaled() || ws.ExitStatus() != 0 {
		t.Fatalf("serve ended with %v: %s", cmd.ProcessState, stderr.String())
	}
	for _, p := range []string{store, certFile} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there after SIGTERM: %v", p, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "diplomat-dev-*")); len(left) > 0 {
		t.Errorf("serve left %v behind", left)
	}
}
