package vci

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jsonobj"
)

// MaxRequestBytes bounds a credential or notification request body.
const MaxRequestBytes = 1 << 20

// CredentialRequest is a credential request (OpenID4VCI 1.0 section 8.2).
type CredentialRequest struct {
	CredentialIdentifier         string                  `json:"credential_identifier,omitempty"`
	CredentialConfigurationID    string                  `json:"credential_configuration_id,omitempty"`
	Proofs                       map[string][]any        `json:"proofs,omitempty"`
	CredentialResponseEncryption *ResponseEncryptionSpec `json:"credential_response_encryption,omitempty"`
}

// ResponseEncryptionSpec is how a wallet asks for an encrypted response.
type ResponseEncryptionSpec struct {
	JWK json.RawMessage `json:"jwk"`
	Enc string          `json:"enc"`
	Zip string          `json:"zip,omitempty"`
}

// CredentialResponse is a credential response (section 8.3).
type CredentialResponse struct {
	Credentials    []Credential `json:"credentials,omitempty"`
	TransactionID  string       `json:"transaction_id,omitempty"`
	Interval       int          `json:"interval,omitempty"`
	NotificationID string       `json:"notification_id,omitempty"`
}

// MarshalJSON writes the response. Credentials are written as their Value
// is (a JSON string or object, checked), without re-encoding: a diploma is
// tens of kilobytes, and encoding/json would scan it twice more.
func (r *CredentialResponse) MarshalJSON() ([]byte, error) {
	n := 128 + 2*(len(r.TransactionID)+len(r.NotificationID))
	for _, c := range r.Credentials {
		n += len(c.Value) + 16
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	if len(r.Credentials) > 0 {
		b = append(b, `"credentials":[`...)
		for i, c := range r.Credentials {
			if !validCredential(c.Value) {
				return nil, errors.New("vci: a credential value is not a JSON string or object")
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"credential":`...)
			b = append(b, c.Value...)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	add := func(name string, v any) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		q, _ := json.Marshal(name)
		b = append(b, q...)
		b = append(b, ':')
		q, _ = json.Marshal(v)
		b = append(b, q...)
	}
	if r.TransactionID != "" {
		add("transaction_id", r.TransactionID)
	}
	if r.Interval != 0 {
		add("interval", r.Interval)
	}
	if r.NotificationID != "" {
		add("notification_id", r.NotificationID)
	}
	return append(b, '}'), nil
}

// plainJSON returns the response as json.Marshal writes it, without
// encoding/json's second scan of what MarshalJSON returned (which compacts
// it and escapes <, > and &): when every credential is a JSON string of
// printable ASCII without those characters, quotes or backslashes (an
// SD-JWT, a compact JWS), MarshalJSON's bytes are already exactly that.
func (r *CredentialResponse) plainJSON() ([]byte, bool) {
	for _, c := range r.Credentials {
		v := c.Value
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, false
		}
		for _, ch := range v[1 : len(v)-1] {
			if ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' || ch == '<' || ch == '>' || ch == '&' {
				return nil, false
			}
		}
	}
	b, err := r.MarshalJSON()
	return b, err == nil
}

// validCredential accepts a JSON string without control characters or
// escapes that could end it early, or a JSON object.
func validCredential(v []byte) bool {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		for i := 1; i < len(v)-1; i++ {
			if v[i] == '"' || v[i] < 0x20 || v[i] == '\\' {
				return json.Valid(v)
			}
		}
		return true
	}
	return len(v) > 0 && v[0] == '{' && json.Valid(v)
}

// MarshalJSON writes each credential as {"credential": value}.
func (c Credential) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Credential json.RawMessage `json:"credential"`
	}{c.Value})
}

// UnmarshalJSON reads {"credential": value}.
func (c *Credential) UnmarshalJSON(b []byte) error {
	var v struct {
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v.Credential) == 0 {
		return errors.New("an entry of credentials has no credential")
	}
	c.Value = v.Credential
	return nil
}

// CredentialCall is one call of the credential endpoint as it arrived.
type CredentialCall struct {
	// Authorization is the Authorization header, DPoP the DPoP header.
	Authorization, DPoP string
	// ContentType is the request's media type: application/json, or
	// application/jwt for an encrypted request.
	ContentType string
	// Body is the request body.
	Body []byte
}

// CredentialAnswer is what the credential endpoint answers: a JSON response,
// or (Encrypted) a compact JWE to send as application/jwt.
type CredentialAnswer struct {
	Response  *CredentialResponse
	Encrypted string
}

// Nonce returns a fresh c_nonce (the nonce endpoint, section 7), usable
// once within Options.NonceTTL.
func (is *Issuer) Nonce(ctx context.Context) (string, error) {
	n := openid4vc.NewHandle()
	if err := is.opts.Records.Create(ctx, openid4vc.KindCNonce, openid4vc.Key(n), openid4vc.Record{Value: []byte{1}, Expires: is.now().Add(is.opts.NonceTTL)}); err != nil {
		return "", err
	}
	return n, nil
}

// Credential answers a credential request: the access token (and its DPoP
// binding), the request (decrypted when encrypted), the credential asked,
// every key proof, the c_nonces, then the CredentialIssuer, one credential
// per proof; the answer is encrypted when the wallet asked. Errors are
// *openid4vc.Error: invalid_token and invalid_dpop_proof (401) for the
// token, and the codes of OpenID4VCI 1.0 section 8.3.1.2 for the request:
// invalid_credential_request, unknown_credential_identifier,
// unknown_credential_configuration, invalid_proof, invalid_nonce,
// invalid_encryption_parameters, credential_request_denied.
func (is *Issuer) Credential(ctx context.Context, call CredentialCall) (*CredentialAnswer, error) {
	scheme, token, err := ParseAuthorization(call.Authorization)
	if err != nil {
		return nil, &openid4vc.Error{Code: openid4vc.CodeInvalidToken, Description: err.Error(), Resource: true}
	}
	g, err := is.accessGrant(ctx, scheme, token, call.DPoP, is.ep.Credential)
	if err != nil {
		return nil, err
	}
	req, encrypted, err := is.parseCredentialRequest(ctx, call)
	if err != nil {
		return nil, err
	}
	configID, err := is.resolveConfiguration(g, req)
	if err != nil {
		return nil, err
	}
	config := is.opts.Configurations[configID]
	recipient, enc, err := is.responseEncryption(req, encrypted)
	if err != nil {
		return nil, err
	}
	holders, err := is.checkProofs(ctx, g, config, req)
	if err != nil {
		return nil, err
	}
	var offer offerRecord
	found, err := is.load(ctx, openid4vc.KindOffer, g.OfferKey, &offer)
	if err != nil {
		return nil, err
	}
	if !found || offer.State != offerRedeemed || offer.Dataset == nil {
		return nil, openid4vc.Errorf(openid4vc.CodeCredentialRequestDenied, "the offer behind this token is no longer available")
	}
	creds, err := is.opts.Issue.IssueCredentials(ctx, IssueRequest{ConfigurationID: configID, Configuration: config, Dataset: offer.Dataset, Holders: holders})
	if errors.Is(err, ErrDenied) {
		return nil, openid4vc.Wrap(openid4vc.CodeCredentialRequestDenied, err, "")
	}
	if err != nil {
		return nil, err
	}
	if len(creds) == 0 || len(creds) > max(1, len(holders)) {
		return nil, fmt.Errorf("vci: the credential issuer returned %d credentials for %d keys", len(creds), len(holders))
	}
	nid, err := is.newNotificationID(ctx, g.OfferKey)
	if err != nil {
		return nil, err
	}
	resp := &CredentialResponse{Credentials: creds, NotificationID: nid}
	if recipient == nil {
		return &CredentialAnswer{Response: resp}, nil
	}
	payload, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	jwe, err := openid4vc.Encrypt(payload, recipient, enc, nil)
	if err != nil {
		return nil, openid4vc.Wrap(openid4vc.CodeInvalidEncryptionParameters, err, "credential_response_encryption")
	}
	return &CredentialAnswer{Encrypted: jwe}, nil
}

// parseCredentialRequest reads the body: JSON, or a JWE to the issuer's
// encryption key (application/jwt).
func (is *Issuer) parseCredentialRequest(ctx context.Context, call CredentialCall) (*CredentialRequest, bool, error) {
	body, encrypted := call.Body, false
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(call.ContentType)), ";")
	switch strings.TrimSpace(mt) {
	case "application/jwt":
		if is.opts.EncryptionKey == nil {
			return nil, false, openid4vc.Errorf(openid4vc.CodeInvalidEncryptionParameters, "this issuer does not take encrypted requests (no credential_request_encryption in its metadata)")
		}
		key, kid := is.opts.EncryptionKey, is.encKid
		if is.opts.DecryptionKey != nil {
			if k := openid4vc.JWEKeyID(string(body)); k != "" {
				kid = k
			}
			var err error
			key, err = is.opts.DecryptionKey(ctx, kid)
			if errors.Is(err, openid4vc.ErrNotFound) {
				return nil, false, openid4vc.Errorf(openid4vc.CodeInvalidEncryptionParameters, "the request is encrypted to key %q, which this issuer does not hold (any more): read its metadata again", clip(kid))
			}
			if err != nil {
				return nil, false, err
			}
		}
		plain, err := openid4vc.Decrypt(string(body), key, kid, nil, MaxRequestBytes)
		if err != nil {
			return nil, false, openid4vc.Wrap(openid4vc.CodeInvalidEncryptionParameters, err, "encrypted credential request")
		}
		body, encrypted = plain, true
	case "application/json", "":
		if is.opts.EncryptionRequired {
			return nil, false, openid4vc.Errorf(openid4vc.CodeInvalidEncryptionParameters, "this issuer requires encrypted credential requests (application/jwt)")
		}
	default:
		return nil, false, openid4vc.Errorf(openid4vc.CodeInvalidCredentialRequest, "content type %q: send application/json, or application/jwt when encrypted", clip(mt))
	}
	var req CredentialRequest
	if err := jsonobj.Decode(body, &req, jsonx.Limits{MaxBytes: MaxRequestBytes, MaxDepth: 12}); err != nil {
		return nil, false, openid4vc.Errorf(openid4vc.CodeInvalidCredentialRequest, "the request is not a valid JSON object: %v", err)
	}
	return &req, encrypted, nil
}

// resolveConfiguration finds the configuration asked, among those the
// token grants.
func (is *Issuer) resolveConfiguration(g *grantRecord, req *CredentialRequest) (string, error) {
	switch {
	case req.CredentialIdentifier != "" && req.CredentialConfigurationID != "":
		return "", openid4vc.Errorf(openid4vc.CodeInvalidCredentialRequest, "credential_identifier and credential_configuration_id are both present; send one")
	case req.CredentialIdentifier != "":
		c, ok := g.Identifiers[req.CredentialIdentifier]
		if !ok {
			return "", openid4vc.Errorf(openid4vc.CodeUnknownCredentialIdentifier, "credential_identifier %q is not one this access token was issued for", clip(req.CredentialIdentifier))
		}
		return c, nil
	case req.CredentialConfigurationID != "":
		if _, ok := is.opts.Configurations[req.CredentialConfigurationID]; !ok {
			return "", openid4vc.Errorf(openid4vc.CodeUnknownCredentialConfiguration, "credential_configuration_id %q is unknown", clip(req.CredentialConfigurationID))
		}
		return "", openid4vc.Errorf(openid4vc.CodeInvalidCredentialRequest, "the token response gave credential_identifiers: request with credential_identifier, not credential_configuration_id")
	}
	return "", openid4vc.Errorf(openid4vc.CodeInvalidCredentialRequest, "neither credential_identifier nor credential_configuration_id is present")
}

// responseEncryption checks credential_response_encryption and returns the
// key and enc to encrypt the answer with (nil when not asked).
func (is *Issuer) responseEncryption(req *CredentialRequest, encrypted bool) (*openid4vc.Recipient, string, error) {
	spec := req.CredentialResponseEncryption
	bad := func(format string, args ...any) error {
		return openid4vc.Errorf(openid4vc.CodeInvalidEncryptionParameters, "credential_response_encryption: "+format, args...)
	}
	switch {
	case spec == nil && is.opts.EncryptionRequired:
		return nil, "", openid4vc.Errorf(openid4vc.CodeInvalidEncryptionParameters, "this issuer requires encrypted responses: send credential_response_encryption")
	case spec == nil:
		return nil, "", nil
	case is.opts.EncryptionKey == nil:
		return nil, "", bad("this issuer does not encrypt responses")
	case !encrypted:
		// OpenID4VCI 1.0 section 8.2: the request must be encrypted too, so
		// that no one on the way can swap the wallet's key for their own.
		return nil, "", bad("asking for an encrypted response requires an encrypted request (application/jwt to the key in credential_request_encryption)")
	case spec.Zip != "":
		return nil, "", bad("zip %q is not supported", clip(spec.Zip))
	case !slices.Contains(openid4vc.EncValues, spec.Enc):
		return nil, "", bad("enc %q is not supported (%s)", clip(spec.Enc), strings.Join(openid4vc.EncValues, ", "))
	}
	r, err := openid4vc.ParseRecipient(spec.JWK)
	if err != nil {
		return nil, "", bad("jwk: %v", err)
	}
	return r, spec.Enc, nil
}

// checkProofs checks the key proofs of a request and uses their c_nonces.
func (is *Issuer) checkProofs(ctx context.Context, g *grantRecord, config CredentialConfiguration, req *CredentialRequest) ([]Holder, error) {
	if len(req.Proofs) == 0 {
		if len(config.ProofTypesSupported) > 0 {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidProof, "proofs is missing: this credential is bound to a key the wallet must prove it holds")
		}
		return nil, nil
	}
	if len(req.Proofs) != 1 {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidProof, "proofs must have exactly one proof type, it has %d", len(req.Proofs))
	}
	var typ string
	var list []any
	for k, v := range req.Proofs {
		typ, list = k, v
	}
	info, ok := config.ProofTypesSupported[typ]
	if !ok {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidProof, "proof type %q is not supported for this credential (supported: jwt)", clip(typ))
	}
	if len(list) == 0 {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidProof, "proofs.%s is empty", typ)
	}
	if len(list) > is.opts.BatchSize {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidCredentialRequest, "%d key proofs, more than batch_size %d", len(list), is.opts.BatchSize)
	}
	check := ProofCheck{Audience: is.opts.Issuer, Algs: info.ProofSigningAlgValuesSupported, ClientID: g.ClientID,
		Now: is.now(), MaxAge: is.opts.ProofMaxAge, Resolver: is.opts.Resolver, Roots: is.opts.ProofRoots}
	var holders []Holder
	var nonces []string
	for i, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidProof, "proofs.jwt[%d] is not a string", i)
		}
		p, err := CheckProof(ctx, s, check)
		if err != nil {
			if e := (*openid4vc.Error)(nil); errors.As(err, &e) {
				e.Description = fmt.Sprintf("proofs.jwt[%d]: %s", i, e.Description)
			}
			return nil, err
		}
		if p.Nonce == "" {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidProof, "proofs.jwt[%d] has no nonce: get a c_nonce from the nonce endpoint", i)
		}
		for k, h := range holders {
			if samePublic(h.Key, p.Key) {
				return nil, openid4vc.Errorf(openid4vc.CodeInvalidProof, "proofs.jwt[%d] proves the same key as proofs.jwt[%d]: each credential is bound to its own key", i, k)
			}
		}
		holders = append(holders, p.Holder)
		if !slices.Contains(nonces, p.Nonce) {
			nonces = append(nonces, p.Nonce)
		}
	}
	for _, n := range nonces {
		if _, err := openid4vc.Take(ctx, is.opts.Records, openid4vc.KindCNonce, openid4vc.Key(n)); err != nil {
			if errors.Is(err, openid4vc.ErrNotFound) {
				return nil, openid4vc.Errorf(openid4vc.CodeInvalidNonce, "the c_nonce of the key proof is unknown, used or expired: get a new one from the nonce endpoint")
			}
			return nil, err
		}
	}
	return holders, nil
}

func samePublic(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// notificationAD binds a sealed notification id to its use.
var notificationAD = []byte("openid4vci notification_id")

// newNotificationID returns the notification id of an issuance of offer
// offerKey: sealed (Options.Sealer), the offer's key and the id's expiry
// under the service's AEAD, so that nothing is stored until a
// notification comes; else a random handle, stored now.
func (is *Issuer) newNotificationID(ctx context.Context, offerKey string) (string, error) {
	exp := is.now().Add(is.opts.OfferTTL)
	if is.opts.Sealer != nil {
		plain := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(offerKey)), uint64(exp.UnixNano()))
		sealed, err := is.opts.Sealer.SealData(notificationAD, append(plain, offerKey...))
		if err != nil {
			return "", err
		}
		return base64.RawURLEncoding.EncodeToString(sealed), nil
	}
	nid := openid4vc.NewHandle()
	if err := is.create(ctx, openid4vc.KindNotification, openid4vc.Key(nid), notificationRecord{OfferKey: offerKey}, exp); err != nil {
		return "", err
	}
	return nid, nil
}

// recordNotification adds n's event to the record of its notification id,
// which must belong to g's issuance: a sealed id (newNotificationID) opens
// to g's offer and has not expired, its record made at its first
// notification; another id has a record, stored at issuance.
func (is *Issuer) recordNotification(ctx context.Context, g *grantRecord, n NotificationRequest) error {
	foreign := openid4vc.Errorf(openid4vc.CodeInvalidNotificationID, "notification_id does not belong to this access token's issuance")
	unknown := openid4vc.Errorf(openid4vc.CodeInvalidNotificationID, "notification_id is unknown or expired")
	key := openid4vc.Key(n.NotificationID)
	add := func(r openid4vc.Record) (*openid4vc.Record, error) {
		var rec notificationRecord
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return nil, err
		}
		if !openid4vc.Equal(rec.OfferKey, g.OfferKey) {
			return nil, foreign
		}
		if !slices.Contains(rec.Events, n.Event) {
			rec.Events = append(rec.Events, n.Event)
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
	}
	offerKey, exp, sealed := is.openNotificationID(n.NotificationID)
	if sealed {
		switch {
		case !is.now().Before(exp):
			return unknown
		case !openid4vc.Equal(offerKey, g.OfferKey):
			return foreign
		}
	}
	for try := 0; ; try++ {
		err := is.opts.Records.Update(ctx, openid4vc.KindNotification, key, add)
		if !errors.Is(err, openid4vc.ErrNotFound) {
			return err
		}
		if !sealed {
			return unknown
		}
		// The first notification of a sealed id: its record is made now.
		// Another request making it at the same moment wins the Create;
		// this one then adds its event to that record.
		err = is.create(ctx, openid4vc.KindNotification, key, notificationRecord{OfferKey: offerKey, Events: []string{n.Event}}, exp)
		if !errors.Is(err, openid4vc.ErrExists) || try > 0 {
			return err
		}
	}
}

// openNotificationID opens a sealed notification id; sealed is false for
// one that is not (a stored handle, or anything else).
func (is *Issuer) openNotificationID(nid string) (offerKey string, exp time.Time, sealed bool) {
	if is.opts.Sealer == nil || len(nid) > 512 {
		return "", time.Time{}, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(nid)
	if err != nil {
		return "", time.Time{}, false
	}
	plain, err := is.opts.Sealer.OpenData(notificationAD, raw)
	if err != nil || len(plain) < 8 {
		return "", time.Time{}, false
	}
	return string(plain[8:]), time.Unix(0, int64(binary.BigEndian.Uint64(plain))), true
}

// NotificationRequest is a notification (section 11.1).
type NotificationRequest struct {
	NotificationID   string `json:"notification_id"`
	Event            string `json:"event"`
	EventDescription string `json:"event_description,omitempty"`
}

// Notification events.
const (
	EventAccepted = "credential_accepted"
	EventFailure  = "credential_failure"
	EventDeleted  = "credential_deleted"
)

// Notify answers a notification request: the same access token as the
// credential endpoint (and its DPoP binding), a notification_id of that
// token's issuance, an event among credential_accepted, credential_failure
// and credential_deleted. The event is recorded (the same event twice is
// fine: notifications are idempotent) and passed to
// Options.OnNotification. Errors: invalid_token, invalid_dpop_proof,
// invalid_notification_id, invalid_notification_request.
func (is *Issuer) Notify(ctx context.Context, call CredentialCall) error {
	scheme, token, err := ParseAuthorization(call.Authorization)
	if err != nil {
		return &openid4vc.Error{Code: openid4vc.CodeInvalidToken, Description: err.Error(), Resource: true}
	}
	g, err := is.accessGrant(ctx, scheme, token, call.DPoP, is.ep.Notification)
	if err != nil {
		return err
	}
	var n NotificationRequest
	if err := jsonobj.Decode(call.Body, &n, jsonx.Limits{MaxBytes: 16 << 10, MaxDepth: 4}); err != nil {
		return openid4vc.Errorf(openid4vc.CodeInvalidNotificationRequest, "the request is not a valid JSON object: %v", err)
	}
	switch {
	case n.NotificationID == "":
		return openid4vc.Errorf(openid4vc.CodeInvalidNotificationRequest, "notification_id is missing")
	case n.Event != EventAccepted && n.Event != EventFailure && n.Event != EventDeleted:
		return openid4vc.Errorf(openid4vc.CodeInvalidNotificationRequest, "event %q is not credential_accepted, credential_failure or credential_deleted", clip(n.Event))
	case strings.ContainsFunc(n.EventDescription, func(r rune) bool { return r < 0x20 || r > 0x7e || r == '"' || r == '\\' }):
		return openid4vc.Errorf(openid4vc.CodeInvalidNotificationRequest, "event_description has characters outside printable ASCII (without \" and \\)")
	}
	if err := is.recordNotification(ctx, g, n); err != nil {
		return err
	}
	if is.opts.OnNotification != nil {
		is.opts.OnNotification(ctx, Notification{OfferKey: g.OfferKey, Event: n.Event, Description: n.EventDescription, At: is.now()})
	}
	return nil
}
