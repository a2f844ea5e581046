package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/templates"
)

// MaxUnsigned is the largest unsigned credential IssueCredential accepts.
const MaxUnsigned = 4 << 20

// IssueCredential secures an unsigned credential written by the caller (the
// VC-API's POST /credentials/issue) rather than rendered from a template.
// The credential must be a VC Data Model 1.1 or 2.0 credential without
// proof and without credentialStatus: the issuer records it in the
// register, gives it a status index and adds its two status entries
// (BitstringStatusListEntry; StatusList2021Entry for ebsi), an id
// (urn:uuid) and a validFrom (issuanceDate in 1.1) when it has none.
//
// Its issuer, when given, must be the issuer this store signs as for p (the
// institution's DID), or the did:key of the signing key: the credential is
// then signed as that did:key, with status lists of its own. vc+jwt secures
// VC 2.0 only; jwt_vc_json (ebsi) and JAdES (edc) VC 1.1 only; the eudi
// profile issues from templates only. A credential breaking these rules
// returns an error wrapping ErrInvalidInput; an id already in the register
// one wrapping ErrExists.
func (i *Issuer) IssueCredential(ctx context.Context, doc []byte, p Profile) (*Issued, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidInput, fmt.Sprintf(format, args...))
	}
	if p.Name == EUDI {
		return nil, bad("the eudi profile issues ELM credentials from a template: send {\"template\": …, \"record\": …}")
	}
	var m map[string]json.RawMessage
	if err := jsonx.Decode(doc, &m, jsonx.Limits{MaxBytes: MaxUnsigned}); err != nil {
		return nil, bad("the credential is not a JSON object: %v", err)
	}
	var ctxs []any
	if json.Unmarshal(m["@context"], &ctxs) != nil || len(ctxs) == 0 {
		var one string
		if json.Unmarshal(m["@context"], &one) != nil || one == "" {
			return nil, bad("@context must be a non-empty array starting with the VC context")
		}
		ctxs = []any{one}
	}
	v2 := ctxs[0] == contextVC2
	if !v2 && ctxs[0] != contextVC1 {
		return nil, bad("@context must start with %s (VC 2.0) or %s (VC 1.1), not %v", contextVC2, contextVC1, ctxs[0])
	}
	var types []string
	if json.Unmarshal(m["type"], &types) != nil {
		var one string
		if json.Unmarshal(m["type"], &one) == nil {
			types = []string{one}
		}
	}
	if !slices.Contains(types, "VerifiableCredential") {
		return nil, bad("type must include VerifiableCredential")
	}
	if len(m["credentialSubject"]) == 0 {
		return nil, bad("credentialSubject is missing")
	}
	if m["proof"] != nil {
		return nil, bad("the credential already has a proof: send it unsigned")
	}
	if m["credentialStatus"] != nil {
		return nil, bad("credentialStatus is assigned by the issuer: remove it, and the issuer adds its status list entries")
	}
	switch {
	case p.Proof == ProofVCJWT && !v2:
		return nil, bad("vc+jwt secures VC 2.0 credentials: use the context %s, or the proof jwt_vc_json (profile ebsi)", contextVC2)
	case (p.Proof == ProofJWTVC || p.Proof == ProofJAdES) && v2:
		return nil, bad("profile %s issues VC 1.1 credentials: use the context %s", p.Name, contextVC1)
	}

	pl, err := i.plan(p)
	if err != nil {
		return nil, err
	}
	if raw := m["issuer"]; raw != nil {
		var id string
		if json.Unmarshal(raw, &id) != nil {
			var obj struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(raw, &obj) != nil || obj.ID == "" {
				return nil, bad("issuer must be a string or an object with an id")
			}
			id = obj.ID
		}
		if id != pl.issuerID {
			keyDID, kerr := pl.key.KeyDID()
			if kerr != nil || id != keyDID || p.Name == EDC {
				return nil, bad("issuer %q is neither this service's issuer for profile %s (%s) nor the did:key of its key %q", id, p, pl.issuerID, pl.key.Name)
			}
			if pl, err = keyDIDPlan(pl); err != nil {
				return nil, err
			}
		}
	} else {
		m["issuer"], _ = json.Marshal(pl.issuerID)
	}
	var id string
	if raw := m["id"]; raw != nil {
		if json.Unmarshal(raw, &id) != nil || id == "" || !strings.Contains(id, ":") {
			return nil, bad("id must be a URI")
		}
	} else {
		id = templates.NewID()
		m["id"], _ = json.Marshal(id)
	}
	now := i.now().UTC().Truncate(time.Second)
	issued := now
	dateMember := "issuanceDate"
	if v2 {
		dateMember = "validFrom"
	}
	if raw := m[dateMember]; raw != nil {
		var s string
		t, perr := time.Time{}, error(nil)
		if perr = json.Unmarshal(raw, &s); perr == nil {
			t, perr = time.Parse(time.RFC3339, s)
		}
		if perr != nil {
			return nil, bad("%s must be an RFC 3339 date-time", dateMember)
		}
		issued = t.UTC()
	} else {
		m[dateMember], _ = json.Marshal(now.Format(time.RFC3339))
	}

	var subject struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(m["credentialSubject"], &subject)
	j := &job{key: vcapiKey(i.idem, id)}
	j.entry = Entry{
		ID: id, Profile: pl.profile.Name, Proof: pl.profile.Proof, Issued: issued,
		KeyName: pl.key.Name, KeyID: pl.key.ID, VerificationMethod: pl.signing.ID, State: StateValid,
	}
	if subject.ID != "" {
		j.entry.SubjectHash = SubjectHash(i.salt, subject.ID)
	}
	if err := i.reserve(pl, []*job{j}); err != nil {
		return nil, err
	}
	if j.existing {
		return nil, fmt.Errorf("%w: %s", ErrExists, id)
	}
	entryType := typeBitstring
	if p.Name == EBSI {
		entryType = typeStatusList21
		ctxs = appendNew(ctxs, contextStatus21)
	} else if !v2 {
		ctxs = appendNew(ctxs, contextStatus)
	}
	m["@context"], _ = json.Marshal(ctxs)
	m["credentialStatus"] = i.appendStatusEntries(nil, j.entry, entryType)
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := &Issued{Entry: j.entry, MediaType: pl.mediaType, Ext: pl.ext}
	out.Credential, err = pl.mech.Sign(ctx, data, pl.signing, credentials.SignOptions{Now: func() time.Time { return issued }})
	if err != nil {
		return nil, fmt.Errorf("signing %s as %s: %w", id, pl.profile, err)
	}
	if i.cfg.KeepCredentials {
		if err := i.keep([]*Issued{out}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// ErrExists is wrapped by IssueCredential for a credential id the register
// already holds.
var ErrExists = errors.New("credential id already in the register")

// vcapiKey is the idempotency key of a credential issued by IssueCredential:
// its id, under the store's secret, apart from template rows.
func vcapiKey(secret []byte, id string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "diplomat-vcapi-v1\x00%s", id)
	return hex.EncodeToString(m.Sum(nil))
}

// keyDIDPlan returns a copy of pl that signs as the did:key of its key.
func keyDIDPlan(pl *plan) (*plan, error) {
	keyDID, err := pl.key.KeyDID()
	if err != nil {
		return nil, fmt.Errorf("%w: key %q: %v", ErrNoKey, pl.key.Name, err)
	}
	cp := *pl
	cp.issuerID = keyDID
	cp.signing.ID = keyDID + "#" + strings.TrimPrefix(keyDID, "did:key:")
	cp.inst.DID = keyDID
	return &cp, nil
}

// Ready reports whether p can be issued now: the profile and proof exist,
// a key fits, it can sign (the store is unlocked), and the contexts a Data
// Integrity proof needs are at hand. The error is the one Issue would
// return.
func (i *Issuer) Ready(p Profile) error {
	_, err := i.plan(p)
	return err
}
