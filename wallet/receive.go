package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/verifier"
)

// ClientID is the client identifier the wallet gives authorization
// servers in the authorization code flow (and with its redirect URI, a
// loopback one, RFC 8252).
const ClientID = "diplomat-wallet"

// Incoming is one credential offer being received.
type Incoming struct {
	w *Wallet
	s *vci.Session
	// Issuer is the credential issuer's URL, and IssuerName its display
	// name as its metadata says (unverified: what it says of itself).
	Issuer, IssuerName string
	// Offered are the credentials offered.
	Offered []Offered
	// TxCode, when not nil, says that redeeming the offer needs a
	// transaction code, and what the issuer says of it.
	TxCode *vci.TxCode
	// PreAuthorized and AuthorizationCode say which grants the offer has.
	PreAuthorized, AuthorizationCode bool
	// DPoP says whether the access token will be bound to a key (the
	// authorization server supports DPoP).
	DPoP bool

	fetched []*Received
}

// Offered is one credential configuration an offer names.
type Offered struct {
	ID, Format, Name string
}

// Receive resolves an offer link (openid-credential-offer://, or any link
// with credential_offer or credential_offer_uri) and reads the issuer's
// metadata. Nothing is stored.
func (w *Wallet) Receive(ctx context.Context, link string) (*Incoming, error) {
	dpopKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	s, err := w.vci.Start(ctx, link, dpopKey)
	if err != nil {
		return nil, err
	}
	in := &Incoming{w: w, s: s, Issuer: s.Offer.CredentialIssuer, IssuerName: displayName(s.Metadata.Display)}
	if !slices.Contains(s.AuthServer.DPoPSigningAlgValuesSupported, "ES256") {
		s.DPoP = nil
	}
	in.DPoP = s.DPoP != nil
	if g := s.Offer.Grants; g != nil {
		in.PreAuthorized = g.PreAuthorizedCode != nil
		in.AuthorizationCode = g.AuthorizationCode != nil
	}
	in.TxCode = s.TxCode()
	for _, id := range s.Offer.CredentialConfigurationIDs {
		cfg := s.Metadata.CredentialConfigurationsSupported[id]
		o := Offered{ID: id, Format: cfg.Format, Name: id}
		if m := cfg.CredentialMetadata; m != nil {
			for _, d := range m.Display {
				if d.Name != "" && (o.Name == id || d.Locale == "en") {
					o.Name = d.Name
				}
			}
		}
		in.Offered = append(in.Offered, o)
	}
	return in, nil
}

// displayName picks the English display name, else the first.
func displayName(ds []vci.Display) string {
	name := ""
	for _, d := range ds {
		if d.Name != "" && (name == "" || d.Locale == "en") {
			name = d.Name
		}
	}
	return name
}

// Redeem redeems the offer's pre-authorized code, with txCode when the
// offer asks for one.
func (in *Incoming) Redeem(ctx context.Context, txCode string) error {
	if !in.PreAuthorized {
		return errors.New("the offer has no pre-authorized code: it needs the sign-in flow (Authorize)")
	}
	return in.s.PreAuthorized(ctx, txCode)
}

// Authorize starts the authorization code flow with PKCE: it returns the
// URL the student opens in a browser to sign in; the browser is then sent
// to redirectURI (see Listen), whose full URL goes to Exchange.
func (in *Incoming) Authorize(ctx context.Context, redirectURI string) (string, error) {
	return in.s.Authorize(ctx, ClientID, redirectURI)
}

// Exchange redeems the code of the URL the browser was redirected to.
func (in *Incoming) Exchange(ctx context.Context, redirected string) error {
	return in.s.Exchange(ctx, redirected)
}

// FetchOptions say what to ask the issuer for.
type FetchOptions struct {
	// Configurations are the offered configuration ids to receive. Nil:
	// every one offered.
	Configurations []string
	// Copies is how many copies of each credential to ask for (batch
	// issuance), each bound to a fresh key. Zero: one.
	Copies int
	// Unlinkable binds each credential to a key of its own, so that two
	// verifiers cannot link the student's presentations by the key.
	// False: the wallet's shared holder key (one per key type), unless
	// Copies asks for several.
	Unlinkable bool
	// KeyType overrides the wallet's holder key type.
	KeyType keys.KeyType
	// Plain asks for unencrypted credential responses even when the
	// issuer offers encryption. False: the response is encrypted when the
	// issuer can.
	Plain bool
}

// Received is a credential the issuer sent, verified but not yet stored.
type Received struct {
	// Credential is the metadata the wallet would store.
	Credential *Credential
	// Report is the verifier's report on the first copy.
	Report *verifier.Report
	// Encrypted says whether the response came encrypted.
	Encrypted bool

	raws           [][]byte
	holders        []*holder
	notificationID string
	kept           bool
}

// Fetch asks the issuer for the offered credentials (a nonce, a jwt key
// proof per copy, DPoP when supported, an encrypted response when
// offered), checks that each is bound to the key it was asked for, and
// verifies it with the verifier library. Nothing is stored: Keep does.
func (in *Incoming) Fetch(ctx context.Context, o FetchOptions) ([]*Received, error) {
	if tok, _ := in.s.AccessToken(); tok == "" {
		return nil, errors.New("no access token: redeem the offer first")
	}
	if err := in.Check(o); err != nil {
		return nil, err
	}
	configs := o.Configurations
	if configs == nil {
		configs = in.s.Offer.CredentialConfigurationIDs
	}
	copies := max(o.Copies, 1)
	typ := o.KeyType
	if typ == "" {
		typ = in.w.opts.KeyType
	}
	var out []*Received
	for _, id := range configs {
		r, err := in.fetchOne(ctx, id, typ, copies, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		out = append(out, r)
	}
	in.fetched = out
	return out, nil
}

// Check says whether o can be asked of this offer's issuer: the
// configurations offered, the number of copies its batch issuance allows,
// a key type its key proofs accept. Call it before redeeming the offer,
// whose code is used once: Fetch checks again.
func (in *Incoming) Check(o FetchOptions) error {
	configs := o.Configurations
	if configs == nil {
		configs = in.s.Offer.CredentialConfigurationIDs
	}
	copies := max(o.Copies, 1)
	if copies > in.MaxCopies() {
		return fmt.Errorf("%d copies were asked for, but the issuer gives at most %d per credential", copies, in.MaxCopies())
	}
	typ := o.KeyType
	if typ == "" {
		typ = in.w.opts.KeyType
	}
	for _, id := range configs {
		if !slices.Contains(in.s.Offer.CredentialConfigurationIDs, id) {
			return fmt.Errorf("the offer does not name credential configuration %q (it offers %s)", clip(id), strings.Join(in.s.Offer.CredentialConfigurationIDs, ", "))
		}
		cfg := in.s.Metadata.CredentialConfigurationsSupported[id]
		if p, ok := cfg.ProofTypesSupported["jwt"]; ok && len(p.ProofSigningAlgValuesSupported) > 0 && !slices.Contains(p.ProofSigningAlgValuesSupported, algOf(typ)) {
			return fmt.Errorf("the issuer takes key proofs signed with %s, not %s: choose another key type", strings.Join(p.ProofSigningAlgValuesSupported, ", "), algOf(typ))
		}
	}
	return nil
}

// MaxCopies is the most copies of a credential the issuer gives at once
// (its batch size; 1 without batch issuance).
func (in *Incoming) MaxCopies() int {
	if b := in.s.Metadata.BatchCredentialIssuance; b != nil && b.BatchSize > 1 {
		return b.BatchSize
	}
	return 1
}

func (in *Incoming) fetchOne(ctx context.Context, configID string, typ keys.KeyType, copies int, o FetchOptions) (*Received, error) {
	id := newID()
	var holders []*holder
	for i := range copies {
		var h *holder
		var err error
		if o.Unlinkable || copies > 1 {
			h, err = newHolder("c-"+id+"-"+strconv.Itoa(i+1), typ, in.w.opts.DID)
		} else {
			h, err = in.w.sharedHolder(typ, in.w.opts.DID)
		}
		if err != nil {
			return nil, err
		}
		holders = append(holders, h)
	}
	proofs := make([]vci.ProofSigner, len(holders))
	for i, h := range holders {
		proofs[i] = vci.ProofSigner{Signer: h.signer, KeyID: h.kid}
	}
	m := in.s.Metadata
	encrypt := !o.Plain && m.CredentialResponseEncryption != nil && m.CredentialRequestEncryption != nil
	got, err := in.s.RequestCredential(ctx, vci.CredentialOptions{ConfigurationID: configID, Holders: proofs, Encrypt: encrypt})
	if err != nil {
		return nil, err
	}
	if len(got.Credentials) != len(holders) {
		return nil, fmt.Errorf("the issuer sent %d credentials for %d keys", len(got.Credentials), len(holders))
	}
	c := &Credential{ID: id, Origin: in.Issuer, Configuration: configID, Received: in.w.now().UTC(), IssuerName: in.IssuerName}
	r := &Received{Credential: c, Encrypted: got.Encrypted, holders: holders, notificationID: got.NotificationID}
	for i := range got.Credentials {
		raw := got.Credential(i)
		format, err := formatOf(raw)
		if err != nil {
			return nil, fmt.Errorf("credential %d: %w", i+1, err)
		}
		if format != got.Format {
			return nil, fmt.Errorf("credential %d: a %s credential came for a %s configuration", i+1, format, got.Format)
		}
		if err := boundTo(format, raw, holders[i]); err != nil {
			in.notify(ctx, r, vci.EventFailure, "the credential is not bound to the wallet's key")
			return nil, fmt.Errorf("credential %d: %w", i+1, err)
		}
		c.Format = format
		c.Copies = append(c.Copies, Copy{SHA256: digest(raw), HolderKey: holders[i].name, HolderKeyID: holders[i].kid})
		r.raws = append(r.raws, raw)
	}
	// The copies are one credential (one register entry, one status):
	// the first is verified, and every copy's proof with it.
	for i, raw := range r.raws {
		rep, err := in.w.assess(ctx, c, raw)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			r.Report = rep
		} else if rep.Verdict != r.Report.Verdict {
			return nil, fmt.Errorf("copy %d verifies as %s, the first as %s", i+1, rep.Verdict, r.Report.Verdict)
		}
	}
	c.Status.Checked = r.Report.At
	return r, nil
}

func algOf(typ keys.KeyType) string {
	if typ == keys.Ed25519 {
		return "EdDSA"
	}
	return "ES256"
}

// Keep stores the received credentials whose verdict allows it: verified,
// or (with accept) authentic from an issuer no trust source knows. It
// tells the issuer what became of each (credential_accepted, or
// credential_deleted for one not kept). It returns what was stored and,
// joined, a *RefusedError for each credential not stored.
func (in *Incoming) Keep(ctx context.Context, accept bool) ([]*Credential, error) {
	var kept []*Credential
	var errs []error
	for _, r := range in.fetched {
		if r.kept {
			continue
		}
		if err := refused(r.Credential, r.Report, accept, "stored"); err != nil {
			errs = append(errs, err)
			event := vci.EventDeleted
			if r.Report.Verdict != verifier.Untrusted {
				event = vci.EventFailure
			}
			in.notify(ctx, r, event, "the wallet did not store the credential: "+string(r.Report.Verdict))
			continue
		}
		if err := in.w.keep(r); err != nil {
			return kept, errors.Join(append(errs, err)...)
		}
		r.kept = true
		kept = append(kept, r.Credential)
		in.notify(ctx, r, vci.EventAccepted, "")
	}
	return kept, errors.Join(errs...)
}

// keep stores the holder keys made for r, then r.
func (w *Wallet) keep(r *Received) error {
	var made []string
	for _, h := range r.holders {
		fresh := h.pemKey != nil
		if err := w.storeKey(h); err != nil {
			if errors.Is(err, keys.ErrExists) && !ownKey(r.Credential.ID, h.name) {
				// The shared key was stored by another receipt meanwhile:
				// this credential is bound to the key made here, so it
				// cannot be kept under the shared name.
				return fmt.Errorf("the wallet's shared holder key was created meanwhile by another receipt; receive the offer again: %w", err)
			}
			return err
		}
		if fresh {
			made = append(made, h.name)
		}
	}
	if err := w.put(r.Credential, r.raws); err != nil {
		for _, name := range made {
			_ = w.store.Destroy(name)
		}
		return err
	}
	return nil
}

// notify tells the issuer what became of r; a failure to notify changes
// nothing for the student (the notification is a courtesy).
func (in *Incoming) notify(ctx context.Context, r *Received, event, description string) {
	if r.notificationID == "" {
		return
	}
	_ = in.s.Notify(ctx, r.notificationID, event, openid4vc.ASCIIDescription(description))
}
