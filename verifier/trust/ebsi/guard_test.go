package ebsi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/netguard"
)

// TestDefaultClientRefusesNonPublicAddresses: the client NewClient builds
// when none is given checks the address it dials, so a registry URL on a
// loopback (or private) address is refused before any connection, unless
// AllowPrivateNetworks.
func TestDefaultClientRefusesNonPublicAddresses(t *testing.T) {
	m := newMock(t, nil)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, m.snap.Issuers[1])
	}))
	defer srv.Close()
	c, err := NewClient(ClientOptions{BaseURL: srv.URL + tirPath, AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Issuer(context.Background(), mockTAO)
	if !errors.Is(err, ErrFetch) || !errors.Is(err, netguard.ErrForbiddenAddress) {
		t.Fatalf("err = %v, want ErrFetch and netguard.ErrForbiddenAddress", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the server was asked")
	}
	lab, err := NewClient(ClientOptions{BaseURL: srv.URL + tirPath, AllowHTTP: true, AllowPrivateNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	if is, err := lab.Issuer(context.Background(), mockTAO); err != nil || is.DID != mockTAO {
		t.Fatalf("AllowPrivateNetworks: %v", err)
	}
}
