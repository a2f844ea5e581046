package jsonld

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/netguard"
)

// FetchOptions enable the opt-in HTTPS fetch of pinned contexts. A fetched
// context is pin-checked like any other; fetching never widens what is
// accepted, it only saves the operator an import.
type FetchOptions struct {
	// Client makes the requests. Nil: a client of internal/netguard with
	// Timeout, no proxy and no cookies, whose dialer refuses loopback,
	// private, link-local and other non-public addresses (the address
	// dialled, after name resolution, on every hop). A given client is
	// copied, never changed; the copy gets the redirect rules below, but
	// its transport is used as it is, so the address check is then the
	// caller's.
	//
	// Redirects are followed up to 5 times, each to an https URL (or
	// http, with AllowHTTP), to any host: the w3id.org URLs most contexts
	// are named by redirect to other hosts, and what is fetched is checked
	// against its pinned digest whoever serves it.
	Client *http.Client
	// Timeout bounds one fetch. Zero: 10 seconds.
	Timeout time.Duration
	// MaxBytes is the largest context accepted. Zero: 1 MiB.
	MaxBytes int64
	// AllowHTTP also allows http:// context URLs (some contexts, such as
	// edc-ap, are named with http URLs). The pin check still applies. Zero
	// value: https only.
	AllowHTTP bool
	// AllowPrivateNetworks lets the default client connect to loopback,
	// private and link-local addresses. False (the zero value): such
	// connections are refused when dialled. Only for tests and closed labs.
	AllowPrivateNetworks bool
	// Store, when set, receives every context fetched and accepted, so the
	// next load finds it in the cache. Nil: fetched contexts are kept only
	// in the Loader.
	Store CacheWriter
}

const (
	defaultFetchTimeout  = 10 * time.Second
	defaultFetchMaxBytes = 1 << 20
	maxFetchRedirects    = 5
)

// ErrFetch is wrapped by errors from the opt-in fetch. A refused address,
// redirect or oversized body also wraps the sentinel of internal/netguard
// that says so (for tests in this module).
var ErrFetch = errors.New("fetching context")

func (f *FetchOptions) guard(timeout time.Duration) netguard.Options {
	return netguard.Options{
		Timeout:              timeout,
		AllowHTTP:            f.AllowHTTP,
		AllowPrivateNetworks: f.AllowPrivateNetworks,
		Redirects:            netguard.AnyHost,
		MaxRedirects:         maxFetchRedirects,
	}
}

func (f *FetchOptions) fetch(ctx context.Context, raw string, lim jsonx.Limits) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if u.Scheme != "https" && !(f.AllowHTTP && u.Scheme == "http") {
		return nil, fmt.Errorf("%w: only https URLs are fetched, not %q", ErrFetch, u.Scheme)
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = defaultFetchTimeout
	}
	max := f.MaxBytes
	if max <= 0 {
		max = defaultFetchMaxBytes
	}
	g := f.guard(timeout)
	if err := netguard.CheckURL(u, f.AllowHTTP); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var client *http.Client
	if f.Client == nil {
		client = netguard.NewClient(g)
	} else {
		c := *f.Client
		c.CheckRedirect = g.CheckRedirect
		client = &c
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/ld+json, application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP status %d", ErrFetch, resp.StatusCode)
	}
	b, err := netguard.ReadBody(resp.Body, resp.ContentLength, max)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if err := jsonx.Check(b, lim); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	return b, nil
}
