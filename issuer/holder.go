package issuer

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/templates"
)

// Holder is the wallet key a credential is bound to when it is issued to a
// wallet (OpenID4VCI): the SD-JWT VC of the eudi profile carries it as
// cnf.jwk; the W3C and EBSI formats name its DID as credentialSubject.id
// (and, for jwt_vc_json, sub), so that only the key's holder can present
// the credential.
type Holder struct {
	// Key is the holder's public key (Ed25519, or ECDSA P-256/384/521).
	Key crypto.PublicKey
	// DID is the holder's DID for the W3C formats: the did:key or did:jwk
	// the wallet proved possession of. Empty means the did:jwk of Key.
	DID string
}

// resolve fills DID and checks that it names Key.
func (h Holder) resolve() (Holder, error) {
	if h.Key == nil {
		return h, errors.New("holder has no key")
	}
	if h.DID == "" {
		d, err := did.JWKDID(h.Key)
		if err != nil {
			return h, fmt.Errorf("holder key: %w", err)
		}
		h.DID = d
		return h, nil
	}
	var named crypto.PublicKey
	var err error
	switch {
	case strings.HasPrefix(h.DID, "did:jwk:"):
		named, err = did.ParseJWK(h.DID)
	case strings.HasPrefix(h.DID, "did:key:"):
		named, err = did.ParseKey(h.DID)
	default:
		// Another method (did:web…): the caller resolved it to Key.
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("holder DID %s: %w", h.DID, err)
	}
	if eq, ok := named.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(h.Key) {
		return h, fmt.Errorf("holder DID %s does not name the holder key", h.DID)
	}
	return h, nil
}

// auditKey is the context key of WithAudit.
type auditKey struct{}

// WithAudit returns ctx carrying a, for IssueTo: when it records a new
// entry in the register, it records a in the audit log (subject the
// entry's id) in the same transaction, so that a service answering many
// requests at once waits for one commit per credential, not two, and never
// issues a credential the log does not show. Nothing is recorded when the
// credential was in the register already.
func WithAudit(ctx context.Context, a Audit) context.Context {
	return context.WithValue(ctx, auditKey{}, &a)
}

// IssueTo issues rec as Issue does, once in the register (one id, one
// status index), and signs one copy per holder, each bound to that
// holder's key: batch issuance for unlinkability (OpenID4VCI). The copies
// share the credential id and status entry, so revoking the credential
// revokes every copy. Issuing the same template, profile and record again
// returns copies of the registered credential (Issued.Existing).
func (i *Issuer) IssueTo(ctx context.Context, t Template, rec templates.Record, p Profile, holders []Holder) ([]*Issued, error) {
	if len(holders) == 0 {
		return nil, errors.New("issuer: IssueTo needs at least one holder")
	}
	resolved := make([]Holder, len(holders))
	for k, h := range holders {
		r, err := h.resolve()
		if err != nil {
			return nil, fmt.Errorf("issuer: holder %d: %w", k+1, err)
		}
		resolved[k] = r
	}
	if errs := t.Validate(rec); len(errs) > 0 {
		return nil, &InputError{Err: &templates.RecordsError{Errors: errs}}
	}
	pl, err := i.plan(p)
	if err != nil {
		return nil, err
	}
	key := i.idempotencyKey(t.Name(), pl.profile, rec)
	// A credential already in the register (the registrar issued it before
	// offering it, or an earlier request of the same offer did) is signed
	// again without a write to the store.
	j, err := i.registered(rec, key)
	if err != nil {
		return nil, err
	}
	if j == nil {
		if j, err = i.prepare(t, pl, rec, 0, key); err != nil {
			return nil, err
		}
		a, _ := ctx.Value(auditKey{}).(*Audit)
		if err := i.reserve(pl, []*job{j}, a); err != nil {
			return nil, err
		}
	}
	// Rendered and shaped once, signed once per holder.
	sh, err := i.shaped(t, pl, j)
	if err != nil {
		return nil, err
	}
	out := make([]*Issued, 0, len(resolved))
	for k := range resolved {
		o, err := i.signShaped(ctx, pl, j, sh, &resolved[k], k < len(resolved)-1)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if i.cfg.KeepCredentials {
		if err := i.keep(out[:1]); err != nil {
			return out, err
		}
	}
	return out, nil
}

// registered returns the job of a record already in the register under
// idempotency key key (existing), or nil.
func (i *Issuer) registered(rec templates.Record, key string) (*job, error) {
	e, err := i.st.Registered(context.Background(), key)
	if err != nil || e == nil {
		return nil, err
	}
	return &job{rec: rec, key: key, entry: *e, existing: true}, nil
}

// bindSubject sets credentialSubject.id of the shaped credential doc to the
// holder's DID. An identifier the template put there (the European Student
// Identifier) is kept as an ELM Identifier of the subject, so that what the
// credential says of the person is not lost. Other members keep their
// order.
func bindSubject(doc []byte, holderDID string) ([]byte, error) {
	var out bytes.Buffer
	out.WriteByte('{')
	first, found := true, false
	var ferr error
	err := jsonx.Members(doc, func(name string, value []byte) bool {
		if !first {
			out.WriteByte(',')
		}
		first = false
		n, _ := json.Marshal(name)
		out.Write(n)
		out.WriteByte(':')
		if name != "credentialSubject" {
			out.Write(value)
			return true
		}
		found = true
		subj, err := jsonx.DecodeAny(value, jsonx.Limits{})
		m, ok := subj.(map[string]any)
		if err != nil || !ok {
			ferr = errors.New("credentialSubject is not one JSON object")
			return false
		}
		if old, _ := m["id"].(string); old != "" && old != holderDID {
			scheme := "subject identifier of the issuer"
			if elm.IsESI(old) {
				scheme = "European Student Identifier"
			}
			ident := map[string]any{"id": old, "type": "Identifier", "notation": old, "schemeName": scheme}
			switch cur := m["identifier"].(type) {
			case nil:
				m["identifier"] = ident
			case []any:
				m["identifier"] = append(cur, ident)
			default:
				m["identifier"] = []any{cur, ident}
			}
		}
		m["id"] = holderDID
		b, err := json.Marshal(m)
		if err != nil {
			ferr = err
			return false
		}
		out.Write(b)
		return true
	})
	if err != nil {
		return nil, err
	}
	if ferr != nil {
		return nil, ferr
	}
	if !found {
		return nil, errors.New("the credential has no credentialSubject")
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// Registered returns the register entry rec was issued as with template t
// and profile p (the entry IssueTo would sign again), or an error wrapping
// ErrNotFound when it was not issued so. It writes nothing: a service
// checks with it that an offer for an issued credential carries the very
// record that credential was made from, and that it is not revoked.
func (i *Issuer) Registered(t Template, rec templates.Record, p Profile) (*Entry, error) {
	pl, err := i.plan(p)
	if err != nil {
		return nil, err
	}
	j, err := i.registered(rec, i.idempotencyKey(t.Name(), pl.profile, rec))
	if err != nil {
		return nil, err
	}
	if j == nil {
		return nil, fmt.Errorf("%w: no credential was issued from this record with template %s as %s", ErrNotFound, t.Name(), pl.profile)
	}
	return &j.entry, nil
}
