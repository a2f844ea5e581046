package vci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// OfferRequest is what the registrar offers one student.
type OfferRequest struct {
	// Configurations are the credential configuration ids offered; at
	// least one, each among Options.Configurations.
	Configurations []string
	// Dataset is what the CredentialIssuer will need to issue (for
	// Diplomat: the template and the record, or an issued credential's
	// id). It is kept with the offer until the offer expires or its access
	// token does, and never sent to the wallet.
	Dataset []byte
	// TxCode, when set, asks for a transaction code with the pre-authorized
	// code: CreateOffer makes one of this shape and returns it, for the
	// registrar to send the student through another channel.
	TxCode *TxCodeRequest
	// SignIn, when set, makes an authorization code offer instead of a
	// pre-authorized one: the student signs in at the authorization
	// endpoint with a one-time code sent to this contact (an e-mail
	// address or another handle SignInSender understands). It needs
	// Options.SignIn.
	SignIn string
	// ByReference makes the link carry a credential_offer_uri (for QR
	// codes) instead of the offer itself.
	ByReference bool
	// TTL is how long the offer may be redeemed; zero: Options.OfferTTL.
	TTL time.Duration
}

// TxCodeRequest is the transaction code to make.
type TxCodeRequest struct {
	// Length is the number of characters; zero: 6.
	Length int
	// InputMode is InputNumeric (zero value) or InputText.
	InputMode string
	// Description tells the student where the code comes from (at most 300
	// characters); empty: none.
	Description string
}

// CreatedOffer is an offer ready to give the student.
type CreatedOffer struct {
	// ID identifies the offer (RevokeOffer); it is also the last segment of
	// its credential_offer_uri. Treat it as a secret: whoever has it can
	// fetch the offer.
	ID string
	// Offer is the credential offer.
	Offer Offer
	// Link is the openid-credential-offer:// link, by value or by reference.
	Link string
	// URI is the credential_offer_uri (also when the link is by value).
	URI string
	// TxCode is the transaction code to send the student separately, ""
	// when none was asked.
	TxCode string
	// Expires is when the offer can no longer be redeemed.
	Expires time.Time
}

// CreateOffer makes a single-use offer that expires: a pre-authorized code
// (optionally with a transaction code), or an authorization code offer with
// sign-in when req.SignIn is set. Every code is a fresh 256-bit handle,
// stored only as its digest.
func (is *Issuer) CreateOffer(ctx context.Context, req OfferRequest) (*CreatedOffer, error) {
	if len(req.Configurations) == 0 {
		return nil, errors.New("vci: an offer needs at least one credential configuration")
	}
	for i, id := range req.Configurations {
		if _, ok := is.opts.Configurations[id]; !ok {
			return nil, fmt.Errorf("vci: credential configuration %q is not offered by this issuer", id)
		}
		if slices.Contains(req.Configurations[:i], id) {
			return nil, fmt.Errorf("vci: credential configuration %q is listed twice", id)
		}
	}
	if req.SignIn != "" && is.opts.SignIn == nil {
		return nil, errors.New("vci: sign-in offers need Options.SignIn")
	}
	if req.SignIn != "" && req.TxCode != nil {
		return nil, errors.New("vci: a transaction code goes with the pre-authorized code, not with sign-in")
	}
	ttl := req.TTL
	if ttl <= 0 {
		ttl = is.opts.OfferTTL
	}
	now := is.now()
	id := openid4vc.NewHandle()
	out := &CreatedOffer{ID: id, URI: is.ep.Offer + id, Expires: now.Add(ttl)}
	out.Offer = Offer{CredentialIssuer: is.opts.Issuer, CredentialConfigurationIDs: req.Configurations, Grants: &Grants{}}
	rec := offerRecord{Configurations: req.Configurations, Dataset: req.Dataset, State: offerPending, Created: now}
	var preAuth, issuerState string
	if req.SignIn == "" {
		preAuth = openid4vc.NewHandle()
		g := &PreAuthorizedCodeGrant{PreAuthorizedCode: preAuth}
		if tc := req.TxCode; tc != nil {
			n := tc.Length
			if n == 0 {
				n = 6
			}
			if n < 4 || n > 12 {
				return nil, fmt.Errorf("vci: a transaction code of %d characters: use 4 to 12", n)
			}
			mode := tc.InputMode
			switch mode {
			case "", InputNumeric:
				mode = InputNumeric
				out.TxCode = openid4vc.Digits(n)
			case InputText:
				out.TxCode = openid4vc.Base32Code(n)
			default:
				return nil, fmt.Errorf("vci: transaction code input mode %q: use numeric or text", mode)
			}
			g.TxCode = &TxCode{InputMode: mode, Length: n, Description: tc.Description}
			rec.TxCode = txDigest(openid4vc.Key(id), out.TxCode)
		}
		out.Offer.Grants.PreAuthorizedCode = g
		rec.Grant = GrantPreAuthorizedCode
		rec.PreAuthKey = openid4vc.Key(preAuth)
	} else {
		issuerState = openid4vc.NewHandle()
		out.Offer.Grants.AuthorizationCode = &AuthorizationCodeGrant{IssuerState: issuerState}
		rec.Grant = GrantAuthorizationCode
		rec.IssuerStateKey = openid4vc.Key(issuerState)
		rec.SignInContact = req.SignIn
	}
	if err := out.Offer.Validate(); err != nil && !is.opts.AllowHTTP {
		return nil, fmt.Errorf("vci: %w", err)
	}
	offerJSON, err := json.Marshal(out.Offer)
	if err != nil {
		return nil, err
	}
	rec.Offer = offerJSON
	key := openid4vc.Key(id)
	if err := is.create(ctx, openid4vc.KindOffer, key, rec, out.Expires); err != nil {
		return nil, err
	}
	pointer, _ := json.Marshal(key)
	switch {
	case preAuth != "":
		err = is.opts.Records.Create(ctx, openid4vc.KindPreAuthCode, rec.PreAuthKey, openid4vc.Record{Value: pointer, Expires: out.Expires})
	default:
		err = is.opts.Records.Create(ctx, openid4vc.KindAuthSession, "issuer-state:"+rec.IssuerStateKey, openid4vc.Record{Value: pointer, Expires: out.Expires})
	}
	if err != nil {
		return nil, err
	}
	if req.ByReference {
		out.Link = ReferenceLink(out.URI)
	} else {
		out.Link = out.Offer.Link()
	}
	return out, nil
}

// OfferJSON returns the offer a credential_offer_uri names, as served there,
// while it can still be redeemed. An unknown, expired, redeemed or revoked
// offer returns an error wrapping openid4vc.ErrNotFound.
func (is *Issuer) OfferJSON(ctx context.Context, id string) ([]byte, error) {
	var rec offerRecord
	found, err := is.load(ctx, openid4vc.KindOffer, openid4vc.Key(id), &rec)
	if err != nil {
		return nil, err
	}
	if !found || rec.State != offerPending {
		return nil, fmt.Errorf("vci: no pending offer: %w", openid4vc.ErrNotFound)
	}
	return rec.Offer, nil
}

// RevokeOffer withdraws an offer that has not been redeemed: its codes stop
// working at once. Revoking an unknown or expired offer returns an error
// wrapping openid4vc.ErrNotFound; a redeemed one is left as it is (revoke
// the credential instead) and gives an error saying so.
func (is *Issuer) RevokeOffer(ctx context.Context, id string) error {
	return is.opts.Records.Update(ctx, openid4vc.KindOffer, openid4vc.Key(id), func(r openid4vc.Record) (*openid4vc.Record, error) {
		var rec offerRecord
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return nil, err
		}
		if rec.State == offerRedeemed {
			return nil, errors.New("vci: the offer was already redeemed; revoke the credential instead")
		}
		rec.State, rec.Dataset = offerRevoked, nil
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
	})
}
