package jsonld

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/netguard"
)

// TestFetchRefusesNonPublicAddressesWhenDialled: the default client checks
// the address it dials, after name resolution, so neither 127.0.0.1 nor a
// name resolving to it is ever connected to.
func TestFetchRefusesNonPublicAddressesWhenDialled(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{}`)) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{srv.URL + "/ctx", "https://localhost:" + port + "/ctx"} {
		_, err := (&FetchOptions{}).fetch(context.Background(), u, jsonx.Limits{})
		if !errors.Is(err, ErrFetch) || !errors.Is(err, netguard.ErrForbiddenAddress) {
			t.Errorf("%s: err = %v, want ErrFetch and netguard.ErrForbiddenAddress", u, err)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the server saw %d connections", n)
	}
}

// TestFetchRedirectRulesApplyToAGivenClient: a client given in
// FetchOptions.Client is copied and the redirect rules are applied to the
// copy: no redirect to http (without AllowHTTP), at most 5.
func TestFetchRedirectRulesApplyToAGivenClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-http":
			http.Redirect(w, r, "http://example.com/plain", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "https://mirror.example.org/ctx", http.StatusFound)
		default:
			w.Write([]byte(`{"@context":{}}`))
		}
	}))
	defer srv.Close()
	f := fetchTo(srv, nil)
	given := f.Client
	for _, c := range []struct{ path, text string }{
		{"/to-http", "is not an https URL"},
		{"/loop", "more than 5 redirects"},
	} {
		_, err := f.fetch(context.Background(), "https://example.com"+c.path, jsonx.Limits{})
		if !errors.Is(err, ErrFetch) || !errors.Is(err, netguard.ErrRedirect) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: err = %v, want ErrFetch and netguard.ErrRedirect with %q", c.path, err, c.text)
		}
	}
	// Another host (w3id.org redirects to github.io): followed, over https.
	b, err := f.fetch(context.Background(), "https://example.com/moved", jsonx.Limits{})
	if err != nil || string(b) != `{"@context":{}}` {
		t.Fatalf("redirect to another https host: %q %v", b, err)
	}
	if given.CheckRedirect != nil || f.Client != given {
		t.Error("the given client was changed")
	}
}
