package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/testdata/records"
	"github.com/diplomat-edu/diplomat/verifier"
)

// clock is a store clock tests can move, to make tokens that have expired.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }
func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	c.off = d
	c.mu.Unlock()
}

// testEnv is a real server on 127.0.0.1 (a random port) over a temporary
// store, with a token of each kind.
type testEnv struct {
	t       testing.TB
	url     string
	store   *keys.Store
	srv     *Server
	clock   *clock
	tokens  map[string]string // admin, issue, status, expired, revoked
	webDID  string
	client  *http.Client
	stop    func()
	stopped chan struct{}
}

type envOptions struct {
	contexts bool // import the reference JSON-LD contexts (skips without them)
	config   func(*Config)
	dir      string // the store folder; empty: a new temporary one
	// prepare, when set, adds to the store before the server opens it.
	prepare func(s *keys.Store)
	// options, when set, adjusts the server's options.
	options func(o *Options)
	// tls, when set, serves HTTPS with it (the public URL is https), and
	// the client trusts roots.
	tls   *tls.Config
	roots *x509.CertPool
}

// prepareStore makes a store at dir for an instance listening on addr:
// keys for every profile, a TEST eSeal, a did:web and status URLs naming
// addr, itself in its trust registry.
func prepareStore(t testing.TB, dir, addr string, c *clock) (*keys.Store, string) {
	t.Helper()
	s, err := keys.Open(filepath.Join(dir, keys.DefaultFile), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock([]byte("test passphrase")); err != nil {
		t.Fatal(err)
	}
	mustT(t, func() error { _, err := s.Create("registrar", keys.Ed25519, keys.Assertion); return err })
	mustT(t, func() error { _, err := s.Create("registrar-p256", keys.P256, keys.Assertion); return err })
	mustT(t, func() error {
		_, err := s.CreateTestSeal("seal", keys.TestSealOptions{Subject: keys.SealSubject{Organization: "Test University", Country: "FR", OrganizationIdentifier: "VATFR-12345678901"}})
		return err
	})
	webDID := "did:web:" + strings.ReplaceAll(addr, ":", "%3A")
	mustT(t, func() error { return s.SetWebDID(webDID) })
	mustT(t, func() error {
		return issuer.SaveConfig(s, &issuer.Config{
			Institution:   issuer.Institution{LegalName: map[string]string{"en": "Test University"}, LegalIdentifier: "VATFR-12345678901", Country: "FR"},
			StatusBaseURL: "http://" + addr + "/status",
		})
	})
	mustT(t, func() error {
		_, err := s.AddTrust(keys.TrustEntry{DID: webDID, Name: "Test University", Country: "FR"})
		return err
	})
	ks, _ := s.Keys()
	for _, k := range ks {
		if len(k.Chain) > 0 {
			cert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Chain[0].Raw}))
			mustT(t, func() error {
				_, err := s.AddTrust(keys.TrustEntry{Certificate: cert, Name: "Test University", Country: "FR"})
				return err
			})
		} else if d, err := k.KeyDID(); err == nil {
			mustT(t, func() error {
				_, err := s.AddTrust(keys.TrustEntry{DID: d, Name: "Test University", Country: "FR"})
				return err
			})
		}
	}
	return s, webDID
}

func mustT(t testing.TB, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// testConfig is the configuration tests serve with: no rate limit unless a
// test sets one.
func testConfig(addr string) Config {
	c := Config{Listen: addr, RateLimit: RateConfig{PerSecond: -1}}
	return c
}

func newEnv(t testing.TB, o envOptions) *testEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	dir := o.dir
	if dir == "" {
		dir = t.TempDir()
	}
	c := &clock{}
	s, webDID := prepareStore(t, dir, addr, c)
	if o.contexts {
		if _, err := jsonld.Import(reftest.Path(t, "contexts"), s); err != nil {
			t.Fatal(err)
		}
	}
	e := &testEnv{t: t, url: "http://" + addr, store: s, clock: c, webDID: webDID, tokens: map[string]string{},
		client: &http.Client{Timeout: 60 * time.Second}, stopped: make(chan struct{})}
	if o.tls != nil {
		e.url = "https://" + addr
		e.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: o.roots}}
	}
	for _, sc := range []string{keys.ScopeAdmin, keys.ScopeIssue, keys.ScopeStatus} {
		sec, _, err := s.CreateToken("test-"+sc, []string{sc}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[sc] = sec
	}
	c.set(-3 * time.Hour)
	sec, _, err := s.CreateToken("old", []string{keys.ScopeAdmin}, time.Now().Add(-2*time.Hour))
	c.set(0)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["expired"] = sec
	sec, _, _ = s.CreateToken("gone", []string{keys.ScopeAdmin}, time.Time{})
	if _, err := s.RevokeToken("gone", "test"); err != nil {
		t.Fatal(err)
	}
	e.tokens["revoked"] = sec
	if o.prepare != nil {
		o.prepare(s)
	}
	cfg := testConfig(addr)
	if o.tls != nil {
		cfg.PublicURL = e.url
	}
	if o.config != nil {
		o.config(&cfg)
	}
	if err := cfg.Defaults(); err != nil {
		t.Fatal(err)
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	vopts := verifier.Options{Trust: []verifier.TrustSource{verifier.RegistrySource{Registry: s}}, Contexts: jsonld.New(jsonld.Options{Cache: s})}
	opts := Options{Config: cfg, Store: s, Issuer: iss, Verifier: vopts, TLS: o.tls}
	if o.options != nil {
		o.options(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(e.stopped)
		if err := srv.Serve(ctx, ln); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			<-e.stopped
			s.Close()
		})
	}
	t.Cleanup(e.stop)
	return e
}

// do sends a request with the token of kind tok ("" for none) and returns
// the status and body.
func (e *testEnv) do(method, path, tok, contentType string, body []byte) (int, []byte, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok != "" {
		sec := e.tokens[tok]
		if sec == "" {
			sec = tok
		}
		req.Header.Set("Authorization", "Bearer "+sec)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (e *testEnv) postJSON(path, tok string, v any) (int, map[string]any) {
	e.t.Helper()
	b, _ := json.Marshal(v)
	code, body, _ := e.do("POST", path, tok, "application/json", b)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return code, m
}

// issue issues the sample record of template as profile and returns the
// secured credential and its id.
func (e *testEnv) issue(template, profile string, edit func(map[string]any)) (cred []byte, id string) {
	e.t.Helper()
	data, err := records.JSON(template)
	if err != nil {
		e.t.Fatal(err)
	}
	var rec map[string]any
	_ = json.Unmarshal(data, &rec)
	if edit != nil {
		edit(rec)
	}
	code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"template": template, "record": rec, "options": map[string]any{"profile": profile}})
	if code != http.StatusCreated && code != http.StatusOK { // 200: issued before, signed again
		e.t.Fatalf("issue %s/%s: %d %.300v", template, profile, code, m)
	}
	return credentialOf(e.t, m["verifiableCredential"]), m["register"].(map[string]any)["id"].(string)
}

// credentialOf turns a VC-API verifiableCredential back into the secured
// credential as it travels.
func credentialOf(t testing.TB, v any) []byte {
	t.Helper()
	switch c := v.(type) {
	case string:
		return []byte(c)
	case map[string]any:
		if c["type"] == "EnvelopedVerifiableCredential" {
			id := c["id"].(string)
			return []byte(id[strings.IndexByte(id, ',')+1:])
		}
		b, _ := json.Marshal(c)
		return b
	}
	t.Fatalf("verifiableCredential %T", v)
	return nil
}

// verify posts a credential to /credentials/verify.
func (e *testEnv) verify(cred []byte) (int, map[string]any) {
	e.t.Helper()
	var vc any = string(cred)
	if bytes.HasPrefix(bytes.TrimSpace(cred), []byte("{")) {
		vc = json.RawMessage(cred)
	}
	return e.postJSON("/credentials/verify", "", map[string]any{"verifiableCredential": vc})
}

func reportOf(m map[string]any) map[string]any { r, _ := m["report"].(map[string]any); return r }

// keysEntry is the trust entry of the test institution's did:web.
func keysEntry(webDID string) keys.TrustEntry {
	return keys.TrustEntry{DID: webDID, Name: "Test University", Country: "FR"}
}
