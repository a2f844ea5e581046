package vp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/netguard"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jsonobj"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// Wallet is the wallet's side of OpenID4VP.
type Wallet struct {
	// HTTP makes every request; nil: an https-only client that refuses
	// non-public addresses, follows no redirect and times out after 10 s.
	HTTP *http.Client
	// Roots are the trust anchors of verifiers' certificates (x509
	// prefixes). Nil: the chain is checked for consistency and dates, and
	// Request.Trusted stays false.
	Roots *x509.CertPool
	// Resolver resolves a decentralized_identifier verifier's key; nil:
	// did:key and did:jwk offline.
	Resolver credentials.KeyResolver
	// Contexts loads JSON-LD contexts for Data Integrity presentations and
	// type expansion; nil: the contexts built into the binary.
	Contexts *jsonld.Loader
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// AllowHTTP accepts http URLs (tests on loopback only).
	AllowHTTP bool
	// RequireTrusted refuses (invalid_client) a signed request whose
	// verifier Roots do not vouch for. False: the request is returned with
	// Trusted false, for the wallet to show and let the student decide.
	RequireTrusted bool
}

func (w *Wallet) http() *http.Client { return openid4vc.HTTPClient(w.HTTP) }

func (w *Wallet) now() time.Time { return openid4vc.Now(w.Now) }

// Request is a verified authorization request.
type Request struct {
	// ClientID is the full client identifier (prefix included): the
	// audience of the presentations.
	ClientID string
	// Prefix and Identifier split ClientID ("x509_hash", "Uvo3…").
	Prefix, Identifier string
	// Signed says whether the request came as a signed request object.
	Signed bool
	// Chain is the verifier's certificate chain (x509 prefixes).
	Chain []*x509.Certificate
	// Trusted says whether Chain leads to one of Wallet.Roots (x509
	// prefixes), or the DID resolved (decentralized_identifier). A wallet
	// shows an untrusted verifier as such and may refuse it.
	Trusted bool
	// Name is what to show of the verifier: the certificate's subject
	// organisation and common name, the DID, or the response URI.
	Name string
	// Nonce, State, ResponseMode, ResponseURI are the request's.
	Nonce, State, ResponseMode, ResponseURI string
	// Query is the DCQL query.
	Query *dcql.Query
	// EncryptionKey is the verifier's key to encrypt the response to
	// (direct_post.jwt), and Enc the content encryption to use.
	EncryptionKey *openid4vc.Recipient
	Enc           string
}

// RequestLink is what an openid4vp:// link carries.
type RequestLink struct {
	ClientID         string
	RequestURI       string
	RequestURIMethod string
	// Request is a request object by value; Params the plain parameters of
	// an unsigned request.
	Request string
	Params  url.Values
}

// ParseRequestLink reads a wallet invocation link (openid4vp://, haip-vp://
// or an https link with the parameters in its query).
func ParseRequestLink(link string) (*RequestLink, error) {
	q, err := openid4vc.LinkQuery(link, 256<<10, "request link")
	if err != nil {
		return nil, err
	}
	if err := openid4vc.SingleValued(q); err != nil {
		return nil, err
	}
	l := &RequestLink{ClientID: q.Get("client_id"), RequestURI: q.Get("request_uri"), RequestURIMethod: q.Get("request_uri_method"), Request: q.Get("request")}
	switch {
	case l.ClientID == "":
		return nil, errors.New("request link has no client_id")
	case l.RequestURI != "" && l.Request != "":
		return nil, errors.New("request link has both request and request_uri")
	case l.RequestURIMethod != "" && l.RequestURI == "":
		return nil, errors.New("request_uri_method without request_uri")
	case l.RequestURIMethod != "" && l.RequestURIMethod != "get" && l.RequestURIMethod != "post":
		return nil, &openid4vc.Error{Code: openid4vc.CodeInvalidRequestURIMethod, Description: "request_uri_method is neither get nor post"}
	case l.RequestURI == "" && l.Request == "":
		l.Params = q
	}
	return l, nil
}

// FetchRequest reads a request link, fetches the request object when it is
// by reference (GET, or POST with a wallet_nonce when the link says so),
// and checks it as its client identifier prefix says: typ
// oauth-authz-req+jwt, the signature with the leaf of x5c (x509_san_dns:
// the identifier is a dNSName of the leaf and the response URI's host;
// x509_hash: the identifier is the leaf's SHA-256) or with the DID key of
// kid (decentralized_identifier), client_id equal in link and object,
// wallet_nonce echoed; an unsigned request only with the redirect_uri
// prefix, whose identifier must be the response URI. Errors are
// *openid4vc.Error (invalid_request, invalid_request_object,
// invalid_client) or fetch failures.
func (w *Wallet) FetchRequest(ctx context.Context, link string) (*Request, error) {
	l, err := ParseRequestLink(link)
	if err != nil {
		if e := (*openid4vc.Error)(nil); errors.As(err, &e) {
			return nil, e
		}
		return nil, openid4vc.Wrap(openid4vc.CodeInvalidRequest, err, "")
	}
	prefix, ident, _ := strings.Cut(l.ClientID, ":")
	if !slices.Contains([]string{PrefixX509Hash, PrefixX509SanDNS, PrefixDID, PrefixRedirectURI}, prefix) {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "client identifier prefix %q is not supported (x509_hash, x509_san_dns, decentralized_identifier, redirect_uri)", clip(prefix))
	}
	if l.Params != nil {
		if prefix != PrefixRedirectURI {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "a %s request must be a signed request object", prefix)
		}
		return w.unsigned(l, ident)
	}
	if prefix == PrefixRedirectURI {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "redirect_uri requests cannot be signed; refusing a request object")
	}
	token := l.Request
	walletNonce := ""
	if l.RequestURI != "" {
		if token, walletNonce, err = w.fetchObject(ctx, l); err != nil {
			return nil, err
		}
	}
	return w.checkObject(ctx, token, l.ClientID, prefix, ident, walletNonce)
}

// fetchObject gets the request object at the link's request_uri.
func (w *Wallet) fetchObject(ctx context.Context, l *RequestLink) (token, walletNonce string, err error) {
	if err := checkURL(l.RequestURI, w.AllowHTTP); err != nil {
		return "", "", openid4vc.Wrap(openid4vc.CodeInvalidRequest, err, "request_uri")
	}
	var req *http.Request
	if l.RequestURIMethod == "post" {
		walletNonce = openid4vc.NewHandle()
		meta, _ := json.Marshal(map[string]any{
			"vp_formats_supported":                        vpFormats(),
			"request_object_signing_alg_values_supported": jwt.AllAlgs,
			"client_id_prefixes_supported":                []string{PrefixX509Hash, PrefixX509SanDNS, PrefixDID, PrefixRedirectURI},
		})
		body := url.Values{"wallet_nonce": {walletNonce}, "wallet_metadata": {string(meta)}}.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, l.RequestURI, strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, l.RequestURI, nil)
	}
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Accept", "application/oauth-authz-req+jwt")
	resp, err := w.http().Do(req)
	if err != nil {
		return "", "", fmt.Errorf("fetching the request object: %w", err)
	}
	defer resp.Body.Close()
	b, err := netguard.ReadBody(resp.Body, resp.ContentLength, 1<<20)
	if err != nil {
		return "", "", fmt.Errorf("fetching the request object: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("fetching the request object: HTTP status %d", resp.StatusCode)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/oauth-authz-req+jwt" && mt != "application/jwt" {
		return "", "", openid4vc.Errorf(openid4vc.CodeInvalidRequestObject, "the request_uri answered %q, not application/oauth-authz-req+jwt", mt)
	}
	return strings.TrimSpace(string(b)), walletNonce, nil
}

// checkObject verifies a request object and reads its parameters.
func (w *Wallet) checkObject(ctx context.Context, token, linkClientID, prefix, ident, walletNonce string) (*Request, error) {
	bad := func(format string, args ...any) error {
		return openid4vc.Errorf(openid4vc.CodeInvalidRequestObject, "request object: "+format, args...)
	}
	j, err := jwt.Parse(token, 1<<20)
	if err != nil {
		return nil, bad("%v", err)
	}
	if j.Typ != TypRequestObject {
		return nil, bad("typ is %q, want %q", j.Typ, TypRequestObject)
	}
	if err := j.CheckAlg(jwt.AllAlgs); err != nil {
		return nil, bad("%v", err)
	}
	r := &Request{ClientID: linkClientID, Prefix: prefix, Identifier: ident, Signed: true}
	now := w.now()
	switch prefix {
	case PrefixX509Hash, PrefixX509SanDNS:
		chain, err := j.X5C()
		if err != nil || len(chain) == 0 {
			return nil, bad("no x5c certificate chain (%v)", err)
		}
		r.Chain = chain
		if err := j.Verify(chain[0].PublicKey, jwt.AllAlgs); err != nil {
			return nil, bad("the signature does not verify with the leaf certificate: %v", err)
		}
		if prefix == PrefixX509Hash && !openid4vc.Equal(X509Hash(chain[0]), ident) {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "x509_hash: the client identifier is not the SHA-256 of the leaf certificate")
		}
		if prefix == PrefixX509SanDNS && !slices.Contains(chain[0].DNSNames, ident) {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "x509_san_dns: %q is not a dNSName of the leaf certificate (%v)", clip(ident), chain[0].DNSNames)
		}
		trusted, err := openid4vc.CheckChain(chain, w.Roots, now)
		if err != nil {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the verifier's certificate chain: %v", err)
		}
		r.Trusted = trusted
		r.Name = certName(chain[0])
	case PrefixDID:
		if !strings.HasPrefix(j.Kid, ident+"#") {
			return nil, bad("kid %q is not a key of %s", clip(j.Kid), clip(ident))
		}
		res := w.Resolver
		if res == nil {
			res = did.Resolver{}
		}
		vm, err := res.ResolveKey(ctx, j.Kid)
		if err != nil {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidClient, "the verifier's DID key %s does not resolve: %v", clip(j.Kid), err)
		}
		if err := j.Verify(vm.Key, jwt.AllAlgs); err != nil {
			return nil, bad("the signature does not verify with %s: %v", clip(j.Kid), err)
		}
		r.Trusted, r.Name = true, ident
	}
	var p struct {
		ClientID       string          `json:"client_id"`
		ResponseType   string          `json:"response_type"`
		ResponseMode   string          `json:"response_mode"`
		ResponseURI    string          `json:"response_uri"`
		RedirectURI    string          `json:"redirect_uri"`
		Nonce          string          `json:"nonce"`
		State          string          `json:"state"`
		DCQL           json.RawMessage `json:"dcql_query"`
		Scope          string          `json:"scope"`
		ClientMetadata json.RawMessage `json:"client_metadata"`
		WalletNonce    string          `json:"wallet_nonce"`
		TransactionDat json.RawMessage `json:"transaction_data"`
	}
	if err := jsonobj.Decode(j.Payload, &p, jsonx.Limits{MaxBytes: 1 << 20}); err != nil {
		return nil, bad("%v", err)
	}
	if p.ClientID != linkClientID {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the request object's client_id is not the one of the link")
	}
	if walletNonce != "" && !openid4vc.Equal(p.WalletNonce, walletNonce) {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the request object does not carry the wallet_nonce sent (a replayed request object?)")
	}
	if exp, ok, err := j.Time("exp"); err != nil || ok && now.After(exp.Add(openid4vc.DefaultSkew)) {
		return nil, bad("expired")
	}
	if err := w.fill(r, p.ResponseType, p.ResponseMode, p.ResponseURI, p.RedirectURI, p.Nonce, p.State, p.DCQL, p.Scope, p.ClientMetadata, p.TransactionDat); err != nil {
		return nil, err
	}
	if w.RequireTrusted && !r.Trusted {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidClient, "the verifier's certificate does not chain to a trusted root")
	}
	if prefix == PrefixX509SanDNS {
		if u, _ := url.Parse(r.ResponseURI); u == nil || !strings.EqualFold(u.Hostname(), ident) {
			if !r.Trusted {
				return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "x509_san_dns: the response_uri's host is not %s", clip(ident))
			}
		}
	}
	return r, nil
}

// unsigned reads the parameters of a redirect_uri request.
func (w *Wallet) unsigned(l *RequestLink, ident string) (*Request, error) {
	q := l.Params
	r := &Request{ClientID: l.ClientID, Prefix: PrefixRedirectURI, Identifier: ident, Name: ident}
	var dcqlRaw, meta, td json.RawMessage
	if v := q.Get("dcql_query"); v != "" {
		dcqlRaw = json.RawMessage(v)
	}
	if v := q.Get("client_metadata"); v != "" {
		meta = json.RawMessage(v)
	}
	if v := q.Get("transaction_data"); v != "" {
		td = json.RawMessage(v)
	}
	if err := w.fill(r, q.Get("response_type"), q.Get("response_mode"), q.Get("response_uri"), q.Get("redirect_uri"), q.Get("nonce"), q.Get("state"), dcqlRaw, q.Get("scope"), meta, td); err != nil {
		return nil, err
	}
	if r.ResponseURI != ident {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "redirect_uri prefix: the client identifier must be the response_uri")
	}
	return r, nil
}

// fill checks and copies the request parameters.
func (w *Wallet) fill(r *Request, responseType, mode, responseURI, redirectURI, nonce, state string, dcqlRaw json.RawMessage, scope string, meta, transactionData json.RawMessage) error {
	bad := func(format string, args ...any) error {
		return openid4vc.Errorf(openid4vc.CodeInvalidRequest, format, args...)
	}
	switch {
	case responseType != "vp_token":
		return bad("response_type %q: only vp_token is supported", clip(responseType))
	case mode != ModeDirectPost && mode != ModeDirectPostJWT:
		return bad("response_mode %q: only direct_post and direct_post.jwt are supported", clip(mode))
	case responseURI == "":
		return bad("response_uri is missing")
	case redirectURI != "":
		return bad("redirect_uri must not be present with response_mode %s", mode)
	case nonce == "":
		return bad("nonce is missing")
	case len(transactionData) > 0:
		return &openid4vc.Error{Code: openid4vc.CodeInvalidTransactionData, Description: "transaction_data is not supported by this wallet"}
	case scope != "" && len(dcqlRaw) > 0:
		return bad("both scope and dcql_query are present")
	case len(dcqlRaw) == 0:
		return &openid4vc.Error{Code: openid4vc.CodeInvalidScope, Description: "no dcql_query (scope aliases are not known to this wallet)"}
	}
	if err := checkURL(responseURI, w.AllowHTTP); err != nil {
		return bad("response_uri: %v", err)
	}
	q, err := dcql.Parse(dcqlRaw)
	if err != nil {
		return bad("dcql_query: %v", err)
	}
	r.Nonce, r.State, r.ResponseMode, r.ResponseURI, r.Query = nonce, state, mode, responseURI, q
	if mode == ModeDirectPostJWT {
		var cm struct {
			JWKS struct {
				Keys []json.RawMessage `json:"keys"`
			} `json:"jwks"`
			Enc []string `json:"encrypted_response_enc_values_supported"`
		}
		if len(meta) == 0 || jsonobj.Decode(meta, &cm, jsonx.Limits{MaxBytes: 64 << 10, MaxDepth: 8}) != nil {
			return bad("direct_post.jwt needs client_metadata with jwks")
		}
		for _, k := range cm.JWKS.Keys {
			if rec, err := openid4vc.ParseRecipient(k); err == nil {
				r.EncryptionKey = rec
				break
			}
		}
		if r.EncryptionKey == nil {
			return bad("client_metadata.jwks has no EC P-256 ECDH-ES key to encrypt the response to")
		}
		encs := cm.Enc
		if len(encs) == 0 {
			encs = []string{openid4vc.EncA128GCM}
		}
		for _, e := range openid4vc.EncValues {
			if slices.Contains(encs, e) {
				r.Enc = e
				break
			}
		}
		if r.Enc == "" {
			return bad("no encrypted_response_enc_values_supported this wallet supports")
		}
	}
	return nil
}

func certName(c *x509.Certificate) string {
	parts := slices.Clone(c.Subject.Organization)
	if c.Subject.CommonName != "" {
		parts = append(parts, c.Subject.CommonName)
	}
	return strings.Join(parts, ", ")
}

// Held is one credential the wallet holds, with the key it is bound to.
type Held struct {
	Format string
	// Raw is the credential as received (the SD-JWT with every
	// disclosure, the JWT, the JSON document).
	Raw []byte
	// Holder signs the key-binding proof: the KB-JWT (cnf key) or the VP.
	Holder crypto.Signer
	// HolderKeyID is the DID URL of Holder for W3C presentations
	// (credentialSubject.id's DID with its key fragment); empty: the
	// did:jwk of Holder's key, "#0".
	HolderKeyID string
}

// Describe returns what matching reads of each held credential, in order.
func (w *Wallet) Describe(ctx context.Context, held []Held) ([]dcql.Credential, error) {
	out := make([]dcql.Credential, len(held))
	for i, h := range held {
		c, err := Describe(ctx, h.Format, h.Raw, w.Contexts)
		if err != nil {
			return nil, fmt.Errorf("credential %d: %w", i+1, err)
		}
		c.HolderBinding = c.HolderBinding && h.Holder != nil
		out[i] = *c
	}
	return out, nil
}

// Select matches the request's query against the held credentials. The
// error wraps dcql.ErrNoMatch when they cannot satisfy it (answer with
// Decline, access_denied).
func (w *Wallet) Select(ctx context.Context, r *Request, held []Held) (*dcql.Selection, error) {
	cands, err := w.Describe(ctx, held)
	if err != nil {
		return nil, err
	}
	return r.Query.Select(cands, nil)
}

// Presentations builds the vp_token of a selection: for SD-JWT VC the
// issuer-signed JWT with only the disclosures of the selected claims and a
// KB-JWT (nonce, aud = client_id, sd_hash); for jwt_vc_json a jwt_vp_json
// signed by the holder with nonce and aud; for ldp_vc an ldp_vp with a
// Data Integrity proof (authentication, challenge = nonce, domain =
// client_id).
func (w *Wallet) Presentations(ctx context.Context, r *Request, sel *dcql.Selection, held []Held) (map[string][]any, error) {
	out := map[string][]any{}
	for _, id := range sel.Order {
		for _, s := range sel.Credentials[id] {
			h := held[s.Credential]
			p, err := w.present(ctx, r, h, s.Claims)
			if err != nil {
				return nil, fmt.Errorf("presenting for %s: %w", id, err)
			}
			out[id] = append(out[id], p)
		}
	}
	return out, nil
}

func (w *Wallet) present(ctx context.Context, r *Request, h Held, claims []dcql.Path) (any, error) {
	if h.Holder == nil {
		return nil, errors.New("no holder key for the credential")
	}
	now := w.now
	switch h.Format {
	case dcql.FormatSDJWT:
		paths := make([]sdjwt.Path, len(claims))
		for i, c := range claims {
			paths[i] = toSDJWT(c)
		}
		return sdjwt.Present(strings.TrimSpace(string(h.Raw)), sdjwt.PresentOptions{Disclose: paths, Holder: h.Holder, Nonce: r.Nonce, Audience: r.ClientID, Now: now})
	case dcql.FormatJWTVC, dcql.FormatLDPVC:
		kid := h.HolderKeyID
		if kid == "" {
			d, err := did.JWKDID(h.Holder.Public())
			if err != nil {
				return nil, err
			}
			kid = d + "#0"
		}
		holder, _, _ := strings.Cut(kid, "#")
		var vc any = strings.TrimSpace(string(h.Raw))
		if h.Format == dcql.FormatLDPVC {
			vc = json.RawMessage(h.Raw)
		}
		doc, _ := json.Marshal(map[string]any{
			"@context":             []string{"https://www.w3.org/2018/credentials/v1"},
			"type":                 []string{"VerifiablePresentation"},
			"holder":               holder,
			"verifiableCredential": []any{vc},
		})
		key := credentials.SigningKey{Signer: h.Holder, ID: kid}
		opts := credentials.SignOptions{Purpose: "authentication", Challenge: r.Nonce, Domain: r.ClientID, Now: now}
		if h.Format == dcql.FormatJWTVC {
			b, err := jose.JWTVPJSON{}.Sign(ctx, doc, key, opts)
			return string(b), err
		}
		suite := dataintegrity.ECDSARDFC2019
		if _, ok := h.Holder.Public().(ed25519.PublicKey); ok {
			suite = dataintegrity.EdDSARDFC2022
		}
		s, err := dataintegrity.New(suite, dataintegrity.Options{Contexts: w.Contexts})
		if err != nil {
			return nil, err
		}
		b, err := s.Sign(ctx, doc, key, opts)
		return json.RawMessage(b), err
	}
	return nil, fmt.Errorf("format %q is not supported", clip(h.Format))
}

// Respond sends the vp_token to the response URI: form-encoded
// (direct_post) or encrypted to the verifier's key (direct_post.jwt). It
// returns the verifier's answer (with redirect_uri in the same-device
// flow).
func (w *Wallet) Respond(ctx context.Context, r *Request, vpToken map[string][]any) (*Ack, error) {
	tok, err := json.Marshal(vpToken)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	switch r.ResponseMode {
	case ModeDirectPostJWT:
		payload, _ := json.Marshal(map[string]any{"vp_token": json.RawMessage(tok), "state": r.State})
		jwe, err := openid4vc.Encrypt(payload, r.EncryptionKey, r.Enc, nil)
		if err != nil {
			return nil, err
		}
		form.Set("response", jwe)
	default:
		form.Set("vp_token", string(tok))
		if r.State != "" {
			form.Set("state", r.State)
		}
	}
	return w.post(ctx, r.ResponseURI, form)
}

// Decline answers the request with an error (access_denied when the
// student refuses or holds nothing that fits), unencrypted as OpenID4VP
// allows for error responses.
func (w *Wallet) Decline(ctx context.Context, r *Request, code, description string) error {
	form := url.Values{"error": {code}}
	if description != "" {
		form.Set("error_description", description)
	}
	if r.State != "" {
		form.Set("state", r.State)
	}
	_, err := w.post(ctx, r.ResponseURI, form)
	return err
}

func (w *Wallet) post(ctx context.Context, u string, form url.Values) (*Ack, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("posting the response: %w", err)
	}
	defer resp.Body.Close()
	b, err := netguard.ReadBody(resp.Body, resp.ContentLength, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("reading the verifier's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, openid4vc.ParseError(resp.StatusCode, resp.Header, b)
	}
	var ack Ack
	if len(bytes.TrimSpace(b)) > 0 {
		if err := jsonobj.Decode(b, &ack, jsonx.Limits{MaxBytes: 64 << 10}); err != nil {
			return nil, fmt.Errorf("the verifier's answer: %w", err)
		}
	}
	return &ack, nil
}
