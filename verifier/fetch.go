package verifier

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/diplomat-edu/diplomat/internal/netguard"
)

// StatusFetcher gets documents from the network for the verifier: status
// list credentials and, for the default key resolver, did:web documents.
type StatusFetcher interface {
	// Fetch returns the body at an https URL. It returns an error wrapping
	// ErrFetch when the document cannot be had (unreachable, refused
	// address, redirect, status other than 200, over the size limit); the
	// verifier reports it and never retries.
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// ErrFetch is wrapped by fetch errors.
var ErrFetch = errors.New("fetch failed")

// ErrForbiddenAddress is wrapped by fetch errors for a connection to a
// loopback, private, link-local or otherwise non-public address.
var ErrForbiddenAddress = netguard.ErrForbiddenAddress

// HTTPFetcher fetches over HTTPS with the rules of docs/verifier.md: https
// only, a timeout and a size limit, no redirects, no proxy, and no
// connection to a non-public address (checked on the address actually
// dialled, after name resolution) unless AllowPrivateNetworks. It is safe
// for concurrent use.
type HTTPFetcher struct {
	client   *http.Client
	maxBytes int64
}

var _ StatusFetcher = (*HTTPFetcher)(nil)

// NewHTTPFetcher returns a fetcher with the limits l. roots are the
// certificate authorities trusted for TLS; nil means the system's.
func NewHTTPFetcher(l FetchLimits, roots *x509.CertPool) *HTTPFetcher {
	return &HTTPFetcher{
		client: netguard.NewClient(netguard.Options{
			Timeout:              l.timeout(),
			AllowPrivateNetworks: l.AllowPrivateNetworks,
			Redirects:            netguard.NoRedirects,
			RootCAs:              roots,
		}),
		maxBytes: l.maxBytes(),
	}
}

// Fetch gets rawURL, which must be an https URL without credentials.
func (f *HTTPFetcher) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%w: %q is not an https URL", ErrFetch, rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/json, application/did+json, application/vc+jwt, application/vc+ld+json, application/statuslist+jwt, application/jwt, */*;q=0.1")
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrForbiddenAddress) {
			return nil, fmt.Errorf("%w: %s: %w", ErrFetch, u.Redacted(), ErrForbiddenAddress)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrFetch, u.Redacted(), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: HTTP status %d", ErrFetch, u.Redacted(), resp.StatusCode)
	}
	body, err := netguard.ReadBody(resp.Body, resp.ContentLength, f.maxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFetch, u.Redacted(), err)
	}
	return body, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
