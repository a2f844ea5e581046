package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/templates"
)

// OfferRequest is a credential offer to one student, as POST /offers, the
// console and `diplomat offer create` make it (docs/openid4vc.md).
type OfferRequest struct {
	// Template is the template's name ("diploma"); with Issued it may be
	// left empty (the register entry names it).
	Template string `json:"template,omitempty"`
	// Record is the student's record, as for POST /credentials/issue. The
	// credential is issued when the wallet collects it.
	Record json.RawMessage `json:"record,omitempty"`
	// Issued offers a credential already issued (its register id): Record
	// must be the record it was issued from (the register keeps no
	// personal data), and the wallet receives that very credential — same
	// id, date and status entry — signed again bound to its key, in the
	// format of the entry's profile.
	Issued string `json:"issued,omitempty"`
	// Format is dc+sd-jwt, jwt_vc_json or ldp_vc; with Issued, empty means
	// the entry's.
	Format string `json:"format,omitempty"`
	// TxCode asks for a transaction code (6 digits) with the
	// pre-authorized code; TxCodeLength changes its length (4 to 12).
	TxCode       bool `json:"txCode,omitempty"`
	TxCodeLength int  `json:"txCodeLength,omitempty"`
	// SignIn, instead of a pre-authorized code, makes an authorization
	// code offer: the student signs in with a one-time code sent to this
	// contact through the registrar's channel (openid4vc.signIn).
	SignIn string `json:"signIn,omitempty"`
	// ByReference puts a credential_offer_uri in the link (shorter QR
	// codes) instead of the offer itself.
	ByReference bool `json:"byReference,omitempty"`
	// Expires is how long the offer can be redeemed ("72h"); empty: the
	// configured openid4vc.offerTTL (7 days).
	Expires string `json:"expires,omitempty"`
}

// OfferResult is a created offer. TxCode is shown this once: the store
// keeps only its digest.
type OfferResult struct {
	ID              string    `json:"id"`
	Link            string    `json:"link"`
	CredentialOffer string    `json:"credentialOfferUri"`
	TxCode          string    `json:"txCode,omitempty"`
	Expires         time.Time `json:"expires"`
	Template        string    `json:"template"`
	Format          string    `json:"format"`
	Configuration   string    `json:"configuration"`
	Issued          string    `json:"issued,omitempty"`
	SignIn          string    `json:"signIn,omitempty"`
}

// ErrOffersOff is returned by CreateOffer when the service does not serve
// OpenID4VCI; its message says why.
var ErrOffersOff = errors.New("credential offers are not served")

// CreateOffer checks req and makes the offer: the record is validated now
// (so that a mistake is seen by the registrar, not the student), and kept
// with the offer until it is redeemed or expires. actor is recorded in the
// audit log.
func (s *Server) CreateOffer(ctx context.Context, req OfferRequest, actor string) (*OfferResult, error) {
	if s.oid == nil || s.oid.vci == nil {
		why := "OpenID4VCI is off"
		if s.oid != nil {
			why = s.oid.vciOff
		}
		return nil, fmt.Errorf("%w: %s", ErrOffersOff, why)
	}
	ds := offerDataset{Template: req.Template, Record: req.Record, Issued: req.Issued, By: actor}
	format := req.Format
	if req.Issued != "" {
		e, err := issuer.Lookup(s.store, req.Issued)
		if err != nil {
			return nil, err
		}
		if e.State == issuer.StateRevoked {
			return nil, errorf(http.StatusConflict, "state", "Revoked", "%s was revoked: it cannot be offered", e.ID)
		}
		if ds.Template == "" {
			ds.Template = e.Template
		} else if ds.Template != e.Template {
			return nil, badRequest("template: %s was issued with template %s, not %s", e.ID, e.Template, ds.Template)
		}
		ef := formatOf(e)
		if ef == "" {
			return nil, badRequest("issued: %s was issued as %s/%s, which no OpenID4VCI format carries (dc+sd-jwt, jwt_vc_json, ldp_vc); offer the record in one of those formats instead", e.ID, e.Profile, e.Proof)
		}
		if format == "" {
			format = ef
		} else if format != ef {
			return nil, badRequest("format: %s was issued as %s (%s); it is offered in that format, not %s", e.ID, ef, e.Profile, format)
		}
	}
	if ds.Template == "" {
		return nil, badRequest("template is missing")
	}
	if format == "" {
		return nil, badRequest("format is missing: %s", strings.Join(s.oid.formats, ", "))
	}
	if !slices.Contains(s.oid.formats, format) {
		return nil, badRequest("format %q is not offered here: %s", format, strings.Join(s.oid.formats, ", "))
	}
	if len(req.Record) == 0 {
		if req.Issued != "" {
			return nil, badRequest("record is missing: the register keeps no personal data, so give the record %s was issued from", req.Issued)
		}
		return nil, badRequest("record is missing")
	}
	t, err := s.oid.issue.template(ds.Template)
	if err != nil {
		return nil, err
	}
	recs, err := templates.ReadJSON(req.Record, "record")
	if err != nil {
		return nil, err
	}
	if len(recs) != 1 {
		return nil, badRequest("record: one record is offered, not %d", len(recs))
	}
	if errs := t.Validate(recs[0]); len(errs) > 0 {
		return nil, &issuer.InputError{Err: &templates.RecordsError{Errors: errs}}
	}
	if req.Issued != "" {
		e, err := s.iss.Registered(t, recs[0], profileOf(format))
		if err != nil || e.ID != req.Issued {
			return nil, errorf(http.StatusUnprocessableEntity, "invalid-input", "Not the record of this credential",
				"the record is not the one %s was issued from (template %s, profile %s): give that very record", req.Issued, ds.Template, profileOf(format))
		}
	}
	var ttl time.Duration
	if req.Expires != "" {
		if ttl, err = time.ParseDuration(req.Expires); err != nil || ttl <= 0 {
			return nil, badRequest("expires: %q is not a positive duration (like 72h)", req.Expires)
		}
		if ttl > 90*24*time.Hour {
			return nil, badRequest("expires: %s is longer than 90 days", req.Expires)
		}
	}
	if req.SignIn != "" && req.TxCode {
		return nil, badRequest("txCode goes with the pre-authorized code; a sign-in offer (signIn) has its own one-time code")
	}
	if req.SignIn != "" && (len(req.SignIn) > 320 || strings.ContainsAny(req.SignIn, "\r\n\x00")) {
		return nil, badRequest("signIn: not a contact (an e-mail address or a handle of your channel)")
	}
	if req.SignIn != "" && !s.oid.signInServed() {
		return nil, badRequest("signIn: no channel sends sign-in codes (configure openid4vc.signIn: a command or a webhook)")
	}
	dataset, err := json.Marshal(ds)
	if err != nil {
		return nil, err
	}
	cfgID := ds.Template + suffixOf(format)
	or := vci.OfferRequest{Configurations: []string{cfgID}, Dataset: dataset, SignIn: req.SignIn, ByReference: req.ByReference, TTL: ttl}
	if req.TxCode || req.TxCodeLength != 0 {
		or.TxCode = &vci.TxCodeRequest{Length: req.TxCodeLength, Description: "The registrar sent you this code apart from the QR code."}
	}
	o, err := s.oid.vci.CreateOffer(ctx, or)
	if err != nil {
		return nil, badRequest("%s", strings.TrimPrefix(err.Error(), "vci: "))
	}
	grant := vci.GrantPreAuthorizedCode
	if req.SignIn != "" {
		grant = vci.GrantAuthorizationCode
	}
	s.metrics.oid.offers.WithLabelValues(grant).Inc()
	// The audit log names the offer by its digest: the id itself fetches it.
	s.recordAudit(ctx, "offers.create", openid4vc.Key(o.ID)[:16], actor, cfgID)
	return &OfferResult{ID: o.ID, Link: o.Link, CredentialOffer: o.URI, TxCode: o.TxCode, Expires: o.Expires,
		Template: ds.Template, Format: format, Configuration: cfgID, Issued: req.Issued, SignIn: req.SignIn}, nil
}

// RevokeOffer withdraws an offer not yet redeemed.
func (s *Server) RevokeOffer(ctx context.Context, id, actor string) error {
	if s.oid == nil || s.oid.vci == nil {
		return ErrOffersOff
	}
	err := s.oid.vci.RevokeOffer(ctx, id)
	if errors.Is(err, openid4vc.ErrNotFound) {
		return errorf(http.StatusNotFound, "not-found", "Not found", "no pending offer with this id (unknown or expired)")
	}
	if err != nil {
		return errorf(http.StatusConflict, "state", "Offer redeemed", "%s", strings.TrimPrefix(err.Error(), "vci: "))
	}
	s.recordAudit(ctx, "offers.revoke", openid4vc.Key(id)[:16], actor, "")
	return nil
}

func (o *oid4vc) signInServed() bool {
	return o.hasSignIn
}

// handleCreateOffer is POST /offers (scope issue): an OfferRequest in, an
// OfferResult out (201), with the QR code of the link when asked
// (?qr=png or svg: base64 PNG or SVG text in "qr").
func (s *Server) handleCreateOffer(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r, s.cfg.Limits.Body, "application/json")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OfferRequest
	if err := decodeStrict(body, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.CreateOffer(r.Context(), req, actorName(r))
	if err != nil {
		s.writeError(w, r, offerError(err))
		return
	}
	w.Header().Set("Location", "/offers/"+out.ID)
	writeJSON(w, http.StatusCreated, out)
}

// handleRevokeOffer is DELETE /offers/{id} (scope issue).
func (s *Server) handleRevokeOffer(w http.ResponseWriter, r *http.Request) {
	if err := s.RevokeOffer(r.Context(), r.PathValue("id"), actorName(r)); err != nil {
		s.writeError(w, r, offerError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// offerError gives the problem of an offer that is off.
func offerError(err error) error {
	if errors.Is(err, ErrOffersOff) {
		return errorf(http.StatusServiceUnavailable, "offers-off", "Credential offers are not served", "%s", err.Error())
	}
	return err
}
