package wallet

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
)

// The buckets the wallet owns in its store: the credentials' metadata (in
// the clear, so that the wallet can be listed without the passphrase) and
// their bytes, sealed under the store's master key.
var (
	bucketCredentials = []byte("wallet.credentials")
	bucketRaw         = []byte("wallet.raw")
)

// Credential is what the wallet keeps of one credential besides its bytes.
// Values returned by Wallet methods are copies owned by the caller.
type Credential struct {
	// ID is the wallet's own short name for the credential (8 characters).
	ID string `json:"id"`
	// Format is the format identifier: dc+sd-jwt, jwt_vc_json and ldp_vc
	// (which OpenID4VP presents), or another the verifier reads (vc+jwt,
	// jades, …) for credentials imported from a file.
	Format string `json:"format"`
	// Title is what the credential certifies, from its signed content
	// (the recognition summary's title), else its type.
	Title string `json:"title,omitempty"`
	// Types are its type values (vct for SD-JWT VC).
	Types []string `json:"types,omitempty"`
	// Issuer is the issuer's identifier (a DID or URL) as the credential
	// names it, and IssuerName its name as the trust source that vouches
	// for it gives it, or as the seal's certificate or the issuer's
	// metadata says.
	Issuer     string `json:"issuer,omitempty"`
	IssuerName string `json:"issuerName,omitempty"`
	// Trusted says whether a trust source of the wallet vouched for the
	// issuer when the credential was last checked, and TrustSource which.
	Trusted     bool   `json:"trusted"`
	TrustSource string `json:"trustSource,omitempty"`
	// Received is when the wallet stored it, and Origin where it came
	// from: the credential issuer's URL (OpenID4VCI) or "file NAME".
	Received time.Time `json:"received"`
	Origin   string    `json:"origin"`
	// Configuration is the issuer's credential configuration id
	// (OpenID4VCI only).
	Configuration string `json:"configuration,omitempty"`
	// Status is what the last check found.
	Status Status `json:"status"`
	// Copies are the copies of the credential, each bound to its own
	// holder key when the issuer gave several (one at least).
	Copies []Copy `json:"copies"`
}

// Status is the result of the last check of a credential: its verdict and
// when it was reached.
type Status struct {
	Verdict verifier.Verdict `json:"verdict"`
	Checked time.Time        `json:"checked"`
	// Reason says why the verdict is not verified (the first failed
	// check's message).
	Reason string `json:"reason,omitempty"`
}

// Word is the status in one word for a list: valid (verified, or
// authentic but of an issuer no trust source knows), revoked, suspended,
// expired or invalid.
func (s Status) Word() string {
	switch s.Verdict {
	case verifier.Verified, verifier.Untrusted:
		return "valid"
	case "":
		return "unchecked"
	}
	return string(s.Verdict)
}

// usable reports whether a credential with this status may be presented.
func (s Status) usable() bool {
	return s.Verdict == verifier.Verified || s.Verdict == verifier.Untrusted
}

// Copy is one copy of a credential.
type Copy struct {
	// SHA256 is the hex SHA-256 of the copy's bytes as received.
	SHA256 string `json:"sha256"`
	// HolderKey names the store key the copy is bound to ("" when the
	// credential binds no key of this wallet), and HolderKeyID is that
	// key's DID URL (did:jwk or did:key).
	HolderKey   string `json:"holderKey,omitempty"`
	HolderKeyID string `json:"holderKeyId,omitempty"`
	// Presented counts the presentations made with this copy, and
	// LastPresented is the last one.
	Presented     int       `json:"presented,omitempty"`
	LastPresented time.Time `json:"lastPresented,omitzero"`
}

// Errors callers branch on with errors.Is.
var (
	// ErrNotFound is wrapped when no credential has the id given.
	ErrNotFound = errors.New("no such credential in the wallet")
	// ErrAmbiguous is wrapped when an id prefix names several credentials.
	ErrAmbiguous = errors.New("the id names several credentials")
)

// newID returns a fresh credential id: 8 characters of base32 (no 0, 1, l
// or o, so that it can be read aloud and typed).
func newID() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func rawKey(id string, copy int) []byte { return []byte(id + "/" + strconv.Itoa(copy)) }

// rawAD is the associated data a copy's bytes are sealed with: a sealed
// copy moved to another record does not open there.
func rawAD(id string, copy int) []byte { return []byte("wallet.raw:" + id + "/" + strconv.Itoa(copy)) }

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// damaged is the error for a wallet record that does not decode.
func damaged(what string) error {
	return fmt.Errorf("wallet: a %s in the store is damaged (it does not decode): restore a backup: %w", what, keys.ErrCorrupt)
}

// put stores c and the bytes of its copies in one transaction; the bytes
// are sealed first (the store must be unlocked). A credential with c.ID
// already there is an error.
func (w *Wallet) put(c *Credential, raws [][]byte) error {
	defer w.timing.storeSince(time.Now())
	if len(raws) != len(c.Copies) {
		return fmt.Errorf("wallet: %d copies for %d records", len(raws), len(c.Copies))
	}
	sealed := make([][]byte, len(raws))
	for i, raw := range raws {
		s, err := w.store.SealData(rawAD(c.ID, i), raw)
		if err != nil {
			return err
		}
		sealed[i] = s
	}
	meta, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return w.store.Update(func(tx *bbolt.Tx) error {
		cb, err := tx.CreateBucketIfNotExists(bucketCredentials)
		if err != nil {
			return err
		}
		rb, err := tx.CreateBucketIfNotExists(bucketRaw)
		if err != nil {
			return err
		}
		if cb.Get([]byte(c.ID)) != nil {
			return fmt.Errorf("wallet: credential %s: %w", c.ID, keys.ErrExists)
		}
		if err := cb.Put([]byte(c.ID), meta); err != nil {
			return err
		}
		for i, s := range sealed {
			if err := rb.Put(rawKey(c.ID, i), s); err != nil {
				return err
			}
		}
		return nil
	})
}

// List returns every credential the wallet holds, oldest first. It needs
// no passphrase.
func (w *Wallet) List() ([]*Credential, error) {
	defer w.timing.storeSince(time.Now())
	var out []*Credential
	err := w.store.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCredentials)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var c Credential
			if json.Unmarshal(v, &c) != nil || c.ID == "" || len(c.Copies) == 0 {
				return damaged("credential record")
			}
			out = append(out, &c)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b *Credential) int { return a.Received.Compare(b.Received) })
	return out, err
}

// Get returns the credential whose id is id or, when no id is exactly
// that, begins with it (at least 3 characters). The error wraps
// ErrNotFound or ErrAmbiguous.
func (w *Wallet) Get(id string) (*Credential, error) {
	all, err := w.List()
	if err != nil {
		return nil, err
	}
	var found []*Credential
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
		if len(id) >= 3 && strings.HasPrefix(c.ID, id) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: %q (see 'diplomat wallet list')", ErrNotFound, clip(id))
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%w: %q is the start of %s and %s", ErrAmbiguous, clip(id), found[0].ID, found[1].ID)
}

// Raw returns the bytes of copy i of c exactly as they were received. It
// needs the passphrase (the bytes are sealed). A sealed record that does
// not open, or whose bytes are not the ones recorded, is an error wrapping
// keys.ErrCorrupt.
func (w *Wallet) Raw(c *Credential, i int) ([]byte, error) {
	defer w.timing.storeSince(time.Now())
	if i < 0 || i >= len(c.Copies) {
		return nil, fmt.Errorf("wallet: credential %s has no copy %d", c.ID, i+1)
	}
	var sealed []byte
	err := w.store.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketRaw); b != nil {
			sealed = bytes.Clone(b.Get(rawKey(c.ID, i)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sealed == nil {
		return nil, damaged("credential's bytes record (missing)")
	}
	raw, err := w.store.OpenData(rawAD(c.ID, i), sealed)
	if err != nil {
		if errors.Is(err, keys.ErrLocked) {
			return nil, err
		}
		return nil, fmt.Errorf("wallet: the bytes of credential %s do not open: %w", c.ID, keys.ErrCorrupt)
	}
	if digest(raw) != c.Copies[i].SHA256 {
		return nil, fmt.Errorf("wallet: the bytes of credential %s are not the ones received: %w", c.ID, keys.ErrCorrupt)
	}
	return raw, nil
}

// update changes the stored metadata of credential id with fn, in one
// transaction.
func (w *Wallet) update(id string, fn func(*Credential)) error {
	defer w.timing.storeSince(time.Now())
	return w.store.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCredentials)
		if b == nil || b.Get([]byte(id)) == nil {
			return fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		var c Credential
		if json.Unmarshal(b.Get([]byte(id)), &c) != nil {
			return damaged("credential record")
		}
		fn(&c)
		v, err := json.Marshal(&c)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), v)
	})
}

// Delete removes credential c and its bytes, and destroys the holder keys
// that were made for it alone (unlinkable copies): the keys' private halves
// are deleted, so that nothing can present the credential again.
func (w *Wallet) Delete(c *Credential) error {
	err := w.store.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCredentials)
		if b == nil || b.Get([]byte(c.ID)) == nil {
			return fmt.Errorf("%w: %q", ErrNotFound, c.ID)
		}
		if err := b.Delete([]byte(c.ID)); err != nil {
			return err
		}
		if rb := tx.Bucket(bucketRaw); rb != nil {
			for i := range c.Copies {
				if err := rb.Delete(rawKey(c.ID, i)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, cp := range c.Copies {
		if ownKey(c.ID, cp.HolderKey) {
			if err := w.store.Destroy(cp.HolderKey); err != nil && !errors.Is(err, keys.ErrNotFound) {
				return fmt.Errorf("the credential is deleted, but its key %s could not be destroyed: %w", cp.HolderKey, err)
			}
		}
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
