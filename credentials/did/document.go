package did

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
)

// JSON-LD contexts of the DID documents this package writes.
const (
	ContextDID      = "https://www.w3.org/ns/did/v1"
	ContextMultikey = "https://w3id.org/security/multikey/v1"
	ContextJWK      = "https://w3id.org/security/jwk/v1"
)

// Verification method types.
const (
	TypeJsonWebKey = "JsonWebKey"
	TypeMultikey   = "Multikey"
)

// Relationship names a verification relationship of a DID document.
type Relationship string

// The verification relationships Diplomat uses.
const (
	Authentication       Relationship = "authentication"
	AssertionMethod      Relationship = "assertionMethod"
	CapabilityInvocation Relationship = "capabilityInvocation"
	CapabilityDelegation Relationship = "capabilityDelegation"
)

// Document is a DID document (DID Core 1.0), restricted to what Diplomat
// reads and writes: verification methods and four verification
// relationships. Unknown members of a parsed document are ignored.
type Document struct {
	// Context is the @context: a []string when written by this package, any
	// JSON value when parsed.
	Context any `json:"@context,omitempty"`
	// ID is the DID the document describes.
	ID                   string               `json:"id"`
	AlsoKnownAs          []string             `json:"alsoKnownAs,omitempty"`
	VerificationMethod   []VerificationMethod `json:"verificationMethod,omitempty"`
	Authentication       []MethodRef          `json:"authentication,omitempty"`
	AssertionMethod      []MethodRef          `json:"assertionMethod,omitempty"`
	CapabilityInvocation []MethodRef          `json:"capabilityInvocation,omitempty"`
	CapabilityDelegation []MethodRef          `json:"capabilityDelegation,omitempty"`
}

// MethodRef is an entry of a verification relationship: a reference to a
// method by id (Method nil), or a method embedded in the relationship.
type MethodRef struct {
	// ID is the method's id as written (absolute, or relative "#frag").
	ID string
	// Method is the embedded method, or nil for a reference.
	Method *VerificationMethod
}

// MarshalJSON writes a reference as a string and an embedded method as an
// object.
func (r MethodRef) MarshalJSON() ([]byte, error) {
	if r.Method != nil {
		return json.Marshal(r.Method)
	}
	return json.Marshal(r.ID)
}

// UnmarshalJSON reads a string reference or an embedded method object.
func (r *MethodRef) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		r.Method = nil
		return json.Unmarshal(data, &r.ID)
	}
	var m VerificationMethod
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	r.ID, r.Method = m.ID, &m
	return nil
}

// VerificationMethod is one public key of a DID document, in JsonWebKey form
// (PublicKeyJwk set) or Multikey form (PublicKeyMultibase set), never both.
type VerificationMethod struct {
	ID                 string `json:"id"`
	Type               string `json:"type"`
	Controller         string `json:"controller"`
	PublicKeyJwk       *JWK   `json:"publicKeyJwk,omitempty"`
	PublicKeyMultibase string `json:"publicKeyMultibase,omitempty"`
}

// NewJWKMethod returns a JsonWebKey verification method for pub. The JWK has
// no kid: the method's id identifies it.
func NewJWKMethod(id, controller string, pub crypto.PublicKey) (VerificationMethod, error) {
	j, err := PublicJWK(pub)
	if err != nil {
		return VerificationMethod{}, err
	}
	return VerificationMethod{ID: id, Type: TypeJsonWebKey, Controller: controller, PublicKeyJwk: j}, nil
}

// NewMultikeyMethod returns a Multikey verification method for pub.
func NewMultikeyMethod(id, controller string, pub crypto.PublicKey) (VerificationMethod, error) {
	mk, err := Multikey(pub)
	if err != nil {
		return VerificationMethod{}, err
	}
	return VerificationMethod{ID: id, Type: TypeMultikey, Controller: controller, PublicKeyMultibase: mk}, nil
}

// PublicKey returns the method's public key. Types JsonWebKey and
// JsonWebKey2020 read publicKeyJwk; Multikey and Ed25519VerificationKey2020
// read publicKeyMultibase (the latter only for Ed25519). Any other type
// returns an error wrapping credentials.ErrUnsupportedKey; a method carrying
// both forms or the wrong one, an error wrapping credentials.ErrMalformed.
func (m *VerificationMethod) PublicKey() (crypto.PublicKey, error) {
	if m.PublicKeyJwk != nil && m.PublicKeyMultibase != "" {
		return nil, fmt.Errorf("did: verification method %q has both publicKeyJwk and publicKeyMultibase: %w", short(m.ID), credentials.ErrMalformed)
	}
	switch m.Type {
	case TypeJsonWebKey, "JsonWebKey2020":
		if m.PublicKeyJwk == nil {
			return nil, fmt.Errorf("did: verification method %q of type %s has no publicKeyJwk: %w", short(m.ID), m.Type, credentials.ErrMalformed)
		}
		return m.PublicKeyJwk.PublicKey()
	case TypeMultikey, "Ed25519VerificationKey2020":
		if m.PublicKeyMultibase == "" {
			return nil, fmt.Errorf("did: verification method %q of type %s has no publicKeyMultibase: %w", short(m.ID), m.Type, credentials.ErrMalformed)
		}
		pub, err := ParseMultikey(m.PublicKeyMultibase)
		if err != nil {
			return nil, err
		}
		if _, ok := pub.(ed25519.PublicKey); m.Type == "Ed25519VerificationKey2020" && !ok {
			return nil, fmt.Errorf("did: verification method %q of type Ed25519VerificationKey2020 holds another key type: %w", short(m.ID), credentials.ErrMalformed)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("did: verification method type %q: %w", short(m.Type), credentials.ErrUnsupportedKey)
}

// AddMethod appends m to the document's verificationMethod list and a
// reference to it to each relationship in rels.
func (d *Document) AddMethod(m VerificationMethod, rels ...Relationship) {
	d.VerificationMethod = append(d.VerificationMethod, m)
	for _, r := range rels {
		if p := d.relationship(r); p != nil {
			*p = append(*p, MethodRef{ID: m.ID})
		}
	}
}

func (d *Document) relationship(r Relationship) *[]MethodRef {
	switch r {
	case Authentication:
		return &d.Authentication
	case AssertionMethod:
		return &d.AssertionMethod
	case CapabilityInvocation:
		return &d.CapabilityInvocation
	case CapabilityDelegation:
		return &d.CapabilityDelegation
	}
	return nil
}

// absolute returns id made absolute against the document's DID.
func (d *Document) absolute(id string) string {
	if strings.HasPrefix(id, "#") {
		return d.ID + id
	}
	return id
}

// Method returns the verification method with the given id (absolute, or
// relative "#frag"), whether listed in verificationMethod or embedded in a
// relationship. It returns an error wrapping credentials.ErrUnknownKey when
// there is none.
//
// Two methods with that id (DID Core requires ids to be unique) return an
// error wrapping credentials.ErrMalformed: which key the relationships name
// would be a guess.
func (d *Document) Method(id string) (*VerificationMethod, error) {
	want := d.absolute(id)
	var found *VerificationMethod
	n := 0
	for i := range d.VerificationMethod {
		if d.absolute(d.VerificationMethod[i].ID) == want {
			found = &d.VerificationMethod[i]
			n++
		}
	}
	for _, rel := range relationships {
		for _, r := range *d.relationship(rel) {
			if r.Method != nil && d.absolute(r.Method.ID) == want {
				if found == nil {
					found = r.Method
				}
				n++
			}
		}
	}
	switch {
	case n > 1:
		return nil, fmt.Errorf("did: document %s has %d verification methods with id %s: %w", short(d.ID), n, short(id), credentials.ErrMalformed)
	case found == nil:
		return nil, fmt.Errorf("did: document %s has no verification method %s: %w", short(d.ID), short(id), credentials.ErrUnknownKey)
	}
	return found, nil
}

// relationships are the verification relationships Document keeps, in the
// order Relationships lists them.
var relationships = []Relationship{Authentication, AssertionMethod, CapabilityInvocation, CapabilityDelegation}

// Relationships returns the verification relationships the method with the
// given id is listed under (by reference or embedded), in the order
// authentication, assertionMethod, capabilityInvocation,
// capabilityDelegation. It returns an empty, non-nil slice when it is listed
// under none, as credentials.VerificationMethod.Relationships expects.
func (d *Document) Relationships(id string) []string {
	out := []string{}
	for _, rel := range relationships {
		if d.Related(id, rel) {
			out = append(out, string(rel))
		}
	}
	return out
}

// Related reports whether the method with the given id is listed under
// relationship rel.
func (d *Document) Related(id string, rel Relationship) bool {
	p := d.relationship(rel)
	if p == nil {
		return false
	}
	want := d.absolute(id)
	for _, r := range *p {
		if d.absolute(r.ID) == want {
			return true
		}
	}
	return false
}

// First returns the first method listed under relationship rel, following a
// reference to verificationMethod. It returns an error wrapping
// credentials.ErrUnknownKey when rel is empty.
func (d *Document) First(rel Relationship) (*VerificationMethod, error) {
	p := d.relationship(rel)
	if p == nil || len(*p) == 0 {
		return nil, fmt.Errorf("did: document %s lists no %s method: %w", short(d.ID), rel, credentials.ErrUnknownKey)
	}
	r := (*p)[0]
	if r.Method != nil {
		return r.Method, nil
	}
	return d.Method(r.ID)
}
