package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/pgtest"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
)

// routedBalancer terminates TLS (wallets speak https only) and sends the
// metadata requests to one node and every other request to another, as a
// test decides.
type routedBalancer struct {
	*httptest.Server
	mu             sync.Mutex
	metadata, rest *serveNode
}

func newRoutedBalancer(t *testing.T) *routedBalancer {
	b := &routedBalancer{}
	b.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		n := b.rest
		if strings.HasPrefix(r.URL.Path, "/.well-known/") {
			n = b.metadata
		}
		b.mu.Unlock()
		target, _ := neturl.Parse(n.url)
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	b.StartTLS()
	t.Cleanup(b.Close)
	return b
}

func (b *routedBalancer) route(metadata, rest *serveNode) {
	b.mu.Lock()
	b.metadata, b.rest = metadata, rest
	b.mu.Unlock()
}

// requestKeyOf returns the request encryption key a node's metadata
// publishes, asked of the node itself.
func requestKeyOf(t *testing.T, n *serveNode) openid4vc.EncryptionJWK {
	t.Helper()
	resp, err := clusterClient.Get(n.url + "/.well-known/openid-credential-issuer")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m vci.Metadata
	if resp.StatusCode != 200 || json.Unmarshal(body, &m) != nil || m.CredentialRequestEncryption == nil || len(m.CredentialRequestEncryption.JWKS.Keys) != 1 {
		t.Fatalf("node %s metadata: %d %s", n.name, resp.StatusCode, body)
	}
	return m.CredentialRequestEncryption.JWKS.Keys[0]
}

// TestWalletEncryptedRequestAcrossNodes: nodes on one database publish
// one request encryption key, kept across a restart; a request encrypted
// to the key one node published is decrypted by the other; a rotation
// made with the CLI while the nodes run reaches them without a restart
// (they decrypt with the new key, and with the old one during its grace),
// and a node started after it publishes the new key.
func TestWalletEncryptedRequestAcrossNodes(t *testing.T) {
	pgtest.Require(t, cluster)
	url, token := clusterStore(t, cluster)
	lb := newRoutedBalancer(t)
	public := "publicURL: " + lb.URL
	a, b := startNode(t, "a", url, public), startNode(t, "b", url, public)
	lb.route(a, b)
	saved := clusterClient
	clusterClient = lb.Client()
	defer func() { clusterClient = saved }()

	key := requestKeyOf(t, a)
	if kb := requestKeyOf(t, b); kb != key {
		t.Fatalf("two nodes publish different request encryption keys:\n%+v\n%+v", key, kb)
	}
	ctx := context.Background()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: lb.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	client := &vci.Client{HTTP: hc}
	// start reads the metadata (through the balancer, from the node it
	// routes metadata to) and gets a token.
	start := func() *vci.Session {
		t.Helper()
		code, m, err := call("POST", lb.URL+"/offers", token, map[string]any{"template": "diploma", "record": diplomaRecord(7, 1), "format": "dc+sd-jwt"})
		if err != nil || code != http.StatusCreated {
			t.Fatalf("POST /offers: %d %v %v", code, m, err)
		}
		link, _ := m["link"].(string)
		s, err := client.Start(ctx, link, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PreAuthorized(ctx, ""); err != nil {
			t.Fatal(err)
		}
		return s
	}
	collect := func(s *vci.Session) error {
		t.Helper()
		holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: holder}}, Encrypt: true})
		if err == nil && (!got.Encrypted || len(got.Credentials) != 1) {
			t.Fatalf("encrypted=%v, %d credentials", got.Encrypted, len(got.Credentials))
		}
		return err
	}
	if err := collect(start()); err != nil {
		t.Fatalf("node b decrypting a request encrypted to node a's metadata: %v", err)
	}

	a.stop(t)
	a = startNode(t, "a (restarted)", url, public)
	if ka := requestKeyOf(t, a); ka != key {
		t.Fatalf("the key changed across a restart:\n%+v\n%+v", key, ka)
	}
	lb.route(a, b)
	cached := start() // a wallet that read the metadata before the rotation

	env := map[string]string{"DIPLOMAT_STORE": url, "DIPLOMAT_PASSPHRASE": clusterPass}
	out, stderr, err := runCLI(env, "keys", "encryption", "rotate", "--grace", "1h")
	if err != nil || !strings.Contains(out, "new request encryption key ") || !strings.Contains(out, key.Kid+" decrypts until ") {
		t.Fatalf("keys encryption rotate: %v\n%s%s", err, out, stderr)
	}
	c := startNode(t, "c (after the rotation)", url, public)
	rotated := requestKeyOf(t, c)
	if rotated.Kid == key.Kid {
		t.Fatal("a node started after the rotation publishes the old key")
	}
	if ka := requestKeyOf(t, a); ka != key {
		t.Fatalf("a running node changed the key it publishes without a restart: %+v", ka)
	}
	time.Sleep(1100 * time.Millisecond) // status.sync: the nodes see the change
	if err := collect(cached); err != nil {
		t.Fatalf("a request to the key before the rotation, within its grace: %v", err)
	}
	lb.route(c, b) // metadata from c (the new key), the request to b
	if err := collect(start()); err != nil {
		t.Fatalf("node b, started before the rotation, decrypting a request to the new key: %v", err)
	}
	out, _, err = runCLI(env, "--json", "keys", "encryption", "show")
	var views []encKeyView
	if err != nil || json.Unmarshal([]byte(out), &views) != nil || len(views) != 2 || views[0].ID != rotated.Kid || views[0].State != "current" ||
		views[1].ID != key.Kid || views[1].State != "retired" {
		t.Fatalf("keys encryption show: %v %s", err, out)
	}
}
