package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
)

// Encryption keys are the store's key-agreement keys (ECDH-ES on P-256)
// that others encrypt to: the OpenID4VCI issuer's credential request
// encryption key, which its metadata publishes. Unlike signing keys they
// are in no DID document or JWKS of the store, and nothing signs with them.
// A set of them, by name, is one record of the meta table: the current key
// (the one to publish) and the keys it replaced, which still decrypt until
// their grace period ends. Every private part is sealed under the master
// key, bound to the set's name and the key's id, as signing keys are: a
// copy of the store without the passphrase decrypts nothing.

// EncryptionKey is one version of an encryption key set.
type EncryptionKey struct {
	// ID is the RFC 7638 JWK thumbprint of the public key, used as kid.
	ID string
	// Name is the set's name.
	Name    string
	Created time.Time
	// Retired is when a newer key replaced this one (zero for the
	// current key); NotAfter is when it stops decrypting (exclusive; zero
	// for the current key).
	Retired, NotAfter time.Time
	// Public is the public key.
	Public *ecdsa.PublicKey
	// Private is the key (nil from EncryptionKeyVersions). The caller must
	// not publish it.
	Private *ecdsa.PrivateKey
}

// Current reports whether k is the set's current key.
func (k *EncryptionKey) Current() bool { return k.Retired.IsZero() }

// encKeySet is the stored set, JSON in the meta table under
// metaEncPrefix + name.
type encKeySet struct {
	// Keys are the versions, the current key first, then the retired ones,
	// newest first.
	Keys []encKeyRecord `json:"keys"`
}

type encKeyRecord struct {
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Retired  time.Time `json:"retired,omitzero"`
	NotAfter time.Time `json:"notAfter,omitzero"`
	Public   []byte    `json:"public"` // PKIX DER
	Sealed   []byte    `json:"sealed"` // nonce ‖ XChaCha20-Poly1305(PKCS #8), ad = encAD(name, id)
}

// metaEncPrefix prefixes the meta table's encryption key sets.
const metaEncPrefix = "encryption-keys/"

// encAD is the associated data an encryption key's private part is sealed
// with: it differs from a signing key's (its bare id) and from SealData's,
// so that no sealed value opens in another role or another set.
func encAD(name, id string) []byte {
	return []byte("diplomat encryption key\x00" + name + "\x00" + id)
}

// newEncKey makes and seals a fresh P-256 key for the set name.
func (s *Store) newEncKey(name string, now time.Time) (encKeyRecord, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return encKeyRecord{}, err
	}
	id, err := did.Thumbprint(&priv.PublicKey)
	if err != nil {
		return encKeyRecord{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return encKeyRecord{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return encKeyRecord{}, err
	}
	defer wipe(der)
	s.mu.Lock()
	defer s.mu.Unlock()
	master, err := s.masterKey()
	if err != nil {
		return encKeyRecord{}, err
	}
	sealed, err := seal(master, der, encAD(name, id))
	if err != nil {
		return encKeyRecord{}, err
	}
	return encKeyRecord{ID: id, Created: now, Public: pub, Sealed: sealed}, nil
}

func readEncSet(tx Tx, name string) (*encKeySet, error) {
	v, err := tx.Get(TableMeta, []byte(metaEncPrefix+name))
	if err != nil || v == nil {
		return nil, err
	}
	var set encKeySet
	if err := json.Unmarshal(v, &set); err != nil || len(set.Keys) == 0 || !set.Keys[0].Retired.IsZero() {
		return nil, fmt.Errorf("keys: encryption key set %q does not decode: %w", name, ErrCorrupt)
	}
	return &set, nil
}

func putEncSet(tx Tx, name string, set *encKeySet) error {
	v, err := json.Marshal(set)
	if err != nil {
		return err
	}
	return tx.Put(TableMeta, []byte(metaEncPrefix+name), v)
}

// open unseals the versions of set that still decrypt at now.
func (s *Store) openEncSet(name string, set *encKeySet, now time.Time) ([]EncryptionKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	master, err := s.masterKey()
	if err != nil {
		return nil, err
	}
	var out []EncryptionKey
	for _, r := range set.Keys {
		if !r.NotAfter.IsZero() && !now.Before(r.NotAfter) {
			continue
		}
		der, err := open(master, r.Sealed, encAD(name, r.ID))
		if err != nil {
			return nil, fmt.Errorf("keys: encryption key %s of %q does not open: %w", r.ID, name, ErrCorrupt)
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		wipe(der)
		ec, ok := k.(*ecdsa.PrivateKey)
		if err != nil || !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("keys: encryption key %s of %q is not a P-256 key: %w", r.ID, name, ErrCorrupt)
		}
		if id, err := did.Thumbprint(&ec.PublicKey); err != nil || id != r.ID {
			return nil, fmt.Errorf("keys: encryption key %s of %q does not match its id: %w", r.ID, name, ErrCorrupt)
		}
		out = append(out, EncryptionKey{ID: r.ID, Name: name, Created: r.Created, Retired: r.Retired, NotAfter: r.NotAfter, Public: &ec.PublicKey, Private: ec})
	}
	return out, nil
}

// EncryptionKeys returns the encryption key set named name, the current key
// first, then the retired keys that still decrypt (newest first). When the
// store has no such set it makes one, with a fresh key, in the same
// transaction that looked: processes sharing the store that call it at the
// same time all get the one key that was stored first. It needs the store
// unlocked (ErrLocked otherwise); a set that does not open under the
// master key returns an error wrapping ErrCorrupt.
func (s *Store) EncryptionKeys(name string) ([]EncryptionKey, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var set *encKeySet
	if err := s.view(func(tx Tx) error {
		var err error
		set, err = readEncSet(tx, name)
		return err
	}); err != nil {
		return nil, err
	}
	if set == nil {
		fresh, err := s.newEncKey(name, now)
		if err != nil {
			return nil, err
		}
		err = s.update(func(tx Tx) error {
			var err error
			if set, err = readEncSet(tx, name); err != nil || set != nil {
				return err // another process made it first: use that one
			}
			set = &encKeySet{Keys: []encKeyRecord{fresh}}
			if err := putEncSet(tx, name, set); err != nil {
				return err
			}
			return appendAudit(tx, now, "encryption-keys.create", fresh.ID, name, "p256")
		})
		if err != nil {
			return nil, err
		}
	}
	return s.openEncSet(name, set, now)
}

// RotateEncryptionKey makes a new current key for the set named name (making
// the set if there is none) and retires the current one: it still decrypts
// for grace from now (zero or less: not at all), so that what was encrypted
// to it by someone who read it before the rotation still opens. Retired keys
// whose grace has ended are deleted, sealed private parts and all. It
// returns the set as EncryptionKeys would. It needs the store unlocked.
func (s *Store) RotateEncryptionKey(name string, grace time.Duration) ([]EncryptionKey, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	fresh, err := s.newEncKey(name, now)
	if err != nil {
		return nil, err
	}
	var set *encKeySet
	err = s.update(func(tx Tx) error {
		old, err := readEncSet(tx, name)
		if err != nil {
			return err
		}
		set = &encKeySet{Keys: []encKeyRecord{fresh}}
		if old != nil {
			for i, r := range old.Keys {
				if i == 0 {
					r.Retired, r.NotAfter = now, now.Add(max(grace, 0))
				}
				if !r.NotAfter.IsZero() && !now.Before(r.NotAfter) {
					if err := appendAudit(tx, now, "encryption-keys.destroy", r.ID, name, ""); err != nil {
						return err
					}
					continue
				}
				set.Keys = append(set.Keys, r)
			}
		}
		if err := putEncSet(tx, name, set); err != nil {
			return err
		}
		detail := "p256"
		if old != nil {
			detail = fmt.Sprintf("replaces %s, which decrypts until %s", old.Keys[0].ID, now.Add(max(grace, 0)).Format(time.RFC3339))
		}
		return appendAudit(tx, now, "encryption-keys.rotate", fresh.ID, name, detail)
	})
	if err != nil {
		return nil, err
	}
	return s.openEncSet(name, set, now)
}

// EncryptionKeyVersions returns the versions of the set named name as
// stored, without their private parts and without the passphrase: the
// current key first, then the retired ones, those whose grace period has
// ended included (until the next rotation deletes them). No set: an error
// wrapping ErrNotFound.
func (s *Store) EncryptionKeyVersions(name string) ([]EncryptionKey, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	var out []EncryptionKey
	err := s.view(func(tx Tx) error {
		set, err := readEncSet(tx, name)
		if err != nil {
			return err
		}
		if set == nil {
			return fmt.Errorf("keys: no encryption key set %q (it is made when the service first starts): %w", name, ErrNotFound)
		}
		for _, r := range set.Keys {
			pub, err := x509.ParsePKIXPublicKey(r.Public)
			ec, ok := pub.(*ecdsa.PublicKey)
			if err != nil || !ok {
				return fmt.Errorf("keys: encryption key %s of %q: public key: %w", r.ID, name, ErrCorrupt)
			}
			out = append(out, EncryptionKey{ID: r.ID, Name: name, Created: r.Created, Retired: r.Retired, NotAfter: r.NotAfter, Public: ec})
		}
		return nil
	})
	return out, err
}
