// Package vp is OpenID for Verifiable Presentations 1.0: the verifier's
// side (authorization requests with a DCQL query, signed as JAR request
// objects under a client identifier prefix, served by value or by
// request_uri; the response endpoint for direct_post and direct_post.jwt,
// which checks the vp_token against the query, the nonce, the audience,
// the state and replay, and verifies every presentation with the verifier
// library into the same Report an uploaded credential gets; the result for
// the frontend, with the response_code of the same-device flow) and the
// wallet's side (Wallet: fetch and check a request, select held credentials
// and claims, build SD-JWT presentations with only the asked-for
// disclosures and a KB-JWT, JWT and Data Integrity presentations, and
// answer).
//
// Where OpenID4VP leaves a choice it follows HAIP 1.0: signed requests by
// request_uri, x509_hash as the prefix of choice, direct_post.jwt with
// ECDH-ES on P-256 to an ephemeral key per request, A128GCM and A256GCM.
// Knowing no routes, it offers http.HandlerFunc methods the service lists
// in its routes.go.
package vp

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Client identifier prefixes (OpenID4VP 1.0 section 5.9.3).
const (
	PrefixX509SanDNS  = "x509_san_dns"
	PrefixX509Hash    = "x509_hash"
	PrefixDID         = "decentralized_identifier"
	PrefixRedirectURI = "redirect_uri"
)

// Response modes.
const (
	ModeDirectPost    = "direct_post"
	ModeDirectPostJWT = "direct_post.jwt"
)

// TypRequestObject is the typ of a request object (RFC 9101).
const TypRequestObject = "oauth-authz-req+jwt"

// AudSelfIssued is the aud of request objects for wallets met through
// static discovery (OpenID4VP 1.0 section 5.8).
const AudSelfIssued = "https://self-issued.me/v2"

// Verifier verifies one presentation; *verifier.Verifier implements it.
// The error is only for a failure of the verifier itself.
type Verifier interface {
	Verify(ctx context.Context, input []byte, req verifier.Request) (*verifier.Report, error)
}

var _ Verifier = (*verifier.Verifier)(nil)

// Options configure a RelyingParty. Prefix, ResponseURI, Records and Verify
// are required, and Signer with Chain or KeyID as the prefix needs.
type Options struct {
	// Prefix is the client identifier prefix: PrefixX509Hash (HAIP's),
	// PrefixX509SanDNS, PrefixDID, or PrefixRedirectURI (unsigned, for
	// development only).
	Prefix string
	// Signer signs request objects; its key is the leaf of Chain (x509
	// prefixes) or the DID key KeyID names (decentralized_identifier).
	Signer crypto.Signer
	// Chain is the certificate chain, leaf first, without the trust anchor
	// (HAIP), put in the x5c header.
	Chain []*x509.Certificate
	// DNSName is the client identifier of x509_san_dns: a dNSName SAN of the
	// leaf; empty means the host of ResponseURI.
	DNSName string
	// KeyID is the DID URL of the signing key (decentralized_identifier).
	KeyID string
	// ResponseURI is where wallets post their responses.
	ResponseURI string
	// RequestURIBase is the prefix of request_uri URLs (the request's state
	// is appended); empty: requests are passed by value only.
	RequestURIBase string
	// Records keeps requests and results.
	Records openid4vc.Records
	// Sealer seals each request's response decryption key
	// (direct_post.jwt) before it goes into Records, so that the store
	// alone decrypts no response. Every RelyingParty answering the
	// requests of another (nodes sharing Records) needs a Sealer that
	// opens what the other sealed. Nil: a ProcessSealer made by New, for
	// a single process.
	Sealer openid4vc.Sealer
	// Verify verifies each presentation.
	Verify Verifier
	// ResponseMode is the default mode; empty: direct_post.jwt (HAIP).
	ResponseMode string
	// RequestTTL is how long a request may be answered; zero: 10 minutes.
	RequestTTL time.Duration
	// Contexts expands the types of W3C credentials for type_values (and
	// signs nothing). Nil: types are compared as written.
	Contexts *jsonld.Loader
	// Authorities decides trusted_authorities other than aki; nil: such a
	// constraint fails on the verifier's side.
	Authorities dcql.AuthorityMatcher
	// WriteError writes endpoint errors; nil: openid4vc.WriteError.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// AllowHTTP accepts http URLs (tests on loopback only).
	AllowHTTP bool
}

// RelyingParty is the verifier's side of OpenID4VP. It keeps its state in
// Records only and is safe for concurrent use.
type RelyingParty struct {
	opts     Options
	clientID string
	now      func() time.Time
	algs     []string
}

// New checks opts and returns a RelyingParty.
func New(opts Options) (*RelyingParty, error) {
	if opts.Records == nil || opts.Verify == nil {
		return nil, errors.New("vp: Records and Verify are required")
	}
	if err := checkURL(opts.ResponseURI, opts.AllowHTTP); err != nil {
		return nil, fmt.Errorf("vp: ResponseURI: %w", err)
	}
	if opts.RequestURIBase != "" {
		if err := checkURL(opts.RequestURIBase, opts.AllowHTTP); err != nil {
			return nil, fmt.Errorf("vp: RequestURIBase: %w", err)
		}
	}
	if opts.ResponseMode == "" {
		opts.ResponseMode = ModeDirectPostJWT
	}
	if opts.ResponseMode != ModeDirectPost && opts.ResponseMode != ModeDirectPostJWT {
		return nil, fmt.Errorf("vp: response mode %q: use direct_post or direct_post.jwt", opts.ResponseMode)
	}
	if opts.RequestTTL <= 0 {
		opts.RequestTTL = 10 * time.Minute
	}
	rp := &RelyingParty{opts: opts, now: opts.Now, algs: jwt.AllAlgs}
	if rp.now == nil {
		rp.now = time.Now
	}
	var err error
	if rp.opts.Sealer == nil {
		if rp.opts.Sealer, err = openid4vc.NewProcessSealer(); err != nil {
			return nil, err
		}
	}
	if rp.clientID, err = clientID(opts); err != nil {
		return nil, fmt.Errorf("vp: %w", err)
	}
	return rp, nil
}

// ClientID returns the client identifier, prefix included: the audience
// every presentation must name.
func (rp *RelyingParty) ClientID() string { return rp.clientID }

// clientID computes the client identifier and checks the key material the
// prefix needs.
func clientID(o Options) (string, error) {
	needSigner := func() error {
		if o.Signer == nil {
			return fmt.Errorf("prefix %s signs requests: Signer is required", o.Prefix)
		}
		return nil
	}
	leaf := func() (*x509.Certificate, error) {
		if err := needSigner(); err != nil {
			return nil, err
		}
		if len(o.Chain) == 0 {
			return nil, fmt.Errorf("prefix %s: Chain is required", o.Prefix)
		}
		if !samePublic(o.Chain[0].PublicKey, o.Signer.Public()) {
			return nil, errors.New("the signer's key is not the key of the leaf certificate")
		}
		return o.Chain[0], nil
	}
	switch o.Prefix {
	case PrefixX509Hash:
		c, err := leaf()
		if err != nil {
			return "", err
		}
		return PrefixX509Hash + ":" + X509Hash(c), nil
	case PrefixX509SanDNS:
		c, err := leaf()
		if err != nil {
			return "", err
		}
		name := o.DNSName
		if name == "" {
			u, _ := url.Parse(o.ResponseURI)
			name = u.Hostname()
		}
		if !slices.Contains(c.DNSNames, name) {
			return "", fmt.Errorf("x509_san_dns: %q is not a dNSName of the certificate (%v)", name, c.DNSNames)
		}
		return PrefixX509SanDNS + ":" + name, nil
	case PrefixDID:
		if err := needSigner(); err != nil {
			return "", err
		}
		d, frag, ok := strings.Cut(o.KeyID, "#")
		if !ok || !strings.HasPrefix(d, "did:") || frag == "" {
			return "", fmt.Errorf("decentralized_identifier: KeyID %q is not a DID URL with a fragment", o.KeyID)
		}
		if strings.HasPrefix(d, "did:key:") || strings.HasPrefix(d, "did:jwk:") {
			vm, err := (did.Resolver{}).ResolveKey(context.Background(), o.KeyID)
			if err != nil {
				return "", fmt.Errorf("decentralized_identifier: %w", err)
			}
			if !samePublic(vm.Key, o.Signer.Public()) {
				return "", errors.New("decentralized_identifier: KeyID does not name the signer's key")
			}
		}
		return PrefixDID + ":" + d, nil
	case PrefixRedirectURI:
		if o.Signer != nil {
			return "", errors.New("redirect_uri requests cannot be signed: leave Signer unset")
		}
		return PrefixRedirectURI + ":" + o.ResponseURI, nil
	}
	return "", fmt.Errorf("client identifier prefix %q: use x509_hash, x509_san_dns, decentralized_identifier or redirect_uri", o.Prefix)
}

// X509Hash is the x509_hash client identifier value of a certificate:
// base64url SHA-256 of its DER encoding.
func X509Hash(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return jwt.B64.EncodeToString(s[:])
}

func samePublic(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

func checkURL(u string, allowHTTP bool) error {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.User != nil || !(p.Scheme == "https" || allowHTTP && p.Scheme == "http") {
		return fmt.Errorf("%q is not an https URL", clip(u))
	}
	return nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
