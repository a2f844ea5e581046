package vci

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/netguard"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jsonobj"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// Client is the wallet side of OpenID4VCI: it resolves offers, reads
// metadata, gets tokens (pre-authorized code with transaction code, or the
// authorization code flow with PKCE and PAR), nonces and credentials, with
// DPoP when it has a DPoP key, and encrypted requests and responses when
// asked. It checks what it receives against the specification but does not
// verify credentials: the wallet does that with the verifier library.
type Client struct {
	// HTTP makes every request. Nil: an https-only client that refuses
	// non-public addresses, follows no redirect and times out after 10
	// seconds (internal/netguard).
	HTTP *http.Client
	// Now is the clock for proofs; nil: time.Now.
	Now func() time.Time
	// MaxBytes bounds a response body; zero: 4 MiB.
	MaxBytes int64
	// AllowHTTP accepts http issuers (tests on loopback only).
	AllowHTTP bool
}

func (c *Client) http() *http.Client { return openid4vc.HTTPClient(c.HTTP) }

func (c *Client) now() time.Time { return openid4vc.Now(c.Now) }

func (c *Client) max() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return 4 << 20
}

// response is one HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request and reads the answer within limits. A non-2xx answer
// is returned as an *openid4vc.Error read from its body (error,
// error_description) with its status.
func (c *Client) do(ctx context.Context, method, u string, header http.Header, body []byte) (*response, error) {
	if err := checkURL(u, c.AllowHTTP); err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, redact(u), err)
	}
	defer resp.Body.Close()
	b, err := netguard.ReadBody(resp.Body, resp.ContentLength, c.max())
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, redact(u), err)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode/100 != 2 {
		return r, openid4vc.ParseError(r.status, r.header, r.body)
	}
	return r, nil
}

func checkURL(u string, allowHTTP bool) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%q is not a URL", clip(u))
	}
	return netguard.CheckURL(p, allowHTTP)
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(URL)"
	}
	p.RawQuery = ""
	return p.Redacted()
}

func decodeJSON(r *response, v any, what string) error {
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if mt != "application/json" {
		return fmt.Errorf("%s: content type %q, want application/json", what, mt)
	}
	if err := jsonobj.Decode(r.body, v, jsonx.Limits{MaxBytes: int(min(r.bodyLen(), 1<<30)) + 1}); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (r *response) bodyLen() int64 { return int64(len(r.body)) }

// getJSON GETs u and decodes its application/json answer into v.
func (c *Client) getJSON(ctx context.Context, u string, v any, what string) error {
	r, err := c.do(ctx, http.MethodGet, u, http.Header{"Accept": {"application/json"}}, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return decodeJSON(r, v, what)
}

// ParseOfferLink is the package's ParseOfferLink, which also accepts an
// http credential_offer_uri when the client has AllowHTTP.
func (c *Client) ParseOfferLink(link string) (*OfferLink, error) {
	return parseOfferLink(link, c.AllowHTTP)
}

// ResolveOffer reads a credential offer link and, when it refers to the
// offer by credential_offer_uri, fetches it (application/json, never a
// signed or unsigned JWT, OpenID4VCI 1.0 section 4.1.3).
func (c *Client) ResolveOffer(ctx context.Context, link string) (*Offer, error) {
	l, err := c.ParseOfferLink(link)
	if err != nil {
		return nil, err
	}
	if l.Offer != nil {
		return l.Offer, nil
	}
	var raw json.RawMessage
	if err := c.getJSON(ctx, l.URI, &raw, "credential offer"); err != nil {
		return nil, err
	}
	return parseOffer(raw, c.AllowHTTP)
}

// FetchMetadata gets the credential issuer metadata of issuer and checks
// that it names issuer exactly (OpenID4VCI 1.0 section 12.2.2).
func (c *Client) FetchMetadata(ctx context.Context, issuer string) (*Metadata, error) {
	if err := checkIssuerURL(issuer, c.AllowHTTP); err != nil {
		return nil, fmt.Errorf("credential issuer: %w", err)
	}
	u, err := WellKnown(issuer, WellKnownIssuer)
	if err != nil {
		return nil, err
	}
	var m Metadata
	if err := c.getJSON(ctx, u, &m, "issuer metadata"); err != nil {
		return nil, err
	}
	if m.CredentialIssuer != issuer {
		return nil, fmt.Errorf("issuer metadata names %q, not %q: it must not be used", clip(m.CredentialIssuer), clip(issuer))
	}
	for name, e := range map[string]string{"credential_endpoint": m.CredentialEndpoint, "nonce_endpoint": m.NonceEndpoint, "notification_endpoint": m.NotificationEndpoint} {
		if e == "" && name != "credential_endpoint" {
			continue
		}
		if err := checkURL(e, c.AllowHTTP); err != nil {
			return nil, fmt.Errorf("issuer metadata: %s: %w", name, err)
		}
	}
	return &m, nil
}

// FetchAuthServer gets the authorization server metadata of as and checks
// that it names as exactly (RFC 8414 section 3.3).
func (c *Client) FetchAuthServer(ctx context.Context, as string) (*AuthServerMetadata, error) {
	u, err := WellKnown(as, WellKnownAuthServer)
	if err != nil {
		return nil, err
	}
	var m AuthServerMetadata
	if err := c.getJSON(ctx, u, &m, "authorization server metadata"); err != nil {
		return nil, err
	}
	if m.Issuer != as {
		return nil, fmt.Errorf("authorization server metadata names %q, not %q", clip(m.Issuer), clip(as))
	}
	if err := checkURL(m.TokenEndpoint, c.AllowHTTP); err != nil {
		return nil, fmt.Errorf("authorization server metadata: token_endpoint: %w", err)
	}
	return &m, nil
}

// Session is one issuance, from an offer to its credentials.
type Session struct {
	c          *Client
	Offer      *Offer
	Metadata   *Metadata
	AuthServer *AuthServerMetadata
	// DPoP, when set, binds the access token to its key.
	DPoP *openid4vc.DPoPSigner
	// ClientID is sent in token and authorization requests ("" for
	// anonymous pre-authorized access).
	ClientID string

	token, tokenType string
	details          []AuthorizationDetail
	dpopNonce        string
	verifier, state  string
	redirectURI      string
}

// Start resolves link and reads the issuer's metadata and its authorization
// server's. dpop, when set, is the key the access token is bound to (DPoP).
func (c *Client) Start(ctx context.Context, link string, dpop crypto.Signer) (*Session, error) {
	o, err := c.ResolveOffer(ctx, link)
	if err != nil {
		return nil, err
	}
	m, err := c.FetchMetadata(ctx, o.CredentialIssuer)
	if err != nil {
		return nil, err
	}
	for _, id := range o.CredentialConfigurationIDs {
		if _, ok := m.CredentialConfigurationsSupported[id]; !ok {
			return nil, fmt.Errorf("the offer names credential configuration %q, which the issuer's metadata does not describe", clip(id))
		}
	}
	as := o.CredentialIssuer
	if len(m.AuthorizationServers) > 0 {
		as = m.AuthorizationServers[0]
		if g := o.Grants; g != nil && g.PreAuthorizedCode != nil && g.PreAuthorizedCode.AuthorizationServer != "" {
			if !slices.Contains(m.AuthorizationServers, g.PreAuthorizedCode.AuthorizationServer) {
				return nil, fmt.Errorf("the offer's authorization_server is not among the issuer's authorization_servers")
			}
			as = g.PreAuthorizedCode.AuthorizationServer
		}
	}
	asm, err := c.FetchAuthServer(ctx, as)
	if err != nil {
		return nil, err
	}
	s := &Session{c: c, Offer: o, Metadata: m, AuthServer: asm}
	if dpop != nil {
		s.DPoP = &openid4vc.DPoPSigner{Signer: dpop}
	}
	return s, nil
}

// TxCode returns what the offer says of the transaction code to ask the
// student for, or nil when none is needed.
func (s *Session) TxCode() *TxCode {
	if g := s.Offer.Grants; g != nil && g.PreAuthorizedCode != nil {
		if g.PreAuthorizedCode.TxCode != nil {
			return g.PreAuthorizedCode.TxCode
		}
	}
	return nil
}

// PreAuthorized redeems the offer's pre-authorized code (with txCode when
// the offer asks for one) for an access token.
func (s *Session) PreAuthorized(ctx context.Context, txCode string) error {
	g := s.Offer.Grants
	if g == nil || g.PreAuthorizedCode == nil {
		return errors.New("the offer has no pre-authorized code")
	}
	form := url.Values{"grant_type": {GrantPreAuthorizedCode}, "pre-authorized_code": {g.PreAuthorizedCode.PreAuthorizedCode}}
	if tc := g.PreAuthorizedCode.TxCode; tc != nil {
		if txCode == "" {
			return errors.New("the offer asks for a transaction code")
		}
		if tc.Length > 0 && len([]rune(txCode)) != tc.Length {
			return fmt.Errorf("the transaction code has %d characters; the offer says %d", len([]rune(txCode)), tc.Length)
		}
		if tc.InputMode != InputText && strings.Trim(txCode, "0123456789") != "" {
			return errors.New("the transaction code must be digits")
		}
		form.Set("tx_code", txCode)
	}
	if s.ClientID != "" {
		form.Set("client_id", s.ClientID)
	}
	return s.requestToken(ctx, form)
}

// requestToken posts a token request and keeps the token.
func (s *Session) requestToken(ctx context.Context, form url.Values) error {
	var r *response
	err := s.withDPoPNonce(func() error {
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if s.DPoP != nil {
			p, err := s.DPoP.Proof("POST", s.AuthServer.TokenEndpoint, "", s.dpopNonce, s.c.now())
			if err != nil {
				return err
			}
			h.Set("DPoP", p)
		}
		var err error
		r, err = s.c.do(ctx, http.MethodPost, s.AuthServer.TokenEndpoint, h, []byte(form.Encode()))
		return err
	})
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	var tr TokenResponse
	if err := decodeJSON(r, &tr, "token response"); err != nil {
		return err
	}
	switch {
	case tr.AccessToken == "":
		return errors.New("token response: no access_token")
	case s.DPoP != nil && !strings.EqualFold(tr.TokenType, "DPoP"):
		return fmt.Errorf("token response: token_type %q: the token was not bound to the DPoP key", clip(tr.TokenType))
	case s.DPoP == nil && !strings.EqualFold(tr.TokenType, "Bearer"):
		return fmt.Errorf("token response: token_type %q, want Bearer", clip(tr.TokenType))
	}
	s.token, s.tokenType, s.details = tr.AccessToken, tr.TokenType, tr.AuthorizationDetails
	if n := r.header.Get("DPoP-Nonce"); n != "" {
		s.dpopNonce = n
	}
	return nil
}

// withDPoPNonce runs f, and once more when the server answers
// use_dpop_nonce with a DPoP-Nonce (RFC 9449 section 8).
func (s *Session) withDPoPNonce(f func() error) error {
	err := f()
	var e *openid4vc.Error
	if s.DPoP != nil && errors.As(err, &e) && e.Code == openid4vc.CodeUseDPoPNonce && e.DPoPNonce != "" {
		s.dpopNonce = e.DPoPNonce
		err = f()
	}
	return err
}

// Authorize starts the authorization code flow: it pushes the request (PAR,
// when the server has the endpoint) with PKCE S256, the offer's
// issuer_state and authorization_details for its configurations, and
// returns the URL to open in the student's browser. After sign-in the
// browser goes to redirectURI; pass that URL to Exchange.
func (s *Session) Authorize(ctx context.Context, clientID, redirectURI string) (string, error) {
	g := s.Offer.Grants
	if g == nil || g.AuthorizationCode == nil {
		return "", errors.New("the offer has no authorization code grant")
	}
	if s.AuthServer.AuthorizationEndpoint == "" {
		return "", errors.New("the authorization server has no authorization endpoint")
	}
	s.ClientID, s.redirectURI = clientID, redirectURI
	s.verifier, s.state = openid4vc.NewHandle(), openid4vc.NewHandle()
	var details []AuthorizationDetail
	for _, id := range s.Offer.CredentialConfigurationIDs {
		d := AuthorizationDetail{Type: "openid_credential", CredentialConfigurationID: id}
		if len(s.Metadata.AuthorizationServers) > 0 {
			d.Locations = []string{s.Offer.CredentialIssuer}
		}
		details = append(details, d)
	}
	ad, _ := json.Marshal(details)
	form := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"code_challenge": {S256(s.verifier)}, "code_challenge_method": {"S256"}, "state": {s.state},
		"authorization_details": {string(ad)}}
	if g.AuthorizationCode.IssuerState != "" {
		form.Set("issuer_state", g.AuthorizationCode.IssuerState)
	}
	if par := s.AuthServer.PushedAuthorizationRequestEndpoint; par != "" {
		r, err := s.c.do(ctx, http.MethodPost, par, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, []byte(form.Encode()))
		if err != nil {
			return "", fmt.Errorf("pushed authorization request: %w", err)
		}
		var pr PARResponse
		if err := decodeJSON(r, &pr, "pushed authorization response"); err != nil {
			return "", err
		}
		form = url.Values{"client_id": {clientID}, "request_uri": {pr.RequestURI}}
	}
	return addQuery(s.AuthServer.AuthorizationEndpoint, form), nil
}

// Exchange reads the URL the browser was redirected to after sign-in,
// checks state and iss (RFC 9207), and redeems the code with the PKCE
// verifier for an access token.
func (s *Session) Exchange(ctx context.Context, redirected string) error {
	u, err := url.Parse(redirected)
	if err != nil {
		return fmt.Errorf("redirect: %v", err)
	}
	q := u.Query()
	if e := q.Get("error"); e != "" {
		return &openid4vc.Error{Code: e, Description: openid4vc.ASCIIDescription(q.Get("error_description"))}
	}
	switch {
	case s.verifier == "":
		return errors.New("Exchange before Authorize")
	case !openid4vc.Equal(q.Get("state"), s.state):
		return errors.New("the redirect's state is not this session's: refused (it may be an injected authorization response)")
	case q.Has("iss") && q.Get("iss") != s.AuthServer.Issuer:
		return errors.New("the redirect's iss is not the authorization server of this session")
	case q.Get("code") == "":
		return errors.New("the redirect has no code")
	}
	form := url.Values{"grant_type": {GrantAuthorizationCode}, "code": {q.Get("code")}, "code_verifier": {s.verifier},
		"redirect_uri": {s.redirectURI}, "client_id": {s.ClientID}}
	return s.requestToken(ctx, form)
}

// Nonce gets a fresh c_nonce; "" when the issuer has no nonce endpoint.
func (s *Session) Nonce(ctx context.Context) (string, error) {
	if s.Metadata.NonceEndpoint == "" {
		return "", nil
	}
	var r *response
	err := s.withDPoPNonce(func() error {
		var err error
		r, err = s.c.do(ctx, http.MethodPost, s.Metadata.NonceEndpoint, nil, nil)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("nonce request: %w", err)
	}
	if n := r.header.Get("DPoP-Nonce"); n != "" {
		s.dpopNonce = n
	}
	var nr struct {
		CNonce string `json:"c_nonce"`
	}
	if err := decodeJSON(r, &nr, "nonce response"); err != nil {
		return "", err
	}
	if nr.CNonce == "" {
		return "", errors.New("nonce response: no c_nonce")
	}
	return nr.CNonce, nil
}

// CredentialOptions say which credential to ask for and how.
type CredentialOptions struct {
	// ConfigurationID is the configuration to ask for; empty: the offer's
	// first.
	ConfigurationID string
	// Holders are the keys to bind the credentials to: one credential per
	// key (batch issuance). Empty: no key proof (for credentials that need
	// no binding).
	Holders []ProofSigner
	// Encrypt asks for an encrypted response, encrypting the request to the
	// issuer's key (both as OpenID4VCI 1.0 section 10 says).
	Encrypt bool
}

// Received is what the credential endpoint answered.
type Received struct {
	ConfigurationID string
	Format          string
	// Credentials are the credentials as JSON values: a JSON string for
	// JWT and SD-JWT formats, an object for ldp_vc. Credential(i) unwraps.
	Credentials    []json.RawMessage
	NotificationID string
	// Encrypted says whether the response came encrypted.
	Encrypted bool
}

// Credential returns credential i as bytes: the string for compact formats,
// the JSON object for ldp_vc.
func (r *Received) Credential(i int) []byte {
	v := r.Credentials[i]
	var s string
	if json.Unmarshal(v, &s) == nil {
		return []byte(s)
	}
	return v
}

// RequestCredential gets a nonce, signs one key proof per holder, and asks
// for the credential.
func (s *Session) RequestCredential(ctx context.Context, opts CredentialOptions) (*Received, error) {
	if s.token == "" {
		return nil, errors.New("no access token: redeem a code first")
	}
	configID := opts.ConfigurationID
	if configID == "" {
		configID = s.Offer.CredentialConfigurationIDs[0]
	}
	cfg, ok := s.Metadata.CredentialConfigurationsSupported[configID]
	if !ok {
		return nil, fmt.Errorf("configuration %q is not in the issuer's metadata", clip(configID))
	}
	req := CredentialRequest{}
	for _, d := range s.details {
		if d.CredentialConfigurationID == configID && len(d.CredentialIdentifiers) > 0 {
			req.CredentialIdentifier = d.CredentialIdentifiers[0]
		}
	}
	if req.CredentialIdentifier == "" {
		req.CredentialConfigurationID = configID
	}
	if b := s.Metadata.BatchCredentialIssuance; len(opts.Holders) > 1 && (b == nil || b.BatchSize < len(opts.Holders)) {
		return nil, fmt.Errorf("%d keys, but the issuer takes at most %d proofs per request", len(opts.Holders), max(1, batchSize(b)))
	}
	if len(opts.Holders) > 0 {
		nonce, err := s.Nonce(ctx)
		if err != nil {
			return nil, err
		}
		var proofs []any
		for _, h := range opts.Holders {
			if info, ok := cfg.ProofTypesSupported["jwt"]; ok && len(info.ProofSigningAlgValuesSupported) > 0 && h.Algs == nil {
				h.Algs = info.ProofSigningAlgValuesSupported
			}
			p, err := h.Proof(s.Offer.CredentialIssuer, nonce, s.ClientID, s.c.now())
			if err != nil {
				return nil, fmt.Errorf("signing a key proof: %w", err)
			}
			proofs = append(proofs, p)
		}
		req.Proofs = map[string][]any{"jwt": proofs}
	}
	var respKey *openid4vcKey
	if opts.Encrypt || s.Metadata.CredentialResponseEncryption != nil && s.Metadata.CredentialResponseEncryption.EncryptionRequired {
		k, err := newResponseKey()
		if err != nil {
			return nil, err
		}
		respKey = k
		enc := pickEnc(s.Metadata.CredentialResponseEncryption)
		if enc == "" {
			return nil, errors.New("the issuer offers no response encryption this wallet supports")
		}
		req.CredentialResponseEncryption = &ResponseEncryptionSpec{JWK: k.jwk, Enc: enc}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ct := "application/json"
	if req.CredentialResponseEncryption != nil || s.Metadata.CredentialRequestEncryption != nil && s.Metadata.CredentialRequestEncryption.EncryptionRequired {
		jwe, err := encryptRequest(body, s.Metadata.CredentialRequestEncryption)
		if err != nil {
			return nil, err
		}
		body, ct = []byte(jwe), "application/jwt"
	}
	r, err := s.protected(ctx, s.Metadata.CredentialEndpoint, ct, body)
	if err != nil {
		return nil, fmt.Errorf("credential request: %w", err)
	}
	out := &Received{ConfigurationID: configID, Format: cfg.Format}
	var cr CredentialResponse
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	switch {
	case respKey != nil:
		if mt != "application/jwt" {
			return nil, fmt.Errorf("credential response: an encrypted response was asked for and %q came", mt)
		}
		plain, err := openid4vc.Decrypt(string(r.body), respKey.priv, respKey.kid, nil, int(s.c.max()))
		if err != nil {
			return nil, fmt.Errorf("credential response: %w", err)
		}
		if err := jsonobj.Decode(plain, &cr, jsonx.Limits{MaxBytes: int(s.c.max())}); err != nil {
			return nil, fmt.Errorf("credential response: %w", err)
		}
		out.Encrypted = true
	default:
		if err := decodeJSON(r, &cr, "credential response"); err != nil {
			return nil, err
		}
	}
	switch {
	case cr.TransactionID != "":
		return nil, errors.New("the issuer deferred issuance (transaction_id); deferred issuance is not supported by this wallet")
	case len(cr.Credentials) == 0:
		return nil, errors.New("credential response: no credentials")
	case len(opts.Holders) > 0 && len(cr.Credentials) > len(opts.Holders):
		return nil, fmt.Errorf("credential response: %d credentials for %d keys", len(cr.Credentials), len(opts.Holders))
	}
	for _, c := range cr.Credentials {
		out.Credentials = append(out.Credentials, c.Value)
	}
	out.NotificationID = cr.NotificationID
	return out, nil
}

func batchSize(b *BatchIssuance) int {
	if b == nil {
		return 1
	}
	return b.BatchSize
}

// protected posts body to a protected resource with the access token (and a
// DPoP proof for it).
func (s *Session) protected(ctx context.Context, endpoint, contentType string, body []byte) (*response, error) {
	var r *response
	err := s.withDPoPNonce(func() error {
		h := http.Header{"Content-Type": {contentType}}
		if s.DPoP != nil {
			p, err := s.DPoP.Proof("POST", endpoint, s.token, s.dpopNonce, s.c.now())
			if err != nil {
				return err
			}
			h.Set("DPoP", p)
			h.Set("Authorization", "DPoP "+s.token)
		} else {
			h.Set("Authorization", "Bearer "+s.token)
		}
		var err error
		r, err = s.c.do(ctx, http.MethodPost, endpoint, h, body)
		return err
	})
	if err == nil {
		if n := r.header.Get("DPoP-Nonce"); n != "" {
			s.dpopNonce = n
		}
	}
	return r, err
}

// Notify tells the issuer what became of the credentials of a response.
func (s *Session) Notify(ctx context.Context, notificationID, event, description string) error {
	if s.Metadata.NotificationEndpoint == "" {
		return nil
	}
	body, _ := json.Marshal(NotificationRequest{NotificationID: notificationID, Event: event, EventDescription: description})
	_, err := s.protected(ctx, s.Metadata.NotificationEndpoint, "application/json", body)
	if err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	return nil
}

// AccessToken returns the access token and its type (for tests and
// diagnostics; the token is a secret).
func (s *Session) AccessToken() (token, tokenType string) { return s.token, s.tokenType }

// CredentialIdentifiers returns the credential_identifiers of the token
// response, by configuration.
func (s *Session) CredentialIdentifiers() map[string][]string {
	out := map[string][]string{}
	for _, d := range s.details {
		out[d.CredentialConfigurationID] = append(out[d.CredentialConfigurationID], d.CredentialIdentifiers...)
	}
	return out
}

// ClaimsOfJWT returns the payload of a JWT credential without verifying it
// (for display before the wallet's verification).
func ClaimsOfJWT(token string) (map[string]json.RawMessage, error) {
	j, err := jwt.Parse(token, 4<<20)
	if err != nil {
		return nil, err
	}
	return j.Claims, nil
}
