// Package snapshot keeps the imported European trust lists in the store
// (bucket "snapshot.lists" of the bbolt file), one snapshot per list, and
// replaces a snapshot only with a newer one that has already been checked.
//
// In a store file the snapshots live in the bucket "snapshot.lists"; a
// database backend shared by several nodes keeps them itself (Storage,
// found through StorageProvider on the store's backend).
//
// A snapshot is the list's bytes as imported (after its signature, hashes and
// form were checked by its package: etsi, ebsi or lote) and a summary for
// "diplomat trust sources". Loading the snapshots back builds the trust
// sources without checking the signatures again: the store is the verifier's
// own. Load also returns a TrustSource that asks every source in turn.
//
// It is not a list fetcher: lists arrive as files, through Import of the
// owning package and Put here.
package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// Bucket is the bbolt bucket the snapshots live in.
const Bucket = "snapshot.lists"

// Kinds of snapshot.
const (
	KindLOTL = "etsi-lotl" // the EU List of Trusted Lists
	KindTL   = "etsi-tl"   // a national trusted list
	KindEBSI = "ebsi-tir"  // a snapshot of the EBSI Trusted Issuers Registry
	KindLoTE = "lote"      // an ETSI TS 119 602 list of trusted entities
)

// ErrNotFound is wrapped by Get when no snapshot has the kind and name.
var ErrNotFound = errors.New("no such trust snapshot")

// DB is the part of *keys.Store the snapshots need: bbolt transactions on
// the store file.
type DB interface {
	Update(fn func(tx *bbolt.Tx) error) error
	View(fn func(tx *bbolt.Tx) error) error
}

// Storage keeps the snapshot records: JSON, one per list, under the key
// "<kind>/<name>". A store file keeps them in its bucket; a database
// backend implements Storage itself.
type Storage interface {
	// Swap reads the record under key (nil when there is none) and stores
	// what fn returns in its place, atomically; when fn returns nil or an
	// error nothing changes (and the error is returned as it is).
	Swap(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) error
	// Get returns the record under key, or nil when there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Each calls fn with every record, in byte order of the keys; an error
	// from fn stops it and is returned.
	Each(ctx context.Context, fn func(key string, v []byte) error) error
}

// StorageProvider is the optional ability of a keys.Backend to keep the
// snapshots itself.
type StorageProvider interface {
	SnapshotStorage() Storage
}

// boltStorage is Storage in the bucket of a store file.
type boltStorage struct{ db DB }

func (b boltStorage) Swap(_ context.Context, key string, fn func(old []byte) ([]byte, error)) error {
	return b.db.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte(Bucket))
		if err != nil {
			return err
		}
		v, err := fn(bk.Get([]byte(key)))
		if err != nil || v == nil {
			return err
		}
		return bk.Put([]byte(key), v)
	})
}

func (b boltStorage) Get(_ context.Context, key string) ([]byte, error) {
	var out []byte
	err := b.db.View(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket([]byte(Bucket)); bk != nil {
			out = bytes.Clone(bk.Get([]byte(key)))
		}
		return nil
	})
	return out, err
}

func (b boltStorage) Each(_ context.Context, fn func(key string, v []byte) error) error {
	return b.db.View(func(tx *bbolt.Tx) error {
		bk := tx.Bucket([]byte(Bucket))
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error { return fn(string(k), v) })
	})
}

// Meta summarises a snapshot for listing.
type Meta struct {
	Kind string `json:"kind"`
	// Name identifies the list within its kind: the territory of an ETSI
	// list ("SE", "EU"), the name of a TIR snapshot or of a LoTE.
	Name string `json:"name"`
	// Sequence is the list's sequence number (TSLSequenceNumber,
	// LoTESequenceNumber, or the snapshot's own); 0 when it has none.
	Sequence int64 `json:"sequence"`
	// Issued and NextUpdate are the list's dates; zero when absent.
	Issued     time.Time `json:"issued,omitzero"`
	NextUpdate time.Time `json:"nextUpdate,omitzero"`
	// Entities is the number of providers, issuers or entities held.
	Entities int `json:"entities"`
	// Imported is when the snapshot was stored.
	Imported time.Time `json:"imported"`
	// Signer describes the certificate the list's signature verified with,
	// empty for an unsigned snapshot (EBSI: its records carry their own
	// signatures).
	Signer string `json:"signer,omitempty"`
	// Roots are the configured roots of an EBSI snapshot: the DIDs whose
	// authorisation of a RootTAO ends a chain.
	Roots []string `json:"roots,omitempty"`
	// Pinned are the base64 DER certificates that a LoTE's signature was
	// checked against, kept so the list's own entities can be read again.
	Pinned []string `json:"pinned,omitempty"`
}

// Snapshot is a stored list.
type Snapshot struct {
	Meta
	// Data is the list as imported, byte for byte.
	Data []byte `json:"data"`
}

// Store reads and writes snapshots in a store.
type Store struct {
	st  Storage
	now func() time.Time
}

// New returns a Store over db: the snapshots of a *keys.Store are kept by
// its backend when that provides a Storage (StorageProvider), else in the
// bucket of the store file. now is the clock for Meta.Imported; nil means
// time.Now.
func New(db DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	var st Storage = boltStorage{db}
	if ks, ok := db.(*keys.Store); ok {
		if p, ok := ks.Backend().(StorageProvider); ok {
			st = p.SnapshotStorage()
		}
	}
	return &Store{st: st, now: now}
}

func key(kind, name string) string { return kind + "/" + name }

// Put stores snap in place of the snapshot of the same kind and name, unless
// that one is newer: a lower sequence number, or the same sequence number and
// no later issue date with different content, is refused with an error
// wrapping trust.ErrOlder and nothing changes. Storing the very same bytes
// again changes nothing and returns replaced false.
func (s *Store) Put(snap Snapshot) (replaced bool, err error) {
	snap.Imported = s.now().UTC()
	k := key(snap.Kind, snap.Name)
	err = s.st.Swap(context.Background(), k, func(raw []byte) ([]byte, error) {
		replaced = false
		if raw != nil {
			var old Snapshot
			if err := json.Unmarshal(raw, &old); err != nil {
				return nil, fmt.Errorf("trust snapshot %s: stored record does not decode: %w", k, err)
			}
			if bytes.Equal(old.Data, snap.Data) {
				return nil, nil
			}
			if snap.Sequence < old.Sequence || (snap.Sequence == old.Sequence && !snap.Issued.After(old.Issued)) {
				return nil, fmt.Errorf("%w: %s %s held has sequence number %d (issued %s); this one has %d (issued %s)", trust.ErrOlder,
					snap.Kind, snap.Name, old.Sequence, dateOf(old.Issued), snap.Sequence, dateOf(snap.Issued))
			}
		}
		raw, err := json.Marshal(snap)
		if err != nil {
			return nil, err
		}
		replaced = true
		return raw, nil
	})
	return replaced, err
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return "no date"
	}
	return t.UTC().Format(time.RFC3339)
}

// Get returns the snapshot of the given kind and name, or an error wrapping
// ErrNotFound.
func (s *Store) Get(kind, name string) (*Snapshot, error) {
	var out *Snapshot
	raw, err := s.st.Get(context.Background(), key(kind, name))
	if err != nil {
		return nil, err
	}
	if raw != nil {
		out = &Snapshot{}
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, err
		}
	}
	if out == nil {
		return nil, fmt.Errorf("%w: %s %s", ErrNotFound, kind, name)
	}
	return out, nil
}

// All returns every snapshot, of one kind when kind is not empty, ordered by
// kind and name.
func (s *Store) All(kind string) ([]Snapshot, error) {
	var out []Snapshot
	err := s.st.Each(context.Background(), func(k string, v []byte) error {
		var snap Snapshot
		if err := json.Unmarshal(v, &snap); err != nil {
			return fmt.Errorf("trust snapshot %s: stored record does not decode: %w", k, err)
		}
		if kind == "" || snap.Kind == kind {
			out = append(out, snap)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out, err
}

// List returns the summaries of every snapshot.
func (s *Store) List() ([]Meta, error) {
	all, err := s.All("")
	if err != nil {
		return nil, err
	}
	out := make([]Meta, len(all))
	for i, snap := range all {
		out[i] = snap.Meta
	}
	return out, nil
}
