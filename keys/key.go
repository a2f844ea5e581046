package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
)

// KeyType is the algorithm and size of a key.
type KeyType string

// Key types. Create makes Ed25519, P256 and P384 keys; RSA keys (2048 bits
// or more) come only with an imported eSeal certificate.
const (
	Ed25519 KeyType = "ed25519"
	P256    KeyType = "p256"
	P384    KeyType = "p384"
	RSA     KeyType = "rsa"
)

// Purpose is what a key is for; it decides the DID document relationship
// the key is listed under.
type Purpose string

// Purposes.
const (
	// Assertion keys sign credentials (assertionMethod).
	Assertion Purpose = "assertion"
	// Authentication keys sign presentations (authentication).
	Authentication Purpose = "authentication"
)

// State is where a key is in its life.
type State string

// States. A key is created Active; Rotate makes it Retired (it no longer
// signs, its public key stays published); Destroy makes it Destroyed (its
// private half is deleted, its public key stays published).
const (
	Active    State = "active"
	Retired   State = "retired"
	Destroyed State = "destroyed"
)

// Key is the public view of one key version: everything but the private
// half. Several versions share a Name after rotations; at most one is
// Active. Values returned by Store methods are copies owned by the caller.
type Key struct {
	// ID is the RFC 7638 JWK thumbprint of the public key, used as kid.
	ID      string
	Name    string
	Type    KeyType
	Purpose Purpose
	State   State
	Created time.Time
	// Retired and Destroyed are when the key left the previous state;
	// zero if it has not.
	Retired   time.Time
	Destroyed time.Time
	// Public is an ed25519.PublicKey, *ecdsa.PublicKey or *rsa.PublicKey.
	Public crypto.PublicKey
	// Chain is the key's X.509 certificate chain, leaf first, when it is an
	// eSeal; nil for a DID key.
	Chain []*x509.Certificate
	// Test marks a self-signed test seal made by CreateTestSeal: never a
	// qualified seal. Every display of the key must say so.
	Test bool
	// Imported is true when the private key came from outside the store.
	Imported bool
	// AwaitingCertificate is true from the moment a certificate signing
	// request is made for the key (CSR) until its certificate is attached
	// (AttachChain): it is meant to become an eSeal, so nothing should
	// sign with it as a DID key meanwhile.
	AwaitingCertificate bool
}

// Alg returns the JOSE algorithm for the key: EdDSA, ES256, ES384, or "" for
// RSA (the mechanism chooses RS256 or PS256).
func (k *Key) Alg() string {
	switch k.Type {
	case Ed25519:
		return "EdDSA"
	case P256:
		return "ES256"
	case P384:
		return "ES384"
	}
	return ""
}

// JWK returns the key's public JWK with kid (the thumbprint) and alg set.
func (k *Key) JWK() (*did.JWK, error) {
	j, err := did.PublicJWK(k.Public)
	if err != nil {
		return nil, err
	}
	j.Kid, j.Alg = k.ID, k.Alg()
	return j, nil
}

// KeyDID returns the key's did:key. RSA keys have none.
func (k *Key) KeyDID() (string, error) { return did.KeyDID(k.Public) }

// JWKDID returns the key's did:jwk.
func (k *Key) JWKDID() (string, error) { return did.JWKDID(k.Public) }

// published reports whether the key belongs in JWKS and did:web documents:
// DID keys (no certificate chain), in every state.
func (k *Key) published() bool { return len(k.Chain) == 0 && k.Type != RSA }

// keyRecord is a key as stored, JSON in bucket keys.keys under its ID.
type keyRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      KeyType   `json:"type"`
	Purpose   Purpose   `json:"purpose"`
	State     State     `json:"state"`
	Created   time.Time `json:"created"`
	Retired   time.Time `json:"retired,omitzero"`
	Destroyed time.Time `json:"destroyed,omitzero"`
	Public    []byte    `json:"public"`           // PKIX DER
	Sealed    []byte    `json:"sealed,omitempty"` // nonce ‖ XChaCha20-Poly1305(PKCS #8), ad = ID
	Chain     [][]byte  `json:"chain,omitempty"`  // DER, leaf first
	Test      bool      `json:"test,omitempty"`
	Imported  bool      `json:"imported,omitempty"`
	// Awaiting is Key.AwaitingCertificate.
	Awaiting bool `json:"awaitingCertificate,omitempty"`
}

func (r *keyRecord) key() (*Key, error) {
	pub, err := x509.ParsePKIXPublicKey(r.Public)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: public key: %w", r.ID, ErrCorrupt)
	}
	k := &Key{ID: r.ID, Name: r.Name, Type: r.Type, Purpose: r.Purpose, State: r.State, Created: r.Created,
		Retired: r.Retired, Destroyed: r.Destroyed, Public: pub, Test: r.Test, Imported: r.Imported,
		AwaitingCertificate: r.Awaiting}
	for i, der := range r.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("keys: key %s: certificate %d: %w", r.ID, i, ErrCorrupt)
		}
		k.Chain = append(k.Chain, c)
	}
	return k, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func checkName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("keys: key name %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit: %w", name, ErrInvalid)
	}
	return nil
}

func checkPurpose(p Purpose) error {
	if p != Assertion && p != Authentication {
		return fmt.Errorf("keys: purpose %q: want %q or %q: %w", p, Assertion, Authentication, ErrInvalid)
	}
	return nil
}

// typeOf returns the KeyType of a public key, or ErrInvalid.
func typeOf(pub crypto.PublicKey) (KeyType, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return Ed25519, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return P256, nil
		case elliptic.P384():
			return P384, nil
		}
		return "", fmt.Errorf("keys: ECDSA curve %s: use P-256 or P-384: %w", k.Curve.Params().Name, ErrInvalid)
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("keys: RSA key of %d bits: at least 2048 are required: %w", k.N.BitLen(), ErrInvalid)
		}
		return RSA, nil
	}
	return "", fmt.Errorf("keys: key type %T: %w", pub, ErrInvalid)
}

func generate(typ KeyType) (crypto.Signer, error) {
	switch typ {
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	case P256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case P384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	return nil, fmt.Errorf("keys: cannot create keys of type %q: want %s, %s or %s: %w", typ, Ed25519, P256, P384, ErrInvalid)
}

// newRecord seals priv under master and returns its record.
func newRecord(master []byte, priv crypto.Signer, name string, purpose Purpose, now time.Time) (*keyRecord, error) {
	typ, err := typeOf(priv.Public())
	if err != nil {
		return nil, err
	}
	id, err := did.Thumbprint(priv.Public())
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	defer wipe(der)
	sealed, err := seal(master, der, []byte(id))
	if err != nil {
		return nil, err
	}
	return &keyRecord{ID: id, Name: name, Type: typ, Purpose: purpose, State: Active, Created: now, Public: pub, Sealed: sealed}, nil
}

func putRecord(tx Tx, r *keyRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Put(TableKeys, []byte(r.ID), v)
}

// records returns the records named name (every record if name is ""),
// oldest first.
func records(tx Tx, name string) ([]*keyRecord, error) {
	var out []*keyRecord
	err := tx.ForEach(TableKeys, nil, func(k, v []byte) error {
		var r keyRecord
		if err := json.Unmarshal(v, &r); err != nil || r.ID != string(k) {
			return damagedRecord("key record")
		}
		if name == "" || r.Name == name {
			out = append(out, &r)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b *keyRecord) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return a.Created.Compare(b.Created)
	})
	return out, err
}

// current returns the active record named name, or the newest when none is
// active; ErrNotFound when the name is unknown.
func current(tx Tx, name string) (*keyRecord, error) {
	rs, err := records(tx, name)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("keys: no key named %q: %w", name, ErrNotFound)
	}
	for _, r := range rs {
		if r.State == Active {
			return r, nil
		}
	}
	return rs[len(rs)-1], nil
}

// insert stores a new record under a name nobody uses yet.
func (s *Store) insert(r *keyRecord, op, detail string) (*Key, error) {
	err := s.update(func(tx Tx) error {
		rs, err := records(tx, r.Name)
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			return fmt.Errorf("keys: a key named %q already exists (rotate it, or choose another name): %w", r.Name, ErrExists)
		}
		if v, err := tx.Get(TableKeys, []byte(r.ID)); err != nil {
			return err
		} else if v != nil {
			return fmt.Errorf("keys: the key %s is already in the store under another name: %w", r.ID, ErrExists)
		}
		if err := putRecord(tx, r); err != nil {
			return err
		}
		return appendAudit(tx, s.now().UTC(), op, r.ID, r.Name, detail)
	})
	if err != nil {
		return nil, err
	}
	return r.key()
}

// Create generates a new key of type typ (Ed25519, P256 or P384) for
// purpose, named name, and stores it sealed. It needs the store unlocked
// (ErrLocked otherwise). A name already used by any key version returns an
// error wrapping ErrExists; a bad name, type or purpose one wrapping
// ErrInvalid.
func (s *Store) Create(name string, typ KeyType, purpose Purpose) (*Key, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkPurpose(purpose); err != nil {
		return nil, err
	}
	priv, err := generate(typ)
	if err != nil {
		return nil, err
	}
	r, err := s.sealNew(priv, name, purpose)
	if err != nil {
		return nil, err
	}
	return s.insert(r, "keys.create", string(typ))
}

func (s *Store) sealNew(priv crypto.Signer, name string, purpose Purpose) (*keyRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	master, err := s.masterKey()
	if err != nil {
		return nil, err
	}
	return newRecord(master, priv, name, purpose, s.now().UTC())
}

// Keys returns every key version in the store, sorted by name and then by
// creation time. It needs no passphrase.
func (s *Store) Keys() ([]*Key, error) { return s.list("") }

// KeyVersions returns the versions of the key named name, oldest first, or
// an error wrapping ErrNotFound.
func (s *Store) KeyVersions(name string) ([]*Key, error) {
	ks, err := s.list(name)
	if err == nil && len(ks) == 0 {
		err = fmt.Errorf("keys: no key named %q: %w", name, ErrNotFound)
	}
	return ks, err
}

func (s *Store) list(name string) ([]*Key, error) {
	var out []*Key
	err := s.view(func(tx Tx) error {
		rs, err := records(tx, name)
		if err != nil {
			return err
		}
		for _, r := range rs {
			k, err := r.key()
			if err != nil {
				return err
			}
			out = append(out, k)
		}
		return nil
	})
	return out, err
}

// Key returns the active version of the key named name (the newest version
// if none is active), or an error wrapping ErrNotFound.
func (s *Store) Key(name string) (*Key, error) {
	b, cached := s.b.(*boltBackend)
	var gen uint64
	if cached {
		// Read before the transaction: a write that ends after this
		// read moves the count, so what the transaction saw is never
		// taken for newer than it is.
		gen = b.keyWrites.Load()
		if k := s.keys.get(name, gen); k != nil {
			return k, nil
		}
	}
	var k *Key
	err := s.view(func(tx Tx) error {
		r, err := current(tx, name)
		if err != nil {
			return err
		}
		k, err = r.key()
		return err
	})
	if err == nil && cached {
		s.keys.put(name, gen, k)
	}
	return k, err
}

// keyCache keeps Key's answers for a store file while no write
// transaction that may have changed a key record (boltBackend.keyWrites)
// has ended since they were read: an issuer looks its key up
// at every credential (to notice a rotation at once), and reading it means
// decoding every key record. Another process cannot write the file while
// this one has it open, and another backend (PostgreSQL, shared by nodes)
// is never cached. At most maxCachedKeys names are kept.
type keyCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*Key
}

const maxCachedKeys = 64

// get returns a copy of the key cached for name at write count gen, or nil.
func (c *keyCache) get(name string, gen uint64) *Key {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.m[name]
	if k == nil || c.gen != gen {
		return nil
	}
	return k.clone()
}

// put caches a copy of k, read at write count gen.
func (c *keyCache) put(name string, gen uint64, k *Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.m == nil || len(c.m) >= maxCachedKeys {
		if gen < c.gen {
			return // read before a write the cache has already seen
		}
		c.gen, c.m = gen, map[string]*Key{}
	}
	c.m[name] = k.clone()
}

// clone copies k and its chain slice (the certificates are not modified).
func (k *Key) clone() *Key {
	c := *k
	c.Chain = slices.Clone(k.Chain)
	return &c
}

// KeyByID returns the key version whose thumbprint is id, or an error
// wrapping ErrNotFound.
func (s *Store) KeyByID(id string) (*Key, error) {
	var k *Key
	err := s.view(func(tx Tx) error {
		v, err := tx.Get(TableKeys, []byte(id))
		if err != nil {
			return err
		}
		if v == nil {
			return fmt.Errorf("keys: no key with id %q: %w", id, ErrNotFound)
		}
		var r keyRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("keys: key record %q: %w", id, ErrCorrupt)
		}
		k, err = r.key()
		return err
	})
	return k, err
}

// Rotate creates a new active key with the type and purpose of the active
// key named name and retires the old one: it no longer signs, but its
// public key stays in the JWKS and DID document so that credentials signed
// with it still verify. Signers handed out for the old key keep working
// until Lock or Close (it stays a valid key), but Signer(name) returns the
// new one. eSeal keys cannot be rotated (import the renewed seal under a
// new name). It needs the store unlocked.
func (s *Store) Rotate(name string) (*Key, error) {
	var old *keyRecord
	if err := s.view(func(tx Tx) error {
		var err error
		old, err = current(tx, name)
		return err
	}); err != nil {
		return nil, err
	}
	if old.State != Active {
		return nil, fmt.Errorf("keys: key %q has no active version to rotate (it is %s): %w", name, old.State, ErrInvalid)
	}
	if len(old.Chain) > 0 {
		return nil, fmt.Errorf("keys: key %q is an X.509 seal: obtain a new certificate and import it under a new name instead of rotating: %w", name, ErrInvalid)
	}
	priv, err := generate(old.Type)
	if err != nil {
		return nil, err
	}
	nr, err := s.sealNew(priv, name, old.Purpose)
	if err != nil {
		return nil, err
	}
	err = s.update(func(tx Tx) error {
		cur, err := current(tx, name)
		if err != nil {
			return err
		}
		if cur.ID != old.ID || cur.State != Active {
			return fmt.Errorf("keys: key %q changed while rotating: %w", name, ErrExists)
		}
		now := s.now().UTC()
		cur.State, cur.Retired = Retired, now
		if err := putRecord(tx, cur); err != nil {
			return err
		}
		if err := putRecord(tx, nr); err != nil {
			return err
		}
		if err := appendAudit(tx, now, "keys.retire", cur.ID, name, "rotated"); err != nil {
			return err
		}
		return appendAudit(tx, now, "keys.rotate", nr.ID, name, "replaces "+cur.ID)
	})
	if err != nil {
		return nil, err
	}
	return nr.key()
}

// Destroy deletes the private half of every version of the key named name;
// the public halves remain, listed and resolvable, so that what was signed
// before still verifies. Signing with the key then fails with an error
// wrapping ErrDestroyed, including through signers handed out before. It
// needs no passphrase. Destroy removes the sealed key from the live data;
// bbolt may keep the freed page in the file until it is reused, so make a
// fresh backup (which writes only live data) if old copies matter.
func (s *Store) Destroy(name string) error {
	var ids []string
	err := s.update(func(tx Tx) error {
		rs, err := records(tx, name)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return fmt.Errorf("keys: no key named %q: %w", name, ErrNotFound)
		}
		now := s.now().UTC()
		for _, r := range rs {
			if r.State == Destroyed {
				continue
			}
			wipe(r.Sealed)
			r.State, r.Destroyed, r.Sealed = Destroyed, now, nil
			if err := putRecord(tx, r); err != nil {
				return err
			}
			if err := appendAudit(tx, now, "keys.destroy", r.ID, name, ""); err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if sg := s.signers[id]; sg != nil {
			sg.destroyed.Store(true)
			delete(s.signers, id)
		}
	}
	return nil
}

// JWKSet is a JSON Web Key Set (RFC 7517 section 5).
type JWKSet struct {
	Keys []did.JWK `json:"keys"`
}

// JWKS returns the public JWKs (kid = thumbprint, alg set) of the DID keys
// named name, or of every DID key when name is "": active, retired and
// destroyed versions alike, so that earlier signatures verify. eSeal keys
// (with a certificate) are not included.
func (s *Store) JWKS(name string) (*JWKSet, error) {
	ks, err := s.list(name)
	if err != nil {
		return nil, err
	}
	if name != "" && len(ks) == 0 {
		return nil, fmt.Errorf("keys: no key named %q: %w", name, ErrNotFound)
	}
	set := &JWKSet{Keys: []did.JWK{}}
	for _, k := range ks {
		if !k.published() {
			continue
		}
		j, err := k.JWK()
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, *j)
	}
	return set, nil
}

// WebDocument returns the DID document to publish at did.WebURL(webDID) for
// the store's keys. webDID "" means the one set with SetWebDID (an error
// wrapping ErrInvalid if none is). Every DID key version (active, retired
// or destroyed) appears twice: as a JsonWebKey method with id
// webDID#<thumbprint> and as a Multikey method with id webDID#<multikey>,
// both listed under assertionMethod or authentication by the key's purpose.
// Every eSeal's key (its certificate's public key) appears once, as a
// JsonWebKey method with id webDID#<thumbprint> under assertionMethod: that
// is how the institution's DID says the seal speaks for it, so that a
// verifier who trusts the DID trusts what the seal sealed in its name
// (docs/trust.md). Keys awaiting their certificate are not listed.
func (s *Store) WebDocument(webDID string) (*did.Document, error) {
	if webDID == "" {
		var err error
		if webDID, err = s.WebDID(); err != nil {
			return nil, err
		}
		if webDID == "" {
			return nil, fmt.Errorf("keys: no did:web configured for this store: %w", ErrInvalid)
		}
	}
	if _, err := did.WebURL(webDID); err != nil || strings.ContainsAny(webDID, "#?") {
		return nil, fmt.Errorf("keys: %q is not a did:web DID: %w", webDID, ErrInvalid)
	}
	ks, err := s.list("")
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(ks, func(a, b *Key) int { return a.Created.Compare(b.Created) })
	doc := &did.Document{Context: []string{did.ContextDID, did.ContextMultikey, did.ContextJWK}, ID: webDID}
	for _, k := range ks {
		if len(k.Chain) > 0 && k.Purpose == Assertion {
			jm, err := did.NewJWKMethod(webDID+"#"+k.ID, webDID, k.Public)
			if err != nil {
				return nil, err
			}
			doc.AddMethod(jm, did.AssertionMethod)
			continue
		}
		if !k.published() || k.AwaitingCertificate {
			continue
		}
		rel := did.AssertionMethod
		if k.Purpose == Authentication {
			rel = did.Authentication
		}
		jm, err := did.NewJWKMethod(webDID+"#"+k.ID, webDID, k.Public)
		if err != nil {
			return nil, err
		}
		mk, err := did.Multikey(k.Public)
		if err != nil {
			return nil, err
		}
		mm, err := did.NewMultikeyMethod(webDID+"#"+mk, webDID, k.Public)
		if err != nil {
			return nil, err
		}
		doc.AddMethod(jm, rel)
		doc.AddMethod(mm, rel)
	}
	return doc, nil
}
