package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
