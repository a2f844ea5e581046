package issuer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/keys"
)

// Buckets of the store file this package owns. Their contents are not an
// API.
var (
	bucketConfig      = []byte("issuer.config")      // "config" → Config JSON, "salt" → 32 bytes
	bucketRegister    = []byte("issuer.register")    // credential id → Entry JSON
	bucketIdempotency = []byte("issuer.idempotency") // HMAC idempotency key (Issuer.idempotencyKey) → credential id
	bucketLists       = []byte("issuer.lists")       // "list/<list id>" → ListRecord JSON; "cur/<profile>/<key id>/<issuer>" → open list id; "next/<profile>" → 8-byte n
	bucketBits        = []byte("issuer.bits")        // "<list id>/<alloc|revocation|suspension>" → encodedList (credentials/status)
	bucketCredentials = []byte("issuer.credentials") // credential id → secured credential (Config.KeepCredentials)
)

var (
	keyConfig = []byte("config")
	keySalt   = []byte("salt")
)

func listKey(id string) []byte       { return []byte("list/" + id) }
func bitsKey(id, what string) []byte { return []byte(id + "/" + what) }
func nextKey(profile string) []byte  { return []byte("next/" + profile) }

// curKey names the open list of a profile, key version and issuer.
func curKey(o ListOwner) []byte {
	return []byte("cur/" + o.Profile + "/" + o.KeyID + "/" + o.Issuer)
}

// BoltStorage returns the Storage kept in the bbolt file of s, in buckets
// named "issuer.*". bbolt's single writer makes every Reserve and
// ChangeEntry one step.
func BoltStorage(s *keys.Store) Storage { return boltStorage{s, new(atomic.Int64)} }

type boltStorage struct {
	s *keys.Store
	// unreleased counts the entries reserved since the store's mapped
	// pages were last released (releaseMapped).
	unreleased *atomic.Int64
}

// releaseEvery is how many entries are reserved between two releases of
// the mapped pages: a batch releases them at every chunk, as it reads a
// page of the store for each few credentials, and a service issuing one
// credential at a time every so often, rather than fault in again, at
// every request, the pages it reads each time.
const releaseEvery = 256

func (b boltStorage) Config(context.Context) (config, salt []byte, err error) {
	err = b.s.View(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketConfig)
		if bk == nil || bk.Get(keyConfig) == nil {
			return ErrNotConfigured
		}
		config, salt = bytes.Clone(bk.Get(keyConfig)), bytes.Clone(bk.Get(keySalt))
		return nil
	})
	return config, salt, err
}

func (b boltStorage) SaveConfig(_ context.Context, config []byte) error {
	return b.s.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketConfig)
		if err != nil {
			return err
		}
		if bk.Get(keySalt) == nil {
			salt := make([]byte, 32)
			if _, err := rand.Read(salt); err != nil {
				return err
			}
			if err := bk.Put(keySalt, salt); err != nil {
				return err
			}
		}
		return bk.Put(keyConfig, config)
	})
}

func (b boltStorage) Reserve(_ context.Context, owner ListOwner, rs []*Reservation, now time.Time) error {
	// Concurrent reservations (one credential per wallet request) share a
	// transaction and its fsync (keys.Store.Batch), and Reserve returns
	// only once its own is committed. The function may run again after a
	// rollback: it starts from the reservations as they were given.
	given := make([]Reservation, len(rs))
	for k, r := range rs {
		given[k] = *r
	}
	return b.s.Batch(func(tx *bbolt.Tx) error {
		for k, r := range rs {
			*r = given[k]
		}
		if b.unreleased.Add(int64(len(rs))) >= releaseEvery {
			b.unreleased.Store(0)
			releaseMapped(tx)
		}
		reg, err := tx.CreateBucketIfNotExists(bucketRegister)
		if err != nil {
			return err
		}
		// Ids grow with time (templates.NewOrderedID): new entries go at
		// the end of the register, whose pages can be filled.
		reg.FillPercent = 0.9
		idem, err := tx.CreateBucketIfNotExists(bucketIdempotency)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if id := idem.Get([]byte(r.Key)); id != nil {
				e, err := getEntry(tx, string(id))
				if err != nil {
					return err
				}
				r.Entry, r.Existing = *e, true
			}
		}
		lists, err := newBoltLists(tx)
		if err != nil {
			return err
		}
		if err := Allocate(lists, owner, rs, now); err != nil {
			return err
		}
		for _, r := range rs {
			if r.Existing {
				continue
			}
			if err := putEntry(reg, &r.Entry); err != nil {
				return err
			}
			if err := idem.Put([]byte(r.Key), []byte(r.Entry.ID)); err != nil {
				return err
			}
			if a := r.Audit; a != nil {
				if err := keys.AppendAudit(keys.BoltTx(tx), now, a.Op, r.Entry.ID, a.Actor, a.Detail); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// boltLists are the Lists of a bbolt transaction: bbolt's single writer
// keeps every list from changes by others.
type boltLists struct{ lists, bits *bbolt.Bucket }

func newBoltLists(tx *bbolt.Tx) (*boltLists, error) {
	lists, err := tx.CreateBucketIfNotExists(bucketLists)
	if err != nil {
		return nil, err
	}
	bits, err := tx.CreateBucketIfNotExists(bucketBits)
	if err != nil {
		return nil, err
	}
	return &boltLists{lists: lists, bits: bits}, nil
}

func (l *boltLists) Open(owner ListOwner) (*OpenList, error) {
	id := l.lists.Get(curKey(owner))
	if id == nil {
		return nil, nil
	}
	var m ListRecord
	if err := json.Unmarshal(l.lists.Get(listKey(string(id))), &m); err != nil {
		return nil, fmt.Errorf("status list %s: %v: %w", id, err, keys.ErrCorrupt)
	}
	alloc, err := DecodeBits(string(bitsKey(m.ID, "alloc")), l.bits.Get(bitsKey(m.ID, "alloc")))
	if err != nil {
		return nil, err
	}
	return &OpenList{Record: m, Alloc: alloc}, nil
}

func (l *boltLists) Next(owner ListOwner, now time.Time) (*OpenList, error) {
	n := uint64(1)
	if v := l.lists.Get(nextKey(owner.Profile)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	if err := l.lists.Put(nextKey(owner.Profile), binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
		return nil, err
	}
	ol, err := NewOpenList(owner, n, now)
	if err != nil {
		return nil, err
	}
	if err := l.lists.Put(curKey(owner), []byte(ol.Record.ID)); err != nil {
		return nil, err
	}
	return ol, nil
}

func (l *boltLists) Save(ol *OpenList) error {
	data, err := json.Marshal(ol.Record)
	if err != nil {
		return err
	}
	if err := l.lists.Put(listKey(ol.Record.ID), data); err != nil {
		return err
	}
	return putBits(l.bits, bitsKey(ol.Record.ID, "alloc"), ol.Alloc)
}

func putBits(bits *bbolt.Bucket, key []byte, b *status.Bitstring) error {
	enc, err := EncodeBits(b)
	if err != nil {
		return err
	}
	return bits.Put(key, enc)
}

func (b boltStorage) Registered(_ context.Context, key string) (*Entry, error) {
	var e *Entry
	err := b.s.View(func(tx *bbolt.Tx) error {
		idem := tx.Bucket(bucketIdempotency)
		if idem == nil {
			return nil
		}
		id := idem.Get([]byte(key))
		if id == nil {
			return nil
		}
		var err error
		e, err = getEntry(tx, string(id))
		return err
	})
	return e, err
}

func (b boltStorage) Entry(_ context.Context, id string) (*Entry, error) {
	var e *Entry
	err := b.s.View(func(tx *bbolt.Tx) error {
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

func (b boltStorage) Entries(_ context.Context, q Query) ([]Entry, error) {
	var out []Entry
	err := b.s.View(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketRegister)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			// A cheap pre-filter on the raw JSON before decoding.
			if q.Template != "" && !bytes.Contains(v, []byte(`"template":"`+q.Template+`"`)) {
				return nil
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("a register entry in the store is damaged (%v): restore a backup: %w", err, keys.ErrCorrupt)
			}
			if q.Match(&e) {
				out = append(out, e)
			}
			return nil
		})
	})
	return out, err
}

func (b boltStorage) ChangeEntry(_ context.Context, id string, fn func(e *Entry) (StatusBit, error)) (*Entry, error) {
	var out *Entry
	err := b.s.Update(func(tx *bbolt.Tx) error {
		e, err := getEntry(tx, id)
		if err != nil {
			return err
		}
		bit, err := fn(e)
		if err != nil {
			return err
		}
		bits, err := tx.CreateBucketIfNotExists(bucketBits)
		if err != nil {
			return err
		}
		k := bitsKey(e.StatusList, bit.Purpose)
		bm, err := DecodeBits(string(k), bits.Get(k))
		if err != nil {
			return err
		}
		if err := bm.Set(e.StatusIndex, bit.Set); err != nil {
			return fmt.Errorf("status list %s: %w", e.StatusList, err)
		}
		if err := putBits(bits, k, bm); err != nil {
			return err
		}
		if err := putEntry(tx.Bucket(bucketRegister), e); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

func (b boltStorage) StatusLists(_ context.Context, ids ...string) ([]StoredList, error) {
	var out []StoredList
	err := b.s.View(func(tx *bbolt.Tx) error {
		lists, bits := tx.Bucket(bucketLists), tx.Bucket(bucketBits)
		if lists == nil || bits == nil {
			return nil
		}
		c := lists.Cursor()
		for k, v := c.Seek([]byte("list/")); k != nil && strings.HasPrefix(string(k), "list/"); k, v = c.Next() {
			var m ListRecord
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("a status list record in the store is damaged (%v): restore a backup: %w", err, keys.ErrCorrupt)
			}
			if len(ids) > 0 && !containsString(ids, m.ID) {
				continue
			}
			sl := StoredList{Record: m}
			for _, p := range []struct {
				purpose string
				dst     **status.Bitstring
			}{{PurposeRevocation, &sl.Revocation}, {PurposeSuspension, &sl.Suspension}} {
				k := bitsKey(m.ID, p.purpose)
				bm, err := DecodeBits(string(k), bits.Get(k))
				if err != nil {
					return err
				}
				*p.dst = bm
			}
			out = append(out, sl)
		}
		return nil
	})
	return out, err
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (b boltStorage) Keep(_ context.Context, creds []Kept) error {
	return b.s.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketCredentials)
		if err != nil {
			return err
		}
		for _, c := range creds {
			if err := bk.Put([]byte(c.ID), c.Credential); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b boltStorage) Credential(_ context.Context, id string) ([]byte, error) {
	var out []byte
	err := b.s.View(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(bucketCredentials); bk != nil {
			out = bytes.Clone(bk.Get([]byte(id)))
		}
		if len(out) == 0 {
			return fmt.Errorf("%w: no stored copy of %s (the store keeps only register entries unless keepCredentials is set)", ErrNotFound, id)
		}
		return nil
	})
	return out, err
}
