package issuer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	gostrings "strings"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/templates"
)

// Context URLs the profiles write.
const (
	contextVC1       = "https://www.w3.org/2018/credentials/v1"
	contextVC2       = "https://www.w3.org/ns/credentials/v2"
	contextEDC       = "http://data.europa.eu/snb/model/context/edc-ap"
	contextStatus    = "https://www.w3.org/ns/credentials/status/v1"
	contextStatus21  = "https://w3id.org/vc/status-list/2021/v1"
	typeAttestation  = "VerifiableAttestation"
	typeBitstring    = "BitstringStatusListEntry"
	typeStatusList21 = "StatusList2021Entry"
)

// reserve records every job in the register in one transaction: a job whose
// idempotency key is known takes the earlier entry (same id, time and
// status index); the others get a random status index in the same
// transaction, so no crash can hand one index out twice. The status list is
// the open list of the profile, the key version and the issuer of pl.
func (i *Issuer) reserve(pl *plan, jobs []*job, audit ...*Audit) error {
	if len(jobs) == 0 {
		return nil
	}
	rs := make([]*Reservation, len(jobs))
	for k, j := range jobs {
		rs[k] = &Reservation{Key: j.key, Entry: j.entry}
		if k < len(audit) {
			rs[k].Audit = audit[k]
		}
	}
	owner := ListOwner{Profile: jobs[0].entry.Profile, KeyName: jobs[0].entry.KeyName, KeyID: jobs[0].entry.KeyID, Issuer: pl.issuerID}
	if err := i.st.Reserve(context.Background(), owner, rs, i.now().UTC()); err != nil {
		return err
	}
	for k, j := range jobs {
		j.entry, j.existing = rs[k].Entry, rs[k].Existing
	}
	return nil
}

// checkSameKey refuses to sign a credential recorded earlier with another
// key (another name, or a version since retired): its status list is bound
// to that key, and a credential is never signed again by another. A
// Resumable output that already holds it needs no signature.
func checkSameKey(pl *plan, e *Entry) error {
	if e.KeyID == pl.key.ID {
		return nil
	}
	if e.KeyName == pl.key.Name {
		return fmt.Errorf("%s was issued on %s with key %q version %s, since rotated: it is not signed again with the new version; send the credential issued then, or revoke it and issue a new one",
			e.ID, e.Issued.Format("2006-01-02"), e.KeyName, e.KeyID)
	}
	return fmt.Errorf("%s was issued before with key %q (%s); sign it again with --key %s", e.ID, e.KeyName, e.KeyID, e.KeyName)
}

// sign shapes the rendered credential for the profile, adds its status and
// secures it.
func (i *Issuer) sign(ctx context.Context, t Template, pl *plan, j *job) (*Issued, error) {
	sh, err := i.shaped(t, pl, j)
	if err != nil {
		return nil, err
	}
	return i.signShaped(ctx, pl, j, sh, j.holder, false)
}

// shapedCredential is a job's credential in its profile's envelope, with
// its status: what each copy bound to a holder is signed from.
type shapedCredential struct {
	doc []byte
	// claims and frame are the SD-JWT VC claims and what is disclosable
	// (eudi), doc being unused then.
	claims map[string]any
	frame  sdjwt.Frame
}

// shaped renders an existing job again (with its recorded id and time) and
// shapes it for the profile of pl.
func (i *Issuer) shaped(t Template, pl *plan, j *job) (*shapedCredential, error) {
	r := j.rendered
	if j.existing {
		if err := checkSameKey(pl, &j.entry); err != nil {
			return nil, err
		}
		var err error
		r, err = t.Render(j.rec, pl.inst, templates.RenderOptions{ID: j.entry.ID, IssuedAt: j.entry.Issued})
		if err != nil {
			return nil, fmt.Errorf("rendering with template %s: %w", t.Name(), err)
		}
	}
	doc, err := i.shape(nil, pl.profile, r.Credential, j.entry)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", t.Name(), err)
	}
	if pl.profile.Name == EUDI {
		claims, frame, err := eudiClaims(doc, r.Disclosable, j.entry, ListURL(i.cfg.StatusBaseURL, j.entry.StatusList, PurposeToken))
		if err != nil {
			return nil, err
		}
		return &shapedCredential{claims: claims, frame: frame}, nil
	}
	return &shapedCredential{doc: doc}, nil
}

// signShaped secures sh, bound to holder when not nil. shared says that sh
// will be signed again (another copy): it is then left as it is.
func (i *Issuer) signShaped(ctx context.Context, pl *plan, j *job, sh *shapedCredential, holder *Holder, shared bool) (*Issued, error) {
	issued := func() time.Time { return j.entry.Issued }
	out := &Issued{Entry: j.entry, MediaType: pl.mediaType, Ext: pl.ext, Existing: j.existing}
	if pl.profile.Name == EUDI {
		claims := sh.claims
		if shared {
			// IssueClaims sets top-level claims only (iss, iat, cnf).
			claims = maps.Clone(claims)
		}
		opts := sdjwt.IssueOptions{Frame: sh.frame, Now: issued}
		if holder != nil {
			opts.Holder = holder.Key
		}
		s, err := sdjwt.IssueClaims(claims, pl.signing, opts)
		if err != nil {
			return nil, fmt.Errorf("signing %s as %s: %w", j.entry.ID, pl.profile, err)
		}
		out.Credential = []byte(s)
		return out, nil
	}
	doc := sh.doc
	if holder != nil {
		var err error
		if doc, err = bindSubject(doc, holder.DID); err != nil {
			return nil, fmt.Errorf("binding %s to its holder: %w", j.entry.ID, err)
		}
	}
	var err error
	out.Credential, err = pl.mech.Sign(ctx, doc, pl.signing, credentials.SignOptions{Now: issued})
	if err != nil {
		return nil, fmt.Errorf("signing %s as %s: %w", j.entry.ID, pl.profile, err)
	}
	return out, nil
}

// shape turns the rendered ELM credential (compact JSON, VC 1.1 + edc-ap)
// into the profile's envelope and adds its credentialStatus
// (docs/profiles.md). It edits the top-level members in place, in document
// order, without decoding the credential: a batch shapes thousands. The
// @context and type lists are read without encoding/json when they are
// arrays (or one string) of plain strings, as the templates write them,
// and written back byte for byte as encoding/json would.
//
// The credential is appended to out (of any length: it is overwritten).
func (i *Issuer) shape(out []byte, p Profile, cred []byte, e Entry) ([]byte, error) {
	type member struct {
		name  string
		value []byte
	}
	ms := make([]member, 0, 16)
	var names []byte // the names, back to back: one allocation, not one each
	var spans [][2]int
	if err := jsonx.MemberBytes(cred, func(name, value []byte) bool {
		spans = append(spans, [2]int{len(names), len(names) + len(name)})
		names = append(names, name...)
		ms = append(ms, member{value: value})
		return true
	}); err != nil {
		return nil, fmt.Errorf("rendered credential: %v", err)
	}
	all := string(names)
	for k, sp := range spans {
		ms[k].name = all[sp[0]:sp[1]]
	}
	has := func(name string) bool {
		for _, m := range ms {
			if m.name == name {
				return true
			}
		}
		return false
	}
	var ctxs, types []any
	for _, m := range ms {
		switch m.name {
		case "@context":
			ctxs = readList(m.value)
		case "type":
			types = readList(m.value)
		}
	}
	entryType := typeBitstring
	var drop [3]string // credentialStatus, and the dates VC 2.0 renames or drops
	drop[0] = "credentialStatus"
	var renames [2][2]string
	var extra []member
	switch {
	case p.Name == W3C && p.Proof == ProofVCJWT:
		// VC 2.0. vc+jwt signs bytes; no JSON-LD processing.
		ctxs = replace(ctxs, contextVC1, contextVC2)
		for k, pair := range [][2]string{{"issuanceDate", "validFrom"}, {"expirationDate", "validUntil"}} {
			if has(pair[1]) {
				drop[1+k] = pair[0]
			} else {
				renames[k] = pair
			}
		}
	case p.Name == EBSI:
		ctxs = appendNew(ctxs, contextStatus21)
		types = appendNew(types, typeAttestation)
		entryType = typeStatusList21
		now := []byte(`"` + e.Issued.UTC().Format(time.RFC3339) + `"`)
		for _, name := range []string{"issuanceDate", "issued"} {
			if !has(name) {
				extra = append(extra, member{name, now})
			}
		}
	default: // edc, eudi, and w3c with Data Integrity: VC 1.1 + edc-ap (docs/profiles.md)
		ctxs = appendNew(ctxs, contextStatus)
	}
	out = slices.Grow(out[:0], len(cred)+1024)
	out = append(out, '{')
	write := func(name string, value []byte) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendString(out, name)
		out = append(out, ':')
		out = append(out, value...)
	}
	for _, m := range ms {
		if m.name == drop[0] || m.name == drop[1] || m.name == drop[2] {
			continue
		}
		name := m.name
		for _, r := range renames {
			if r[0] != "" && name == r[0] {
				name = r[1]
			}
		}
		switch name {
		case "@context":
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = appendList(append(appendString(out, name), ':'), ctxs)
		case "type":
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = appendList(append(appendString(out, name), ':'), types)
		default:
			write(name, m.value)
		}
	}
	for _, m := range extra {
		write(m.name, m.value)
	}
	if len(out) > 1 {
		out = append(out, ',')
	}
	out = append(appendString(out, "credentialStatus"), ':')
	out = i.appendStatusEntries(out, e, entryType)
	return append(out, '}'), nil
}

// readList reads a JSON value as a list: the strings of an array of plain
// strings (no escapes) or one such string without encoding/json, anything
// else through it (decodeAny, asList).
func readList(v []byte) []any {
	if len(v) > 1 && v[0] == '"' {
		if s, ok := plainString(v); ok {
			return []any{s}
		}
		return asList(decodeAny(v))
	}
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return asList(decodeAny(v))
	}
	var list []any
	for p := 1; p < len(v)-1; {
		if v[p] != '"' {
			return asList(decodeAny(v))
		}
		end := bytes.IndexByte(v[p+1:], '"')
		if end < 0 {
			return asList(decodeAny(v))
		}
		end += p + 2 // after the closing quote
		s, ok := plainString(v[p:end])
		if !ok {
			return asList(decodeAny(v))
		}
		list = append(list, s)
		p = end
		switch {
		case p < len(v)-2 && v[p] == ',':
			p++
		case p != len(v)-1:
			return asList(decodeAny(v))
		}
	}
	return list
}

// plainString returns the contents of the JSON string q (quotes included)
// when they hold only bytes that JSON and encoding/json write as they are
// (printable ASCII but for '"', '\\', '<', '>' and '&'), so that reading
// and writing it is a copy.
func plainString(q []byte) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	for _, c := range q[1 : len(q)-1] {
		if !plainByte[c] {
			return "", false
		}
	}
	return string(q[1 : len(q)-1]), true
}

// plainByte are the bytes encoding/json writes in a string as they are.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func decodeAny(b []byte) any {
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

// appendString appends s as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	for k := 0; k < len(s); k++ {
		if !plainByte[s[k]] {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendList appends list (strings, or any JSON value read back by
// decodeAny) as a JSON array.
func appendList(b []byte, list []any) []byte {
	b = append(b, '[')
	for k, v := range list {
		if k > 0 {
			b = append(b, ',')
		}
		if s, ok := v.(string); ok {
			b = appendString(b, s)
			continue
		}
		q, _ := json.Marshal(v)
		b = append(b, q...)
	}
	return append(b, ']')
}

// appendStatusEntries appends the two status entries (revocation,
// suspension) of a credential as a JSON array: one index, two lists.
func (i *Issuer) appendStatusEntries(b []byte, e Entry, typ string) []byte {
	idx := strconv.Itoa(e.StatusIndex)
	b = append(b, '[')
	for k, purpose := range []string{PurposeRevocation, PurposeSuspension} {
		if k > 0 {
			b = append(b, ',')
		}
		u := ListURL(i.cfg.StatusBaseURL, e.StatusList, purpose)
		// Members in sorted order, as encoding/json writes a map.
		b = append(b, `{"id":`...)
		b = appendString(b, u+"#"+idx)
		b = append(b, `,"statusListCredential":`...)
		b = appendString(b, u)
		b = append(b, `,"statusListIndex":`...)
		b = appendString(b, idx)
		b = append(b, `,"statusPurpose":`...)
		b = appendString(b, purpose)
		b = append(b, `,"type":`...)
		b = appendString(b, typ)
		b = append(b, '}')
	}
	return append(b, ']')
}

// eudiClaims maps the shaped ELM credential (with its status) to SD-JWT VC claims
// in the DC4EU layout (sdjwt.MapELMDC4EU: the whole ELM under the elm claim,
// so a wallet and a verifier get the real ELM back) and makes selectively
// disclosable what that mapping chooses and what the template declares
// (Rendered.Disclosable, paths into the ELM document). It adds the status
// claim of the IETF Token Status List (status.status_list: the entry's index
// in the token list at tokenList), which EUDI verifiers read; the ELM keeps
// its Bitstring Status List entries.
func eudiClaims(vc []byte, disclosable []string, e Entry, tokenList string) (map[string]any, sdjwt.Frame, error) {
	// Only what the frame needs of the ELM is decoded; the rest goes into
	// the payload as it is.
	paths := make([][]string, len(disclosable))
	for k, d := range disclosable {
		paths[k] = splitPath(d)
	}
	m, err := sdjwt.MapELMDC4EUWithin(vc, paths)
	if err != nil {
		return nil, sdjwt.Frame{}, fmt.Errorf("mapping %s to SD-JWT VC claims: %w", e.ID, err)
	}
	claims := eudiFrame(m, paths, e, tokenList)
	return claims, m.Frame, nil
}

// eudiFrame adds the credential's status to the mapped claims, and the
// template's disclosable paths to their frame, and returns the claims.
func eudiFrame(m *sdjwt.Mapped, paths [][]string, e Entry, tokenList string) map[string]any {
	m.Claims["status"] = map[string]any{"status_list": map[string]any{"idx": e.StatusIndex, "uri": tokenList}}
	frame := &m.Frame
	for _, names := range paths {
		for _, p := range expandPath(m.Claims["elm"], sdjwt.Path{"elm"}, names) {
			if !slices.ContainsFunc(frame.Disclosable, func(q sdjwt.Path) bool { return slices.Equal(q, p) }) {
				frame.Disclosable = append(frame.Disclosable, p)
			}
		}
	}
	// The claims go to sdjwt.IssueClaims as they are: no JSON round trip.
	return m.Claims
}

// splitPath reads a template's disclosable path ("a.b[*].c") into its member
// names; "[*]" and the member it follows are the same step, since a member
// holding one object or an array of objects is walked either way.
func splitPath(s string) []string {
	var out []string
	for _, part := range gostrings.Split(s, ".") {
		part = gostrings.TrimSuffix(part, "[*]")
		if part != "" && part != "$" {
			out = append(out, part)
		}
	}
	return out
}

// expandPath returns the concrete SD-JWT paths of names in v (prefix
// leading): arrays are entered element by element. A name absent from v
// yields nothing (the field behind it was empty).
func expandPath(v any, prefix sdjwt.Path, names []string) []sdjwt.Path {
	if len(names) == 0 {
		return []sdjwt.Path{slices.Clone(prefix)}
	}
	switch t := v.(type) {
	case map[string]any:
		next, ok := t[names[0]]
		if !ok {
			return nil
		}
		return expandPath(next, append(prefix, names[0]), names[1:])
	case []any:
		var out []sdjwt.Path
		for k, el := range t {
			out = append(out, expandPath(el, append(slices.Clone(prefix), k), names)...)
		}
		return out
	}
	return nil
}

func asList(v any) []any {
	switch c := v.(type) {
	case []any:
		return c
	case string:
		return []any{c}
	}
	return nil
}

func replace(list []any, old, new string) []any {
	for k, v := range list {
		if v == old {
			list[k] = new
		}
	}
	return list
}

func appendNew(list []any, v string) []any {
	if slices.Contains(list, any(v)) {
		return list
	}
	return append(list, v)
}

// keep stores the secured credentials in the register's credential bucket
// (Config.KeepCredentials).
func (i *Issuer) keep(out []*Issued) error {
	creds := make([]Kept, len(out))
	for k, o := range out {
		creds[k] = Kept{ID: o.Entry.ID, Credential: o.Credential}
	}
	return i.st.Keep(context.Background(), creds)
}
