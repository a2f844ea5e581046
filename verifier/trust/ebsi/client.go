package ebsi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/netguard"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// Errors of the live client; callers branch with errors.Is. Records that
// do not decode wrap trust.ErrMalformed, attributes whose hash is not the
// SHA-256 of their body wrap trust.ErrSignature.
var (
	// ErrNotFound is wrapped when the registry answers 404: it does not
	// hold the issuer, attribute or DID asked for.
	ErrNotFound = errors.New("not found in the registry")
	// ErrFetch is wrapped when a request fails: no answer within the
	// timeout, a refused redirect, a response over the size limit, a status
	// other than 200 and 404, too many pages.
	ErrFetch = errors.New("registry request failed")
)

// ClientOptions configure a Client. Only BaseURL is required; every other
// zero value is a documented default.
type ClientOptions struct {
	// BaseURL is the TIR API v5 base, without a final slash:
	// https://api-pilot.ebsi.eu/trusted-issuers-registry/v5. It must be
	// https (http only with AllowHTTP).
	BaseURL string
	// DIDRegistry is the DID Registry API v5 base, where the accreditors'
	// DID documents are fetched (GET {DIDRegistry}/identifiers/{did}).
	// Empty: the same host's /did-registry/v5 when BaseURL ends in
	// /trusted-issuers-registry/v5; otherwise no DID document is fetched and
	// only those of a snapshot are used.
	DIDRegistry string
	// HTTPClient sends the requests. Nil: a client of internal/netguard
	// with Timeout, no proxy, and a dialer that refuses loopback, private,
	// link-local and other non-public addresses (unless
	// AllowPrivateNetworks). A given client is copied, never changed: the
	// copy's redirect policy is replaced (see Client) and Timeout is
	// applied to each request through its context, but its transport is
	// used as it is, so the address check is then the caller's.
	HTTPClient *http.Client
	// Timeout bounds each request, from sending it to reading the whole
	// body. Zero means 10 seconds.
	Timeout time.Duration
	// MaxBytes bounds each response body. Zero means 1 MiB (an issuer
	// record of several accreditations is some 10 KB, a list page of 100
	// items some 20 KB).
	MaxBytes int
	// PageSize is the page[size] asked of list endpoints. Zero means 50.
	PageSize int
	// MaxPages bounds the pages a list is followed through. Zero means 100.
	MaxPages int
	// CacheTTL is how long a response (a 404 too) is reused. Zero means 5
	// minutes; a negative value turns the cache off.
	CacheTTL time.Duration
	// CacheEntries bounds the responses kept. Zero means 1024.
	CacheEntries int
	// AllowHTTP accepts http base URLs and redirects, for tests against a
	// local server. Never set it in production.
	AllowHTTP bool
	// AllowPrivateNetworks lets the default client connect to loopback,
	// private and link-local addresses. False (the zero value): such
	// connections are refused when dialled. Only for tests and closed labs.
	AllowPrivateNetworks bool
	// Now is the clock of the cache. Nil means time.Now.
	Now func() time.Time
}

// Client reads the EBSI Trusted Issuers Registry API v5 (and the DID
// Registry v5 for the accreditors' DID documents). It is safe for
// concurrent use.
//
// Every request carries the caller's context and the configured timeout;
// every response is size-limited and checked with internal/jsonx before it
// is decoded; a redirect is followed only to the same scheme and host (at
// most 3); list endpoints are followed through links.next to the end, up to
// MaxPages. Responses are cached for CacheTTL. Errors name the URL and what
// went wrong.
type Client struct {
	opts        ClientOptions
	base        *url.URL
	didRegistry *url.URL
	http        *http.Client

	mu    sync.Mutex
	cache map[string]cacheEntry
	seq   uint64 // insertion counter of the cache, for evicting the oldest
}

type cacheEntry struct {
	body     []byte // nil for a 404
	expires  time.Time
	inserted uint64
}

// NewClient checks the options and builds a client. Errors wrap
// trust.ErrMalformed: a base URL that is not absolute https (or http with
// AllowHTTP), or that carries a query, fragment or user info.
func NewClient(opts ClientOptions) (*Client, error) {
	base, err := checkBase("BaseURL", opts.BaseURL, opts.AllowHTTP)
	if err != nil {
		return nil, err
	}
	c := &Client{opts: opts, base: base, cache: map[string]cacheEntry{}}
	switch {
	case opts.DIDRegistry != "":
		if c.didRegistry, err = checkBase("DIDRegistry", opts.DIDRegistry, opts.AllowHTTP); err != nil {
			return nil, err
		}
	case strings.HasSuffix(base.Path, "/trusted-issuers-registry/v5"):
		u := *base
		u.Path = strings.TrimSuffix(base.Path, "/trusted-issuers-registry/v5") + "/did-registry/v5"
		c.didRegistry = &u
	}
	guard := netguard.Options{
		Timeout:              c.timeout(),
		AllowHTTP:            opts.AllowHTTP,
		AllowPrivateNetworks: opts.AllowPrivateNetworks,
		Redirects:            netguard.SameHost,
		MaxRedirects:         3,
	}
	if opts.HTTPClient != nil {
		hc := *opts.HTTPClient
		c.http = &hc
	} else {
		c.http = netguard.NewClient(guard)
	}
	c.http.CheckRedirect = guard.CheckRedirect
	return c, nil
}

func checkBase(name, raw string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	switch {
	case raw == "":
		return nil, fmt.Errorf("%w: ebsi client: %s is empty", trust.ErrMalformed, name)
	case err != nil:
		return nil, fmt.Errorf("%w: ebsi client: %s %q: %v", trust.ErrMalformed, name, raw, err)
	case u.Scheme != "https" && !(allowHTTP && u.Scheme == "http"):
		return nil, fmt.Errorf("%w: ebsi client: %s %q is not an https URL", trust.ErrMalformed, name, raw)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return nil, fmt.Errorf("%w: ebsi client: %s %q must be a plain https://host/path URL", trust.ErrMalformed, name, raw)
	}
	return u, nil
}

func (c *Client) timeout() time.Duration {
	if c.opts.Timeout > 0 {
		return c.opts.Timeout
	}
	return 10 * time.Second
}

func (c *Client) maxBytes() int {
	if c.opts.MaxBytes > 0 {
		return c.opts.MaxBytes
	}
	return 1 << 20
}

func (c *Client) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// Host returns the TIR's host, as answers name it.
func (c *Client) Host() string { return c.base.Host }

// BaseURL returns the TIR base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// sameOrigin reports whether u is on the scheme and host of base.
func sameOrigin(u, base *url.URL) bool {
	return u.Scheme == base.Scheme && u.Host == base.Host
}

// get returns the body of a 200 response to GET u, checked with jsonx (a
// 404 is an error wrapping ErrNotFound), from the cache when it holds it.
func (c *Client) get(ctx context.Context, u string) ([]byte, bool, error) {
	if body, found, ok := c.cached(u); ok {
		if !found {
			return nil, true, fmt.Errorf("%w: GET %s: 404", ErrNotFound, u)
		}
		return body, true, nil
	}
	body, err := c.fetch(ctx, u)
	switch {
	case errors.Is(err, ErrNotFound):
		c.store(u, nil)
	case err == nil:
		c.store(u, body)
	}
	return body, false, err
}

func (c *Client) fetch(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %v", ErrFetch, u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.failure(ctx, u, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("%w: GET %s: 404", ErrNotFound, u)
	default:
		return nil, fmt.Errorf("%w: GET %s: status %s", ErrFetch, u, resp.Status)
	}
	limit := c.maxBytes()
	body, err := netguard.ReadBody(resp.Body, resp.ContentLength, int64(limit))
	switch {
	case errors.Is(err, netguard.ErrTooLarge):
		return nil, fmt.Errorf("%w: GET %s: %w", ErrFetch, u, err)
	case err != nil:
		return nil, c.failure(ctx, u, err)
	}
	if err := jsonx.Check(body, jsonx.Limits{MaxBytes: limit, MaxDepth: 32}); err != nil {
		return nil, fmt.Errorf("%w: GET %s: %v", trust.ErrMalformed, u, err)
	}
	return body, nil
}

// failure words a transport error: a timeout, a refused redirect, or else
// what net/http said.
func (c *Client) failure(ctx context.Context, u string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: GET %s: %w", ErrFetch, u, context.Canceled)
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() || ctx.Err() != nil:
		return fmt.Errorf("%w: GET %s: no complete response within %s: %w", ErrFetch, u, c.timeout(), context.DeadlineExceeded)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, netguard.ErrForbiddenAddress) || errors.Is(err, netguard.ErrRedirect) {
		return fmt.Errorf("%w: GET %s: %w", ErrFetch, u, err)
	}
	return fmt.Errorf("%w: GET %s: %v", ErrFetch, u, err)
}

func (c *Client) cached(u string) ([]byte, bool, bool) {
	if c.opts.CacheTTL < 0 {
		return nil, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[u]
	if !ok {
		return nil, false, false
	}
	if !c.now().Before(e.expires) {
		delete(c.cache, u)
		return nil, false, false
	}
	return e.body, e.body != nil, true
}

func (c *Client) store(u string, body []byte) {
	if c.opts.CacheTTL < 0 {
		return
	}
	ttl := c.opts.CacheTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	limit := c.opts.CacheEntries
	if limit <= 0 {
		limit = 1024
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[u]; !ok && len(c.cache) >= limit {
		// Drop what has expired; if nothing has, the oldest entry.
		oldest, first := "", true
		var at uint64
		for k, e := range c.cache {
			if !now.Before(e.expires) {
				delete(c.cache, k)
				continue
			}
			if first || e.inserted < at {
				oldest, at, first = k, e.inserted, false
			}
		}
		if len(c.cache) >= limit {
			delete(c.cache, oldest)
		}
	}
	c.seq++
	c.cache[u] = cacheEntry{body: body, expires: now.Add(ttl), inserted: c.seq}
}

// checkDID refuses what cannot be put in a URL path as a DID.
func checkDID(d string) error {
	if !strings.HasPrefix(d, "did:") || strings.ContainsAny(d, "/?#% ") || len(d) > 512 {
		return fmt.Errorf("%w: %q is not a DID the registry can be asked about", trust.ErrMalformed, d)
	}
	return nil
}

func (c *Client) issuerURL(d string, rest ...string) string {
	u := c.base.String() + "/issuers/" + d
	for _, r := range rest {
		u += "/" + r
	}
	return u
}

// Issuer returns the issuer record (GET {base}/issuers/{did}) with every
// attribute's hash checked against its body. Errors wrap ErrNotFound (the
// registry does not hold the DID), ErrFetch, trust.ErrMalformed (the record
// does not decode or names another DID) or trust.ErrSignature (a hash does
// not match).
func (c *Client) Issuer(ctx context.Context, d string) (*Issuer, error) {
	if err := checkDID(d); err != nil {
		return nil, err
	}
	u := c.issuerURL(d)
	body, _, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	var is Issuer
	if err := jsonx.Decode(body, &is, jsonx.Limits{MaxBytes: c.maxBytes(), MaxDepth: 32}); err != nil {
		return nil, fmt.Errorf("%w: GET %s: %v", trust.ErrMalformed, u, err)
	}
	if is.DID != d {
		return nil, fmt.Errorf("%w: GET %s: the record is for %q", trust.ErrMalformed, u, is.DID)
	}
	for i, a := range is.Attributes {
		if err := checkAttribute(a); err != nil {
			return nil, fmt.Errorf("GET %s: attributes[%d]: %w", u, i, err)
		}
	}
	return &is, nil
}

// Attribute returns one attribute of an issuer, its latest revision (GET
// {base}/issuers/{did}/attributes/{id}), with its hash checked against its
// body; its ID is set to id. Errors as for Issuer.
func (c *Client) Attribute(ctx context.Context, d, id string) (*Attribute, error) {
	if err := checkDID(d); err != nil {
		return nil, err
	}
	id = strings.TrimPrefix(id, "0x")
	if id == "" || strings.ContainsAny(id, "/?#% ") || len(id) > 256 {
		return nil, fmt.Errorf("%w: attribute id %q", trust.ErrMalformed, id)
	}
	u := c.issuerURL(d, "attributes", id)
	body, _, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	var rec struct {
		DID       string    `json:"did"`
		Attribute Attribute `json:"attribute"`
	}
	if err := jsonx.Decode(body, &rec, jsonx.Limits{MaxBytes: c.maxBytes(), MaxDepth: 32}); err != nil {
		return nil, fmt.Errorf("%w: GET %s: %v", trust.ErrMalformed, u, err)
	}
	if rec.DID != "" && rec.DID != d {
		return nil, fmt.Errorf("%w: GET %s: the attribute is of %q", trust.ErrMalformed, u, rec.DID)
	}
	if err := checkAttribute(rec.Attribute); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	a := rec.Attribute
	a.ID = id
	return &a, nil
}

// checkAttribute checks an attribute's form and its hash.
func checkAttribute(a Attribute) error {
	if a.Body == "" {
		return fmt.Errorf("%w: the attribute has no body", trust.ErrMalformed)
	}
	switch a.IssuerType {
	case TypeRootTAO, TypeTAO, TypeTI, TypeRevoked:
	default:
		return fmt.Errorf("%w: issuerType %q is not RootTAO, TAO, TI or Revoked", trust.ErrMalformed, a.IssuerType)
	}
	if err := checkHash(a); err != nil {
		return fmt.Errorf("%w: %v", trust.ErrSignature, err)
	}
	return nil
}

// IssuerDIDs lists every issuer of the registry (GET {base}/issuers,
// followed page by page). Errors wrap ErrFetch (ErrFetch too when there are
// more than MaxPages pages) or trust.ErrMalformed.
func (c *Client) IssuerDIDs(ctx context.Context) ([]string, error) {
	return c.list(ctx, c.base.String()+"/issuers", "did")
}

// AttributeIDs lists the ids of an issuer's attributes (GET
// {base}/issuers/{did}/attributes, followed page by page). Errors as for
// IssuerDIDs, and ErrNotFound.
func (c *Client) AttributeIDs(ctx context.Context, d string) ([]string, error) {
	if err := checkDID(d); err != nil {
		return nil, err
	}
	return c.list(ctx, c.issuerURL(d, "attributes"), "id")
}

// page is a page of a TIR list endpoint.
type page struct {
	Items []map[string]json.RawMessage `json:"items"`
	Total *int                         `json:"total"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// list follows a list endpoint from its first page through links.next to
// the end: a page without items, without a next link, whose next link is
// itself, or once total items are read.
func (c *Client) list(ctx context.Context, first, member string) ([]string, error) {
	size := c.opts.PageSize
	if size <= 0 {
		size = 50
	}
	maxPages := c.opts.MaxPages
	if maxPages <= 0 {
		maxPages = 100
	}
	u := first + "?" + url.Values{"page[size]": {strconv.Itoa(size)}}.Encode()
	var out []string
	seen := map[string]bool{}
	for n := 0; ; n++ {
		if n == maxPages {
			return out, fmt.Errorf("%w: GET %s: the list goes on past %d pages", ErrFetch, first, maxPages)
		}
		seen[u] = true
		body, _, err := c.get(ctx, u)
		if err != nil {
			return out, err
		}
		var p page
		if err := jsonx.Decode(body, &p, jsonx.Limits{MaxBytes: c.maxBytes(), MaxDepth: 32}); err != nil {
			return out, fmt.Errorf("%w: GET %s: %v", trust.ErrMalformed, u, err)
		}
		for i, it := range p.Items {
			var v string
			if err := json.Unmarshal(it[member], &v); err != nil || v == "" {
				return out, fmt.Errorf("%w: GET %s: items[%d].%s is not a string", trust.ErrMalformed, u, i, member)
			}
			out = append(out, v)
		}
		next := p.Links.Next
		if len(p.Items) == 0 || next == "" || p.Total != nil && len(out) >= *p.Total {
			return out, nil
		}
		nu, err := url.Parse(next)
		if err != nil {
			return out, fmt.Errorf("%w: GET %s: links.next %q: %v", trust.ErrMalformed, u, next, err)
		}
		nu = c.base.ResolveReference(nu)
		if !sameOrigin(nu, c.base) || !strings.HasPrefix(nu.Path, c.base.Path+"/") {
			return out, fmt.Errorf("%w: GET %s: links.next %s leaves %s", ErrFetch, u, nu.Redacted(), c.base.Redacted())
		}
		if seen[nu.String()] {
			return out, nil // the last page names itself as next
		}
		u = nu.String()
	}
}

// DIDDocument returns the DID document of d from the DID registry (GET
// {DIDRegistry}/identifiers/{did}), as it came. Errors wrap ErrNotFound,
// ErrFetch, or trust.ErrMalformed (no DID registry is configured, or the
// document does not parse or is of another DID).
func (c *Client) DIDDocument(ctx context.Context, d string) (json.RawMessage, error) {
	_, raw, err := c.document(ctx, d)
	return raw, err
}

func (c *Client) document(ctx context.Context, d string) (*did.Document, json.RawMessage, error) {
	if c.didRegistry == nil {
		return nil, nil, fmt.Errorf("%w: no DID registry is configured to fetch %s from", trust.ErrMalformed, d)
	}
	if err := checkDID(d); err != nil {
		return nil, nil, err
	}
	u := c.didRegistry.String() + "/identifiers/" + d
	body, _, err := c.get(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	doc, err := did.ParseDocument(body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: GET %s: %v", trust.ErrMalformed, u, err)
	}
	if doc.ID != d {
		return nil, nil, fmt.Errorf("%w: GET %s: the document is of %q", trust.ErrMalformed, u, doc.ID)
	}
	return doc, body, nil
}
