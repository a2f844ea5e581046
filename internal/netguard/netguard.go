package netguard

import (
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

// Errors callers branch on with errors.Is. The http.Client returns them
// wrapped in *url.Error (and, for ErrForbiddenAddress, *net.OpError).
var (
	// ErrForbiddenAddress is wrapped when a connection would go to an
	// address that is not public unicast.
	ErrForbiddenAddress = errors.New("address not allowed")
	// ErrURL is wrapped for a URL that is not allowed: not https (or http
	// when allowed), no host, or user info in it.
	ErrURL = errors.New("URL not allowed")
	// ErrRedirect is wrapped for a redirect the policy does not follow.
	ErrRedirect = errors.New("redirect not followed")
	// ErrTooLarge is wrapped by ReadBody for a body over the limit.
	ErrTooLarge = errors.New("response over the size limit")
)

// Redirects is a redirect policy.
type Redirects int

const (
	// NoRedirects (the zero value): a redirect is an error wrapping
	// ErrRedirect.
	NoRedirects Redirects = iota
	// SameHost follows a redirect only to the scheme and host of the URL
	// first asked.
	SameHost
	// AnyHost follows a redirect to any host whose URL CheckURL accepts.
	// The new host's address is still checked when it is dialled, so this
	// is safe only with a client from NewClient.
	AnyHost
)

// Options say how NewClient's client behaves. The zero value is the
// strictest: https only, a 10-second timeout, no redirect, public
// addresses only, the system's roots.
type Options struct {
	// Timeout bounds a whole request, connection and body included. Zero:
	// 10 seconds.
	Timeout time.Duration
	// AllowHTTP also allows http URLs, for redirects and for CheckURL.
	// False: https only.
	AllowHTTP bool
	// AllowPrivateNetworks lets the client connect to loopback, private,
	// link-local and other non-public addresses. False: such connections
	// are refused when dialled. Only for tests and closed labs.
	AllowPrivateNetworks bool
	// Redirects is the redirect policy. Zero: NoRedirects.
	Redirects Redirects
	// MaxRedirects bounds the redirects followed under SameHost and
	// AnyHost. Zero: 3.
	MaxRedirects int
	// RootCAs are the certificate authorities trusted for TLS. Nil: the
	// system's.
	RootCAs *x509.CertPool
}

// DefaultTimeout is the timeout of the zero Options.
const DefaultTimeout = 10 * time.Second

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// NewClient returns a client with the rules of o: its dialer refuses
// non-public addresses (unless o.AllowPrivateNetworks), it uses no proxy (a
// proxy would dial on its behalf, unchecked), sends no cookies, and follows
// redirects by o.Redirects.
func NewClient(o Options) *http.Client {
	dialer := &net.Dialer{Timeout: o.timeout(), Control: Control(o.AllowPrivateNetworks)}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   o.timeout(),
		ResponseHeaderTimeout: o.timeout(),
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: o.timeout(), CheckRedirect: o.CheckRedirect}
}

// CheckRedirect is an http.Client CheckRedirect function applying
// o.Redirects, o.MaxRedirects and the scheme rule of CheckURL to each hop.
// Its errors wrap ErrRedirect.
func (o Options) CheckRedirect(req *http.Request, via []*http.Request) error {
	max := o.MaxRedirects
	if max <= 0 {
		max = 3
	}
	first := via[0].URL
	switch {
	case o.Redirects == NoRedirects:
		return fmt.Errorf("%w: redirect to %s", ErrRedirect, req.URL.Redacted())
	case len(via) > max:
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, max)
	case o.Redirects == SameHost && (req.URL.Host != first.Host || req.URL.Scheme != first.Scheme):
		return fmt.Errorf("%w: redirect to %s refused: only redirects within %s://%s are followed", ErrRedirect, req.URL.Redacted(), first.Scheme, first.Host)
	}
	if err := CheckURL(req.URL, o.AllowHTTP); err != nil {
		return fmt.Errorf("%w: redirect to %s refused: %w", ErrRedirect, req.URL.Redacted(), err)
	}
	return nil
}

// CheckURL returns an error wrapping ErrURL unless u is an absolute https
// URL (or http, when allowHTTP) with a host and no user info.
func CheckURL(u *url.URL, allowHTTP bool) error {
	switch {
	case u.Scheme != "https" && !(allowHTTP && u.Scheme == "http"):
		if allowHTTP {
			return fmt.Errorf("%w: %s is not an http or https URL", ErrURL, u.Redacted())
		}
		return fmt.Errorf("%w: %s is not an https URL", ErrURL, u.Redacted())
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%w: %s has no host", ErrURL, u.Redacted())
	case u.User != nil:
		return fmt.Errorf("%w: %s carries user info", ErrURL, u.Redacted())
	}
	return nil
}

// Control returns a net.Dialer Control function that refuses, with an error
// wrapping ErrForbiddenAddress, an address CheckAddress refuses; with
// allowPrivate it refuses nothing.
func Control(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		return CheckAddress(address)
	}
}

// CheckAddress refuses a dialled "host:port" whose host is not a public
// unicast IP address. Its error wraps ErrForbiddenAddress.
func CheckAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", ErrForbiddenAddress, host)
	}
	if !Public(ip) {
		return fmt.Errorf("%w: %s is a loopback, private, link-local or reserved address", ErrForbiddenAddress, ip)
	}
	return nil
}

// nonPublic are ranges outside netip's predicates that no public service
// uses: "this network", shared address space (CGNAT), IETF protocol
// assignments, benchmarking, documentation, reserved, NAT64, documentation
// IPv6 and the deprecated site-local IPv6.
var nonPublic = [...]netip.Prefix{
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

// Public reports whether ip (IPv4-mapped IPv6 read as IPv4) is a public
// unicast address: not loopback, private, link-local, unspecified,
// multicast, broadcast or in a reserved range.
func Public(ip netip.Addr) bool {
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

// ReadBody reads at most max bytes of a response body whose declared
// length is declared (-1 when unknown, as in http.Response.ContentLength).
// A declared or actual length over max is an error wrapping ErrTooLarge,
// found before reading when the length is declared.
func ReadBody(r io.Reader, declared, max int64) ([]byte, error) {
	if declared > max {
		return nil, fmt.Errorf("%w: %d bytes is over the limit of %d", ErrTooLarge, declared, max)
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: the body is over the limit of %d bytes", ErrTooLarge, max)
	}
	return b, nil
}
