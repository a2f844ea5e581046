package vci

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jsonobj"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// TokenRequest is a token request (RFC 6749 section 4.1.3, OpenID4VCI 1.0
// section 6.1), read from the form with ParseTokenRequest.
type TokenRequest struct {
	GrantType string
	// Pre-authorized code grant.
	PreAuthorizedCode string
	TxCode            string
	HasTxCode         bool
	// Authorization code grant.
	Code         string
	CodeVerifier string
	RedirectURI  string
	ClientID     string
	// AuthorizationDetails narrows the grant to some configurations.
	AuthorizationDetails []AuthorizationDetail
	// DPoP is the DPoP header ("" when absent).
	DPoP string
}

// AuthorizationDetail is an authorization_details entry of type
// openid_credential (OpenID4VCI 1.0 section 5.1.1).
type AuthorizationDetail struct {
	Type                      string   `json:"type"`
	CredentialConfigurationID string   `json:"credential_configuration_id"`
	Locations                 []string `json:"locations,omitempty"`
	// CredentialIdentifiers is set in token responses.
	CredentialIdentifiers []string `json:"credential_identifiers,omitempty"`
}

// TokenResponse is a successful token response.
type TokenResponse struct {
	AccessToken          string                `json:"access_token"`
	TokenType            string                `json:"token_type"`
	ExpiresIn            int64                 `json:"expires_in"`
	AuthorizationDetails []AuthorizationDetail `json:"authorization_details,omitempty"`
}

// ParseTokenRequest reads a token request from its form values and DPoP
// header. A parameter given twice, or authorization_details that is not a
// JSON array of objects, is an invalid_request *openid4vc.Error.
func ParseTokenRequest(form url.Values, dpop string) (*TokenRequest, error) {
	if err := openid4vc.SingleValued(form); err != nil {
		return nil, err
	}
	r := &TokenRequest{
		GrantType: form.Get("grant_type"), PreAuthorizedCode: form.Get("pre-authorized_code"),
		Code: form.Get("code"), CodeVerifier: form.Get("code_verifier"), RedirectURI: form.Get("redirect_uri"),
		ClientID: form.Get("client_id"), DPoP: dpop,
	}
	r.TxCode, r.HasTxCode = form.Get("tx_code"), form.Has("tx_code")
	if ad := form.Get("authorization_details"); ad != "" {
		details, err := ParseAuthorizationDetails([]byte(ad))
		if err != nil {
			return nil, err
		}
		r.AuthorizationDetails = details
	}
	return r, nil
}

// ParseAuthorizationDetails reads authorization_details: a JSON array of
// objects; entries of other types than openid_credential are ignored.
func ParseAuthorizationDetails(data []byte) ([]AuthorizationDetail, error) {
	var all []AuthorizationDetail
	if err := jsonobj.Decode(data, &all, jsonx.Limits{MaxBytes: 16 << 10, MaxDepth: 6}); err != nil {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "authorization_details: %v", err)
	}
	var out []AuthorizationDetail
	for i, d := range all {
		if d.Type != "openid_credential" {
			continue
		}
		if d.CredentialConfigurationID == "" {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "authorization_details[%d] has no credential_configuration_id", i)
		}
		out = append(out, d)
	}
	if len(all) > 0 && len(out) == 0 {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidAuthorizationDetails, "authorization_details has no entry of type openid_credential")
	}
	return out, nil
}

// Token answers a token request: it redeems a pre-authorized code (with its
// transaction code) or an authorization code (with PKCE), binds the access
// token to the DPoP key when a DPoP proof comes with the request (or
// requires one, with Options.RequireDPoP), and returns a short-lived
// access token for the offer's credentials, each with a
// credential_identifier. Errors are *openid4vc.Error with the codes of
// OpenID4VCI 1.0 section 6.3 and RFC 9449: invalid_grant for an unknown,
// used, expired, revoked or locked code and for a wrong transaction code
// (the offer locks after Options.MaxAttempts wrong codes), invalid_request
// for a missing or unexpected transaction code, invalid_dpop_proof.
func (is *Issuer) Token(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	var jkt string
	if req.DPoP != "" {
		p, err := openid4vc.CheckDPoP(ctx, req.DPoP, openid4vc.DPoPCheck{
			Method: "POST", URL: is.ep.Token, Now: is.now(), Algs: is.algs, Replay: is.opts.Records,
		})
		if err != nil {
			return nil, err
		}
		jkt = p.Thumbprint
	} else if is.opts.RequireDPoP {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidDPoPProof, "this authorization server requires a DPoP proof with the token request")
	}
	var g *grantRecord
	var err error
	switch req.GrantType {
	case GrantPreAuthorizedCode:
		g, err = is.redeemPreAuthorized(ctx, req)
	case GrantAuthorizationCode:
		g, err = is.redeemCode(ctx, req)
	case "":
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "grant_type is missing")
	default:
		return nil, openid4vc.Errorf(openid4vc.CodeUnsupportedGrantType, "grant_type %q is not supported (%s, %s)", clip(req.GrantType), GrantPreAuthorizedCode, GrantAuthorizationCode)
	}
	if err != nil {
		return nil, err
	}
	g.JKT = jkt
	return is.issueToken(ctx, g, req.AuthorizationDetails)
}

// redeemPreAuthorized takes the offer behind a pre-authorized code, checking
// its transaction code, and marks it redeemed.
func (is *Issuer) redeemPreAuthorized(ctx context.Context, req *TokenRequest) (*grantRecord, error) {
	if req.PreAuthorizedCode == "" {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "pre-authorized_code is missing")
	}
	if req.CodeVerifier != "" || req.Code != "" {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "code and code_verifier belong to the authorization_code grant")
	}
	codeKey := openid4vc.Key(req.PreAuthorizedCode)
	var offerKey string
	found, err := is.load(ctx, openid4vc.KindPreAuthCode, codeKey, &offerKey)
	if err != nil {
		return nil, err
	}
	unknown := openid4vc.Errorf(openid4vc.CodeInvalidGrant, "the pre-authorized code is unknown, already used or expired")
	if !found {
		return nil, unknown
	}
	var wrongCode, locked bool
	var rec offerRecord
	now := is.now()
	err = is.opts.Records.Update(ctx, openid4vc.KindOffer, offerKey, func(r openid4vc.Record) (*openid4vc.Record, error) {
		wrongCode, locked = false, false
		rec = offerRecord{}
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return nil, err
		}
		switch rec.State {
		case offerPending:
		case offerLocked:
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "the offer is locked after %d wrong transaction codes; ask the registrar for a new offer", is.opts.MaxAttempts)
		case offerRevoked:
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "the offer was withdrawn by the issuer")
		default:
			return nil, unknown
		}
		if rec.PreAuthKey != codeKey {
			return nil, unknown
		}
		switch {
		case rec.TxCode == "" && req.HasTxCode:
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "tx_code was sent but the offer asks for none")
		case rec.TxCode != "" && !req.HasTxCode:
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the offer asks for a transaction code (tx_code) and none was sent")
		case rec.TxCode != "":
			// The offer id is not known here; the code is checked against
			// its digest with the offer key, which only the digest of the
			// offer id is.
			if !openid4vc.Equal(txDigest(offerKey, req.TxCode), rec.TxCode) {
				rec.Attempts++
				wrongCode = true
				if rec.Attempts >= is.opts.MaxAttempts {
					rec.State, rec.Dataset, locked = offerLocked, nil, true
				}
				b, err := json.Marshal(rec)
				if err != nil {
					return nil, err
				}
				return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
			}
		}
		rec.State = offerRedeemed
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		// The dataset is kept only while the access token lives.
		exp := now.Add(is.opts.AccessTokenTTL + time.Minute)
		if exp.After(r.Expires) {
			exp = r.Expires
		}
		return &openid4vc.Record{Value: b, Expires: exp}, nil
	})
	switch {
	case errors.Is(err, openid4vc.ErrNotFound):
		return nil, unknown
	case err != nil:
		return nil, err
	case locked:
		_ = is.opts.Records.Delete(ctx, openid4vc.KindPreAuthCode, codeKey)
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "wrong transaction code; the offer is now locked after %d attempts", is.opts.MaxAttempts)
	case wrongCode:
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "wrong transaction code (%d of %d attempts used)", rec.Attempts, is.opts.MaxAttempts)
	}
	_ = is.opts.Records.Delete(ctx, openid4vc.KindPreAuthCode, codeKey)
	return &grantRecord{OfferKey: offerKey, Identifiers: identifiers(offerKey, rec.Configurations), ClientID: req.ClientID}, nil
}

// txDigest is the stored form of a transaction code: the offer id is not
// kept, so the digest is made over the offer key (the digest of its id).
func txDigest(offerKey, code string) string { return openid4vc.Key(offerKey + ":" + code) }

// identifiers gives each configuration of an offer a credential_identifier
// unique to that offer.
func identifiers(offerKey string, configs []string) map[string]string {
	out := make(map[string]string, len(configs))
	for _, c := range configs {
		sum := sha256.Sum256([]byte(offerKey + "\x00" + c))
		out[jwt.B64.EncodeToString(sum[:18])] = c
	}
	return out
}

var pkceVerifierRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// redeemCode takes an authorization code and checks PKCE and the redirect.
func (is *Issuer) redeemCode(ctx context.Context, req *TokenRequest) (*grantRecord, error) {
	if req.Code == "" {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "code is missing")
	}
	if req.PreAuthorizedCode != "" || req.HasTxCode {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "pre-authorized_code and tx_code belong to the pre-authorized code grant")
	}
	r, err := openid4vc.Take(ctx, is.opts.Records, openid4vc.KindAuthCode, openid4vc.Key(req.Code))
	if errors.Is(err, openid4vc.ErrNotFound) {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "the authorization code is unknown, already used or expired")
	}
	if err != nil {
		return nil, err
	}
	var g grantRecord
	if err := json.Unmarshal(r.Value, &g); err != nil {
		return nil, err
	}
	switch {
	case req.ClientID != g.ClientID:
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "the authorization code was issued to another client_id")
	case req.RedirectURI != g.RedirectURI:
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "redirect_uri is not the one of the authorization request")
	case req.CodeVerifier == "":
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "code_verifier is missing (PKCE is required)")
	case !pkceVerifierRE.MatchString(req.CodeVerifier):
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
	case !openid4vc.Equal(S256(req.CodeVerifier), g.CodeChallenge):
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidGrant, "code_verifier does not match the code_challenge (S256)")
	}
	g.CodeChallenge, g.RedirectURI = "", ""
	return &g, nil
}

// S256 is the PKCE S256 code challenge of a verifier (RFC 7636 section 4.2).
func S256(verifier string) string {
	s := sha256.Sum256([]byte(verifier))
	return jwt.B64.EncodeToString(s[:])
}

// issueToken stores an access token for g, narrowed to details when given.
func (is *Issuer) issueToken(ctx context.Context, g *grantRecord, details []AuthorizationDetail) (*TokenResponse, error) {
	if len(details) > 0 {
		keep := map[string]string{}
		for _, d := range details {
			found := false
			for id, c := range g.Identifiers {
				if c == d.CredentialConfigurationID {
					keep[id], found = c, true
				}
			}
			if !found {
				return nil, openid4vc.Errorf(openid4vc.CodeInvalidAuthorizationDetails, "credential_configuration_id %q was not offered", clip(d.CredentialConfigurationID))
			}
		}
		g.Identifiers = keep
	}
	token := openid4vc.NewHandle()
	exp := is.now().Add(is.opts.AccessTokenTTL)
	if err := is.create(ctx, openid4vc.KindAccessToken, openid4vc.Key(token), g, exp); err != nil {
		return nil, err
	}
	resp := &TokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(is.opts.AccessTokenTTL / time.Second)}
	if g.JKT != "" {
		resp.TokenType = "DPoP"
	}
	byConfig := map[string][]string{}
	for id, c := range g.Identifiers {
		byConfig[c] = append(byConfig[c], id)
	}
	configs := make([]string, 0, len(byConfig))
	for c := range byConfig {
		configs = append(configs, c)
	}
	slices.Sort(configs)
	for _, c := range configs {
		ids := byConfig[c]
		slices.Sort(ids)
		resp.AuthorizationDetails = append(resp.AuthorizationDetails, AuthorizationDetail{
			Type: "openid_credential", CredentialConfigurationID: c, CredentialIdentifiers: ids,
		})
	}
	return resp, nil
}

// accessGrant looks up an access token presented to a protected resource
// (the credential and notification endpoints) and checks its DPoP binding:
// scheme is "Bearer" or "DPoP", proof the DPoP header, endpoint the URL
// the request was made to. Errors are resource errors (401 with a
// WWW-Authenticate challenge).
func (is *Issuer) accessGrant(ctx context.Context, scheme, token, proof, endpoint string) (*grantRecord, error) {
	fail := func(code, format string, args ...any) error {
		e := openid4vc.Errorf(code, format, args...)
		e.Resource, e.DPoP = true, scheme == "DPoP" || proof != ""
		return e
	}
	if token == "" {
		return nil, fail(openid4vc.CodeInvalidToken, "no access token (Authorization: Bearer or DPoP)")
	}
	var g grantRecord
	found, err := is.load(ctx, openid4vc.KindAccessToken, openid4vc.Key(token), &g)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fail(openid4vc.CodeInvalidToken, "the access token is unknown or expired")
	}
	switch {
	case g.JKT == "" && scheme == "DPoP":
		return nil, fail(openid4vc.CodeInvalidToken, "the access token is not DPoP-bound; present it as a Bearer token")
	case g.JKT != "" && scheme != "DPoP":
		return nil, fail(openid4vc.CodeInvalidToken, "the access token is DPoP-bound; present it with the DPoP scheme and a DPoP proof")
	case g.JKT != "":
		_, err := openid4vc.CheckDPoP(ctx, proof, openid4vc.DPoPCheck{
			Method: "POST", URL: endpoint, AccessToken: token, Thumbprint: g.JKT, Now: is.now(), Algs: is.algs, Replay: is.opts.Records,
		})
		if err != nil {
			var e *openid4vc.Error
			if errors.As(err, &e) {
				e.Resource, e.DPoP = true, true
			}
			return nil, err
		}
	case proof != "":
		return nil, fail(openid4vc.CodeInvalidRequest, "a DPoP proof came with a Bearer token")
	}
	return &g, nil
}

// ParseAuthorization splits an Authorization header into its scheme
// (Bearer or DPoP, case-insensitive) and token.
func ParseAuthorization(h string) (scheme, token string, err error) {
	if h == "" {
		return "", "", nil
	}
	s, t, ok := strings.Cut(strings.TrimSpace(h), " ")
	t = strings.TrimSpace(t)
	if !ok || t == "" {
		return "", "", fmt.Errorf("malformed Authorization header")
	}
	switch {
	case strings.EqualFold(s, "Bearer"):
		return "Bearer", t, nil
	case strings.EqualFold(s, "DPoP"):
		return "DPoP", t, nil
	}
	return "", "", fmt.Errorf("authorization scheme %q is not Bearer or DPoP", clip(s))
}
