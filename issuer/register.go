package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

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
	return StorageOf(s).Entry(context.Background(), id)
}

// List returns the register entries f selects, oldest first.
func List(s *keys.Store, f Filter) ([]Entry, error) {
	return list(StorageOf(s), f, func() ([]byte, error) {
		_, salt, err := loadConfig(s)
		return salt, err
	})
}

func list(st Storage, f Filter, salt func() ([]byte, error)) ([]Entry, error) {
	q := Query{Template: f.Template, Profile: f.Profile, State: f.State, From: f.From, To: f.To}
	if f.Subject != "" {
		sl, err := salt()
		if err != nil {
			return nil, err
		}
		q.SubjectHash = SubjectHash(sl, f.Subject)
	}
	out, err := st.Entries(context.Background(), q)
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
	return StorageOf(s).Credential(context.Background(), id)
}
