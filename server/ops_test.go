package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHostingServesTheDIDDocumentListsChainAndJWKS(t *testing.T) {
	e := newEnv(t, envOptions{})
	// Rotate a key: its retired version stays in the DID document.
	old, _ := e.store.Key("registrar")
	if _, err := e.store.Rotate("registrar"); err != nil {
		t.Fatal(err)
	}
	code, body, hdr := e.do("GET", "/.well-known/did.json", "", "", nil)
	if code != 200 || hdr.Get("Content-Type") != "application/did+json" || !strings.Contains(string(body), e.webDID+"#"+old.ID) {
		t.Fatalf("did.json: %d %s %.300s", code, hdr.Get("Content-Type"), body)
	}
	etag := hdr.Get("ETag")
	req, _ := http.NewRequest("GET", e.url+"/.well-known/did.json", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err := e.client.Do(req)
	if err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %v %v", resp, err)
	}
	resp.Body.Close()
	code, body, _ = e.do("GET", "/.well-known/jwks.json", "", "", nil)
	var set struct{ Keys []map[string]any }
	if code != 200 || json.Unmarshal(body, &set) != nil || len(set.Keys) < 3 {
		t.Fatalf("jwks: %d %s", code, body)
	}
	code, body, hdr = e.do("GET", "/certificates/seal.pem", "", "", nil)
	if code != 200 || !strings.HasPrefix(string(body), "-----BEGIN CERTIFICATE-----") || hdr.Get("Content-Type") != "application/pem-certificate-chain" {
		t.Fatalf("chain: %d %.100s", code, body)
	}
	if code, _, _ := e.do("GET", "/certificates/registrar.pem", "", "", nil); code != 404 {
		t.Fatalf("a DID key has no chain: %d", code)
	}
	// Every status list a credential names is served at exactly that URL.
	for _, profile := range []string{"w3c", "edc", "ebsi"} {
		code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"template": "diploma", "record": sampleRecord(t, 1), "options": map[string]any{"profile": profile}})
		if code != 201 {
			t.Fatalf("issue %s: %d %v", profile, code, m)
		}
		for _, u := range m["register"].(map[string]any)["statusListCredential"].([]any) {
			code, body, hdr := e.do("GET", strings.TrimPrefix(u.(string), e.url), "", "", nil)
			if code != 200 || hdr.Get("ETag") == "" || hdr.Get("Cache-Control") != "public, max-age=300" || len(body) < 100 {
				t.Fatalf("%s: %d %v", u, code, hdr)
			}
		}
	}
	if code, _, _ := e.do("GET", "/status/w3c/99/revocation", "", "", nil); code != 404 {
		t.Fatalf("an unknown list: %d", code)
	}
}

func TestOperationsHealthReadinessMetricsCORSAndRateLimit(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.CORS.Origins = []string{"https://sis.example.edu"}
		c.RateLimit = RateConfig{PerSecond: 1, Burst: 3}
	}})
	if code, body, _ := e.do("GET", "/healthz", "", "", nil); code != 200 || string(body) != "ok\n" {
		t.Fatalf("healthz: %d %s", code, body)
	}
	if code, body, _ := e.do("GET", "/readyz", "", "", nil); code != 200 || string(body) != "ready\n" {
		t.Fatalf("readyz: %d %s", code, body)
	}
	// CORS: the configured origin only.
	for origin, want := range map[string]string{"https://sis.example.edu": "https://sis.example.edu", "https://evil.example": ""} {
		req, _ := http.NewRequest("OPTIONS", e.url+"/credentials/issue", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("origin %s: allowed %q, want %q", origin, got, want)
		}
	}
	// Public routes: a burst of 3, then 429 with Retry-After.
	limited := false
	for range 6 {
		code, _, hdr := e.do("GET", "/.well-known/jwks.json", "", "", nil)
		if code == http.StatusTooManyRequests && hdr.Get("Retry-After") != "" {
			limited = true
		}
	}
	if !limited {
		t.Fatal("no 429 after a burst")
	}
	// Authenticated routes are not rate-limited.
	for range 5 {
		if code, body, _ := e.do("GET", "/credentials", "issue", "", nil); code != 200 {
			t.Fatalf("API under the public limit: %d %s", code, body)
		}
	}
	e.do("GET", "/credentials", "", "", nil) // an authentication failure
	code, body, _ := e.do("GET", "/metrics", "", "", nil)
	for _, name := range []string{"diplomat_http_requests_total", "diplomat_rate_limited_total", "diplomat_auth_failures_total",
		"diplomat_http_request_duration_seconds", "diplomat_process_"} {
		if code != 200 || !strings.Contains(string(body), name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	// Security headers on every response.
	_, _, hdr := e.do("GET", "/healthz", "", "", nil)
	if !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers: %v", hdr)
	}
}

func TestMetricsCountIssuanceVerificationAndCaches(t *testing.T) {
	e := newEnv(t, envOptions{})
	cred, _ := e.issue("diploma", "w3c", nil)
	for range 2 {
		e.verify(cred)
	}
	_, body, _ := e.do("GET", "/metrics", "", "", nil)
	for _, want := range []string{`diplomat_issued_total{format="vc+jwt",result="ok"} 1`, `diplomat_verifications_total{format="vc+jwt",result="verified"} 2`,
		`diplomat_status_list_cache_total{result="miss"}`, `diplomat_did_document_cache_total{result="miss"} 1`, `diplomat_verifier_fetches_total{source="self"}`,
		`diplomat_verify_duration_seconds_bucket`, `diplomat_issue_duration_seconds_bucket`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestConfigPrecedenceFileThenEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:9000\nlog:\n  format: json\nstatus:\n  ttl: 1m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DIPLOMAT_LISTEN": "127.0.0.1:9100", "DIPLOMAT_CORS_ORIGINS": "https://a.example, https://b.example"}
	if err := c.ApplyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := c.Defaults(); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9100" || c.Log.Format != "json" || c.Status.TTL != time.Minute || len(c.CORS.Origins) != 2 || c.PublicURL != "http://127.0.0.1:9100" {
		t.Fatalf("%+v", c)
	}
	if err := os.WriteFile(path, []byte("listen: x\nlistne: y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("unknown field: %v", err)
	}
	bad := &Config{CORS: CORSConfig{Origins: []string{"*"}}}
	if err := bad.Defaults(); err == nil || !strings.Contains(err.Error(), "cors.origins") {
		t.Fatalf("wildcard origin: %v", err)
	}
}

func TestConsoleSessionsAreHttpOnlyStrictAndCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path, body string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// Without a session every console route sends to the sign-in page.
	for _, rt := range [][2]string{{"POST", "/console/batches"}, {"GET", "/console/batches/b_1"}, {"POST", "/console/batches/b_1/start"},
		{"GET", "/console/batches/b_1/download"}, {"GET", "/console/register"}, {"POST", "/console/credentials/status"}, {"POST", "/console/status/publish"}} {
		req, _ := http.NewRequest(rt[0], e.url+rt[1], nil)
		req.Header.Set("Cookie", "diplomat-session="+strings.Repeat("ab", 32))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console" {
			t.Errorf("%s %s without a session: %d %s", rt[0], rt[1], resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp := post("/console/signin", "token="+e.tokens["admin"], nil)
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || len(cookies[0].Value) != 64 {
		t.Fatalf("sign-in: %d %+v", resp.StatusCode, cookies)
	}
	// The session id is not stored as such: only its hash.
	if _, err := e.srv.records.Get(t.Context(), kindSession, cookies[0].Value); err == nil {
		t.Fatal("the session is stored under its cookie value")
	}
	cookie := cookies[0].Name + "=" + cookies[0].Value
	resp = post("/console/status/publish", "", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-origin POST: %d", resp.StatusCode)
	}
	resp = post("/console/status/publish", "", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "published=") {
		t.Fatalf("a same-origin POST: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// An expired or wrong token does not sign in; a revoked token ends its sessions.
	if resp := post("/console/signin", "token="+e.tokens["expired"], nil); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Fatalf("an expired token signs in: %d", resp.StatusCode)
	}
	if resp := post("/console/signin", "token="+e.tokens["status"], nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a status-only token signs in: %d", resp.StatusCode)
	}
	if _, err := e.store.RevokeToken("test-admin", "test"); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.url+"/console/register?q=x", nil)
	req.Header.Set("Cookie", cookie)
	r2, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusSeeOther {
		t.Fatalf("the session of a revoked token still works: %d", r2.StatusCode)
	}
}
