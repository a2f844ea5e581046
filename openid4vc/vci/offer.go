package vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jsonobj"
)

// OfferScheme is the custom URL scheme of credential offers when the
// wallet's own offer endpoint is not known (OpenID4VCI 1.0 section 12.1).
const OfferScheme = "openid-credential-offer"

// MaxOfferBytes bounds a credential offer, by value or fetched.
const MaxOfferBytes = 64 << 10

// Offer is a Credential Offer (OpenID4VCI 1.0 section 4.1.1).
type Offer struct {
	CredentialIssuer           string   `json:"credential_issuer"`
	CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
	Grants                     *Grants  `json:"grants,omitempty"`
}

// Grants are the grants an offer says the authorization server accepts.
type Grants struct {
	AuthorizationCode *AuthorizationCodeGrant `json:"authorization_code,omitempty"`
	PreAuthorizedCode *PreAuthorizedCodeGrant `json:"urn:ietf:params:oauth:grant-type:pre-authorized_code,omitempty"`
}

// AuthorizationCodeGrant starts the authorization code flow.
type AuthorizationCodeGrant struct {
	IssuerState         string `json:"issuer_state,omitempty"`
	AuthorizationServer string `json:"authorization_server,omitempty"`
}

// PreAuthorizedCodeGrant carries the pre-authorized code.
type PreAuthorizedCodeGrant struct {
	PreAuthorizedCode   string  `json:"pre-authorized_code"`
	TxCode              *TxCode `json:"tx_code,omitempty"`
	AuthorizationServer string  `json:"authorization_server,omitempty"`
}

// TxCode says that a transaction code is needed, and what it looks like.
type TxCode struct {
	// InputMode is "numeric" (the default) or "text".
	InputMode string `json:"input_mode,omitempty"`
	// Length is the number of characters; zero when not said.
	Length int `json:"length,omitempty"`
	// Description tells the student where the code comes from (at most 300
	// characters).
	Description string `json:"description,omitempty"`
}

// Input modes of a transaction code.
const (
	InputNumeric = "numeric"
	InputText    = "text"
)

// ParseOffer reads a credential offer object from untrusted JSON and checks
// it (Validate). Unknown members are ignored; a member name that differs
// from a known one only by case is refused.
func ParseOffer(data []byte) (*Offer, error) { return parseOffer(data, false) }

// parseOffer is ParseOffer; allowHTTP also accepts an http
// credential_issuer (a client with AllowHTTP, on loopback).
func parseOffer(data []byte, allowHTTP bool) (*Offer, error) {
	var o Offer
	if err := jsonobj.Decode(data, &o, jsonx.Limits{MaxBytes: MaxOfferBytes, MaxDepth: 8}); err != nil {
		return nil, fmt.Errorf("credential offer: %w", err)
	}
	if err := o.validate(allowHTTP); err != nil {
		return nil, err
	}
	return &o, nil
}

// Validate checks what OpenID4VCI 1.0 section 4.1.1 requires of an offer:
// a credential_issuer URL (https, no query or fragment), a non-empty list
// of unique configuration ids, a non-empty pre-authorized code when that
// grant is offered, and a tx_code whose input_mode is numeric or text,
// whose length is not negative and whose description has at most 300
// characters.
func (o *Offer) Validate() error { return o.validate(false) }

func (o *Offer) validate(allowHTTP bool) error {
	if err := checkIssuerURL(o.CredentialIssuer, allowHTTP); err != nil {
		return fmt.Errorf("credential offer: credential_issuer: %w", err)
	}
	if len(o.CredentialConfigurationIDs) == 0 {
		return fmt.Errorf("credential offer: credential_configuration_ids is empty")
	}
	for i, id := range o.CredentialConfigurationIDs {
		if id == "" {
			return fmt.Errorf("credential offer: credential_configuration_ids[%d] is empty", i)
		}
		if slices.Contains(o.CredentialConfigurationIDs[:i], id) {
			return fmt.Errorf("credential offer: credential_configuration_ids lists %q twice", id)
		}
	}
	if o.Grants == nil {
		return nil
	}
	if p := o.Grants.PreAuthorizedCode; p != nil {
		if p.PreAuthorizedCode == "" {
			return fmt.Errorf("credential offer: the pre-authorized_code grant has no pre-authorized_code")
		}
		if tc := p.TxCode; tc != nil {
			if tc.InputMode != "" && tc.InputMode != InputNumeric && tc.InputMode != InputText {
				return fmt.Errorf("credential offer: tx_code.input_mode %q is neither numeric nor text", tc.InputMode)
			}
			if tc.Length < 0 || tc.Length > 64 {
				return fmt.Errorf("credential offer: tx_code.length %d is out of range", tc.Length)
			}
			if utf8.RuneCountInString(tc.Description) > 300 {
				return fmt.Errorf("credential offer: tx_code.description is over 300 characters")
			}
		}
	}
	return nil
}

// checkIssuerURL checks an identifier URL: https (or http when allowHTTP),
// a host, no user info, query or fragment.
func checkIssuerURL(s string, allowHTTP bool) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", clip(s))
	case u.Scheme != "https" && !(allowHTTP && u.Scheme == "http"):
		return fmt.Errorf("%q is not an https URL", clip(s))
	case u.Host == "" || u.User != nil:
		return fmt.Errorf("%q has no host, or has user info", clip(s))
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return fmt.Errorf("%q has a query or fragment", clip(s))
	}
	return nil
}

// OfferLink is what a credential offer link carries: the offer itself or
// the URL to fetch it from (exactly one).
type OfferLink struct {
	Offer *Offer
	URI   string
}

// ParseOfferLink reads a credential offer link: openid-credential-offer://
// (or any other scheme a wallet is invoked with, such as haip-vci:// or an
// https universal link) with exactly one of the query parameters
// credential_offer (the offer as JSON) and credential_offer_uri (an https
// URL to fetch it from).
func ParseOfferLink(link string) (*OfferLink, error) { return parseOfferLink(link, false) }

// parseOfferLink is ParseOfferLink; allowHTTP also accepts an http
// credential_offer_uri (a client with AllowHTTP, on loopback).
func parseOfferLink(link string, allowHTTP bool) (*OfferLink, error) {
	q, err := openid4vc.LinkQuery(link, 2*MaxOfferBytes, "credential offer link")
	if err != nil {
		return nil, err
	}
	byValue, byRef := q["credential_offer"], q["credential_offer_uri"]
	switch {
	case len(byValue)+len(byRef) == 0:
		return nil, fmt.Errorf("credential offer link has neither credential_offer nor credential_offer_uri")
	case len(byValue)+len(byRef) > 1:
		return nil, fmt.Errorf("credential offer link must have exactly one credential_offer or credential_offer_uri")
	case len(byValue) == 1:
		o, err := parseOffer([]byte(byValue[0]), allowHTTP)
		if err != nil {
			return nil, err
		}
		return &OfferLink{Offer: o}, nil
	}
	if err := checkIssuerURL(byRef[0], allowHTTP); err != nil && !strings.Contains(err.Error(), "query") {
		return nil, fmt.Errorf("credential_offer_uri: %w", err)
	}
	return &OfferLink{URI: byRef[0]}, nil
}

// Link returns the openid-credential-offer:// link of o, by value.
func (o *Offer) Link() string {
	b, _ := json.Marshal(o)
	return OfferScheme + "://?credential_offer=" + url.QueryEscape(string(b))
}

// ReferenceLink returns the openid-credential-offer:// link that points to
// an offer at uri.
func ReferenceLink(uri string) string {
	return OfferScheme + "://?credential_offer_uri=" + url.QueryEscape(uri)
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
