package vci

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// The records the issuer keeps in openid4vc.Records. Their JSON is not an
// API: only this package reads it.

// Offer states.
const (
	offerPending  = "pending"
	offerRedeemed = "redeemed"
	offerLocked   = "locked"
	offerRevoked  = "revoked"
)

// offerRecord is an offer (KindOffer, key Key(offer id)).
type offerRecord struct {
	Offer          json.RawMessage `json:"offer"`
	Configurations []string        `json:"configurations"`
	Dataset        []byte          `json:"dataset"`
	State          string          `json:"state"`
	Grant          string          `json:"grant"`
	// TxCode is Key(offer id + ":" + code), "" when no code is needed.
	TxCode   string `json:"txCode,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
	// PreAuthKey and IssuerStateKey are the storage keys of the offer's
	// pre-authorized code and issuer_state, deleted on redemption.
	PreAuthKey     string `json:"preAuthKey,omitempty"`
	IssuerStateKey string `json:"issuerStateKey,omitempty"`
	SignInContact  string `json:"signInContact,omitempty"`
	// SignIns counts the sign-in codes sent for the offer.
	SignIns int       `json:"signIns,omitempty"`
	Created time.Time `json:"created"`
}

// grantRecord is what a token, or an authorization code, gives access to.
type grantRecord struct {
	OfferKey string `json:"offer"`
	// Identifiers maps each credential_identifier to its configuration id.
	Identifiers map[string]string `json:"identifiers"`
	// JKT is the DPoP key thumbprint the token is bound to ("" bearer).
	JKT      string `json:"jkt,omitempty"`
	ClientID string `json:"clientId,omitempty"`
	// For authorization codes: PKCE and the redirect.
	CodeChallenge string `json:"codeChallenge,omitempty"`
	RedirectURI   string `json:"redirectUri,omitempty"`
}

// authSession is a pending authorization (KindAuthSession): first the
// pushed request (key Key(request_uri)), then the sign-in (key
// Key(session handle)).
type authSession struct {
	ClientID       string   `json:"clientId"`
	RedirectURI    string   `json:"redirectUri"`
	State          string   `json:"state,omitempty"`
	CodeChallenge  string   `json:"codeChallenge"`
	Configurations []string `json:"configurations"`
	IssuerState    string   `json:"issuerState,omitempty"`
	OfferKey       string   `json:"offer,omitempty"`
	// SignInCode is Key(session + ":" + code) once a code was sent.
	SignInCode string `json:"signInCode,omitempty"`
	Attempts   int    `json:"attempts,omitempty"`
}

// notificationRecord is a notification id (KindNotification).
type notificationRecord struct {
	OfferKey string   `json:"offer"`
	Events   []string `json:"events,omitempty"`
}

func (is *Issuer) create(ctx context.Context, kind, key string, v any, exp time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return is.opts.Records.Create(ctx, kind, key, openid4vc.Record{Value: b, Expires: exp})
}

// load reads the live record into v; found is false when there is none.
func (is *Issuer) load(ctx context.Context, kind, key string, v any) (found bool, err error) {
	r, err := is.opts.Records.Get(ctx, kind, key)
	if errors.Is(err, openid4vc.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(r.Value, v)
}
