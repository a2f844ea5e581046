package keys

import (
	"bytes"
	"cmp"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/internal/certpath"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Trust registry identifiers: an entry names its issuer by exactly one of a
// DID, a JWK thumbprint or an X.509 certificate, and its ID is derived from
// that.
const (
	// ThumbprintURN prefixes a JWK thumbprint entry's ID (RFC 9278).
	ThumbprintURN = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:"
	// CertificatePrefix prefixes a certificate entry's ID, followed by the
	// hex SHA-256 of the certificate.
	CertificatePrefix = "x509:sha256:"
)

// Sources of trust entries.
const (
	// SourceManual is the Source of entries added one by one with Add.
	SourceManual = "manual"
)

// TrustEntry is one issuer the verifier trusts, and for what. Exactly one of
// DID, JWKThumbprint and Certificate identifies it.
type TrustEntry struct {
	// ID is derived from the identifier: the DID itself, ThumbprintURN +
	// thumbprint, or CertificatePrefix + hex SHA-256 of the certificate.
	// It may be omitted on input; if given it must match.
	ID string `json:"id,omitempty"`
	// DID is the issuer's DID (no fragment or query), e.g.
	// "did:web:registrar.example.edu".
	DID string `json:"did,omitempty" validate:"omitempty,max=4096,startswith=did:,excludesall=#?"`
	// JWKThumbprint is the RFC 7638 SHA-256 thumbprint (base64url, 43
	// characters) of the issuer's signing key.
	JWKThumbprint string `json:"jwkThumbprint,omitempty" validate:"omitempty,thumbprint"`
	// Certificate is a PEM certificate: the issuer's own seal certificate
	// (trusted exactly) or a CA certificate (trusting what it issued).
	Certificate string `json:"certificate,omitempty" validate:"omitempty,max=65536,pemcert"`
	// Name is the display name of the issuer. Required.
	Name string `json:"name" validate:"required,max=300"`
	// Country is the ISO 3166-1 alpha-2 code of the issuer's country.
	// Required.
	Country string `json:"country" validate:"required,country"`
	// Scope is what the issuer is accredited to issue.
	Scope TrustScope `json:"scope"`
	// NotBefore and NotAfter bound when the entry applies; nil means
	// unbounded on that side.
	NotBefore *time.Time `json:"notBefore,omitempty"`
	NotAfter  *time.Time `json:"notAfter,omitempty"`
	// Source is "manual" or the file the entry was imported from; set by
	// the store.
	Source string `json:"source,omitempty"`
	// Added is when the entry was stored; set by the store.
	Added time.Time `json:"added,omitzero"`
}

// TrustScope is an accreditation scope. An empty list or zero level means no
// restriction on that axis.
type TrustScope struct {
	// CredentialTypes are the credential types (VC "type" values, e.g.
	// "VerifiableDiploma") the issuer may issue.
	CredentialTypes []string `json:"credentialTypes,omitempty" validate:"max=100,dive,required,max=300"`
	// Profiles are the Diplomat profiles the issuer uses: edc, ebsi, w3c,
	// eudi.
	Profiles []string `json:"profiles,omitempty" validate:"max=4,dive,oneof=edc ebsi w3c eudi"`
	// MaxEQFLevel is the highest EQF level (1 to 8) the issuer may award;
	// 0 means not restricted.
	MaxEQFLevel int `json:"maxEqfLevel,omitempty" validate:"omitempty,min=1,max=8"`
	// ISCEDFields are the ISCED-F 2013 field codes (2, 3 or 4 digits, e.g.
	// "0421" law) the issuer may award in; empty means all fields.
	ISCEDFields []string `json:"iscedFields,omitempty" validate:"max=200,dive,iscedf"`
}

// String describes the scope in a few words, e.g. "profiles w3c,edc; EQF ≤ 7",
// or "any" when it restricts nothing.
func (sc TrustScope) String() string {
	var parts []string
	if len(sc.Profiles) > 0 {
		parts = append(parts, "profiles "+strings.Join(sc.Profiles, ","))
	}
	if len(sc.CredentialTypes) > 0 {
		parts = append(parts, "types "+strings.Join(sc.CredentialTypes, ","))
	}
	if sc.MaxEQFLevel > 0 {
		parts = append(parts, "EQF ≤ "+strconv.Itoa(sc.MaxEQFLevel))
	}
	if len(sc.ISCEDFields) > 0 {
		parts = append(parts, "ISCED-F "+strings.Join(sc.ISCEDFields, ","))
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, "; ")
}

// ValidAt reports whether t is inside the entry's validity window.
func (e *TrustEntry) ValidAt(t time.Time) bool {
	return (e.NotBefore == nil || !t.Before(*e.NotBefore)) && (e.NotAfter == nil || !t.After(*e.NotAfter))
}

// TrustEntryError says which entry of an import (or Add) is invalid and why.
// It wraps ErrInvalid.
type TrustEntryError struct {
	// Index is the entry's position in the imported list, from 0; -1 for
	// Add.
	Index int
	// ID is the entry's id or identifier, if it has one.
	ID string
	// Field is the JSON path of the offending member inside the entry,
	// e.g. "country" or "scope.iscedFields[1]"; empty for the whole entry.
	Field string
	// Reason says what is wrong.
	Reason string
}

func (e *TrustEntryError) Error() string {
	var b strings.Builder
	b.WriteString("keys: trust entry")
	if e.Index >= 0 {
		fmt.Fprintf(&b, " %d", e.Index)
	}
	if e.ID != "" {
		fmt.Fprintf(&b, " (%s)", shortID(e.ID))
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *TrustEntryError) Unwrap() error { return ErrInvalid }

func shortID(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

var iscedRE = regexp.MustCompile(`^(?:0[0-9]|10|99)(?:[0-9]{1,2})?$`)

// newTrustValidator builds the validator for trust entries. It is built per
// call site (Add, Import), not held globally.
func newTrustValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	_ = v.RegisterValidation("country", func(fl validator.FieldLevel) bool { return IsCountry(fl.Field().String()) })
	_ = v.RegisterValidation("iscedf", func(fl validator.FieldLevel) bool { return iscedRE.MatchString(fl.Field().String()) })
	_ = v.RegisterValidation("thumbprint", func(fl validator.FieldLevel) bool {
		b, err := base64.RawURLEncoding.Strict().DecodeString(fl.Field().String())
		return err == nil && len(b) == 32
	})
	_ = v.RegisterValidation("pemcert", func(fl validator.FieldLevel) bool {
		_, err := parseEntryCert(fl.Field().String())
		return err == nil
	})
	return v
}

func parseEntryCert(s string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("not one PEM CERTIFICATE")
	}
	return x509.ParseCertificate(block.Bytes)
}

func reason(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "country":
		return fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code", fe.Value())
	case "iscedf":
		return fmt.Sprintf("%q is not an ISCED-F 2013 field code (2 to 4 digits, e.g. 0421)", fe.Value())
	case "thumbprint":
		return "is not an RFC 7638 SHA-256 thumbprint (43 base64url characters)"
	case "pemcert":
		return "is not one PEM CERTIFICATE that parses"
	case "oneof":
		return fmt.Sprintf("%q is not one of %s", fe.Value(), strings.ReplaceAll(fe.Param(), " ", ", "))
	case "min", "max":
		if fe.Kind() == reflect.Int {
			return fmt.Sprintf("%v is out of range 1 to 8", fe.Value())
		}
		return fmt.Sprintf("has a length over the limit (%s %s)", fe.Tag(), fe.Param())
	case "startswith", "excludesall":
		return fmt.Sprintf("%q is not a DID without fragment or query", fe.Value())
	}
	return fmt.Sprintf("fails %s", fe.Tag())
}

// normalise validates e (as entry index i) and derives its ID.
func normalise(v *validator.Validate, e *TrustEntry, i int) error {
	ident := cmp.Or(e.ID, e.DID, e.JWKThumbprint)
	if err := v.Struct(e); err != nil {
		var ves validator.ValidationErrors
		if errors.As(err, &ves) && len(ves) > 0 {
			fe := ves[0]
			_, field, _ := strings.Cut(fe.Namespace(), ".")
			return &TrustEntryError{Index: i, ID: ident, Field: field, Reason: reason(fe)}
		}
		return &TrustEntryError{Index: i, ID: ident, Reason: err.Error()}
	}
	n := 0
	var id string
	if e.DID != "" {
		n, id = n+1, e.DID
	}
	if e.JWKThumbprint != "" {
		n, id = n+1, ThumbprintURN+e.JWKThumbprint
	}
	if e.Certificate != "" {
		c, _ := parseEntryCert(e.Certificate)
		n, id = n+1, CertificatePrefix+fingerprint(c)
	}
	if n != 1 {
		return &TrustEntryError{Index: i, ID: ident, Field: "did", Reason: "give exactly one identifier: did, jwkThumbprint or certificate"}
	}
	if e.ID != "" && e.ID != id {
		return &TrustEntryError{Index: i, ID: e.ID, Field: "id", Reason: fmt.Sprintf("does not match the identifier (want %s)", shortID(id))}
	}
	if e.NotBefore != nil && e.NotAfter != nil && !e.NotAfter.After(*e.NotBefore) {
		return &TrustEntryError{Index: i, ID: id, Field: "notAfter", Reason: "is not after notBefore"}
	}
	e.ID = id
	return nil
}

func putEntry(tx Tx, e *TrustEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return tx.Put(TableTrust, []byte(e.ID), v)
}

// AddTrust validates e and stores it with Source "manual" (unless set) and
// Added now. An invalid entry returns a *TrustEntryError (Index -1); an
// entry whose ID exists returns an error wrapping ErrExists. It needs no
// passphrase.
func (s *Store) AddTrust(e TrustEntry) (*TrustEntry, error) {
	if err := normalise(newTrustValidator(), &e, -1); err != nil {
		return nil, err
	}
	if e.Source == "" {
		e.Source = SourceManual
	}
	e.Added = s.now().UTC()
	err := s.update(func(tx Tx) error {
		if v, err := tx.Get(TableTrust, []byte(e.ID)); err != nil {
			return err
		} else if v != nil {
			return fmt.Errorf("keys: trust entry %s already exists (remove it first): %w", shortID(e.ID), ErrExists)
		}
		if err := putEntry(tx, &e); err != nil {
			return err
		}
		return appendAudit(tx, e.Added, "trust.add", e.ID, "", e.Source)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// TrustFile is the JSON form of the trust registry that ImportTrust reads and
// ExportTrust writes.
type TrustFile struct {
	Entries []TrustEntry `json:"entries"`
}

// ImportTrust reads a trust file ({"entries": [...]}, see TrustFile) from
// untrusted JSON and stores every entry with Source set to source (for
// example the file's name). Every entry is validated first; if any is
// invalid (or two share an ID) nothing is stored and the error is a
// *TrustEntryError naming the entry's index, id and field. Entries whose ID
// already exists are replaced. It returns the number of entries stored.
func (s *Store) ImportTrust(data []byte, source string) (int, error) {
	entries, err := ParseTrustFile(data)
	if err != nil {
		return 0, err
	}
	if source == "" {
		source = "import"
	}
	now := s.now().UTC()
	for i := range entries {
		entries[i].Source, entries[i].Added = source, now
	}
	err = s.update(func(tx Tx) error {
		for i := range entries {
			if err := putEntry(tx, &entries[i]); err != nil {
				return err
			}
			if err := appendAudit(tx, now, "trust.import", entries[i].ID, "", source); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(entries), nil
}

// ParseTrustFile parses and validates a trust file without storing it: the
// same checks as ImportTrust, with IDs derived. It is safe on any input.
func ParseTrustFile(data []byte) ([]TrustEntry, error) {
	if err := jsonx.Check(data, jsonx.Limits{}); err != nil {
		return nil, fmt.Errorf("keys: trust file: %w: %w", ErrInvalid, err)
	}
	var raw struct {
		Entries []json.RawMessage `json:"entries"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("keys: trust file: want {\"entries\": [...]}: %v: %w", err, ErrInvalid)
	}
	if raw.Entries == nil {
		return nil, fmt.Errorf("keys: trust file has no \"entries\" list: %w", ErrInvalid)
	}
	v := newTrustValidator()
	entries := make([]TrustEntry, len(raw.Entries))
	seen := map[string]int{}
	for i, r := range raw.Entries {
		d := json.NewDecoder(bytes.NewReader(r))
		d.DisallowUnknownFields()
		if err := d.Decode(&entries[i]); err != nil {
			te := &TrustEntryError{Index: i, Reason: err.Error()}
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) {
				te.Field, te.Reason = ute.Field, fmt.Sprintf("expected %s, found JSON %s", ute.Type, ute.Value)
			} else if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				te.Field, te.Reason = strings.Trim(f, `"`), "is not a trust entry member"
			}
			return nil, te
		}
		if err := normalise(v, &entries[i], i); err != nil {
			return nil, err
		}
		if j, dup := seen[entries[i].ID]; dup {
			return nil, &TrustEntryError{Index: i, ID: entries[i].ID, Reason: fmt.Sprintf("same identifier as entry %d", j)}
		}
		seen[entries[i].ID] = i
	}
	return entries, nil
}

// ExportTrust writes the whole registry as an indented TrustFile that
// ImportTrust reads back.
func (s *Store) ExportTrust() ([]byte, error) {
	es, err := s.TrustEntries()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(TrustFile{Entries: es}, "", "  ")
}

// TrustEntries returns every trust entry, sorted by ID. It needs no
// passphrase.
func (s *Store) TrustEntries() ([]TrustEntry, error) {
	out := []TrustEntry{}
	err := s.view(func(tx Tx) error {
		return tx.ForEach(TableTrust, nil, func(k, v []byte) error {
			var e TrustEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return damagedRecord("trust entry")
			}
			out = append(out, e)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b TrustEntry) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// TrustEntry returns the entry with the given ID, or an error wrapping
// ErrNotFound.
func (s *Store) TrustEntry(id string) (*TrustEntry, error) {
	var e *TrustEntry
	err := s.view(func(tx Tx) error {
		var err error
		e, err = getEntry(tx, id)
		return err
	})
	return e, err
}

func getEntry(tx Tx, id string) (*TrustEntry, error) {
	v, err := tx.Get(TableTrust, []byte(id))
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("keys: no trust entry %s: %w", shortID(id), ErrNotFound)
	}
	var e TrustEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, fmt.Errorf("keys: trust entry %q: %w", shortID(id), ErrCorrupt)
	}
	return &e, nil
}

// RemoveTrust deletes the entry with the given ID, or returns an error
// wrapping ErrNotFound.
func (s *Store) RemoveTrust(id string) error {
	return s.update(func(tx Tx) error {
		if v, err := tx.Get(TableTrust, []byte(id)); err != nil {
			return err
		} else if v == nil {
			return fmt.Errorf("keys: no trust entry %s: %w", shortID(id), ErrNotFound)
		}
		if err := tx.Delete(TableTrust, []byte(id)); err != nil {
			return err
		}
		return appendAudit(tx, s.now().UTC(), "trust.remove", id, "", "")
	})
}

// LookupTrust finds the entry for an identifier: a DID or DID URL (the
// fragment and query are ignored), a JWK thumbprint (bare or as a
// ThumbprintURN), or an entry ID. It returns an error wrapping ErrNotFound
// when no entry matches. It does not check the validity window; see ValidAt.
func (s *Store) LookupTrust(identifier string) (*TrustEntry, error) {
	cands := []string{identifier}
	if strings.HasPrefix(identifier, "did:") {
		d, _, _ := strings.Cut(identifier, "#")
		d, _, _ = strings.Cut(d, "?")
		cands = []string{d}
	} else if !strings.Contains(identifier, ":") {
		cands = append(cands, ThumbprintURN+identifier)
	}
	var e *TrustEntry
	err := s.view(func(tx Tx) error {
		for _, c := range cands {
			if got, err := getEntry(tx, c); err == nil {
				e = got
				return nil
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		return fmt.Errorf("keys: no trust entry for %s: %w", shortID(identifier), ErrNotFound)
	})
	return e, err
}

// LookupTrustKey finds the entry for a public key by its RFC 7638
// thumbprint, or returns an error wrapping ErrNotFound.
func (s *Store) LookupTrustKey(pub crypto.PublicKey) (*TrustEntry, error) {
	t, err := did.Thumbprint(pub)
	if err != nil {
		return nil, err
	}
	return s.LookupTrust(ThumbprintURN + t)
}

// LookupTrustCertificate finds the entry for a certificate chain, leaf
// first as carried in x5c. Only the certificate path counts: the leaf, then
// each following certificate as long as it signed the one before (issuer
// name and signature); the certificates after the first one that does not
// link are ignored, so that a chain padded with someone else's certificate
// does not borrow its trust. It returns first an entry holding a
// certificate of the path exactly, then an entry holding a CA certificate
// that issued one of them (same subject as the issuer name, and the
// signature verifies) and anchors the path: the path up to it, with it,
// keeps the X.509 constraints (internal/certpath: the entry's path length
// and extended key usage, and every other). It does not check dates or
// revocation: that is the verifier's job. It returns an error wrapping
// ErrNotFound when nothing matches, saying why when a CA entry issued the
// path but does not anchor it.
func (s *Store) LookupTrustCertificate(chain ...*x509.Certificate) (*TrustEntry, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, fmt.Errorf("keys: no certificate to look up: %w", ErrInvalid)
	}
	path := signedPath(chain)
	var e *TrustEntry
	var broken *UnanchoredError
	err := s.view(func(tx Tx) error {
		for _, c := range path {
			if got, err := getEntry(tx, CertificatePrefix+fingerprint(c)); err == nil {
				e = got
				return nil
			}
		}
		return tx.ForEach(TableTrust, []byte(CertificatePrefix), func(k, v []byte) error {
			if e != nil {
				return nil
			}
			var cand TrustEntry
			if err := json.Unmarshal(v, &cand); err != nil {
				return damagedRecord("trust entry")
			}
			ca, err := parseEntryCert(cand.Certificate)
			if err != nil || !ca.IsCA {
				return nil
			}
			for i, c := range path {
				if !bytes.Equal(c.RawIssuer, ca.RawSubject) || c.CheckSignatureFrom(ca) != nil {
					continue
				}
				// The entry is the path's anchor: the path up to it
				// must keep the anchor's constraints (its path length,
				// its extended key usage) and every other.
				anchored := append(slices.Clone(path[:i+1]), ca)
				if err := certpath.Check(anchored, certpath.Signing); err != nil {
					broken = &UnanchoredError{Entry: cand, Err: err}
					continue
				}
				e = &cand
				return nil
			}
			return nil
		})
	})
	if err == nil && e == nil {
		if broken != nil {
			err = fmt.Errorf("keys: no trust entry for certificate %q: %w: %w", certname.String(chain[0].Subject), broken, ErrNotFound)
		} else {
			err = fmt.Errorf("keys: no trust entry for certificate %q or its issuers: %w", certname.String(chain[0].Subject), ErrNotFound)
		}
	}
	return e, err
}

// UnanchoredError is wrapped, with ErrNotFound, by LookupTrustCertificate
// when a CA entry issued a certificate of the path but the path up to it
// breaks an X.509 constraint (Err, a *certpath.Error): the entry does not
// vouch for that path.
type UnanchoredError struct {
	Entry TrustEntry
	Err   error
}

func (e *UnanchoredError) Error() string {
	return fmt.Sprintf("the trust entry %s (%s) issued the path, but %v", e.Entry.ID, e.Entry.Name, e.Err)
}

func (e *UnanchoredError) Unwrap() error { return e.Err }

// signedPath returns the prefix of chain (leaf first) in which every
// certificate after the first signed the one before it: its subject is the
// previous one's issuer name and the previous one's signature verifies with
// its key (x509.Certificate.CheckSignatureFrom, which also requires a CA).
// It stops at the first certificate that does not link, a self-signed one,
// or a nil one.
func signedPath(chain []*x509.Certificate) []*x509.Certificate {
	if len(chain) == 0 || chain[0] == nil {
		return nil
	}
	n := 1
	for n < len(chain) {
		prev, c := chain[n-1], chain[n]
		if c == nil || bytes.Equal(prev.RawIssuer, prev.RawSubject) || !bytes.Equal(prev.RawIssuer, c.RawSubject) || prev.CheckSignatureFrom(c) != nil {
			break
		}
		n++
	}
	return chain[:n]
}
