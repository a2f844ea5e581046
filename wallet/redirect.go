package wallet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Redirect catches the browser's return from the issuer's sign-in page on
// a loopback address (RFC 8252 section 7.3): its URI is the redirect_uri
// of the authorization code flow, and Wait returns the URL the browser was
// sent to, for Exchange.
type Redirect struct {
	// URI is http://127.0.0.1:PORT/callback.
	URI string

	srv  *http.Server
	got  chan string
	once sync.Once
}

// ListenRedirect starts listening on a free loopback port.
func ListenRedirect() (*Redirect, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the sign-in redirect: %w", err)
	}
	r := &Redirect{URI: "http://" + ln.Addr().String() + "/callback", got: make(chan string, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, req *http.Request) {
		r.once.Do(func() { r.got <- r.URI + "?" + req.URL.RawQuery })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, "<!doctype html><title>Diplomat wallet</title><p>Signed in. You can close this page and go back to the terminal.</p>")
	})
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln) //nolint:errcheck // Serve returns when Close is called
	return r, nil
}

// Wait returns the URL the browser was redirected to, or ctx's error.
func (r *Redirect) Wait(ctx context.Context) (string, error) {
	select {
	case u := <-r.got:
		return u, nil
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for the sign-in in the browser: %w", ctx.Err())
	}
}

// Close stops listening.
func (r *Redirect) Close() error { return r.srv.Close() }
