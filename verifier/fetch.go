package verifier

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
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
var ErrForbiddenAddress = errors.New("address not allowed")

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
	allow := l.AllowPrivateNetworks
	dialer := &net.Dialer{
		Timeout: l.timeout(),
		Control: func(_, address string, _ syscall.RawConn) error {
			if allow {
				return nil
			}
			return checkAddress(address)
		},
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial on our behalf, unchecked
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   l.timeout(),
		ResponseHeaderTimeout: l.timeout(),
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &HTTPFetcher{
		client: &http.Client{
			Transport: tr,
			Timeout:   l.timeout(),
			CheckRedirect: func(req *http.Request, _ []*http.Request) error {
				return fmt.Errorf("redirect to %s not followed", req.URL.Redacted())
			},
		},
		maxBytes: l.maxBytes(),
	}
}

// checkAddress refuses a dialled address that is not a public unicast one.
func checkAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", ErrForbiddenAddress, host)
	}
	if !publicAddress(ip) {
		return fmt.Errorf("%w: %s is a loopback, private, link-local or reserved address", ErrForbiddenAddress, ip)
	}
	return nil
}

// nonPublic are ranges outside netip's predicates that no public service
// uses: "this network", shared address space (CGNAT), IETF protocol
// assignments, benchmarking, documentation, reserved, 6to4 relay anycast,
// NAT64 and documentation IPv6.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fec0::/10"),
}

func publicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
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
	req.Header.Set("Accept", "application/json, application/did+json, application/vc+jwt, application/vc+ld+json, application/jwt, */*;q=0.1")
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
	if resp.ContentLength > f.maxBytes {
		return nil, fmt.Errorf("%w: %s: %d bytes is over the limit of %d", ErrFetch, u.Redacted(), resp.ContentLength, f.maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFetch, u.Redacted(), err)
	}
	if int64(len(body)) > f.maxBytes {
		return nil, fmt.Errorf("%w: %s: the body is over the limit of %d bytes", ErrFetch, u.Redacted(), f.maxBytes)
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
