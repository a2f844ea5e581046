// Package snapshot keeps the imported European trust lists in the store
// (bucket "snapshot.lists" of the bbolt file), one snapshot per list, and
// replaces a snapshot only with a newer one that has already been checked.
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
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"

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

// Store reads and writes snapshots in a store file.
type Store struct {
	db  DB
	now func() time.Time
}

// New returns a Store over db. now is the clock for Meta.Imported; nil means
// time.Now.
func New(db DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

func key(kind, name string) []byte { return []byte(kind + "/" + name) }

// Put stores snap in place of the snapshot of the same kind and name, unless
// that one is newer: a lower sequence number, or the same sequence number and
// no later issue date with different content, is refused with an error
// wrapping trust.ErrOlder and nothing changes. Storing the very same bytes
// again changes nothing and returns replaced false.
func (s *Store) Put(snap Snapshot) (replaced bool, err error) {
	snap.Imported = s.now().UTC()
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(Bucket))
		if err != nil {
			return err
		}
		k := key(snap.Kind, snap.Name)
		if raw := b.Get(k); raw != nil {
			var old Snapshot
			if err := json.Unmarshal(raw, &old); err != nil {
				return fmt.Errorf("trust snapshot %s: stored record does not decode: %w", k, err)
			}
			if bytes.Equal(old.Data, snap.Data) {
				return nil
			}
			if snap.Sequence < old.Sequence || (snap.Sequence == old.Sequence && !snap.Issued.After(old.Issued)) {
				return fmt.Errorf("%w: %s %s held has sequence number %d (issued %s); this one has %d (issued %s)", trust.ErrOlder,
					snap.Kind, snap.Name, old.Sequence, dateOf(old.Issued), snap.Sequence, dateOf(snap.Issued))
			}
		}
		raw, err := json.Marshal(snap)
		if err != nil {
			return err
		}
		replaced = true
		return b.Put(k, raw)
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
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(Bucket))
		if b == nil {
			return nil
		}
		raw := b.Get(key(kind, name))
		if raw == nil {
			return nil
		}
		out = &Snapshot{}
		return json.Unmarshal(raw, out)
	})
	if err != nil {
		return nil, err
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
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(Bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var snap Snapshot
			if err := json.Unmarshal(v, &snap); err != nil {
				return fmt.Errorf("trust snapshot %s: stored record does not decode: %w", k, err)
			}
			if kind == "" || snap.Kind == kind {
				out = append(out, snap)
			}
			return nil
		})
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
