package ebsi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// Options configure a Source. The zero value trusts no chain (no roots) and
// evaluates at the credential's issuance time, or time.Now.
type Options struct {
	// Roots are the DIDs whose authorisation of a RootTAO ends a chain: the
	// EBSI Support Office's DID in production, a RootTAO's own DID for a
	// self-authorised RootTAO (as in test networks). Empty: no chain is
	// trusted.
	Roots []string
	// Now is the evaluation time when a query has no IssuedAt. Nil means
	// time.Now.
	Now func() time.Time
	// Live, when set, is asked about an issuer the snapshot does not hold:
	// its chain is fetched from the Trusted Issuers Registry (and the
	// accreditors' DID documents from the DID registry) and walked with the
	// same checks. Nil (the default): nothing is fetched, and an issuer
	// the snapshot does not hold is not trusted.
	Live *Client
}

// Source walks EBSI accreditation chains in a snapshot. It implements
// verifier.TrustSource and is safe for concurrent use.
//
// NewSource reads every attribute once: its claims, validity bounds,
// accreditedFor scopes, the next link of its chain and the words of its
// steps. An attribute's hash and signature are checked at its first use and
// the outcome is kept (it does not depend on the query). What does depend on
// the query (the time, the credential's schema and types) is checked on
// every lookup.
type Source struct {
	snap  *Snapshot
	opts  Options
	byDID map[string]*issuerIndex
	name  string // "ebsi-tir:" + the snapshot's name
}

var _ verifier.TrustSource = (*Source)(nil)

// maxDepth bounds the chain walked (TI → TAO → … → RootTAO).
const maxDepth = 8

// issuerIndex is one issuer's attributes, prepared.
type issuerIndex struct {
	links []*link
	ids   map[string]*link // attribute id (id, hash, reservedAttributeId) → link
}

// link is one attribute prepared for the walk.
type link struct {
	attr    *Attribute
	name    string // short(owner DID)
	who     string // name + " (TAO)"
	c       *claims
	peekErr error
	bounds  []bound
	scopes  []scope
	subjErr string // set when the accreditation names another party
	next    *link  // the accreditor's attribute; nil with nextErr set
	nextErr string
	rootMsg string // RootTAO: the final reason
	rootOK  bool
	okStep  string
	checked atomic.Pointer[checked]
}

// bound is one end of an accreditation's validity window.
type bound struct {
	t     time.Time
	after bool // an end: the window is over after t
}

// scope is one accreditedFor entry with its schema key and words.
type scope struct {
	schema   string // schemaKey(af.SchemaID)
	schemaID string // af.SchemaID, as written
	types    []string
	text     string
	step     string
	accStep  string // the step of an accreditor accredited for the schema
}

// checked is the outcome of checking an attribute's hash and signature.
type checked struct{ err error }

// NewSource indexes a snapshot.
func NewSource(s *Snapshot, opts Options) *Source {
	src := &Source{snap: s, opts: opts, byDID: make(map[string]*issuerIndex, len(s.Issuers)), name: "ebsi-tir:" + s.Name}
	for i := range s.Issuers {
		is := &s.Issuers[i]
		ix := src.byDID[is.DID]
		if ix == nil {
			ix = &issuerIndex{ids: make(map[string]*link, 2*len(is.Attributes))}
			src.byDID[is.DID] = ix
		}
		for j := range is.Attributes {
			l := newLink(is.DID, &is.Attributes[j], opts.Roots)
			ix.links = append(ix.links, l)
			for _, id := range []string{l.attr.ID, strings.TrimPrefix(l.attr.Hash, "0x")} {
				if id != "" {
					ix.ids[id] = l
				}
			}
			if l.c != nil && l.c.VC.CredentialSubject.ReservedAttributeID != "" {
				ix.ids[l.c.VC.CredentialSubject.ReservedAttributeID] = l
			}
		}
	}
	for _, ix := range src.byDID {
		for _, l := range ix.links {
			if l.c != nil {
				l.next, l.nextErr = src.accreditorLink(l.c)
			}
		}
	}
	return src
}

func newLink(owner string, a *Attribute, roots []string) *link {
	l := &link{attr: a, name: short(owner), who: short(owner) + " (" + a.IssuerType + ")"}
	c, err := peek(a.Body)
	if err != nil {
		l.peekErr = err
		return l
	}
	c.terms = oneOrMany[ref](c.VC.TermsOfUse)
	l.c = c
	l.okStep = "attribute " + shortHash(a.Hash) + " of " + l.who + ": hash matches its body; accreditation " + lastType(c.VC.Type) + " signed by " + short(c.Iss) + " verifies"
	if c.Sub != "" && c.Sub != owner || c.VC.CredentialSubject.ID != "" && c.VC.CredentialSubject.ID != owner {
		l.subjErr = fmt.Sprintf("not trusted: the accreditation in %s's attribute is for %s, not for it", short(owner), short(c.VC.CredentialSubject.ID))
	}
	// The window's bounds, in the order they are reported.
	if c.Nbf != nil {
		l.bounds = append(l.bounds, bound{t: time.Unix(*c.Nbf, 0)})
	}
	if c.Exp != nil {
		l.bounds = append(l.bounds, bound{t: time.Unix(*c.Exp, 0), after: true})
	}
	if vf, err := time.Parse(time.RFC3339Nano, c.VC.ValidFrom); err == nil {
		l.bounds = append(l.bounds, bound{t: vf})
	}
	for _, s := range []string{c.VC.ExpirationDate, c.VC.ValidUntil} {
		if e, err := time.Parse(time.RFC3339Nano, s); err == nil {
			l.bounds = append(l.bounds, bound{t: e, after: true})
		}
	}
	for _, af := range c.VC.CredentialSubject.AccreditedFor {
		text := fmt.Sprintf("schema %s, types %s", af.SchemaID, strings.Join(af.Types, ", "))
		if af.LimitJurisdiction != "" {
			text += ", jurisdiction " + af.LimitJurisdiction
		}
		l.scopes = append(l.scopes, scope{schema: schemaKey(af.SchemaID), schemaID: af.SchemaID, types: af.Types, text: text, step: "accreditedFor covers the credential: " + text, accStep: l.who + " is accredited for the schema " + af.SchemaID})
	}
	if a.IssuerType == TypeRootTAO {
		if slices.Contains(roots, c.Iss) {
			l.rootOK = true
			l.rootMsg = fmt.Sprintf("trusted: the chain ends at RootTAO %s, authorised by the configured root %s", short(owner), short(c.Iss))
		} else {
			l.rootMsg = fmt.Sprintf("not trusted: RootTAO %s is authorised by %s, which is not a configured root", short(owner), short(c.Iss))
		}
	}
	return l
}

// Entities returns the number of issuers in the snapshot.
func (s *Source) Entities() int { return len(s.byDID) }

// check verifies an attribute once: its hash and the accreditation JWT's
// signature with the accreditor's key from the snapshot's DID documents
// (ES256 or ES256K, through credentials/jose). The outcome is kept unless
// the context ended meanwhile. Time windows are checked per query, not here.
func (s *Source) check(ctx context.Context, l *link) error {
	if r := l.checked.Load(); r != nil {
		return r.err
	}
	err := s.checkNow(ctx, l)
	if ctx.Err() == nil {
		l.checked.Store(&checked{err: err})
	}
	return err
}

func (s *Source) checkNow(ctx context.Context, l *link) error {
	if err := checkHash(*l.attr); err != nil {
		return err
	}
	if l.peekErr != nil {
		return l.peekErr
	}
	c := l.c
	// Check the signature at a time inside the token's own window, so that
	// the result does not depend on when it is asked; the window is then
	// checked against the query's time.
	at := time.Now()
	switch {
	case c.Nbf != nil && c.Iat != nil:
		at = time.Unix(max(*c.Nbf, *c.Iat), 0)
	case c.Nbf != nil:
		at = time.Unix(*c.Nbf, 0)
	case c.Iat != nil:
		at = time.Unix(*c.Iat, 0)
	case c.Exp != nil:
		at = time.Unix(*c.Exp-1, 0)
	}
	_, err := jose.JWTVCJSON{}.Verify(ctx, []byte(l.attr.Body), s.snap.Resolver(), credentials.VerifyOptions{Now: func() time.Time { return at }})
	if err != nil {
		return fmt.Errorf("the accreditation's signature does not verify with %s's key: %v", short(c.Iss), err)
	}
	return nil
}

// window checks the accreditation's validity at t.
func (l *link) window(t time.Time) error {
	for _, b := range l.bounds {
		switch {
		case b.after && t.After(b.t):
			return fmt.Errorf("expired on %s", b.t.UTC().Format(time.RFC3339))
		case !b.after && t.Before(b.t):
			return fmt.Errorf("not valid before %s", b.t.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

type ref struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// oneOrMany decodes a JSON value that is an object or an array of objects.
func oneOrMany[T any](raw json.RawMessage) []T {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '[' {
		var many []T
		if json.Unmarshal(raw, &many) == nil {
			return many
		}
		return nil
	}
	var one T
	if json.Unmarshal(raw, &one) == nil {
		return []T{one}
	}
	return nil
}

// parseAttrURL splits a TIR attribute URL (…/issuers/{did}/attributes/{id})
// into DID and attribute id.
func parseAttrURL(u string) (string, string, bool) {
	// The last "/issuers/", found forwards (strings.Index is vectorised,
	// strings.LastIndex of a pattern is not).
	i := strings.Index(u, "/issuers/")
	if i < 0 {
		return "", "", false
	}
	for {
		j := strings.Index(u[i+1:], "/issuers/")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	d, id, ok := strings.Cut(u[i+len("/issuers/"):], "/attributes/")
	if !ok || !strings.HasPrefix(d, "did:") || strings.Contains(d, "/") || id == "" || strings.ContainsAny(id, "/?#") {
		return "", "", false
	}
	return d, strings.TrimPrefix(id, "0x"), true
}

// Trust walks the accreditation chain of the credential q.Credential issued
// by q.Issuer at q.IssuedAt. The error is nil unless the context is done:
// every outcome is an answer.
//
// Of q.Credential, which the verifier has already parsed and checked, only
// the top-level members termsOfUse, and type and credentialSchema when
// q.Types and q.Schemas are empty, are read: each is scanned, not decoded,
// and its strings are checked as they are read.
func (s *Source) Trust(ctx context.Context, q verifier.TrustQuery) (*verifier.TrustAnswer, error) {
	steps := make(trust.Steps, 0, 12)
	a := &verifier.TrustAnswer{Source: s.name}
	finish := func(reason string) (*verifier.TrustAnswer, error) {
		a.Reason = reason
		steps.Add(reason)
		a.Steps = steps
		return a, ctx.Err()
	}
	if !strings.HasPrefix(q.Issuer, "did:") {
		return finish("not trusted: the EBSI Trusted Issuers Registry knows issuers by DID, and the credential names none")
	}
	at := q.IssuedAt
	if at.IsZero() {
		at = time.Now()
		if s.opts.Now != nil {
			at = s.opts.Now()
		}
	}
	var tb [40]byte
	steps.Add("issuer " + q.Issuer + ", evaluated at " + string(at.UTC().AppendFormat(tb[:0], time.RFC3339)))
	facts, err := readFacts(q)
	if err != nil {
		return finish("not trusted: the credential does not decode: " + err.Error())
	}
	ix := s.byDID[q.Issuer]
	if ix == nil && s.opts.Live != nil {
		return s.trustLive(ctx, q, facts)
	}
	if ix == nil {
		return finish(fmt.Sprintf("not trusted: %s is not in the TIR snapshot %q", q.Issuer, s.snap.Name))
	}
	// The first hop: the attribute the credential's IssuanceCertificate
	// names, or else each attribute of the issuer in turn.
	var cands []*link
	for _, r := range facts.terms {
		if r.Type != issuanceCertificate {
			continue
		}
		d, id, ok := parseAttrURL(r.ID)
		if !ok || d != q.Issuer {
			return finish(fmt.Sprintf("not trusted: the credential's IssuanceCertificate %s is not an attribute of its issuer %s", r.ID, q.Issuer))
		}
		l := ix.ids[id]
		if l == nil {
			return finish(fmt.Sprintf("not trusted: the credential's IssuanceCertificate names attribute %s of %s, which the snapshot does not hold", id, short(d)))
		}
		steps.Add("termsOfUse names the IssuanceCertificate " + r.ID)
		cands = append(cands, l)
	}
	if len(cands) == 0 {
		steps.Add("the credential has no IssuanceCertificate in termsOfUse; trying each attribute of the issuer")
		cands = ix.links
	}
	if len(cands) == 0 {
		return finish(fmt.Sprintf("not trusted: %s holds no attribute in the TIR snapshot %q", short(q.Issuer), s.snap.Name))
	}
	var kb [4]schemaRef
	keys := kb[:0]
	for _, sc := range facts.schemas {
		keys = append(keys, newSchemaRef(sc))
	}
	var last string
	for _, leaf := range cands {
		ok, reason, sc := s.walk(ctx, leaf, facts, keys, at, &steps)
		if ok {
			a.Trusted = true
			a.Entity = q.Issuer
			a.Status = leaf.attr.IssuerType
			a.Level = "accredited"
			a.Scope = sc
			return finish(reason)
		}
		last = reason
	}
	a.Status = cands[0].attr.IssuerType
	return finish(last)
}

// facts are what the walk reads of the credential.
type facts struct {
	terms   []ref
	types   []string
	schemas []string
}

func readFacts(q verifier.TrustQuery) (facts, error) {
	f := facts{types: q.Types, schemas: q.Schemas}
	if len(q.Credential) == 0 {
		return f, nil
	}
	needType, needSchema := len(f.types) == 0, len(f.schemas) == 0
	if !needType && !needSchema && !bytes.Contains(q.Credential, []byte(`"termsOfUse"`)) {
		return f, nil
	}
	var rawTerms, rawType, rawSchema []byte
	err := jsonx.MemberBytes(q.Credential, func(name, value []byte) bool {
		switch string(name) {
		case "termsOfUse":
			rawTerms = value
		case "type":
			rawType = value
		case "credentialSchema":
			rawSchema = value
		}
		return rawTerms == nil || needType && rawType == nil || needSchema && rawSchema == nil
	})
	if err != nil {
		return f, err
	}
	if f.terms, err = refsOf(rawTerms); err != nil {
		return f, fmt.Errorf("termsOfUse: %v", err)
	}
	if needType {
		if f.types, err = stringsOf(rawType); err != nil {
			return f, fmt.Errorf("type: %v", err)
		}
	}
	if needSchema {
		rs, err := refsOf(rawSchema)
		if err != nil {
			return f, fmt.Errorf("credentialSchema: %v", err)
		}
		for _, r := range rs {
			f.schemas = append(f.schemas, r.ID)
		}
	}
	return f, nil
}

// jsonString returns the string a JSON string literal holds. A literal with
// no escape, no control character and valid UTF-8 is copied as it is;
// others go through jsonx.Unquote, which checks them.
func jsonString(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		in := v[1 : len(v)-1]
		plain := true
		for _, c := range in {
			if c < 0x20 || c == '\\' || c == '"' || c >= 0x80 {
				plain = false
				break
			}
		}
		if plain {
			if string(in) == issuanceCertificate {
				return issuanceCertificate, nil // the one type read, kept without a copy
			}
			return string(in), nil
		}
	}
	s, err := jsonx.Unquote(v)
	return string(s), err
}

const issuanceCertificate = "IssuanceCertificate"

// refsOf reads the id and type of an object, or of each object of an array;
// values of another shape are skipped, as are members of another type.
func refsOf(raw []byte) ([]ref, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil
	}
	one := func(obj []byte) (ref, error) {
		var r ref
		var ferr error
		err := jsonx.MemberBytes(obj, func(name, value []byte) bool {
			var dst *string
			switch string(name) {
			case "id":
				dst = &r.ID
			case "type":
				dst = &r.Type
			default:
				return true
			}
			if len(value) > 0 && value[0] == '"' {
				*dst, ferr = jsonString(value)
			}
			return ferr == nil
		})
		if err == nil {
			err = ferr
		}
		return r, err
	}
	switch raw[0] {
	case '{':
		r, err := one(raw)
		if err != nil {
			return nil, err
		}
		return []ref{r}, nil
	case '[':
		var out []ref
		var ferr error
		err := jsonx.Elements(raw, func(_ int, v []byte) bool {
			if len(v) == 0 || v[0] != '{' {
				return true
			}
			var r ref
			if r, ferr = one(v); ferr != nil {
				return false
			}
			if out == nil {
				out = make([]ref, 0, 2)
			}
			out = append(out, r)
			return true
		})
		if err == nil {
			err = ferr
		}
		return out, err
	}
	return nil, nil
}

// stringsOf reads a JSON string or the strings of an array.
func stringsOf(raw []byte) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		s, err := jsonString(raw)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	case '[':
		out := make([]string, 0, 4)
		var ferr error
		err := jsonx.Elements(raw, func(_ int, v []byte) bool {
			if len(v) == 0 || v[0] != '"' {
				return true
			}
			var s string
			if s, ferr = jsonString(v); ferr != nil {
				return false
			}
			out = append(out, s)
			return true
		})
		if err == nil {
			err = ferr
		}
		return out, err
	}
	return nil, nil
}

// walk checks one chain from the issuer's attribute up to a root: what was
// prepared and checked once is read from the links, the query's time and
// the credential's schema and types are checked here. Its steps are
// appended to steps.
func (s *Source) walk(ctx context.Context, l *link, f facts, schemaKeys []schemaRef, at time.Time, steps *trust.Steps) (bool, string, string) {
	var seen [maxDepth]*link
	sc := ""
	for depth := range maxDepth {
		if ctx.Err() != nil {
			return false, "not trusted: " + ctx.Err().Error(), ""
		}
		if slices.Contains(seen[:depth], l) {
			return false, "not trusted: the accreditation chain loops", ""
		}
		seen[depth] = l
		switch {
		case l.attr.IssuerType == TypeRevoked:
			return false, "not trusted: " + l.name + " has issuerType Revoked in the TIR", ""
		case depth > 0 && l.attr.IssuerType == TypeTI:
			return false, "not trusted: " + l.name + " accredits others but is only a TI", ""
		}
		if err := s.check(ctx, l); err != nil {
			return false, fmt.Sprintf("not trusted: the attribute of %s: %v", l.who, err), ""
		}
		steps.Add(l.okStep)
		if l.subjErr != "" {
			return false, l.subjErr, ""
		}
		if err := l.window(at); err != nil {
			return false, fmt.Sprintf("not trusted: the accreditation of %s is %v (evaluated at %s)", l.who, err, at.UTC().Format(time.RFC3339)), ""
		}
		if depth == 0 {
			cov := l.covers(f.types, schemaKeys)
			if cov == nil {
				return false, fmt.Sprintf("not trusted: no accreditedFor of %s covers the credential's schema %s and types %s", l.name, strings.Join(f.schemas, ", "), strings.Join(f.types, ", ")), ""
			}
			sc = cov.text
			steps.Add(cov.step)
		} else {
			// An accreditor accredits only within its own accreditation
			// (EBSI TIR): its accreditedFor must name the schema too. Its
			// types are those of its own accreditation, not compared.
			cov := l.coversSchema(schemaKeys)
			if cov == nil {
				return false, fmt.Sprintf("not trusted: no accreditedFor of %s covers the credential's schema %s: an accreditor can accredit only within its own accreditation", l.who, strings.Join(f.schemas, ", ")), ""
			}
			steps.Add(cov.accStep)
		}
		if l.attr.IssuerType == TypeRootTAO {
			if l.rootOK {
				return true, l.rootMsg, sc
			}
			return false, l.rootMsg, ""
		}
		// Up one: the accreditor's own attribute.
		if l.next == nil {
			return false, "not trusted: " + l.nextErr, ""
		}
		l = l.next
	}
	return false, fmt.Sprintf("not trusted: the chain is longer than %d links", maxDepth), ""
}

// accreditorLink returns the accreditor's attribute the next link is: the
// one the accreditation's termsOfUse names when it points at the
// accreditor, or else its TAO or RootTAO attribute (or its Revoked one).
func (s *Source) accreditorLink(c *claims) (*link, string) {
	acc := s.byDID[c.Iss]
	if acc == nil {
		return nil, fmt.Sprintf("the accreditor %s is not in the TIR snapshot", short(c.Iss))
	}
	for _, r := range c.terms {
		if d, id, ok := parseAttrURL(r.ID); ok && d == c.Iss {
			if l := acc.ids[id]; l != nil {
				return l, ""
			}
			return nil, fmt.Sprintf("the accreditation's termsOfUse names attribute %s of %s, which the snapshot does not hold", id, short(d))
		}
	}
	var revoked *link
	for _, l := range acc.links {
		switch l.attr.IssuerType {
		case TypeTAO, TypeRootTAO:
			return l, ""
		case TypeRevoked:
			if revoked == nil {
				revoked = l
			}
		}
	}
	if revoked != nil {
		return revoked, ""
	}
	return nil, fmt.Sprintf("the accreditor %s holds no TAO or RootTAO attribute", short(c.Iss))
}

// covers returns the accreditedFor entry that covers the credential: the
// schema is one of the credential's (compared without the registry's API
// version) and every type of the credential is listed.
func (l *link) covers(types []string, schemaKeys []schemaRef) *scope {
	if len(types) == 0 {
		return nil
	}
	for i := range l.scopes {
		sc := &l.scopes[i]
		if !anyKey(schemaKeys, sc.schema) {
			continue
		}
		all := true
		for _, t := range types {
			if !slices.Contains(sc.types, t) {
				all = false
				break
			}
		}
		if all {
			return sc
		}
	}
	return nil
}

// coversSchema returns the accreditedFor entry of an accreditor that names
// one of the credential's schemas (compared without the registry's API
// version).
func (l *link) coversSchema(schemaKeys []schemaRef) *scope {
	for i := range l.scopes {
		if anyKey(schemaKeys, l.scopes[i].schema) {
			return &l.scopes[i]
		}
	}
	return nil
}

// schemaRef is a schema URL of a query with the bounds of the registry's
// API version in it (i == k when it has none): its schemaKey is
// u[:i] + "/trusted-schemas-registry" + u[k:], compared without being built.
type schemaRef struct {
	u    string
	i, k int
}

const schemaReg = "/trusted-schemas-registry"

func newSchemaRef(u string) schemaRef {
	i := strings.Index(u, schemaReg+"/v")
	if i < 0 {
		return schemaRef{u: u}
	}
	j := i + len(schemaReg+"/v")
	k := j
	for k < len(u) && u[k] >= '0' && u[k] <= '9' {
		k++
	}
	if k == j || k == len(u) || u[k] != '/' {
		return schemaRef{u: u}
	}
	return schemaRef{u: u, i: i, k: k}
}

// is reports whether key is schemaKey(r.u).
func (r schemaRef) is(key string) bool {
	if r.i == r.k {
		return key == r.u
	}
	head, tail := r.u[:r.i], r.u[r.k:]
	return len(key) == len(head)+len(schemaReg)+len(tail) &&
		key[:len(head)] == head && key[len(head):len(head)+len(schemaReg)] == schemaReg && key[len(head)+len(schemaReg):] == tail
}

func anyKey(keys []schemaRef, key string) bool {
	for _, r := range keys {
		if r.is(key) {
			return true
		}
	}
	return false
}

// schemaKey drops the Trusted Schemas Registry API version from a schema
// URL: v2 and v3 URLs of the same schema id name the same schema.
func schemaKey(u string) string {
	const reg = "/trusted-schemas-registry/v"
	i := strings.Index(u, reg)
	if i < 0 {
		return u
	}
	j := i + len(reg)
	k := j
	for k < len(u) && u[k] >= '0' && u[k] <= '9' {
		k++
	}
	if k == j || k == len(u) || u[k] != '/' {
		return u
	}
	return u[:i] + "/trusted-schemas-registry" + u[k:]
}

func short(d string) string {
	if len(d) > 40 {
		return d[:37] + "…"
	}
	return d
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

func lastType(ts []string) string {
	if len(ts) == 0 {
		return "(untyped)"
	}
	return ts[len(ts)-1]
}

// Resolver returns the key resolver over the snapshot's DID documents, for a
// verifier that checks credentials signed with did:ebsi keys.
// With a live client (Options.Live) it also fetches the documents the
// snapshot lacks from the client's DID registry.
func (s *Source) Resolver() Resolver {
	r := s.snap.Resolver()
	r.live = s.opts.Live
	return r
}
