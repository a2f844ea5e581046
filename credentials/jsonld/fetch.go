package jsonld

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// FetchOptions enable the opt-in HTTPS fetch of pinned contexts. A fetched
// context is pin-checked like any other; fetching never widens what is
// accepted, it only saves the operator an import.
type FetchOptions struct {
	// Client makes the requests. Nil: a client with Timeout and no cookies
	// that follows at most 5 redirects, all to https URLs.
	Client *http.Client
	// Timeout bounds one fetch. Zero: 10 seconds.
	Timeout time.Duration
	// MaxBytes is the largest context accepted. Zero: 1 MiB.
	MaxBytes int64
	// AllowHTTP also allows http:// context URLs (some contexts, such as
	// edc-ap, are named with http URLs). The pin check still applies. Zero
	// value: https only.
	AllowHTTP bool
	// Store, when set, receives every context fetched and accepted, so the
	// next load finds it in the cache. Nil: fetched contexts are kept only
	// in the Loader.
	Store CacheWriter
}

const (
	defaultFetchTimeout  = 10 * time.Second
	defaultFetchMaxBytes = 1 << 20
)

// ErrFetch is wrapped by errors from the opt-in fetch.
var ErrFetch = errors.New("fetching context")

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
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := f.Client
	if client == nil {
		client = &http.Client{
			Timeout: timeout,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return errors.New("too many redirects")
				}
				if req.URL.Scheme != "https" && !(f.AllowHTTP && req.URL.Scheme == "http") {
					return fmt.Errorf("redirect to a non-https URL %s", req.URL.Redacted())
				}
				return nil
			},
		}
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
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: response over the limit of %d bytes", ErrFetch, max)
	}
	if err := jsonx.Check(b, lim); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	return b, nil
}
