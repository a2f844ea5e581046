package wallet

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/netguard"
	"github.com/diplomat-edu/diplomat/verifier"
)

// TestFetchesOnThisMachineOnlyWithLocal: status lists and did:web
// documents of a service on 127.0.0.1 are read only with Local; then a
// did:web URL (https by definition) of a service that speaks plain http
// on loopback is read over http.
func TestFetchesOnThisMachineOnlyWithLocal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("doc")) }))
	defer srv.Close()
	ctx := context.Background()
	strict := &fetcher{client: netguard.NewClient(netguard.Options{})}
	local := &fetcher{client: netguard.NewClient(netguard.Options{AllowHTTP: true, AllowPrivateNetworks: true}), local: true}
	https := strings.Replace(srv.URL, "http://", "https://", 1) + "/.well-known/did.json"
	for _, u := range []string{srv.URL + "/status/1", https} {
		if _, err := strict.Fetch(ctx, u); !errors.Is(err, verifier.ErrFetch) {
			t.Errorf("strict fetch of %s: %v", u, err)
		}
		if b, err := local.Fetch(ctx, u); err != nil || string(b) != "doc" {
			t.Errorf("local fetch of %s: %q %v", u, b, err)
		}
	}
	if _, err := local.Fetch(ctx, "http://registrar.example/status/1"); !errors.Is(err, verifier.ErrFetch) {
		t.Errorf("plain http to another host: %v", err)
	}
}
