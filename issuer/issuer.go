package issuer

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
)

// Template is what the issuer needs of a template. *templates.Template
// implements it.
type Template interface {
	// Name is the template's name, part of the idempotency key and the
	// register entry.
	Name() string
	// Validate returns every problem of rec; none means Render may be
	// called.
	Validate(rec templates.Record) []templates.FieldError
	// Render returns the unsigned ELM credential (VC 1.1 with the edc-ap
	// context) for rec, issued by inst.
	Render(rec templates.Record, inst templates.Institution, opts templates.RenderOptions) (*templates.Rendered, error)
}

var _ Template = (*templates.Template)(nil)

// Options configure an Issuer. A nil *Options means the zero value.
type Options struct {
	// Now is the clock for issuance times and status changes. Nil means
	// time.Now.
	Now func() time.Time
	// Contexts loads JSON-LD contexts for Data Integrity proofs. Nil means
	// the built-in contexts and the store's context cache, never the
	// network.
	Contexts *jsonld.Loader
	// Storage keeps the register, the status lists and the
	// configuration. Nil means the store's own: StorageOf(s).
	Storage Storage
}

// Issuer issues credentials with the keys and configuration of one store.
// It is safe for concurrent use; several batches may run at once on one
// store, through one Issuer or several, and never share a credential id or
// status index. It notices key rotation: every Issue and Batch signs with the
// key that is active when it starts.
type Issuer struct {
	store *keys.Store
	st    Storage
	cfg   Config
	salt  []byte
	idem  []byte // HMAC key of idempotency keys, derived from salt
	now   func() time.Time
	ld    *jsonld.Loader

	mu    sync.Mutex
	plans map[planKey]*plan

	idemPool sync.Pool // of *idemState
}

// planKey identifies a plan: a profile with its proof and one key version.
type planKey struct {
	name, proof, keyID string
}

// New returns an Issuer for the store s, which must hold a Config (an error
// wrapping ErrNotConfigured otherwise) and be unlocked before issuing.
func New(s *keys.Store, opts *Options) (*Issuer, error) {
	if opts == nil {
		opts = &Options{}
	}
	st := opts.Storage
	if st == nil {
		st = StorageOf(s)
	}
	cfg, salt, err := readConfig(st)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	i := &Issuer{store: s, st: st, cfg: *cfg, salt: salt, idem: idempotencySecret(salt), now: opts.Now, ld: opts.Contexts, plans: map[planKey]*plan{}}
	if i.now == nil {
		i.now = time.Now
	}
	if i.ld == nil {
		i.ld = jsonld.New(jsonld.Options{Cache: s})
	}
	return i, nil
}

// Config returns the configuration the Issuer was created with.
func (i *Issuer) Config() Config { return i.cfg }

// Issued is one issued credential.
type Issued struct {
	// Entry is its register entry.
	Entry Entry
	// Credential is the secured credential as it travels: a compact JWS
	// (vc+jwt, jwt_vc_json), an SD-JWT, a JSON document with a Data
	// Integrity proof, or a JAdES JWS JSON.
	Credential []byte
	// MediaType is the credential's media type, e.g. "application/vc+jwt".
	MediaType string
	// Ext is the file extension Diplomat writes it with, e.g. ".jwt".
	Ext string
	// Existing is true when the register already held this template,
	// profile and input row: the credential was signed again with the same
	// id, issuance time and status index, not issued anew.
	Existing bool
}

// plan is what signing for one profile needs, resolved once.
type plan struct {
	profile   Profile
	key       *keys.Key
	signing   credentials.SigningKey
	issuerID  string
	mech      credentials.Mechanism // nil for eudi
	inst      templates.Institution
	mediaType string
	ext       string
}

// plan returns the plan for profile p with the key that fits it now: the key
// is looked up on every call, so that a rotation since the last call is
// noticed, and the plan of each key version is built once.
func (i *Issuer) plan(p Profile) (*plan, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	k, err := pickKey(i.store, p, i.cfg.Keys)
	if err != nil {
		return nil, err
	}
	return i.planFor(p, k)
}

// planFor returns the plan for the normalized profile p with key version k,
// active or retired (retired: only to sign the status lists bound to it; see
// listSigner).
func (i *Issuer) planFor(p Profile, k *keys.Key) (*plan, error) {
	pk := planKey{p.Name, p.Proof, k.ID}
	i.mu.Lock()
	defer i.mu.Unlock()
	if pl := i.plans[pk]; pl != nil {
		return pl, nil
	}
	signer, err := i.signer(k)
	if err != nil {
		return nil, err
	}
	pl := &plan{profile: p, key: k, inst: templates.Institution(i.cfg.Institution)}
	pl.signing = credentials.SigningKey{Signer: signer, Chain: k.Chain}
	if pl.issuerID, pl.signing.ID, err = i.identity(p, k); err != nil {
		return nil, err
	}
	pl.inst.DID = pl.issuerID
	switch p.Proof {
	case ProofJAdES:
		pl.mech, pl.mediaType, pl.ext = &jades.Mechanism{}, "application/jose+json", ".json"
	case ProofJWTVC:
		pl.mech, pl.mediaType, pl.ext = jose.JWTVCJSON{}, "application/jwt", ".jwt"
	case ProofVCJWT:
		pl.mech, pl.mediaType, pl.ext = jose.VCJWT{}, "application/vc+jwt", ".jwt"
	case ProofEdDSA, ProofECDSA, ProofEdDSAJCS, ProofECDSAJCS, ProofECDSASD:
		// Fail before anything is recorded when a context is missing (the
		// JCS suites load none).
		for _, u := range []string{contextVC1, contextEDC, contextStatus, dataintegrity.ContextV2} {
			if p.Proof == ProofEdDSAJCS || p.Proof == ProofECDSAJCS {
				break
			}
			if _, _, err := i.ld.Context(context.Background(), u); err != nil {
				return nil, fmt.Errorf("profile %s: %w", p, err)
			}
		}
		s, err := dataintegrity.New(p.Proof, dataintegrity.Options{Contexts: i.ld})
		if err != nil {
			return nil, err
		}
		pl.mech, pl.mediaType, pl.ext = s, "application/vc+ld+json", ".jsonld"
	case ProofSDJWT:
		pl.mediaType, pl.ext = "application/dc+sd-jwt", ".sd-jwt"
	}
	i.plans[pk] = pl
	return pl, nil
}

// versionSigner is the ability to sign with a given key version, active or
// retired, that a store may offer (keys.Store.SignerByID). The status lists
// of a did:key or did:jwk issuer must be signed by the key their credentials
// were signed with, since that key is the issuer, even after a rotation
// retired it.
type versionSigner interface {
	SignerByID(id string) (crypto.Signer, error)
}

// signer returns a crypto.Signer for key version k: the store's signer for
// its name when k is the active version, its own version's signer when it
// is retired.
func (i *Issuer) signer(k *keys.Key) (crypto.Signer, error) {
	if k.State != keys.Active {
		vs, ok := any(i.store).(versionSigner)
		if !ok {
			return nil, fmt.Errorf("%w: key %q version %s is %s and this store cannot sign with it", ErrNoKey, k.Name, k.ID, k.State)
		}
		sg, err := vs.SignerByID(k.ID)
		if err != nil {
			return nil, fmt.Errorf("key %q version %s: %w", k.Name, k.ID, err)
		}
		return sg, nil
	}
	sg, err := i.store.Signer(k.Name)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", k.Name, err)
	}
	if pub, ok := sg.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(k.Public) {
		return nil, fmt.Errorf("%w: key %q was rotated while it was being read; try again", ErrNoKey, k.Name)
	}
	return sg, nil
}

// identity returns the issuer identifier a credential signed for the
// normalized profile p with key k names, and the verification method its
// proof names ("" for edc, whose JAdES seal names its certificate). Every
// profile names one institution: its DID when configured, else the store's
// did:web, else (DID keys) the key's did:key or (an eSeal) the seal key's
// did:key, or urn:x509:sha256:<certificate hash> for an RSA seal. A seal
// speaks for a did:web issuer when the DID document lists its key
// (keys.Store.WebDocument does); otherwise verifiers trust it by its
// certificate alone (docs/trust.md).
func (i *Issuer) identity(p Profile, k *keys.Key) (issuer, vm string, err error) {
	if p.Name != EDC {
		return i.verificationMethod(k)
	}
	if err := matchSeal(i.cfg.Institution, k); err != nil {
		return "", "", err
	}
	issuer = i.cfg.Institution.DID
	if issuer == "" {
		if issuer, err = i.store.WebDID(); err != nil {
			return "", "", err
		}
	}
	if issuer == "" {
		if issuer, err = k.KeyDID(); err != nil {
			issuer = "urn:x509:sha256:" + keys.Describe(k.Chain[0]).SHA256
		}
	}
	return issuer, "", nil
}

// SignsAs returns the key that signs for profile p now (as Issue would
// choose it) and the issuer identifier its credentials name. It needs no
// passphrase; an error is the one Issue would give.
func (i *Issuer) SignsAs(p Profile) (*keys.Key, string, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, "", err
	}
	k, err := pickKey(i.store, p, i.cfg.Keys)
	if err != nil {
		return nil, "", err
	}
	issuer, _, err := i.identity(p, k)
	return k, issuer, err
}

// verificationMethod returns the issuer DID and the DID URL of key k: the
// institution's DID if configured, else the store's did:web, else the key's
// did:key.
func (i *Issuer) verificationMethod(k *keys.Key) (issuer, vm string, err error) {
	issuer = i.cfg.Institution.DID
	if issuer == "" {
		if issuer, err = i.store.WebDID(); err != nil {
			return "", "", err
		}
	}
	keyDID, err := k.KeyDID()
	if err != nil {
		return "", "", fmt.Errorf("%w: key %q: %v", ErrNoKey, k.Name, err)
	}
	switch {
	case issuer == "":
		return keyDID, keyDID + "#" + strings.TrimPrefix(keyDID, "did:key:"), nil
	case strings.HasPrefix(issuer, "did:web:"):
		// keys.Store.WebDocument publishes every DID key as issuer#thumbprint.
		return issuer, issuer + "#" + k.ID, nil
	case strings.HasPrefix(issuer, "did:key:"):
		if issuer != keyDID {
			return "", "", fmt.Errorf("%w: the institution's DID %s is not the did:key of key %q (%s)", ErrNoKey, issuer, k.Name, keyDID)
		}
		return issuer, keyDID + "#" + strings.TrimPrefix(keyDID, "did:key:"), nil
	case strings.HasPrefix(issuer, "did:jwk:"):
		jwkDID, err := k.JWKDID()
		if err != nil || issuer != jwkDID {
			return "", "", fmt.Errorf("%w: the institution's DID %s is not the did:jwk of key %q", ErrNoKey, issuer, k.Name)
		}
		return issuer, jwkDID + "#0", nil
	}
	return "", "", fmt.Errorf("%w: the institution's DID %s: Diplomat signs with did:web, did:key or did:jwk", ErrNoKey, issuer)
}

// matchSeal checks that the institution is the subject of the eSeal: its
// organisation name is one of the legal names, its country the institution's,
// and its organizationIdentifier (when the certificate has one) the legal
// identifier.
func matchSeal(inst Institution, k *keys.Key) error {
	sub := k.Chain[0].Subject
	mismatch := func(what, cert, conf string) error {
		return fmt.Errorf("%w: the certificate of key %q says %s %q, the issuer configuration %q; configure the institution as the seal names it (diplomat issuer init) or use the institution's own seal",
			ErrSealMismatch, k.Name, what, cert, conf)
	}
	org := ""
	if len(sub.Organization) > 0 {
		org = sub.Organization[0]
	}
	found := false
	var names []string
	for _, n := range inst.LegalName {
		names = append(names, n)
		if strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(org)) {
			found = true
		}
	}
	if !found {
		return mismatch("organisation", org, strings.Join(names, " / "))
	}
	country := ""
	if len(sub.Country) > 0 {
		country = sub.Country[0]
	}
	if !strings.EqualFold(country, inst.Country) {
		return mismatch("country", country, inst.Country)
	}
	if oi := certname.OrganizationIdentifier(sub); oi != "" && inst.LegalIdentifier != "" {
		// EN 319 412-1 writes "VATFR-123…"; a configuration may give the
		// bare identifier.
		if oi != inst.LegalIdentifier && !strings.HasSuffix(oi, "-"+inst.LegalIdentifier) {
			return mismatch("organizationIdentifier", oi, inst.LegalIdentifier)
		}
	}
	return nil
}

// idempotencySecret derives the HMAC key of idempotency keys from the
// store's secret salt, apart from the subject hashes made with the salt
// itself.
func idempotencySecret(salt []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte("diplomat idempotency key v2"))
	return m.Sum(nil)
}

// idempotencyKey is the hex HMAC-SHA-256, under the store's secret, of
// template, profile (with its proof) and the input row: the same row issued
// again maps to the same credential, and the key tells no one without the
// store's secret anything about the row (it cannot be recomputed from a
// guess, nor compared across stores).
func (i *Issuer) idempotencyKey(tmpl string, p Profile, rec templates.Record) string {
	sum := i.idempotencySum(tmpl, p, rec)
	return hex.EncodeToString(sum[:])
}

// idempotencySum is idempotencyKey's bytes.
func (i *Issuer) idempotencySum(tmpl string, p Profile, rec templates.Record) (sum [32]byte) {
	st, _ := i.idemPool.Get().(*idemState)
	if st == nil {
		st = &idemState{mac: hmac.New(sha256.New, i.idem)}
	}
	defer i.idemPool.Put(st)
	st.mac.Reset()
	b := append(st.buf[:0], "diplomat-issue-v2\x00"...)
	b = append(append(b, tmpl...), 0)
	b = append(append(b, p.Name...), 0)
	b = append(append(b, p.Proof...), 0)
	b = rec.AppendCanonical(b)
	st.mac.Write(b)
	st.mac.Sum(sum[:0])
	if cap(b) <= 64<<10 {
		st.buf = b // reused by the next row; a huge record's buffer is not kept
	}
	return sum
}

// idemState is an HMAC under the idempotency secret and a buffer, reused
// from row to row (Issuer.idemPool): a batch computes two keys a row.
type idemState struct {
	mac hash.Hash
	buf []byte
}

// Issue validates rec, renders it with t, records it in the register with a
// status index and signs it for profile p. Issuing the same template,
// profile and record again returns the credential already registered,
// signed again (Issued.Existing). Invalid input returns an *InputError
// (wrapping ErrInvalidInput and the *templates.RecordsError).
func (i *Issuer) Issue(ctx context.Context, t Template, rec templates.Record, p Profile) (*Issued, error) {
	if errs := t.Validate(rec); len(errs) > 0 {
		return nil, &InputError{Err: &templates.RecordsError{Errors: errs}}
	}
	pl, err := i.plan(p)
	if err != nil {
		return nil, err
	}
	j, err := i.prepare(t, pl, rec, 0, i.idempotencyKey(t.Name(), pl.profile, rec))
	if err != nil {
		return nil, err
	}
	if err := i.reserve(pl, []*job{j}); err != nil {
		return nil, err
	}
	out, err := i.sign(ctx, t, pl, j)
	if err != nil {
		return nil, err
	}
	if i.cfg.KeepCredentials {
		if err := i.keep([]*Issued{out}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// InputError reports records that failed validation. It wraps
// ErrInvalidInput and the *templates.RecordsError with every problem.
type InputError struct {
	Err *templates.RecordsError
}

func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns ErrInvalidInput and the RecordsError.
func (e *InputError) Unwrap() []error { return []error{ErrInvalidInput, e.Err} }

// job is one row on its way through issuance.
type job struct {
	row      int
	rec      templates.Record
	key      string // idempotency key
	rendered *templates.Rendered
	entry    Entry
	existing bool
	holder   *Holder // the wallet key to bind to (IssueTo), nil for none
}

// prepare renders rec with a fresh id and time; reserve may replace both with
// those of an earlier issuance of the same row (idempotency key key).
func (i *Issuer) prepare(t Template, pl *plan, rec templates.Record, row int, key string) (*job, error) {
	now := i.now().UTC().Truncate(time.Second)
	id := templates.NewOrderedID(now)
	r, err := t.Render(rec, pl.inst, templates.RenderOptions{ID: id, IssuedAt: now})
	if err != nil {
		return nil, fmt.Errorf("rendering with template %s: %w", t.Name(), err)
	}
	j := &job{row: row, rec: rec, key: key, rendered: r}
	j.entry = Entry{
		ID: id, SubjectHash: SubjectHash(i.salt, r.SubjectID), Template: t.Name(),
		Profile: pl.profile.Name, Proof: pl.profile.Proof, Issued: now,
		KeyName: pl.key.Name, KeyID: pl.key.ID, VerificationMethod: pl.signing.ID, Issuer: pl.issuerID,
		State: StateValid,
	}
	return j, nil
}
