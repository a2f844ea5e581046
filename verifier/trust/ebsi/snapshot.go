package ebsi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// Issuer types of the TIR (setAttributeMetadata: 1 RootTAO, 2 TAO, 3 TI,
// 4 Revoked).
const (
	TypeRootTAO = "RootTAO"
	TypeTAO     = "TAO"
	TypeTI      = "TI"
	TypeRevoked = "Revoked"
)

// DefaultMaxBytes bounds a snapshot file: 64 MiB, room for some 25,000
// issuer records of one attribute (an accreditation JWT is 1.5 to 2.5 KB).
const DefaultMaxBytes = 64 << 20

// Snapshot is an offline copy of TIR issuer records and the DID documents
// their accreditations need. Its JSON form:
//
//	{
//	  "name": "pilot",                      // required: how the snapshot is named
//	  "sequence": 3,                        // optional: newer snapshots have higher numbers
//	  "issued": "2025-01-01T00:00:00Z",     // optional
//	  "issuers": [ <TIR v4/v5 GET /issuers/{did} response>, ... ],
//	  "didDocuments": [ <DID document>, ... ]
//	}
//
// Each issuer is {"did": ..., "attributes": [{"hash", "body", "issuerType",
// "tao", "rootTao"}]} as the TIR returns it; an attribute may also carry its
// "id" (the attribute id of the TIR URL) when it differs from the hash and
// from the body's reservedAttributeId.
type Snapshot struct {
	Name         string            `json:"name"`
	Sequence     int64             `json:"sequence,omitempty"`
	Issued       time.Time         `json:"issued,omitzero"`
	Issuers      []Issuer          `json:"issuers"`
	DIDDocuments []json.RawMessage `json:"didDocuments,omitempty"`

	docs map[string]*did.Document
}

// Issuer is one TIR issuer record.
type Issuer struct {
	DID        string      `json:"did"`
	Attributes []Attribute `json:"attributes"`
}

// Attribute is one attribute of an issuer: an accreditation (a JWT, "body")
// and its metadata.
type Attribute struct {
	ID         string `json:"id,omitempty"`
	Hash       string `json:"hash"`
	Body       string `json:"body"`
	IssuerType string `json:"issuerType"`
	TAO        string `json:"tao,omitempty"`
	RootTAO    string `json:"rootTao,omitempty"`
}

// Parse reads a snapshot's form: JSON limits, required members, DID
// documents that parse and name a DID. It does not check the attributes'
// hashes or signatures (Check and the chain walk do). Errors wrap
// trust.ErrMalformed.
func Parse(data []byte) (*Snapshot, error) {
	var s Snapshot
	if err := jsonx.Decode(data, &s, jsonx.Limits{MaxBytes: DefaultMaxBytes, MaxDepth: 32}); err != nil {
		return nil, fmt.Errorf("%w: %v", trust.ErrMalformed, err)
	}
	if err := s.index(); err != nil {
		return nil, err
	}
	return &s, nil
}

// index checks the form of a decoded snapshot (required members, issuer
// types, DID documents that parse and name a DID) and indexes its DID
// documents. Errors wrap trust.ErrMalformed.
func (s *Snapshot) index() error {
	if s.Name == "" {
		return fmt.Errorf("%w: the snapshot has no name", trust.ErrMalformed)
	}
	if s.Sequence < 0 {
		return fmt.Errorf("%w: sequence is negative", trust.ErrMalformed)
	}
	for i, is := range s.Issuers {
		if !strings.HasPrefix(is.DID, "did:") {
			return fmt.Errorf("%w: issuers[%d].did %q is not a DID", trust.ErrMalformed, i, is.DID)
		}
		for j, a := range is.Attributes {
			where := fmt.Sprintf("issuers[%d].attributes[%d]", i, j)
			if a.Body == "" {
				return fmt.Errorf("%w: %s has no body", trust.ErrMalformed, where)
			}
			switch a.IssuerType {
			case TypeRootTAO, TypeTAO, TypeTI, TypeRevoked:
			default:
				return fmt.Errorf("%w: %s.issuerType %q is not RootTAO, TAO, TI or Revoked", trust.ErrMalformed, where, a.IssuerType)
			}
		}
	}
	s.docs = map[string]*did.Document{}
	for i, raw := range s.DIDDocuments {
		d, err := did.ParseDocument(raw)
		if err != nil {
			return fmt.Errorf("%w: didDocuments[%d]: %v", trust.ErrMalformed, i, err)
		}
		if !strings.HasPrefix(d.ID, "did:") {
			return fmt.Errorf("%w: didDocuments[%d] has no DID id", trust.ErrMalformed, i)
		}
		s.docs[d.ID] = d
	}
	return nil
}

// Check checks what can be checked without a credential: every attribute's
// hash is the hex SHA-256 of its body. Errors wrap trust.ErrSignature.
func (s *Snapshot) Check() error {
	for i, is := range s.Issuers {
		for j, a := range is.Attributes {
			if err := checkHash(a); err != nil {
				return fmt.Errorf("%w: issuers[%d] (%s) attributes[%d]: %v", trust.ErrSignature, i, is.DID, j, err)
			}
		}
	}
	return nil
}

// Import parses and checks a snapshot (Parse, then Check).
func Import(data []byte) (*Snapshot, error) {
	s, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

func checkHash(a Attribute) error {
	sum := sha256.Sum256([]byte(a.Body))
	got := hex.EncodeToString(sum[:])
	if !strings.EqualFold(strings.TrimPrefix(a.Hash, "0x"), got) {
		return fmt.Errorf("hash %s is not the SHA-256 of the body (%s)", a.Hash, got)
	}
	return nil
}

// Resolver resolves the keys of the DID documents a snapshot holds (did:ebsi
// and any other method whose document was imported). It implements
// credentials.KeyResolver. It never touches the network unless it comes from
// a Source with a live Client (Options.Live) and that client has a DID
// registry: then a DID whose document the snapshot lacks is fetched from it.
type Resolver struct {
	docs map[string]*did.Document
	live *Client
}

// Resolver returns the snapshot's key resolver.
func (s *Snapshot) Resolver() Resolver { return Resolver{docs: s.docs} }

var _ credentials.KeyResolver = Resolver{}

// ResolveKey returns the verification method id names: a DID URL
// (did:ebsi:z…#key) or a DID, meaning its first assertion method. Errors
// wrap credentials.ErrUnknownKey.
func (r Resolver) ResolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	d, frag, _ := strings.Cut(id, "#")
	doc := r.docs[d]
	if doc == nil && r.live != nil && r.live.didRegistry != nil {
		var err error
		if doc, _, err = r.live.document(ctx, d); err != nil {
			return nil, fmt.Errorf("%w: %v", credentials.ErrUnknownKey, err)
		}
	}
	if doc == nil {
		return nil, fmt.Errorf("%w: no DID document for %s in the snapshot", credentials.ErrUnknownKey, d)
	}
	var vm *did.VerificationMethod
	var err error
	if frag == "" {
		vm, err = doc.First(did.AssertionMethod)
	} else {
		vm, err = doc.Method(id)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", credentials.ErrUnknownKey, err)
	}
	pub, err := vm.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", credentials.ErrUnknownKey, id, err)
	}
	ctrl := vm.Controller
	if ctrl == "" {
		ctrl = d
	}
	vid := vm.ID
	if strings.HasPrefix(vid, "#") {
		vid = d + vid
	}
	return &credentials.VerificationMethod{ID: vid, Controller: ctrl, Key: pub}, nil
}

// claims are the parts of an accreditation JWT the walk reads. They are
// read without checking the signature (the walk checks it before using
// them).
type claims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Nbf *int64 `json:"nbf"`
	Exp *int64 `json:"exp"`
	Iat *int64 `json:"iat"`
	VC  struct {
		Type              []string        `json:"type"`
		ValidFrom         string          `json:"validFrom"`
		ExpirationDate    string          `json:"expirationDate"`
		ValidUntil        string          `json:"validUntil"`
		TermsOfUse        json.RawMessage `json:"termsOfUse"`
		CredentialSubject struct {
			ID                  string          `json:"id"`
			ReservedAttributeID string          `json:"reservedAttributeId"`
			AccreditedFor       []AccreditedFor `json:"accreditedFor"`
		} `json:"credentialSubject"`
	} `json:"vc"`

	terms []ref // VC.TermsOfUse decoded, set once the attribute is checked
}

// AccreditedFor is one scope of an accreditation.
type AccreditedFor struct {
	SchemaID          string   `json:"schemaId"`
	Types             []string `json:"types"`
	LimitJurisdiction string   `json:"limitJurisdiction,omitempty"`
}

// peek decodes a JWT's payload without checking anything but its form.
func peek(body string) (*claims, error) {
	parts := strings.Split(body, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("the body is not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("the body's payload is not base64url")
	}
	var c claims
	if err := jsonx.Decode(payload, &c, jsonx.Limits{MaxBytes: 1 << 20}); err != nil {
		return nil, fmt.Errorf("the body's payload: %v", err)
	}
	return &c, nil
}
