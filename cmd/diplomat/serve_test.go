package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestServeDevStartsACompleteInstance runs "diplomat serve --dev" as the
// README's first command does, on a random port: the page offers the demo
// credentials, one verifies over the VC-API as verified (the instance
// trusts itself and serves its own status lists), the printed admin token
// works, and on cancel (SIGTERM) it stops and removes its store.
func TestServeDevStartsACompleteInstance(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "--listen", "127.0.0.1:0"}, func(string) string { return "" }, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	var url, token, store string
	sc := bufio.NewScanner(pr)
	deadline := time.AfterFunc(60*time.Second, func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	for sc.Scan() && (url == "" || token == "" || store == "") {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "diplomat is serving on "); ok {
			url = u
		}
		if _, tok, ok := strings.Cut(line, "admin token (console sign-in, API): "); ok {
			token = tok
		}
		if _, rest, ok := strings.Cut(line, "throw-away store "); ok {
			store, _, _ = strings.Cut(rest, " ")
		}
	}
	deadline.Stop()
	go io.Copy(io.Discard, pr)
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
	cancel()
	select {
	case err := <-done:
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
