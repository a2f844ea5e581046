package credentials

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Presentation is a VC Data Model 1.1 or 2.0 presentation as JSON, kept
// member by member like Credential.
type Presentation struct {
	doc document
	// creds holds the embedded credentials, parsed once.
	creds []PresentedCredential
}

// PresentedCredential is one entry of a presentation's verifiableCredential.
type PresentedCredential struct {
	// Path is the entry's JSON path, e.g. "$.verifiableCredential[1]".
	Path string
	// Credential is the embedded JSON-LD credential; nil for an enveloped
	// one.
	Credential *Credential
	// Enveloped is the secured credential an entry carries instead: for VC
	// 2.0 the id of an EnvelopedVerifiableCredential (a data: URL such as
	// "data:application/vc+jwt,eyJ…"), for VC 1.1 a JWT string.
	Enveloped string
}

var presentationOrder = []string{"@context", "id", "type", "name", "description", "holder", "verifiableCredential", "termsOfUse"}

// ParsePresentation reads a presentation like ParseCredential reads a
// credential. Embedded credentials are validated too, their problems
// reported under their own path ($.verifiableCredential[0].issuer).
func ParsePresentation(data []byte, opts ParseOptions) (*Presentation, error) {
	d, err := parseDocument("presentation", data, opts)
	if err != nil {
		return nil, err
	}
	p := &Presentation{doc: d}
	return p, validationError("presentation", p.Validate())
}

// Validate checks the presentation and the credentials embedded in it, and
// returns every problem found.
func (p *Presentation) Validate() []Problem {
	var v validator
	m := p.doc.Member
	version := v.checkContext(m("@context"))
	v.checkID(m("id"))
	v.checkType(m("type"), "VerifiablePresentation")
	v.checkIssuerLike("holder", RuleHolder, m("holder"), false)
	v.checkEntries(m("termsOfUse"), entrySpec{name: "termsOfUse", needType: true, idURL: true})
	v.checkProof(m("proof"))
	p.creds = p.creds[:0]
	raw := m("verifiableCredential")
	if raw == nil {
		return v.problems
	}
	const base = "$.verifiableCredential"
	t := bytes.TrimLeft(raw, " \t\r\n")
	var entries []json.RawMessage
	var paths []string
	if len(t) > 0 && t[0] == '[' {
		entries = objectOrList(raw)
		for i := range entries {
			paths = append(paths, index(base, i))
		}
	} else {
		entries, paths = []json.RawMessage{raw}, []string{base}
	}
	for i, e := range entries {
		p.entry(&v, version, paths[i], e)
	}
	return v.problems
}

func (p *Presentation) entry(v *validator, version Version, path string, raw json.RawMessage) {
	t := bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case len(t) > 0 && t[0] == '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		if version == Version20 {
			v.add(path, RuleVC, "a VC 2.0 presentation carries a secured credential as an EnvelopedVerifiableCredential object, not a string")
			return
		}
		if strings.Count(s, ".") != 2 {
			v.add(path, RuleVC, "a credential given as a string must be a compact JWT")
			return
		}
		p.creds = append(p.creds, PresentedCredential{Path: path, Enveloped: s})
	case len(t) > 0 && t[0] == '{':
		types, _ := stringOrList(memberOf(raw, "type"))
		for _, typ := range types {
			if typ == "EnvelopedVerifiableCredential" {
				p.enveloped(v, path, raw)
				return
			}
		}
		d := document{raw: raw}
		_ = jsonIterMembers(raw, &d)
		c := &Credential{doc: d}
		var sub validator
		c.validate(&sub)
		v.problems = append(v.problems, prefixed(sub.problems, path)...)
		p.creds = append(p.creds, PresentedCredential{Path: path, Credential: c})
	default:
		v.add(path, RuleVC, "verifiableCredential entries must be credentials (objects), found %s", jsonType(decode(raw)))
	}
}

// enveloped checks an EnvelopedVerifiableCredential (VC 2.0 §4.13.1): a
// @context, and an id that is a data: URL holding the secured credential.
func (p *Presentation) enveloped(v *validator, path string, raw json.RawMessage) {
	var o struct {
		Context json.RawMessage `json:"@context"`
		ID      *string         `json:"id"`
	}
	_ = json.Unmarshal(raw, &o)
	if o.Context == nil {
		v.add(path, RuleContext, "EnvelopedVerifiableCredential has no @context")
	} else if versionOf(o.Context) != Version20 {
		v.add(step(path, "@context"), RuleBaseContext, "EnvelopedVerifiableCredential must use the %s context", ContextV2)
	}
	if o.ID == nil {
		v.add(path, RuleVC, "EnvelopedVerifiableCredential has no id (the data: URL of the credential)")
		return
	}
	if !strings.HasPrefix(*o.ID, "data:") || !strings.Contains(*o.ID, ",") {
		v.add(step(path, "id"), RuleVC, "EnvelopedVerifiableCredential id must be a data: URL, found %q", *o.ID)
		return
	}
	p.creds = append(p.creds, PresentedCredential{Path: path, Enveloped: *o.ID})
}

// Version returns the data model version declared by the base context, or "".
func (p *Presentation) Version() Version { return versionOf(p.doc.Member("@context")) }

// ID returns the presentation's id, or "".
func (p *Presentation) ID() string { return stringMember(p.doc.Member("id")) }

// Types returns the values of type.
func (p *Presentation) Types() []string {
	list, _ := stringOrList(p.doc.Member("type"))
	return list
}

// Holder returns the holder's URL (holder or holder.id), or "".
func (p *Presentation) Holder() string { return idOf(p.doc.Member("holder")) }

// Credentials returns the entries of verifiableCredential that are
// credentials or enveloped credentials, as found by the last Validate (which
// ParsePresentation runs). Entries of another shape are not returned; they
// are reported by Validate.
func (p *Presentation) Credentials() []PresentedCredential { return p.creds }

// Proofs returns each embedded proof object as raw JSON.
func (p *Presentation) Proofs() []json.RawMessage { return objectOrList(p.doc.Member("proof")) }

// Member returns the raw JSON value of the top-level member name, or nil.
func (p *Presentation) Member(name string) json.RawMessage { return p.doc.Member(name) }

// Names returns the names of the top-level members in document order.
func (p *Presentation) Names() []string { return p.doc.Names() }

// Set replaces or adds the top-level member name; see Credential.Set.
func (p *Presentation) Set(name string, value any) error { return p.doc.setMember(name, value) }

// Delete removes the top-level member name, if present.
func (p *Presentation) Delete(name string) { p.doc.deleteMember(name) }

// Bytes returns the presentation as compact JSON, members in a fixed order
// (@context, id, type, name, description, holder, verifiableCredential,
// termsOfUse), then the others in document order, then proof.
func (p *Presentation) Bytes() ([]byte, error) { return p.doc.encode(presentationOrder, proofLast) }

// MarshalJSON returns Bytes.
func (p *Presentation) MarshalJSON() ([]byte, error) { return p.Bytes() }

// Raw returns the bytes the presentation was parsed from.
func (p *Presentation) Raw() []byte { return p.doc.raw }

// memberOf returns member name of a raw object, or nil.
func memberOf(raw json.RawMessage, name string) json.RawMessage {
	var out json.RawMessage
	_ = jsonx.Members(raw, func(n string, v []byte) bool {
		if n == name {
			out = v
			return false
		}
		return true
	})
	return out
}

func jsonIterMembers(raw json.RawMessage, d *document) error {
	return jsonx.Members(raw, func(n string, v []byte) bool {
		d.members = append(d.members, member{n, v})
		return true
	})
}
