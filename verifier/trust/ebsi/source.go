package ebsi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
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
}

// Source walks EBSI accreditation chains in a snapshot. It implements
// verifier.TrustSource and is safe for concurrent use. Attributes are
// content-addressed by their hash, so the result of checking one's
// signature is kept for the next query.
type Source struct {
	snap  *Snapshot
	opts  Options
	byDID map[string]*Issuer
	ids   map[string]map[string]*Attribute // DID → attribute id (id, hash, reservedAttributeId) → attribute
	memo  sync.Map                         // hash → *checked
}

var _ verifier.TrustSource = (*Source)(nil)

// maxDepth bounds the chain walked (TI → TAO → … → RootTAO).
const maxDepth = 8

// NewSource indexes a snapshot.
func NewSource(s *Snapshot, opts Options) *Source {
	src := &Source{snap: s, opts: opts, byDID: map[string]*Issuer{}, ids: map[string]map[string]*Attribute{}}
	for i := range s.Issuers {
		is := &s.Issuers[i]
		src.byDID[is.DID] = is
		m := map[string]*Attribute{}
		for j := range is.Attributes {
			a := &is.Attributes[j]
			for _, id := range []string{a.ID, strings.TrimPrefix(a.Hash, "0x")} {
				if id != "" {
					m[id] = a
				}
			}
			if c, err := peek(a.Body); err == nil && c.VC.CredentialSubject.ReservedAttributeID != "" {
				m[c.VC.CredentialSubject.ReservedAttributeID] = a
			}
		}
		src.ids[is.DID] = m
	}
	return src
}

// Entities returns the number of issuers in the snapshot.
func (s *Source) Entities() int { return len(s.byDID) }

// checked is the outcome of checking an attribute's hash and signature.
type checked struct {
	c   *claims
	err error
}

// check verifies an attribute once: its hash and the accreditation JWT's
// signature with the accreditor's key from the snapshot's DID documents
// (ES256 or ES256K, through credentials/jose). Time windows are checked per
// query, not here.
func (s *Source) check(ctx context.Context, a *Attribute) (*claims, error) {
	if v, ok := s.memo.Load(a.Hash); ok {
		r := v.(*checked)
		return r.c, r.err
	}
	c, err := s.checkNow(ctx, a)
	if c != nil {
		c.terms = oneOrMany[ref](c.VC.TermsOfUse)
	}
	s.memo.Store(a.Hash, &checked{c: c, err: err})
	return c, err
}

func (s *Source) checkNow(ctx context.Context, a *Attribute) (*claims, error) {
	if err := checkHash(*a); err != nil {
		return nil, err
	}
	c, err := peek(a.Body)
	if err != nil {
		return nil, err
	}
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
	_, err = jose.JWTVCJSON{}.Verify(ctx, []byte(a.Body), s.snap.Resolver(), credentials.VerifyOptions{Now: func() time.Time { return at }})
	if err != nil {
		return nil, fmt.Errorf("the accreditation's signature does not verify with %s's key: %v", short(c.Iss), err)
	}
	return c, nil
}

// window checks the accreditation's validity at t.
func window(c *claims, t time.Time) error {
	if c.Nbf != nil && t.Before(time.Unix(*c.Nbf, 0)) {
		return fmt.Errorf("not valid before %s", time.Unix(*c.Nbf, 0).UTC().Format(time.RFC3339))
	}
	if c.Exp != nil && t.After(time.Unix(*c.Exp, 0)) {
		return fmt.Errorf("expired on %s", time.Unix(*c.Exp, 0).UTC().Format(time.RFC3339))
	}
	if vf, err := time.Parse(time.RFC3339Nano, c.VC.ValidFrom); err == nil && t.Before(vf) {
		return fmt.Errorf("not valid before %s", vf.UTC().Format(time.RFC3339))
	}
	for _, s := range []string{c.VC.ExpirationDate, c.VC.ValidUntil} {
		if e, err := time.Parse(time.RFC3339Nano, s); err == nil && t.After(e) {
			return fmt.Errorf("expired on %s", e.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// credentialFacts are what the walk reads of the credential.
type credentialFacts struct {
	Type             json.RawMessage `json:"type"`
	TermsOfUse       json.RawMessage `json:"termsOfUse"`
	CredentialSchema json.RawMessage `json:"credentialSchema"`
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

// strings1 decodes a JSON string or array of strings.
func strings1(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '[' {
		var many []string
		_ = json.Unmarshal(raw, &many)
		return many
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	return nil
}

// parseAttrURL splits a TIR attribute URL (…/issuers/{did}/attributes/{id})
// into DID and attribute id.
func parseAttrURL(u string) (string, string, bool) {
	i := strings.LastIndex(u, "/issuers/")
	if i < 0 {
		return "", "", false
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
func (s *Source) Trust(ctx context.Context, q verifier.TrustQuery) (*verifier.TrustAnswer, error) {
	var steps trust.Steps
	a := &verifier.TrustAnswer{Source: "ebsi-tir:" + s.snap.Name}
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
	steps.Add(fmt.Sprintf("issuer %s, evaluated at %s", q.Issuer, at.UTC().Format(time.RFC3339)))
	var facts credentialFacts
	if len(q.Credential) > 0 {
		// Only three top-level members are read: check the limits, then scan
		// for them rather than decode the whole credential.
		if err := jsonx.Check(q.Credential, jsonx.Limits{}); err != nil {
			return finish("not trusted: the credential does not decode: " + err.Error())
		}
		err := jsonx.Members(q.Credential, func(name string, value []byte) bool {
			switch name {
			case "type":
				facts.Type = value
			case "termsOfUse":
				facts.TermsOfUse = value
			case "credentialSchema":
				facts.CredentialSchema = value
			}
			return true
		})
		if err != nil {
			return finish("not trusted: the credential does not decode: " + err.Error())
		}
	}
	types := q.Types
	if len(types) == 0 {
		types = strings1(facts.Type)
	}
	schemas := q.Schemas
	if len(schemas) == 0 {
		for _, r := range oneOrMany[ref](facts.CredentialSchema) {
			schemas = append(schemas, r.ID)
		}
	}
	issuer := s.byDID[q.Issuer]
	if issuer == nil {
		return finish(fmt.Sprintf("not trusted: %s is not in the TIR snapshot %q", q.Issuer, s.snap.Name))
	}
	// The first hop: the attribute the credential's IssuanceCertificate
	// names, or else each attribute of the issuer in turn.
	var cands []*Attribute
	for _, r := range oneOrMany[ref](facts.TermsOfUse) {
		if r.Type != "IssuanceCertificate" {
			continue
		}
		d, id, ok := parseAttrURL(r.ID)
		if !ok || d != q.Issuer {
			return finish(fmt.Sprintf("not trusted: the credential's IssuanceCertificate %s is not an attribute of its issuer %s", r.ID, q.Issuer))
		}
		attr := s.ids[d][id]
		if attr == nil {
			return finish(fmt.Sprintf("not trusted: the credential's IssuanceCertificate names attribute %s of %s, which the snapshot does not hold", id, short(d)))
		}
		steps.Add("termsOfUse names the IssuanceCertificate " + r.ID)
		cands = append(cands, attr)
	}
	if len(cands) == 0 {
		steps.Add("the credential has no IssuanceCertificate in termsOfUse; trying each attribute of the issuer")
		for i := range issuer.Attributes {
			cands = append(cands, &issuer.Attributes[i])
		}
	}
	var last string
	for _, leaf := range cands {
		sub := trust.Steps{}
		ok, reason, scope := s.walk(ctx, q.Issuer, leaf, types, schemas, at, &sub)
		if ok {
			steps = append(steps, sub...)
			a.Trusted = true
			a.Entity = q.Issuer
			a.Status = leaf.IssuerType
			a.Level = "accredited"
			a.Scope = scope
			return finish(reason)
		}
		steps = append(steps, sub...)
		last = reason
	}
	a.Status = cands[0].IssuerType
	return finish(last)
}

// walk checks one chain from the issuer's attribute up to a root.
func (s *Source) walk(ctx context.Context, issuerDID string, attr *Attribute, types, schemas []string, at time.Time, steps *trust.Steps) (bool, string, string) {
	subject := issuerDID
	scope := ""
	seen := map[*Attribute]bool{}
	for depth := 0; depth < maxDepth; depth++ {
		if ctx.Err() != nil {
			return false, "not trusted: " + ctx.Err().Error(), ""
		}
		if seen[attr] {
			return false, "not trusted: the accreditation chain loops", ""
		}
		seen[attr] = true
		who := short(subject) + " (" + attr.IssuerType + ")"
		if attr.IssuerType == TypeRevoked {
			return false, fmt.Sprintf("not trusted: %s has issuerType Revoked in the TIR", short(subject)), ""
		}
		if depth > 0 && attr.IssuerType == TypeTI {
			return false, fmt.Sprintf("not trusted: %s accredits others but is only a TI", short(subject)), ""
		}
		c, err := s.check(ctx, attr)
		if err != nil {
			return false, fmt.Sprintf("not trusted: the attribute of %s: %v", who, err), ""
		}
		steps.Add("attribute " + shortHash(attr.Hash) + " of " + who + ": hash matches its body; accreditation " + lastType(c.VC.Type) + " signed by " + short(c.Iss) + " verifies")
		if c.Sub != "" && c.Sub != subject || c.VC.CredentialSubject.ID != "" && c.VC.CredentialSubject.ID != subject {
			return false, fmt.Sprintf("not trusted: the accreditation in %s's attribute is for %s, not for it", short(subject), short(c.VC.CredentialSubject.ID)), ""
		}
		if err := window(c, at); err != nil {
			return false, fmt.Sprintf("not trusted: the accreditation of %s is %v (evaluated at %s)", who, err, at.UTC().Format(time.RFC3339)), ""
		}
		if depth == 0 {
			af, ok := covers(c.VC.CredentialSubject.AccreditedFor, types, schemas)
			if !ok {
				return false, fmt.Sprintf("not trusted: no accreditedFor of %s covers the credential's schema %s and types %s", short(subject), strings.Join(schemas, ", "), strings.Join(types, ", ")), ""
			}
			scope = fmt.Sprintf("schema %s, types %s", af.SchemaID, strings.Join(af.Types, ", "))
			if af.LimitJurisdiction != "" {
				scope += ", jurisdiction " + af.LimitJurisdiction
			}
			steps.Add("accreditedFor covers the credential: " + scope)
		}
		if attr.IssuerType == TypeRootTAO {
			if slices.Contains(s.opts.Roots, c.Iss) {
				return true, fmt.Sprintf("trusted: the chain ends at RootTAO %s, authorised by the configured root %s", short(subject), short(c.Iss)), scope
			}
			return false, fmt.Sprintf("not trusted: RootTAO %s is authorised by %s, which is not a configured root", short(subject), short(c.Iss)), ""
		}
		// Up one: the accreditor's own attribute, named by the
		// accreditation's termsOfUse when it points at the accreditor.
		next, reason := s.accreditorAttribute(c)
		if next == nil {
			return false, "not trusted: " + reason, ""
		}
		subject, attr = c.Iss, next
	}
	return false, fmt.Sprintf("not trusted: the chain is longer than %d links", maxDepth), ""
}

func (s *Source) accreditorAttribute(c *claims) (*Attribute, string) {
	acc := s.byDID[c.Iss]
	if acc == nil {
		return nil, fmt.Sprintf("the accreditor %s is not in the TIR snapshot", short(c.Iss))
	}
	for _, r := range c.terms {
		if d, id, ok := parseAttrURL(r.ID); ok && d == c.Iss {
			if a := s.ids[d][id]; a != nil {
				return a, ""
			}
			return nil, fmt.Sprintf("the accreditation's termsOfUse names attribute %s of %s, which the snapshot does not hold", id, short(d))
		}
	}
	var revoked *Attribute
	for i := range acc.Attributes {
		a := &acc.Attributes[i]
		switch a.IssuerType {
		case TypeTAO, TypeRootTAO:
			return a, ""
		case TypeRevoked:
			revoked = a
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
func covers(afs []AccreditedFor, types, schemas []string) (AccreditedFor, bool) {
	for _, af := range afs {
		schemaOK := false
		for _, sc := range schemas {
			if schemaKey(sc) == schemaKey(af.SchemaID) {
				schemaOK = true
			}
		}
		if !schemaOK {
			continue
		}
		all := len(types) > 0
		for _, t := range types {
			if !slices.Contains(af.Types, t) {
				all = false
			}
		}
		if all {
			return af, true
		}
	}
	return AccreditedFor{}, false
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
func (s *Source) Resolver() Resolver { return s.snap.Resolver() }
