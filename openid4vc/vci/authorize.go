package vci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// Lifetimes of the authorization code flow's records.
const (
	parTTL      = 2 * time.Minute  // a pushed request_uri
	signInTTL   = 10 * time.Minute // a sign-in page and its one-time code
	authCodeTTL = 2 * time.Minute  // an authorization code
	// RequestURIPrefix starts the request_uri of a pushed authorization
	// request (RFC 9126).
	RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"
)

// AuthorizationRequest is an authorization request (RFC 6749 section
// 4.1.1, RFC 7636, RFC 9396, OpenID4VCI 1.0 section 5.1), pushed (PAR) or
// given at the authorization endpoint.
type AuthorizationRequest struct {
	ResponseType         string
	ClientID             string
	RedirectURI          string
	State                string
	CodeChallenge        string
	CodeChallengeMethod  string
	Scope                string
	IssuerState          string
	AuthorizationDetails []AuthorizationDetail
	// RequestURI refers to a pushed request (at the authorization endpoint).
	RequestURI string
}

// ParseAuthorizationRequest reads an authorization request from form or
// query values. A repeated parameter is invalid_request.
func ParseAuthorizationRequest(form url.Values) (*AuthorizationRequest, error) {
	if err := openid4vc.SingleValued(form); err != nil {
		return nil, err
	}
	r := &AuthorizationRequest{
		ResponseType: form.Get("response_type"), ClientID: form.Get("client_id"), RedirectURI: form.Get("redirect_uri"),
		State: form.Get("state"), CodeChallenge: form.Get("code_challenge"), CodeChallengeMethod: form.Get("code_challenge_method"),
		Scope: form.Get("scope"), IssuerState: form.Get("issuer_state"), RequestURI: form.Get("request_uri"),
	}
	if ad := form.Get("authorization_details"); ad != "" {
		d, err := ParseAuthorizationDetails([]byte(ad))
		if err != nil {
			return nil, err
		}
		r.AuthorizationDetails = d
	}
	return r, nil
}

// PARResponse is the answer to a pushed authorization request (RFC 9126).
type PARResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int    `json:"expires_in"`
}

// PushAuthorization checks an authorization request and keeps it for the
// authorization endpoint (RFC 9126), which the wallet then opens with the
// returned request_uri. Errors are *openid4vc.Error (invalid_request,
// invalid_scope, invalid_authorization_details).
func (is *Issuer) PushAuthorization(ctx context.Context, req *AuthorizationRequest) (*PARResponse, error) {
	if is.opts.SignIn == nil {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "this issuer offers no authorization code flow")
	}
	if req.RequestURI != "" {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "request_uri is not allowed in a pushed authorization request")
	}
	s, err := is.checkAuthorization(ctx, req)
	if err != nil {
		return nil, err
	}
	handle := openid4vc.NewHandle()
	if err := is.create(ctx, openid4vc.KindAuthSession, "par:"+openid4vc.Key(handle), s, is.now().Add(parTTL)); err != nil {
		return nil, err
	}
	return &PARResponse{RequestURI: RequestURIPrefix + handle, ExpiresIn: int(parTTL / time.Second)}, nil
}

// checkAuthorization validates a request and finds its offer.
func (is *Issuer) checkAuthorization(ctx context.Context, req *AuthorizationRequest) (*authSession, error) {
	switch {
	case req.ResponseType != "code":
		return nil, openid4vc.Errorf(openid4vc.CodeUnsupportedResponse, "response_type must be code")
	case req.ClientID == "":
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "client_id is missing")
	case req.CodeChallenge == "":
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "code_challenge is missing: PKCE (S256) is required")
	case req.CodeChallengeMethod != "S256":
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "code_challenge_method must be S256 (plain is not accepted)")
	case len(req.CodeChallenge) != 43:
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "code_challenge is not a base64url SHA-256 (43 characters)")
	}
	if err := checkRedirectURI(req.RedirectURI); err != nil {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "redirect_uri: %v", err)
	}
	if req.IssuerState == "" {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "issuer_state is missing: start from the credential offer the registrar sent")
	}
	var offerKey string
	found, err := is.load(ctx, openid4vc.KindAuthSession, "issuer-state:"+openid4vc.Key(req.IssuerState), &offerKey)
	if err != nil {
		return nil, err
	}
	var offer offerRecord
	if found {
		found, err = is.load(ctx, openid4vc.KindOffer, offerKey, &offer)
		if err != nil {
			return nil, err
		}
	}
	if !found || offer.State != offerPending || offer.Grant != GrantAuthorizationCode {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "issuer_state names no pending offer (unknown, used, withdrawn or expired)")
	}
	var configs []string
	for _, d := range req.AuthorizationDetails {
		if !slices.Contains(offer.Configurations, d.CredentialConfigurationID) {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidAuthorizationDetails, "credential_configuration_id %q was not offered", clip(d.CredentialConfigurationID))
		}
		if len(d.Locations) > 0 && !slices.Contains(d.Locations, is.opts.Issuer) {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidAuthorizationDetails, "locations does not name this credential issuer")
		}
		configs = append(configs, d.CredentialConfigurationID)
	}
	for _, sc := range strings.Fields(req.Scope) {
		for _, id := range offer.Configurations {
			if is.opts.Configurations[id].Scope == sc && !slices.Contains(configs, id) {
				configs = append(configs, id)
			}
		}
	}
	if len(configs) == 0 {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidScope, "neither scope nor authorization_details names a credential of the offer")
	}
	return &authSession{ClientID: req.ClientID, RedirectURI: req.RedirectURI, State: req.State, CodeChallenge: req.CodeChallenge,
		Configurations: configs, IssuerState: openid4vc.Key(req.IssuerState), OfferKey: offerKey}, nil
}

// checkRedirectURI accepts an absolute URI without fragment: https, http to
// a loopback address only (RFC 8252 section 7.3), or a private-use scheme
// of a native wallet (RFC 8252 section 7.1). javascript, data, file and
// other dangerous schemes are refused.
func checkRedirectURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("%q is not an absolute URI without fragment", clip(s))
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() || h == "localhost" {
			return nil
		}
		return fmt.Errorf("http is accepted for loopback addresses only")
	case "javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss":
		return fmt.Errorf("scheme %s is not accepted", u.Scheme)
	}
	return nil
}

// SignIn is a pending sign-in: the page shows Contact (masked) and asks for
// the code sent there; the form posts Session and the code back.
type SignIn struct {
	Session string
	// Contact is where the code was sent, masked ("c•••@uni.example").
	Contact string
	// Credentials are the configuration ids asked for.
	Credentials []string
	Expires     time.Time
}

// StartSignIn answers the authorization endpoint: it reads the pushed
// request (request_uri) or checks the request given, sends the student a
// one-time code through Options.SignIn, and returns the sign-in to show.
// Errors are *openid4vc.Error; they are shown to the person, not redirected
// (the redirect URI may not be trusted yet).
func (is *Issuer) StartSignIn(ctx context.Context, req *AuthorizationRequest) (*SignIn, error) {
	if is.opts.SignIn == nil {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "this issuer offers no authorization code flow")
	}
	var s *authSession
	if req.RequestURI != "" {
		handle, ok := strings.CutPrefix(req.RequestURI, RequestURIPrefix)
		if !ok {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "request_uri is not one this server issued")
		}
		r, err := openid4vc.Take(ctx, is.opts.Records, openid4vc.KindAuthSession, "par:"+openid4vc.Key(handle))
		if errors.Is(err, openid4vc.ErrNotFound) {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "request_uri is unknown, used or expired")
		}
		if err != nil {
			return nil, err
		}
		s = &authSession{}
		if err := json.Unmarshal(r.Value, s); err != nil {
			return nil, err
		}
		if req.ClientID != "" && req.ClientID != s.ClientID {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "client_id is not the one of the pushed request")
		}
	} else {
		var err error
		if s, err = is.checkAuthorization(ctx, req); err != nil {
			return nil, err
		}
	}
	// Count the codes sent: whoever holds the offer link could otherwise
	// flood the student with sign-in mails.
	var offer offerRecord
	err := is.opts.Records.Update(ctx, openid4vc.KindOffer, s.OfferKey, func(r openid4vc.Record) (*openid4vc.Record, error) {
		offer = offerRecord{}
		if err := json.Unmarshal(r.Value, &offer); err != nil {
			return nil, err
		}
		if offer.State != offerPending {
			return nil, openid4vc.Errorf(openid4vc.CodeAccessDenied, "the offer is no longer pending")
		}
		if offer.SignIns >= 2*is.opts.MaxAttempts {
			return nil, openid4vc.Errorf(openid4vc.CodeAccessDenied, "too many sign-in codes were sent for this offer; ask the registrar for a new offer")
		}
		offer.SignIns++
		b, err := json.Marshal(offer)
		if err != nil {
			return nil, err
		}
		return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
	})
	if errors.Is(err, openid4vc.ErrNotFound) {
		return nil, openid4vc.Errorf(openid4vc.CodeAccessDenied, "the offer is no longer pending")
	}
	if err != nil {
		return nil, err
	}
	session := openid4vc.NewHandle()
	code := openid4vc.Digits(6)
	s.SignInCode = openid4vc.Key(session + ":" + code)
	exp := is.now().Add(signInTTL)
	if err := is.create(ctx, openid4vc.KindAuthSession, "signin:"+openid4vc.Key(session), s, exp); err != nil {
		return nil, err
	}
	if err := is.opts.SignIn.SendSignInCode(ctx, offer.SignInContact, code); err != nil {
		_ = is.opts.Records.Delete(ctx, openid4vc.KindAuthSession, "signin:"+openid4vc.Key(session))
		return nil, fmt.Errorf("vci: sending the sign-in code: %w", err)
	}
	return &SignIn{Session: session, Contact: maskContact(offer.SignInContact), Credentials: s.Configurations, Expires: exp}, nil
}

// ErrWrongSignInCode is wrapped by CompleteSignIn for a wrong code that
// leaves attempts: the page asks again.
var ErrWrongSignInCode = errors.New("wrong sign-in code")

// CompleteSignIn checks the code typed on the sign-in page and, when it is
// right, redeems the offer and returns the URL to redirect the browser to:
// the wallet's redirect_uri with code, state and iss (RFC 9207). A wrong
// code returns an error wrapping ErrWrongSignInCode (and counts against the
// offer: after Options.MaxAttempts the offer locks, and the answer is a
// redirect with error=access_denied).
func (is *Issuer) CompleteSignIn(ctx context.Context, session, code string) (string, error) {
	key := "signin:" + openid4vc.Key(session)
	var s authSession
	var wrong bool
	err := is.opts.Records.Update(ctx, openid4vc.KindAuthSession, key, func(r openid4vc.Record) (*openid4vc.Record, error) {
		s, wrong = authSession{}, false
		if err := json.Unmarshal(r.Value, &s); err != nil {
			return nil, err
		}
		if openid4vc.Equal(openid4vc.Key(session+":"+code), s.SignInCode) {
			return nil, nil // used once
		}
		wrong = true
		s.Attempts++
		if s.Attempts >= is.opts.MaxAttempts {
			return nil, nil
		}
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
	})
	if errors.Is(err, openid4vc.ErrNotFound) {
		return "", openid4vc.Errorf(openid4vc.CodeAccessDenied, "the sign-in expired or was already completed; start again from the wallet")
	}
	if err != nil {
		return "", err
	}
	now := is.now()
	var locked, redeemed bool
	err = is.opts.Records.Update(ctx, openid4vc.KindOffer, s.OfferKey, func(r openid4vc.Record) (*openid4vc.Record, error) {
		var o offerRecord
		locked, redeemed = false, false
		if err := json.Unmarshal(r.Value, &o); err != nil {
			return nil, err
		}
		if o.State != offerPending {
			return nil, openid4vc.Errorf(openid4vc.CodeAccessDenied, "the offer is no longer pending")
		}
		exp := r.Expires
		if wrong {
			o.Attempts++
			if o.Attempts >= is.opts.MaxAttempts {
				o.State, o.Dataset, locked = offerLocked, nil, true
			}
		} else {
			o.State, redeemed = offerRedeemed, true
			if e := now.Add(authCodeTTL + is.opts.AccessTokenTTL + time.Minute); e.Before(exp) {
				exp = e
			}
		}
		b, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		return &openid4vc.Record{Value: b, Expires: exp}, nil
	})
	if err != nil {
		var e *openid4vc.Error
		if errors.As(err, &e) || errors.Is(err, openid4vc.ErrNotFound) {
			return redirectError(s, openid4vc.CodeAccessDenied, "the offer is no longer pending", is.opts.Issuer), nil
		}
		return "", err
	}
	switch {
	case locked || wrong && s.Attempts >= is.opts.MaxAttempts:
		return redirectError(s, openid4vc.CodeAccessDenied, "too many wrong sign-in codes; ask the registrar for a new offer", is.opts.Issuer), nil
	case wrong:
		return "", fmt.Errorf("%w (%d of %d attempts used)", ErrWrongSignInCode, s.Attempts, is.opts.MaxAttempts)
	case !redeemed:
		return "", errors.New("vci: sign-in neither redeemed nor refused")
	}
	_ = is.opts.Records.Delete(ctx, openid4vc.KindAuthSession, "issuer-state:"+s.IssuerState)
	offerIDs := identifiers(s.OfferKey, s.Configurations)
	authCode := openid4vc.NewHandle()
	g := grantRecord{OfferKey: s.OfferKey, Identifiers: offerIDs, ClientID: s.ClientID, CodeChallenge: s.CodeChallenge, RedirectURI: s.RedirectURI}
	if err := is.create(ctx, openid4vc.KindAuthCode, openid4vc.Key(authCode), g, now.Add(authCodeTTL)); err != nil {
		return "", err
	}
	v := url.Values{"code": {authCode}, "iss": {is.opts.Issuer}}
	if s.State != "" {
		v.Set("state", s.State)
	}
	return addQuery(s.RedirectURI, v), nil
}

func redirectError(s authSession, code, desc, iss string) string {
	v := url.Values{"error": {code}, "error_description": {desc}, "iss": {iss}}
	if s.State != "" {
		v.Set("state", s.State)
	}
	return addQuery(s.RedirectURI, v)
}

func addQuery(u string, v url.Values) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + v.Encode()
}

// maskContact shows enough of a contact for the student to recognise it.
func maskContact(c string) string {
	if user, domain, ok := strings.Cut(c, "@"); ok && user != "" {
		return user[:1] + "•••@" + domain
	}
	if len(c) > 4 {
		return "•••" + c[len(c)-4:]
	}
	return "•••"
}
