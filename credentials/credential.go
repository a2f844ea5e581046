package credentials

import (
	"encoding/json"
	"time"
)

// Credential is a VC Data Model 1.1 or 2.0 credential as JSON: every
// top-level member is kept, known or not, so that writing it back with
// Bytes loses nothing. Typed accessors read the members the data model
// defines; Set and Delete change members.
//
// A Credential is not safe for concurrent modification.
type Credential struct {
	doc document
}

// credentialOrder is the order in which Bytes writes the members the data
// model defines; other members follow in document order, then proof.
var credentialOrder = []string{
	"@context", "id", "type", "name", "description", "issuer",
	"validFrom", "validUntil", "issuanceDate", "expirationDate",
	"credentialSubject", "credentialStatus", "credentialSchema",
	"relatedResource", "refreshService", "termsOfUse", "evidence",
}

var proofLast = []string{"proof"}

// ParseCredential reads a credential with the checks of package jsonx
// (size, depth, duplicate member names, strict strings) and then validates
// it against the VC Data Model (see Validate).
//
// Malformed JSON gives an error wrapping ErrMalformed and a *jsonx.Error
// with the byte offset and JSON path, and a nil Credential. A JSON object
// that breaks data model rules gives the Credential and a *ValidationError
// (also wrapping ErrMalformed) listing every problem, so that a caller may
// still read or report on it. Warnings alone do not make an error; Validate
// returns them.
func ParseCredential(data []byte, opts ParseOptions) (*Credential, error) {
	d, err := parseDocument("credential", data, opts)
	if err != nil {
		return nil, err
	}
	c := &Credential{doc: d}
	return c, validationError("credential", c.Validate())
}

// Validate checks the credential against the VC Data Model of its version
// and returns every problem found, errors and warnings, each with the JSON
// path and the rule (see the Rule constants and docs/envelopes.md).
func (c *Credential) Validate() []Problem {
	var v validator
	c.validate(&v)
	return v.problems
}

func (c *Credential) validate(v *validator) {
	m := c.doc.Member
	version := v.checkContext(m("@context"))
	v.checkID(m("id"))
	v.checkType(m("type"), "VerifiableCredential")
	v.checkText("name", m("name"))
	v.checkText("description", m("description"))
	v.checkIssuerLike("issuer", RuleIssuer, m("issuer"), true)
	v.checkSubject(m("credentialSubject"))

	from, okFrom := v.checkDate("validFrom", m("validFrom"), version)
	until, okUntil := v.checkDate("validUntil", m("validUntil"), version)
	issued, okIssued := v.checkDate("issuanceDate", m("issuanceDate"), version)
	expires, okExpires := v.checkDate("expirationDate", m("expirationDate"), version)
	switch version {
	case Version11:
		// VC 1.1 §4.6 requires issuanceDate. EDC credentials under the
		// 1.1 context use validFrom (defined by their own context)
		// instead; that is accepted with a warning.
		switch {
		case m("issuanceDate") == nil && m("validFrom") == nil:
			v.add("$", RuleIssuanceDate, "issuanceDate is missing (required by VC 1.1)")
		case m("issuanceDate") == nil:
			v.warn("$", RuleIssuanceDate, "issuanceDate is missing (required by VC 1.1); validFrom, defined by a later context, is taken instead")
		}
		if okIssued && okExpires && expires.Before(issued) {
			v.add("$.expirationDate", RuleDateOrder, "expirationDate is before issuanceDate")
		}
	case Version20:
		// VC 2.0 replaced issuanceDate and expirationDate by validFrom and
		// validUntil (2.0 appendix "Revision History"); the v2 context does
		// not define them, so they carry no validity period here.
		for _, name := range []string{"issuanceDate", "expirationDate"} {
			if m(name) != nil {
				v.warn(step("$", name), RuleDateVersion, "%s is a VC 1.1 property; VC 2.0 takes the validity period only from validFrom and validUntil", name)
			}
		}
	}
	if okFrom && okUntil && until.Before(from) {
		v.add("$.validUntil", RuleDateOrder, "validUntil is before validFrom")
	}

	v11 := version == Version11
	v.checkEntries(m("credentialStatus"), entrySpec{name: "credentialStatus", needType: true, needID: v11, idURL: true})
	v.checkEntries(m("credentialSchema"), entrySpec{name: "credentialSchema", needType: true, needID: true, idURL: true})
	v.checkEntries(m("refreshService"), entrySpec{name: "refreshService", needType: true, needID: v11, idURL: true})
	v.checkEntries(m("termsOfUse"), entrySpec{name: "termsOfUse", needType: true, idURL: true})
	v.checkEntries(m("evidence"), entrySpec{name: "evidence", needType: true, idURL: true})
	v.checkEntries(m("relatedResource"), entrySpec{name: "relatedResource", needID: true, idURL: true, digest: true})
	v.checkProof(m("proof"))
}

// Version returns the data model version declared by the base context, or
// "" when the first @context entry is neither base context.
func (c *Credential) Version() Version { return versionOf(c.doc.Member("@context")) }

// ID returns the credential's id, or "" when it has none.
func (c *Credential) ID() string { return stringMember(c.doc.Member("id")) }

// Types returns the values of type.
func (c *Credential) Types() []string {
	list, _ := stringOrList(c.doc.Member("type"))
	return list
}

// Issuer returns the issuer's URL: issuer itself or issuer.id.
func (c *Credential) Issuer() string { return idOf(c.doc.Member("issuer")) }

// ValidFrom returns the start of the validity period: validFrom, or for a
// VC 1.1 credential without it, issuanceDate. ok is false when there is none
// or it does not parse.
func (c *Credential) ValidFrom() (t time.Time, ok bool) {
	return c.date("validFrom", "issuanceDate")
}

// ValidUntil returns the end of the validity period: validUntil, or for a
// VC 1.1 credential without it, expirationDate. ok is false when there is
// none or it does not parse.
func (c *Credential) ValidUntil() (t time.Time, ok bool) {
	return c.date("validUntil", "expirationDate")
}

func (c *Credential) date(v2, v1 string) (time.Time, bool) {
	version := c.Version()
	raw := c.doc.Member(v2)
	if raw == nil && version == Version11 {
		raw = c.doc.Member(v1)
	}
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return time.Time{}, false
	}
	t, err := ParseDateTime(s, version == Version20)
	return t, err == nil
}

// Subjects returns each credentialSubject object as raw JSON.
func (c *Credential) Subjects() []json.RawMessage {
	return objectOrList(c.doc.Member("credentialSubject"))
}

// Proofs returns each embedded proof object as raw JSON (none for an
// unsecured credential).
func (c *Credential) Proofs() []json.RawMessage { return objectOrList(c.doc.Member("proof")) }

// Member returns the raw JSON value of the top-level member name, or nil.
// The returned slice must not be modified.
func (c *Credential) Member(name string) json.RawMessage { return c.doc.Member(name) }

// Names returns the names of the top-level members in document order.
func (c *Credential) Names() []string { return c.doc.Names() }

// Set replaces the top-level member name (or adds it) with value encoded as
// JSON; a json.RawMessage is used as it is, after a validity check. It does
// not revalidate the credential.
func (c *Credential) Set(name string, value any) error { return c.doc.setMember(name, value) }

// Delete removes the top-level member name, if present.
func (c *Credential) Delete(name string) { c.doc.deleteMember(name) }

// Bytes returns the credential as compact JSON: the data model's members in
// a fixed order (@context, id, type, name, description, issuer, the dates,
// credentialSubject, credentialStatus, credentialSchema, relatedResource,
// refreshService, termsOfUse, evidence), then every other member in
// document order, then proof. Values are written as read, compacted.
func (c *Credential) Bytes() ([]byte, error) { return c.doc.encode(credentialOrder, proofLast) }

// MarshalJSON returns Bytes.
func (c *Credential) MarshalJSON() ([]byte, error) { return c.Bytes() }

// Raw returns the bytes the credential was parsed from. They must not be
// modified.
func (c *Credential) Raw() []byte { return c.doc.raw }

func stringMember(raw json.RawMessage) string {
	var s string
	if raw != nil && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}
