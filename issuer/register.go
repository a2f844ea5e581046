package issuer

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/keys"
)

// Credential states in the register.
const (
	StateValid     = "valid"
	StateSuspended = "suspended"
	StateRevoked   = "revoked"
)

// Entry is what the register keeps about one issued credential. It holds no
// name or identifier of the holder: only a salted hash of the subject
// identifier, to find a person's credentials when they ask. (The idempotency
// index that maps an input row to its credential is kept apart, keyed by an
// HMAC under the store's secret, and is not part of the entry.)
type Entry struct {
	// ID is the credential id (urn:uuid:…).
	ID string `json:"id"`
	// SubjectHash is the hex HMAC-SHA-256 of the subject identifier under
	// the store's secret salt (SubjectHash computes it).
	SubjectHash string `json:"subjectHash"`
	Template    string `json:"template"`
	// Profile is the profile name; Proof the securing mechanism.
	Profile string `json:"profile"`
	Proof   string `json:"proof"`
	// StatusList is the list id ("w3c/1"), StatusIndex the credential's
	// place in it, used for both purposes.
	StatusList  string `json:"statusList"`
	StatusIndex int    `json:"statusIndex"`
	// Issued is the issuance time written in the credential.
	Issued time.Time `json:"issued"`
	// KeyName and KeyID (RFC 7638 thumbprint) say which key signed.
	KeyName string `json:"keyName"`
	KeyID   string `json:"keyId"`
	// VerificationMethod is the kid or verification method in the proof
	// (empty for JAdES, which names the certificate).
	VerificationMethod string `json:"verificationMethod,omitempty"`
	// Issuer is the issuer identifier the credential names (empty in
	// entries written before it was recorded).
	Issuer string `json:"issuer,omitempty"`
	// State is valid, suspended or revoked; Reason and Changed say why and
	// when it last changed.
	State   string    `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	Changed time.Time `json:"changed,omitzero"`
}

// SubjectHash returns the register's hash of a subject identifier under the
// store's salt.
func SubjectHash(salt []byte, subject string) string {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(subject))
	return hex.EncodeToString(m.Sum(nil))
}

// Filter selects register entries. The zero value selects all.
type Filter struct {
	Template string // exact template name; empty: any
	Profile  string // exact profile name; empty: any
	State    string // valid, suspended, revoked; empty: any
	// Subject is a subject identifier (not its hash); empty: any.
	Subject string
	// From and To bound Issued (inclusive From, exclusive To); zero: open.
	From, To time.Time
}

// Lookup returns the register entry of credential id, or an error wrapping
// ErrNotFound.
func Lookup(s *keys.Store, id string) (*Entry, error) {
	var e *Entry
	err := s.View(func(tx *bbolt.Tx) error {
		var err error
		e, err = getEntry(tx, id)
		return err
	})
	return e, err
}

func getEntry(tx *bbolt.Tx, id string) (*Entry, error) {
	b := tx.Bucket(bucketRegister)
	var v []byte
	if b != nil {
		v = b.Get([]byte(id))
	}
	if v == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var e Entry
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, fmt.Errorf("register entry %s: %v: %w", id, err, keys.ErrCorrupt)
	}
	return &e, nil
}

func putEntry(b *bbolt.Bucket, e *Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.Put([]byte(e.ID), data)
}

// List returns the register entries f selects, oldest first.
func List(s *keys.Store, f Filter) ([]Entry, error) {
	var subj string
	if f.Subject != "" {
		_, salt, err := loadConfig(s)
		if err != nil {
			return nil, err
		}
		subj = SubjectHash(salt, f.Subject)
	}
	var out []Entry
	err := s.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRegister)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			// Cheap pre-filters on the raw JSON before decoding.
			if f.Template != "" && !bytes.Contains(v, []byte(`"template":"`+f.Template+`"`)) {
				return nil
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("a register entry in the store is damaged (%v): restore a backup: %w", err, keys.ErrCorrupt)
			}
			if (f.Template != "" && e.Template != f.Template) ||
				(f.Profile != "" && e.Profile != f.Profile) ||
				(f.State != "" && e.State != f.State) ||
				(subj != "" && e.SubjectHash != subj) ||
				(!f.From.IsZero() && e.Issued.Before(f.From)) ||
				(!f.To.IsZero() && !e.Issued.Before(f.To)) {
				return nil
			}
			out = append(out, e)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Issued.Equal(out[j].Issued) {
			return out[i].Issued.Before(out[j].Issued)
		}
		return strings.Compare(out[i].ID, out[j].ID) < 0
	})
	return out, err
}

// Credential returns the secured credential kept for id when the store keeps
// credentials (Config.KeepCredentials), or an error wrapping ErrNotFound.
func Credential(s *keys.Store, id string) ([]byte, error) {
	var out []byte
	err := s.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketCredentials); b != nil {
			out = append([]byte(nil), b.Get([]byte(id))...)
		}
		if len(out) == 0 {
			return fmt.Errorf("%w: no stored copy of %s (the store keeps only register entries unless keepCredentials is set)", ErrNotFound, id)
		}
		return nil
	})
	return out, err
}
