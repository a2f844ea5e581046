package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/keys"
)

// Revoke marks credential id revoked, for good: its bit in the revocation
// list is set and it can no longer be suspended or reinstated. reason is kept
// in the register (a short note, not personal data). Revoking a credential
// already revoked is an error wrapping ErrState.
func (i *Issuer) Revoke(id, reason string) (*Entry, error) {
	return i.change(id, reason, func(e *Entry) (string, bool, error) {
		if e.State == StateRevoked {
			return "", false, fmt.Errorf("%w: %s is already revoked", ErrState, id)
		}
		return PurposeRevocation, true, nil
	}, StateRevoked)
}

// Suspend marks credential id suspended (its suspension bit set) until
// Reinstate. Suspending a revoked or suspended credential is an error
// wrapping ErrState.
func (i *Issuer) Suspend(id, reason string) (*Entry, error) {
	return i.change(id, reason, func(e *Entry) (string, bool, error) {
		if e.State != StateValid {
			return "", false, fmt.Errorf("%w: %s is %s, only a valid credential can be suspended", ErrState, id, e.State)
		}
		return PurposeSuspension, true, nil
	}, StateSuspended)
}

// Reinstate lifts the suspension of credential id. Only a suspended
// credential can be reinstated: a revoked one stays revoked (an error
// wrapping ErrState).
func (i *Issuer) Reinstate(id, reason string) (*Entry, error) {
	return i.change(id, reason, func(e *Entry) (string, bool, error) {
		if e.State != StateSuspended {
			return "", false, fmt.Errorf("%w: %s is %s; only a suspended credential can be reinstated (revocation is final)", ErrState, id, e.State)
		}
		return PurposeSuspension, false, nil
	}, StateValid)
}

func (i *Issuer) change(id, reason string, check func(*Entry) (string, bool, error), to string) (*Entry, error) {
	return i.st.ChangeEntry(context.Background(), id, func(e *Entry) (StatusBit, error) {
		purpose, v, err := check(e)
		if err != nil {
			return StatusBit{}, err
		}
		e.State, e.Reason, e.Changed = to, reason, i.now().UTC().Truncate(time.Second)
		return StatusBit{Purpose: purpose, Set: v}, nil
	})
}

// StatusList is one status list for one purpose, as the store holds it.
type StatusList struct {
	// ID is the list id ("w3c/1"), Profile the profile of its credentials.
	ID      string
	Profile string
	Purpose string
	// URL is where it is published: Config.StatusBaseURL/ID/Purpose.
	URL string
	// KeyName and KeyID are the key version its credentials were signed
	// with, and Issuer their issuer: the list is published under that
	// issuer (see PublishStatus).
	KeyName string
	KeyID   string
	Issuer  string
	// Used is the number of indexes handed out.
	Used int
	// Bits is the list itself.
	Bits *status.Bitstring
}

// StatusLists returns every status list of the store, twice (revocation and
// suspension), ordered by id then purpose. A list whose record or bitmap is
// unreadable or of the wrong size is an error wrapping keys.ErrCorrupt, never
// a list published with its revoked credentials shown valid.
func StatusLists(s *keys.Store) ([]StatusList, error) {
	cfg, _, err := loadConfig(s)
	if err != nil {
		return nil, err
	}
	return statusLists(StorageOf(s), cfg.StatusBaseURL)
}

// statusLists reads the lists with ids (every list when none) from st.
func statusLists(st Storage, base string, ids ...string) ([]StatusList, error) {
	stored, err := st.StatusLists(context.Background(), ids...)
	if err != nil {
		return nil, err
	}
	var out []StatusList
	for _, sl := range stored {
		m := sl.Record
		if m.Size != ListSize {
			return nil, fmt.Errorf("status list %s: size %d, want %d: %w", m.ID, m.Size, ListSize, keys.ErrCorrupt)
		}
		for _, p := range []struct {
			purpose string
			bits    *status.Bitstring
		}{{PurposeRevocation, sl.Revocation}, {PurposeSuspension, sl.Suspension}} {
			out = append(out, StatusList{ID: m.ID, Profile: m.Profile, Purpose: p.purpose, URL: ListURL(base, m.ID, p.purpose),
				KeyName: m.KeyName, KeyID: m.KeyID, Issuer: m.Issuer, Used: m.Used, Bits: p.bits})
		}
	}
	return out, nil
}

// Published is one signed status list credential.
type Published struct {
	List       StatusList
	Credential []byte
	MediaType  string
	// File is the name Diplomat writes it under: the list id with "/"
	// replaced by "-", the purpose and the format's extension.
	File string
}

// PublishStatus signs every status list as a status list credential in the
// form of its profile (docs/status.md): a BitstringStatusListCredential
// (VC 2.0) as vc+jwt for w3c and eudi, a VC 1.1 BitstringStatusListCredential
// sealed with JAdES for edc, a StatusList2021Credential as jwt_vc_json for
// ebsi, valid from now for validity (zero: no validUntil). Each eudi list is
// also published once as an IETF Token Status List (statuslist+jwt, purpose
// PurposeToken), the status mechanism its credentials' status claim names.
//
// Each list is issued by the issuer of its credentials, since verifiers
// require it, and signed (listSigner) by the active version of the key its
// credentials were signed with when that version still signs as the same
// issuer (a did:web issuer: its DID outlives rotations), else by the very
// version they were signed with, retired or not (a did:key or did:jwk
// issuer is its key). A list whose key version was destroyed cannot be
// published any more: an error names it.
func (i *Issuer) PublishStatus(ctx context.Context, validity time.Duration) ([]Published, error) {
	return i.PublishStatusWith(ctx, PublishOptions{Validity: validity})
}

// PublishOptions configure PublishStatusWith. The zero value publishes
// every list, without validUntil or ttl.
type PublishOptions struct {
	// Validity is how long each list credential is valid from now (its
	// validUntil, expirationDate for VC 1.1); zero: no end.
	Validity time.Duration
	// TTL is the ttl (milliseconds in the credential) a Bitstring Status
	// List states: how long a verifier may cache it. Zero: none stated.
	TTL time.Duration
	// URLs, when not empty, selects the lists published by their URL
	// (StatusList.URL); a URL of no list is ignored.
	URLs []string
	// ValidFrom is the time the lists are valid from, and the signing time
	// they state; zero means now. A service that signs lists on demand
	// sets it a little in the past, so that a verification that began just
	// before the signing still accepts them.
	ValidFrom time.Time
}

// PublishStatusWith is PublishStatus with options: a ttl in the lists, and
// only some lists.
func (i *Issuer) PublishStatusWith(ctx context.Context, opts PublishOptions) ([]Published, error) {
	cfg, _, err := readConfig(i.st)
	if err != nil {
		return nil, err
	}
	ids := listIDs(cfg.StatusBaseURL, opts.URLs)
	if len(opts.URLs) > 0 && len(ids) == 0 {
		return nil, nil // no URL names a list
	}
	lists, err := statusLists(i.st, cfg.StatusBaseURL, ids...)
	if err != nil {
		return nil, err
	}
	now := i.now().UTC().Truncate(time.Second)
	if !opts.ValidFrom.IsZero() {
		now = opts.ValidFrom.UTC().Truncate(time.Second)
	}
	var out []Published
	for _, l := range lists {
		if len(opts.URLs) > 0 && !slices.Contains(opts.URLs, l.URL) {
			continue
		}
		pl, err := i.listSigner(l)
		if err != nil {
			return nil, fmt.Errorf("status list %s: %w", l.ID, err)
		}
		doc, err := statusListCredential(l, pl.issuerID, now, opts.Validity)
		if err != nil {
			return nil, err
		}
		if sub, ok := doc["credentialSubject"].(map[string]any); ok && opts.TTL > 0 && sub["type"] == "BitstringStatusList" {
			sub["ttl"] = opts.TTL.Milliseconds()
		}
		data, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		cred, err := pl.mech.Sign(ctx, data, pl.signing, credentials.SignOptions{Now: func() time.Time { return now }})
		if err != nil {
			return nil, fmt.Errorf("signing status list %s (%s): %w", l.ID, l.Purpose, err)
		}
		out = append(out, Published{List: l, Credential: cred, MediaType: pl.mediaType,
			File: strings.ReplaceAll(l.ID, "/", "-") + "-" + l.Purpose + pl.ext})
	}
	// An eudi list is published a third time, as the IETF Token Status
	// List its credentials' status claims name.
	for k := 0; k+1 < len(lists); k++ {
		rev, sus := lists[k], lists[k+1]
		if rev.Profile != EUDI || rev.ID != sus.ID || rev.Purpose != PurposeRevocation || sus.Purpose != PurposeSuspension {
			continue
		}
		if len(opts.URLs) > 0 && !slices.Contains(opts.URLs, ListURL(i.cfg.StatusBaseURL, rev.ID, PurposeToken)) {
			continue
		}
		pub, err := i.publishToken(ctx, rev, sus, now, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, pub)
	}
	return out, nil
}

// listIDs returns the ids of the lists that urls name under base (an
// unreadable URL names none).
func listIDs(base string, urls []string) []string {
	var ids []string
	for _, u := range urls {
		rest, ok := strings.CutPrefix(u, strings.TrimRight(base, "/")+"/")
		if i := strings.LastIndexByte(rest, '/'); ok && i > 0 && !slices.Contains(ids, rest[:i]) {
			ids = append(ids, rest[:i])
		}
	}
	return ids
}

// publishToken signs the revocation and suspension lists of one eudi list
// as one Status List Token (IETF Token Status List, statuslist+jwt): two
// bits per credential, 0 valid, 1 revoked (status INVALID, final), 2
// suspended, at ListURL(…, PurposeToken), with the key and issuer of the
// list's Bitstring forms. Its exp is now + opts.Validity (none when zero), its
// ttl opts.TTL (none when zero).
func (i *Issuer) publishToken(ctx context.Context, rev, sus StatusList, now time.Time, opts PublishOptions) (Published, error) {
	pl, err := i.listSigner(rev)
	if err != nil {
		return Published{}, fmt.Errorf("status list %s: %w", rev.ID, err)
	}
	tl, err := status.NewTokenList(ListSize, 2)
	if err != nil {
		return Published{}, err
	}
	marked, err := status.New(ListSize)
	if err != nil {
		return Published{}, err
	}
	rb, sb := rev.Bits.Bytes(), sus.Bits.Bytes()
	for k := range rb {
		if rb[k]|sb[k] == 0 {
			continue // eight valid credentials
		}
		for idx := k * 8; idx < k*8+8; idx++ {
			r, _ := rev.Bits.Get(idx)
			s, _ := sus.Bits.Get(idx)
			switch {
			case r: // revocation is final, whatever the suspension bit says
				err = tl.SetStatus(idx, status.TokenInvalid)
			case s:
				err = tl.SetStatus(idx, status.TokenSuspended)
			default:
				continue
			}
			if err == nil {
				err = marked.Set(idx, true)
			}
			if err != nil {
				return Published{}, fmt.Errorf("status list %s: %w", rev.ID, err)
			}
		}
	}
	l := rev
	l.Purpose, l.URL, l.Bits = PurposeToken, ListURL(i.cfg.StatusBaseURL, rev.ID, PurposeToken), marked
	tok := &status.ListToken{Subject: l.URL, IssuedAt: now, List: tl}
	if len(pl.signing.Chain) == 0 {
		tok.Issuer = pl.issuerID
	}
	if opts.Validity > 0 {
		tok.Expires = now.Add(opts.Validity)
	}
	if opts.TTL > 0 {
		tok.TTL = opts.TTL
	}
	claims, err := tok.Claims()
	if err != nil {
		return Published{}, err
	}
	signed, err := sdjwt.StatusListJWT{}.Sign(ctx, claims, pl.signing, credentials.SignOptions{Now: func() time.Time { return now }})
	if err != nil {
		return Published{}, fmt.Errorf("signing the token status list %s: %w", rev.ID, err)
	}
	return Published{List: l, Credential: signed, MediaType: status.MediaTypeStatusListJWT,
		File: strings.ReplaceAll(rev.ID, "/", "-") + "-" + PurposeToken + ".jwt"}, nil
}

// listSigner returns the plan that signs list l: the form of its profile,
// with the key and issuer PublishStatus describes.
func (i *Issuer) listSigner(l StatusList) (*plan, error) {
	p := Profile{Name: l.Profile}
	if p.Name == EUDI || p.Name == W3C {
		p = Profile{Name: W3C, Proof: ProofVCJWT}
	}
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	bound, err := i.store.KeyByID(l.KeyID)
	if err != nil {
		return nil, fmt.Errorf("%w: the key its credentials were signed with (%q, %s): %w", ErrNoKey, l.KeyName, l.KeyID, err)
	}
	if bound.State != keys.Active {
		// The name's active version, if it signs as the same issuer.
		if cur, err := i.store.Key(bound.Name); err == nil && cur.State == keys.Active && fitsType(p, cur) == "" {
			if pl, err := i.planFor(p, cur); err == nil && pl.issuerID == l.Issuer {
				return pl, nil
			}
		}
		if bound.State == keys.Destroyed {
			return nil, fmt.Errorf("%w: its credentials were signed by %s with key %q version %s, which was destroyed: the list can no longer be signed as its issuer",
				ErrNoKey, l.Issuer, l.KeyName, l.KeyID)
		}
	}
	if why := fitsType(p, bound); why != "" {
		return nil, fmt.Errorf("%w: key %q version %s cannot sign it: %s", ErrNoKey, l.KeyName, l.KeyID, why)
	}
	pl, err := i.planFor(p, bound)
	if err != nil {
		return nil, err
	}
	if l.Issuer != "" && pl.issuerID != l.Issuer {
		// Credentials issued as the key's did:key (IssueCredential).
		if keyDID, err := bound.KeyDID(); err == nil && keyDID == l.Issuer && p.Name != EDC {
			return keyDIDPlan(pl)
		}
		return nil, fmt.Errorf("%w: its credentials were issued by %s, but key %q now signs as %s (the issuer configuration changed); restore the institution's DID to publish it",
			ErrNoKey, l.Issuer, l.KeyName, pl.issuerID)
	}
	return pl, nil
}

func statusListCredential(l StatusList, issuer string, now time.Time, validity time.Duration) (map[string]any, error) {
	subject := map[string]any{"id": l.URL + "#list", "statusPurpose": l.Purpose}
	doc := map[string]any{"id": l.URL, "issuer": issuer, "credentialSubject": subject}
	var err error
	switch l.Profile {
	case EBSI:
		doc["@context"] = []any{contextVC1, contextStatus21}
		doc["type"] = []any{"VerifiableCredential", typeAttestation, "StatusList2021Credential"}
		doc["issuanceDate"] = now.Format(time.RFC3339)
		doc["issued"] = doc["issuanceDate"]
		doc["validFrom"] = doc["issuanceDate"]
		subject["type"] = "StatusList2021"
		subject["encodedList"], err = l.Bits.EncodeStatusList2021()
		if validity > 0 {
			doc["expirationDate"] = now.Add(validity).Format(time.RFC3339)
		}
	case EDC:
		doc["@context"] = []any{contextVC1, contextStatus}
		doc["type"] = []any{"VerifiableCredential", "BitstringStatusListCredential"}
		doc["issuanceDate"] = now.Format(time.RFC3339)
		subject["type"] = "BitstringStatusList"
		subject["encodedList"], err = l.Bits.Encode()
		if validity > 0 {
			doc["expirationDate"] = now.Add(validity).Format(time.RFC3339)
		}
	default:
		doc["@context"] = []any{contextVC2}
		doc["type"] = []any{"VerifiableCredential", "BitstringStatusListCredential"}
		doc["validFrom"] = now.Format(time.RFC3339)
		subject["type"] = "BitstringStatusList"
		subject["encodedList"], err = l.Bits.Encode()
		if validity > 0 {
			doc["validUntil"] = now.Add(validity).Format(time.RFC3339)
		}
	}
	return doc, err
}
