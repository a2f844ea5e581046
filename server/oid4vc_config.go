package server

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// OpenID4VCConfig configures the OpenID4VCI issuer and the OpenID4VP
// verifier the service mounts (docs/openid4vc.md). Every zero value means
// the default its comment gives.
type OpenID4VCConfig struct {
	// Disabled turns both off: no offers, no wallet requests.
	Disabled bool `yaml:"disabled"`
	// Formats are the credential formats offered for every template:
	// dc+sd-jwt (eudi profile), jwt_vc_json (ebsi), ldp_vc (w3c with
	// eddsa-rdfc-2022). Default: each whose profile the store can issue.
	Formats []string `yaml:"formats"`
	// OfferTTL is how long an offer stays redeemable. Default 168h.
	OfferTTL time.Duration `yaml:"offerTTL"`
	// MaxAttempts is how many wrong transaction or sign-in codes lock an
	// offer. Default 5.
	MaxAttempts int `yaml:"maxAttempts"`
	// BatchSize is the most copies of a credential one request may ask
	// (batch issuance). Default 10.
	BatchSize int `yaml:"batchSize"`
	// RequireDPoP refuses token requests without a DPoP proof. Default:
	// DPoP is used whenever the wallet sends a proof (HAIP).
	RequireDPoP bool `yaml:"requireDPoP"`
	// EncryptionRequired makes wallets encrypt credential requests and
	// responses. Default: offered, not required.
	EncryptionRequired bool `yaml:"encryptionRequired"`
	// SignIn is the registrar's channel for the one-time codes of the
	// authorization code flow.
	SignIn SignInConfig `yaml:"signIn"`
	// Verifier configures the presentation requests of the verification
	// page.
	Verifier VerifierConfig `yaml:"verifier"`
}

// SignInConfig says how a sign-in code reaches the student: a command run
// with the contact as its argument and the code on standard input, or a
// webhook that gets {"contact": …, "code": …} posted as JSON. Neither:
// sign-in offers are refused (a development instance shows the codes in
// its console and log instead).
type SignInConfig struct {
	// Command is the program and its arguments; the contact is appended.
	Command []string `yaml:"command"`
	// Webhook is an https URL (http on loopback) to POST to.
	Webhook string `yaml:"webhook"`
	// Timeout bounds one delivery. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// VerifierConfig configures the OpenID4VP requests.
type VerifierConfig struct {
	// Prefix is the client identifier prefix: x509_hash (HAIP's),
	// x509_san_dns, decentralized_identifier or redirect_uri (unsigned,
	// development only). Default: x509_hash when Key has a certificate,
	// else decentralized_identifier with the did:web key, else (on a
	// development instance) redirect_uri.
	Prefix string `yaml:"prefix"`
	// Key is the store key that signs requests (x509 prefixes: a key with
	// a certificate chain, not self-signed). Default "verifier".
	Key string `yaml:"key"`
	// ResponseMode is direct_post.jwt (default, HAIP) or direct_post.
	ResponseMode string `yaml:"responseMode"`
	// RequestTTL is how long a request may be answered. Default 10m.
	RequestTTL time.Duration `yaml:"requestTTL"`
}

func (c *OpenID4VCConfig) defaults() error {
	for _, f := range c.Formats {
		if !slices.Contains(allFormats, f) {
			return fmt.Errorf("openid4vc.formats: unknown format %q (%s)", f, strings.Join(allFormats, ", "))
		}
	}
	if c.OfferTTL <= 0 {
		c.OfferTTL = 7 * 24 * time.Hour
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 10
	}
	if c.SignIn.Timeout <= 0 {
		c.SignIn.Timeout = 10 * time.Second
	}
	if len(c.SignIn.Command) > 0 && c.SignIn.Webhook != "" {
		return fmt.Errorf("openid4vc.signIn: give a command or a webhook, not both")
	}
	if w := c.SignIn.Webhook; w != "" {
		u, err := url.Parse(w)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
			return fmt.Errorf("openid4vc.signIn.webhook: %q is not an https URL (http only on loopback)", w)
		}
	}
	switch c.Verifier.Prefix {
	case "", vp.PrefixX509Hash, vp.PrefixX509SanDNS, vp.PrefixDID, vp.PrefixRedirectURI:
	default:
		return fmt.Errorf("openid4vc.verifier.prefix: unknown prefix %q (x509_hash, x509_san_dns, decentralized_identifier, redirect_uri)", c.Verifier.Prefix)
	}
	if c.Verifier.Key == "" {
		c.Verifier.Key = "verifier"
	}
	switch c.Verifier.ResponseMode {
	case "":
		c.Verifier.ResponseMode = vp.ModeDirectPostJWT
	case vp.ModeDirectPostJWT, vp.ModeDirectPost:
	default:
		return fmt.Errorf("openid4vc.verifier.responseMode: %q is neither direct_post.jwt nor direct_post", c.Verifier.ResponseMode)
	}
	if c.Verifier.RequestTTL <= 0 {
		c.Verifier.RequestTTL = 10 * time.Minute
	}
	return nil
}

// allFormats are the credential formats the service can offer.
var allFormats = []string{vci.FormatSDJWT, vci.FormatJWTVC, vci.FormatLDPVC}

func isLoopbackHost(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }
