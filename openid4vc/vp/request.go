package vp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// RequestOptions say what one presentation request asks.
type RequestOptions struct {
	// Query is what to present; it must pass Validate.
	Query dcql.Query
	// ResponseMode overrides Options.ResponseMode.
	ResponseMode string
	// ByValue puts the signed request object in the link (request=…)
	// instead of a request_uri (HAIP asks for request_uri).
	ByValue bool
	// RequestURIMethodPost adds request_uri_method=post: the wallet posts
	// its metadata and a wallet_nonce to fetch the request object.
	RequestURIMethodPost bool
	// RedirectURI, for the same-device flow, is the verifier's page the
	// wallet sends the browser back to after answering; response_code is
	// added to it, and Result then needs that code (session binding, HAIP).
	// Empty: cross-device, no redirect.
	RedirectURI string
	// Scheme invokes the wallet; empty: "openid4vp://". HAIP wallets may
	// register "haip-vp://".
	Scheme string
}

// CreatedRequest is a presentation request ready to show (as a link or a
// QR code).
type CreatedRequest struct {
	// TransactionID is the frontend's secret to fetch the result (Result);
	// it never goes to the wallet.
	TransactionID string
	// State identifies the request in the response; RequestURI is where
	// the wallet fetches the request object ("" by value).
	State, RequestURI string
	// Nonce binds the presentations to this request.
	Nonce string
	// Link invokes the wallet.
	Link    string
	Expires time.Time
}

// Request states.
const (
	statePending  = "pending"
	stateAnswered = "answered"
)

// requestRecord is a pending request (KindVPRequest, key Key(state)).
type requestRecord struct {
	Status       string          `json:"status"`
	Nonce        string          `json:"nonce"`
	Query        json.RawMessage `json:"query"`
	ResponseMode string          `json:"responseMode"`
	// EncSealed is the ephemeral response encryption key (direct_post.jwt):
	// its private scalar sealed by Options.Sealer (ad: encAD(EncKid)), and
	// EncKid its kid. EncD is the scalar in plaintext, as versions before
	// the Sealer stored it: read (a request made by such a node during a
	// rolling upgrade), never written.
	EncSealed     []byte `json:"encSealed,omitempty"`
	EncD          []byte `json:"encD,omitempty"`
	EncKid        string `json:"encKid,omitempty"`
	RedirectURI   string `json:"redirectUri,omitempty"`
	TransactionID string `json:"tx"` // Key(transaction id)
	Method        string `json:"method,omitempty"`
}

// resultRecord is the outcome for the frontend (KindVPResult, key
// Key(transaction id)).
type resultRecord struct {
	Result
	// ResponseCode is Key(response_code) for the same-device flow.
	ResponseCode string `json:"responseCode,omitempty"`
}

// CreateRequest makes a presentation request: a fresh state, nonce,
// transaction id and (direct_post.jwt) an ephemeral P-256 key for this
// request alone, all stored until Options.RequestTTL; and the link that
// invokes the wallet, carrying client_id and request_uri (or the signed
// request object, or for redirect_uri the plain parameters).
func (rp *RelyingParty) CreateRequest(ctx context.Context, ro RequestOptions) (*CreatedRequest, error) {
	if err := ro.Query.Validate(); err != nil {
		return nil, fmt.Errorf("vp: %w", err)
	}
	mode := ro.ResponseMode
	if mode == "" {
		mode = rp.opts.ResponseMode
	}
	if mode != ModeDirectPost && mode != ModeDirectPostJWT {
		return nil, fmt.Errorf("vp: response mode %q: use direct_post or direct_post.jwt", mode)
	}
	if ro.RedirectURI != "" {
		if err := checkURL(ro.RedirectURI, rp.opts.AllowHTTP); err != nil {
			return nil, fmt.Errorf("vp: RedirectURI: %w", err)
		}
	}
	byValue := ro.ByValue || rp.opts.RequestURIBase == ""
	if rp.opts.Prefix == PrefixRedirectURI && !byValue {
		byValue = true
	}
	q, err := json.Marshal(ro.Query)
	if err != nil {
		return nil, err
	}
	now := rp.now()
	state, tx := openid4vc.NewHandle(), openid4vc.NewHandle()
	rec := requestRecord{Status: statePending, Nonce: openid4vc.NewHandle(), Query: q, ResponseMode: mode,
		RedirectURI: ro.RedirectURI, TransactionID: openid4vc.Key(tx)}
	if ro.RequestURIMethodPost && !byValue {
		rec.Method = "post"
	}
	if mode == ModeDirectPostJWT {
		k, err := openid4vc.NewEncryptionKey()
		if err != nil {
			return nil, err
		}
		d, err := k.Bytes()
		if err != nil {
			return nil, err
		}
		rec.EncKid = openid4vc.Key(state)
		rec.EncSealed, err = rp.opts.Sealer.SealData(encAD(rec.EncKid), d)
		clear(d)
		if err != nil {
			return nil, fmt.Errorf("vp: sealing the response key: %w", err)
		}
	}
	exp := now.Add(rp.opts.RequestTTL)
	b, _ := json.Marshal(rec)
	if err := rp.opts.Records.Create(ctx, openid4vc.KindVPRequest, openid4vc.Key(state), openid4vc.Record{Value: b, Expires: exp}); err != nil {
		return nil, err
	}
	res, _ := json.Marshal(resultRecord{Result: Result{Status: StatusPending, State: state}})
	// The result outlives the request so that the frontend can read it.
	if err := rp.opts.Records.Create(ctx, openid4vc.KindVPResult, openid4vc.Key(tx), openid4vc.Record{Value: res, Expires: exp.Add(rp.opts.RequestTTL)}); err != nil {
		return nil, err
	}
	out := &CreatedRequest{TransactionID: tx, State: state, Nonce: rec.Nonce, Expires: exp}
	scheme := ro.Scheme
	if scheme == "" {
		scheme = "openid4vp://"
	}
	link := url.Values{"client_id": {rp.clientID}}
	switch {
	case rp.opts.Prefix == PrefixRedirectURI:
		params, err := rp.requestParams(&rec, state, "")
		if err != nil {
			return nil, err
		}
		for k, v := range params {
			switch v := v.(type) {
			case string:
				link.Set(k, v)
			default:
				j, _ := json.Marshal(v)
				link.Set(k, string(j))
			}
		}
	case byValue:
		jwt, err := rp.signRequest(&rec, state, "")
		if err != nil {
			return nil, err
		}
		link.Set("request", jwt)
	default:
		out.RequestURI = rp.opts.RequestURIBase + state
		link.Set("request_uri", out.RequestURI)
		if rec.Method == "post" {
			link.Set("request_uri_method", "post")
		}
	}
	out.Link = scheme + "?" + link.Encode()
	return out, nil
}

// requestParams are the authorization request parameters of rec.
func (rp *RelyingParty) requestParams(rec *requestRecord, state, walletNonce string) (map[string]any, error) {
	meta := map[string]any{"vp_formats_supported": vpFormats()}
	if rec.ResponseMode == ModeDirectPostJWT {
		k, err := rp.encKey(rec)
		if err != nil {
			return nil, err
		}
		jwk, err := openid4vc.PublicEncryptionJWK(k, rec.EncKid)
		if err != nil {
			return nil, err
		}
		meta["jwks"] = map[string]any{"keys": []any{jwk}}
		meta["encrypted_response_enc_values_supported"] = []string{openid4vc.EncA128GCM, openid4vc.EncA256GCM}
	}
	p := map[string]any{
		"client_id":       rp.clientID,
		"response_type":   "vp_token",
		"response_mode":   rec.ResponseMode,
		"response_uri":    rp.opts.ResponseURI,
		"nonce":           rec.Nonce,
		"state":           state,
		"dcql_query":      rec.Query,
		"client_metadata": meta,
	}
	if walletNonce != "" {
		p["wallet_nonce"] = walletNonce
	}
	return p, nil
}

// vpFormats is the verifier's vp_formats_supported.
func vpFormats() map[string]any {
	algs := jwt.AllAlgs
	return map[string]any{
		dcql.FormatSDJWT: map[string]any{"sd-jwt_alg_values": slices.Concat(algs, []string{"RS256", "PS256"}), "kb-jwt_alg_values": algs},
		dcql.FormatJWTVC: map[string]any{"alg_values": slices.Concat(algs, []string{"ES256K", "RS256", "PS256"})},
		dcql.FormatLDPVC: map[string]any{"proof_type_values": []string{"DataIntegrityProof", "Ed25519Signature2020"},
			"cryptosuite_values": []string{"eddsa-rdfc-2022", "ecdsa-rdfc-2019"}},
	}
}

// encKey opens the request's response decryption key.
func (rp *RelyingParty) encKey(rec *requestRecord) (*ecdsa.PrivateKey, error) {
	switch {
	case len(rec.EncSealed) > 0:
		d, err := rp.opts.Sealer.OpenData(encAD(rec.EncKid), rec.EncSealed)
		if err != nil {
			return nil, fmt.Errorf("vp: the request's response key does not open (sealed by a node with another key?): %w", err)
		}
		defer clear(d)
		return ecdsaFromD(d)
	case len(rec.EncD) > 0:
		return ecdsaFromD(rec.EncD)
	}
	return nil, errNoEncKey
}

var errNoEncKey = errors.New("vp: the request has no encryption key")

// encAD is the associated data a request's response key is sealed with:
// it names the request, so that a sealed key copied into another request
// does not open there.
func encAD(kid string) []byte { return []byte("openid4vp response key\x00" + kid) }

// signRequest makes the request object: typ oauth-authz-req+jwt, x5c or
// kid as the prefix needs, the parameters as claims with aud
// https://self-issued.me/v2, iat and exp.
func (rp *RelyingParty) signRequest(rec *requestRecord, state, walletNonce string) (string, error) {
	claims, err := rp.requestParams(rec, state, walletNonce)
	if err != nil {
		return "", err
	}
	now := rp.now()
	claims["aud"] = AudSelfIssued
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(rp.opts.RequestTTL).Unix()
	h := map[string]any{"typ": TypRequestObject}
	switch rp.opts.Prefix {
	case PrefixX509Hash, PrefixX509SanDNS:
		h["x5c"] = jwt.X5CStrings(rp.opts.Chain)
	case PrefixDID:
		h["kid"] = rp.opts.KeyID
	default:
		return "", fmt.Errorf("vp: requests of prefix %s are not signed", rp.opts.Prefix)
	}
	return jwt.Sign(rp.opts.Signer, rp.algs, h, claims)
}

// ErrUnknownRequest is wrapped when a state or request_uri names no pending
// request.
var ErrUnknownRequest = errors.New("no pending presentation request")

// RequestObject returns the signed request object of a pending request (the
// request_uri endpoint): method is "GET" or "POST"; with POST, walletNonce
// (when the wallet sent one) goes into the object. Errors: an
// *openid4vc.Error (invalid_request_uri_method, invalid_request) wrapping
// ErrUnknownRequest for an unknown, answered or expired request.
func (rp *RelyingParty) RequestObject(ctx context.Context, state, method, walletNonce string) (string, error) {
	r, err := rp.opts.Records.Get(ctx, openid4vc.KindVPRequest, openid4vc.Key(state))
	if errors.Is(err, openid4vc.ErrNotFound) {
		return "", &openid4vc.Error{Code: openid4vc.CodeInvalidRequest, Description: "no pending presentation request here (unknown, answered or expired)", Status: 404, Err: ErrUnknownRequest}
	}
	if err != nil {
		return "", err
	}
	var rec requestRecord
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		return "", err
	}
	if rec.Status != statePending {
		return "", &openid4vc.Error{Code: openid4vc.CodeInvalidRequest, Description: "the presentation request was already answered", Status: 404, Err: ErrUnknownRequest}
	}
	switch {
	case method == "POST" && rec.Method != "post":
		return "", openid4vc.Errorf(openid4vc.CodeInvalidRequestURIMethod, "this request_uri is fetched with GET")
	case method != "GET" && method != "POST":
		return "", openid4vc.Errorf(openid4vc.CodeInvalidRequestURIMethod, "method %s: use GET or POST", clip(method))
	case method == "GET":
		walletNonce = ""
	}
	if len(walletNonce) > 256 {
		return "", openid4vc.Errorf(openid4vc.CodeInvalidRequest, "wallet_nonce over 256 characters")
	}
	return rp.signRequest(&rec, state, walletNonce)
}

// ecdsaFromD rebuilds a P-256 private key from its scalar.
func ecdsaFromD(d []byte) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("vp: stored encryption key: %w", err)
	}
	return k, nil
}
