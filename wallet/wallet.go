package wallet

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/netguard"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Options configure a Wallet. The zero value is right for a student: the
// strict network rules (https only, public addresses only, the system's
// roots), the wallet store's own trust registry, P-256 holder keys named
// by did:jwk.
type Options struct {
	// HTTP makes every request: offers, metadata, tokens, credentials,
	// request objects, responses, status lists and did:web documents. Nil:
	// a client with internal/netguard's rules, changed by Local and
	// RootCAs.
	HTTP *http.Client
	// Local lets the wallet talk to a service on this machine or a
	// private network (a 'diplomat serve --dev' on 127.0.0.1): loopback
	// and private addresses are allowed, and plain http to loopback hosts.
	// For tests and demonstrations only.
	Local bool
	// RootCAs are the certificate authorities trusted for TLS when HTTP is
	// nil. Nil: the system's.
	RootCAs *x509.CertPool
	// VerifierRoots are the trust anchors of verifiers' request-signing
	// certificates (x509_san_dns, x509_hash). Nil: no certificate is
	// trusted by itself; the trust sources are still asked.
	VerifierRoots *x509.CertPool
	// Trust are asked whether an issuer (and a verifier) is known. Nil:
	// the wallet store's trust registry.
	Trust []verifier.TrustSource
	// Resolvers resolve keys no built-in resolver knows (did:ebsi from a
	// TIR snapshot). Nil: none.
	Resolvers []verifier.KeyResolver
	// Contexts loads JSON-LD contexts (ldp_vc). Nil: the contexts built in
	// and those imported into the wallet store.
	Contexts *jsonld.Loader
	// Policy is the verification policy credentials are checked by. The
	// zero value is the default, except that status lists and did:web
	// documents are not kept between checks (a credential revoked a
	// minute ago is never presented) unless Policy.Cache says otherwise.
	Policy verifier.Policy
	// KeyType is the type of new holder keys: keys.P256 (the zero value)
	// or keys.Ed25519.
	KeyType keys.KeyType
	// DID is the DID method naming holder keys: DIDJWK (the zero value)
	// or DIDKey.
	DID string
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Wallet is a student's wallet over its store.
type Wallet struct {
	store    *keys.Store
	opts     Options
	http     *http.Client
	vci      *vci.Client
	vp       *vp.Wallet
	verifier *verifier.Verifier
	offline  *verifier.Verifier
	trust    []verifier.TrustSource
	timing   *timing
}

// New returns a wallet over s, a store of the student's own (a keys store
// file; New creates the wallet's buckets lazily, on the first credential).
// Listing needs nothing more; receiving and presenting need s unlocked.
func New(s *keys.Store, opts Options) (*Wallet, error) {
	switch opts.KeyType {
	case "":
		opts.KeyType = keys.P256
	case keys.P256, keys.Ed25519:
	default:
		return nil, fmt.Errorf("holder key type %q: use p256 or ed25519", opts.KeyType)
	}
	switch opts.DID {
	case "":
		opts.DID = DIDJWK
	case DIDJWK, DIDKey:
	default:
		return nil, fmt.Errorf("DID method %q: use jwk or key", opts.DID)
	}
	if opts.Policy.Cache == (verifier.CacheLimits{}) {
		fresh := verifier.Duration(time.Millisecond)
		opts.Policy.Cache = verifier.CacheLimits{TTL: fresh, MaxTTL: fresh}
	}
	w := &Wallet{store: s, opts: opts, http: opts.HTTP}
	if w.http == nil {
		w.http = netguard.NewClient(netguard.Options{AllowHTTP: opts.Local, AllowPrivateNetworks: opts.Local, RootCAs: opts.RootCAs})
		if opts.Local {
			w.http.Transport = loopbackHTTP{w.http.Transport}
		}
	}
	if opts.Contexts == nil {
		opts.Contexts = jsonld.New(jsonld.Options{Cache: s})
		w.opts.Contexts = opts.Contexts
	}
	w.trust = opts.Trust
	if w.trust == nil {
		w.trust = []verifier.TrustSource{verifier.RegistrySource{Registry: s}}
	}
	v, err := verifier.New(verifier.Options{
		Policy:    opts.Policy,
		Trust:     w.trust,
		Fetcher:   &fetcher{client: w.http, local: opts.Local},
		Resolvers: opts.Resolvers,
		Contexts:  opts.Contexts,
	})
	if err != nil {
		return nil, err
	}
	w.verifier = v
	// The same, without the network: for showing a credential.
	if w.offline, err = verifier.New(verifier.Options{Policy: opts.Policy, Trust: w.trust, Resolvers: opts.Resolvers, Contexts: opts.Contexts}); err != nil {
		return nil, err
	}
	w.vci = &vci.Client{HTTP: w.http, Now: opts.Now, AllowHTTP: opts.Local}
	w.vp = &vp.Wallet{HTTP: w.http, Roots: opts.VerifierRoots, Contexts: opts.Contexts, Now: opts.Now, AllowHTTP: opts.Local}
	return w, nil
}

// Store returns the wallet's store.
func (w *Wallet) Store() *keys.Store { return w.store }

func (w *Wallet) now() time.Time {
	if w.opts.Now != nil {
		return w.opts.Now()
	}
	return time.Now()
}

// loopbackHTTP refuses plain http to any host but a loopback one, so that
// Local opens the wallet to a development service on this machine and not
// to cleartext on the network.
type loopbackHTTP struct{ rt http.RoundTripper }

func (l loopbackHTTP) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "http" && !isLoopback(r.URL.Hostname()) {
		return nil, fmt.Errorf("%w: http://%s: plain http is allowed only to this machine (127.0.0.1, localhost)", netguard.ErrURL, r.URL.Host)
	}
	return l.rt.RoundTrip(r)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fetcher is the verifier's StatusFetcher over the wallet's client: status
// lists and did:web documents, https only, except with Local for a service
// on this machine: http URLs to loopback hosts, and an https URL to a
// loopback host whose server answers in plain http (a did:web, always
// https, of a 'diplomat serve --dev' on 127.0.0.1) is read over http.
type fetcher struct {
	client *http.Client
	local  bool
}

func (f *fetcher) Fetch(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not a URL", verifier.ErrFetch, clip(raw))
	}
	local := f.local && isLoopback(u.Hostname())
	if err := netguard.CheckURL(u, local); err != nil {
		return nil, fmt.Errorf("%w: %v", verifier.ErrFetch, err)
	}
	b, err := f.get(ctx, u)
	if err != nil && local && u.Scheme == "https" && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		plain := *u
		plain.Scheme = "http"
		return f.get(ctx, &plain)
	}
	return b, err
}

func (f *fetcher) get(ctx context.Context, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verifier.ErrFetch, err)
	}
	req.Header.Set("Accept", "application/json, application/did+json, application/vc+jwt, application/statuslist+jwt, application/jwt, */*;q=0.1")
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrForbiddenAddress) {
			return nil, fmt.Errorf("%w: %w", verifier.ErrFetch, verifier.ErrForbiddenAddress)
		}
		return nil, fmt.Errorf("%w: %v", verifier.ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered HTTP %d", verifier.ErrFetch, u.Host, resp.StatusCode)
	}
	b, err := netguard.ReadBody(resp.Body, resp.ContentLength, verifier.DefaultFetchMaxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verifier.ErrFetch, err)
	}
	return b, nil
}
