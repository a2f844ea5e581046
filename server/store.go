package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
)

// The storage the server keeps beyond the issuer's register and the keys:
// four small interfaces, each with its error contract, implemented over the
// bbolt store by BoltStorage and, for several nodes, by PostgreSQL. Every
// method takes a context because a database implementation does I/O.

// TokenStore checks API tokens.
type TokenStore interface {
	// AuthenticateToken returns the token whose secret is secret when it
	// is neither revoked nor expired at now; otherwise an error wrapping
	// keys.ErrTokenInvalid (any other error is a failure of the store).
	AuthenticateToken(ctx context.Context, secret string, now time.Time) (*keys.Token, error)
	// TouchToken records a use of token id at at; a failure is logged, not
	// shown to the caller.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// Token returns the token with id, revoked or not (a console session
	// checks its token on every request), or an error wrapping
	// keys.ErrNotFound.
	Token(ctx context.Context, id string) (*keys.Token, error)
}

// AuditLog records every state change with who made it.
type AuditLog interface {
	// RecordAudit appends one record: op ("credentials.revoke"), subject
	// (a credential or batch id), actor (the API token's name) and a short
	// detail, none holding personal data or secrets.
	RecordAudit(ctx context.Context, op, subject, actor, detail string) error
}

// Short-lived state with an expiry — console sessions, presentation
// challenges used, batch leases, and the codes, nonces and transactions of
// the OpenID4VC flows — is kept in an openid4vc.Records, the one interface
// of records with an expiry that the protocol library declares (single use
// by Update or openid4vc.Take, replay detection by Create or
// openid4vc.Once). BoltStorage implements it over the store.

// BatchStore keeps batches: their record, their CSV input until they are
// done, and the credentials they signed until they are deleted.
type BatchStore interface {
	// CreateBatch stores a new batch with its input. An id in use wraps
	// keys.ErrExists.
	CreateBatch(ctx context.Context, b *BatchRecord, input []byte) error
	// GetBatch returns a batch, or an error wrapping ErrBatchNotFound.
	GetBatch(ctx context.Context, id string) (*BatchRecord, error)
	// UpdateBatch replaces the record of an existing batch.
	UpdateBatch(ctx context.Context, b *BatchRecord) error
	// ListBatches returns every batch, newest first.
	ListBatches(ctx context.Context) ([]*BatchRecord, error)
	// BatchInput returns the CSV input of a batch (nil once dropped).
	BatchInput(ctx context.Context, id string) ([]byte, error)
	// DropBatchInput forgets the input (personal data) of a finished batch.
	DropBatchInput(ctx context.Context, id string) error
	// PutBatchCredentials stores signed credentials of a batch, replacing
	// any of the same id.
	PutBatchCredentials(ctx context.Context, id string, creds []StoredCredential) error
	// BatchCredential returns the stored credential credID of batch id,
	// and whether it is stored.
	BatchCredential(ctx context.Context, id, credID string) (*StoredCredential, bool, error)
	// EachBatchCredential calls fn with every stored credential of a batch,
	// in no particular order; an error from fn stops and is returned.
	EachBatchCredential(ctx context.Context, id string, fn func(*StoredCredential) error) error
	// DeleteBatch removes a batch, its input and its credentials.
	DeleteBatch(ctx context.Context, id string) error
}

// ErrBatchNotFound is wrapped when a batch id is unknown.
var ErrBatchNotFound = errors.New("batch not found")

// StoredCredential is one credential a batch signed.
type StoredCredential struct {
	Row        int    `json:"row"`
	ID         string `json:"id"`
	MediaType  string `json:"mediaType"`
	Ext        string `json:"ext"`
	Credential []byte `json:"-"`
}

// BoltStorage implements TokenStore, AuditLog, BatchStore and
// openid4vc.Records over the bbolt store, in buckets named "server.*".
type BoltStorage struct {
	s   *keys.Store
	now func() time.Time
}

// NewBoltStorage returns the storage kept in s; now is the clock records
// expire by (nil: time.Now).
func NewBoltStorage(s *keys.Store, now func() time.Time) *BoltStorage {
	if now == nil {
		now = time.Now
	}
	return &BoltStorage{s: s, now: now}
}

var (
	_ TokenStore        = (*BoltStorage)(nil)
	_ AuditLog          = (*BoltStorage)(nil)
	_ openid4vc.Records = (*BoltStorage)(nil)
	_ BatchStore        = (*BoltStorage)(nil)
	_ purger            = (*BoltStorage)(nil)
)

// purger is the optional ability of a Records backend to remove expired
// records at once (the server calls it every few minutes); one without it
// removes them in its own time.
type purger interface {
	// PurgeExpired removes every record expired at now and returns how
	// many.
	PurgeExpired(ctx context.Context, now time.Time) (int, error)
}

var (
	bucketState      = []byte("server.records")     // kind "\x00" key → 8-byte expiry (unix nanos) + value
	bucketBatches    = []byte("server.batches")     // "rec/<id>" → BatchRecord JSON; "in/<id>" → CSV input
	bucketBatchCreds = []byte("server.batch-creds") // nested bucket per batch id: credential id → header JSON "\n" credential
)

// AuthenticateToken implements TokenStore.
func (b *BoltStorage) AuthenticateToken(_ context.Context, secret string, now time.Time) (*keys.Token, error) {
	return b.s.AuthenticateToken(secret, now)
}

// TouchToken implements TokenStore.
func (b *BoltStorage) TouchToken(_ context.Context, id string, at time.Time) error {
	return b.s.TouchToken(id, at)
}

// Token implements TokenStore.
func (b *BoltStorage) Token(_ context.Context, id string) (*keys.Token, error) { return b.s.Token(id) }

// RecordAudit implements AuditLog in the store's audit log.
func (b *BoltStorage) RecordAudit(_ context.Context, op, subject, actor, detail string) error {
	return b.s.RecordAudit(op, subject, actor, detail)
}

func stateKey(kind, key string) []byte { return []byte(kind + "\x00" + key) }

// stateValue is a record as stored: its expiry (8 bytes, Unix
// nanoseconds), then its value.
func stateValue(rec openid4vc.Record) []byte {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(rec.Value)), uint64(rec.Expires.UnixNano()))
	return append(v, rec.Value...)
}

// readState returns the live record under k, copied out of bbolt.
func readState(bk *bbolt.Bucket, k []byte, now time.Time) (openid4vc.Record, bool) {
	if bk == nil {
		return openid4vc.Record{}, false
	}
	v := bk.Get(k)
	if len(v) < 8 {
		return openid4vc.Record{}, false
	}
	exp := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
	if !now.Before(exp) {
		return openid4vc.Record{}, false
	}
	return openid4vc.Record{Value: bytes.Clone(v[8:]), Expires: exp}, true
}

// Create implements openid4vc.Records: bbolt's single writer makes the
// check and the write one step.
func (b *BoltStorage) Create(_ context.Context, kind, key string, rec openid4vc.Record) error {
	return b.write(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketState)
		if err != nil {
			return err
		}
		if _, live := readState(bk, stateKey(kind, key), b.now()); live {
			return fmt.Errorf("%s record: %w", kind, openid4vc.ErrExists)
		}
		return bk.Put(stateKey(kind, key), stateValue(rec))
	})
}

// write runs fn in a write transaction of the records, shared with the
// other writes under way (keys.Store.Batch: group commit, one transaction
// and one fsync for many single-use codes taken at once, a lone write at
// once; fn possibly run again, which the Records contract allows). It
// returns once the write is on disk.
func (b *BoltStorage) write(fn func(tx *bbolt.Tx) error) error {
	return b.s.Batch(fn)
}

// Get implements openid4vc.Records.
func (b *BoltStorage) Get(_ context.Context, kind, key string) (openid4vc.Record, error) {
	var out openid4vc.Record
	err := b.s.View(func(tx *bbolt.Tx) error {
		rec, ok := readState(tx.Bucket(bucketState), stateKey(kind, key), b.now())
		if !ok {
			return fmt.Errorf("%s record: %w", kind, openid4vc.ErrNotFound)
		}
		out = rec
		return nil
	})
	return out, err
}

// Update implements openid4vc.Records in one bbolt transaction, so that
// concurrent updates of a record run one after the other.
func (b *BoltStorage) Update(_ context.Context, kind, key string, fn func(rec openid4vc.Record) (*openid4vc.Record, error)) error {
	var fnErr error
	err := b.write(func(tx *bbolt.Tx) error {
		fnErr = nil
		bk := tx.Bucket(bucketState)
		rec, ok := readState(bk, stateKey(kind, key), b.now())
		if !ok {
			return fmt.Errorf("%s record: %w", kind, openid4vc.ErrNotFound)
		}
		next, err := fn(rec)
		if err != nil {
			fnErr = err
			return err
		}
		if next == nil {
			return bk.Delete(stateKey(kind, key))
		}
		return bk.Put(stateKey(kind, key), stateValue(*next))
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// Delete implements openid4vc.Records.
func (b *BoltStorage) Delete(_ context.Context, kind, key string) error {
	return b.write(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(bucketState); bk != nil {
			return bk.Delete(stateKey(kind, key))
		}
		return nil
	})
}

// PurgeExpired removes every record expired at now.
func (b *BoltStorage) PurgeExpired(_ context.Context, now time.Time) (int, error) {
	n := 0
	err := b.s.Update(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketState)
		if bk == nil {
			return nil
		}
		var dead [][]byte
		if err := bk.ForEach(func(k, v []byte) error {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v)) <= now.UnixNano() {
				dead = append(dead, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range dead {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
		n = len(dead)
		return nil
	})
	return n, err
}

// CreateBatch implements BatchStore.
func (b *BoltStorage) CreateBatch(_ context.Context, rec *BatchRecord, input []byte) error {
	return b.s.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBatches)
		if err != nil {
			return err
		}
		if bk.Get([]byte("rec/"+rec.ID)) != nil {
			return fmt.Errorf("batch %s: %w", rec.ID, keys.ErrExists)
		}
		if err := putBatch(bk, rec); err != nil {
			return err
		}
		return bk.Put([]byte("in/"+rec.ID), input)
	})
}

func putBatch(bk *bbolt.Bucket, rec *BatchRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return bk.Put([]byte("rec/"+rec.ID), v)
}

// GetBatch implements BatchStore.
func (b *BoltStorage) GetBatch(_ context.Context, id string) (*BatchRecord, error) {
	var rec *BatchRecord
	err := b.s.View(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketBatches)
		var v []byte
		if bk != nil {
			v = bk.Get([]byte("rec/" + id))
		}
		if v == nil {
			return fmt.Errorf("%w: %s", ErrBatchNotFound, id)
		}
		rec = new(BatchRecord)
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("batch %s: %w", id, keys.ErrCorrupt)
		}
		return nil
	})
	return rec, err
}

// UpdateBatch implements BatchStore.
func (b *BoltStorage) UpdateBatch(_ context.Context, rec *BatchRecord) error {
	return b.s.Update(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketBatches)
		if bk == nil || bk.Get([]byte("rec/"+rec.ID)) == nil {
			return fmt.Errorf("%w: %s", ErrBatchNotFound, rec.ID)
		}
		return putBatch(bk, rec)
	})
}

// ListBatches implements BatchStore.
func (b *BoltStorage) ListBatches(_ context.Context) ([]*BatchRecord, error) {
	var out []*BatchRecord
	err := b.s.View(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketBatches)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, v := c.Seek([]byte("rec/")); k != nil && bytes.HasPrefix(k, []byte("rec/")); k, v = c.Next() {
			rec := new(BatchRecord)
			if err := json.Unmarshal(v, rec); err != nil {
				return fmt.Errorf("batch %s: %w", k[4:], keys.ErrCorrupt)
			}
			out = append(out, rec)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, err
}

// BatchInput implements BatchStore.
func (b *BoltStorage) BatchInput(_ context.Context, id string) ([]byte, error) {
	var out []byte
	err := b.s.View(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(bucketBatches); bk != nil {
			out = bytes.Clone(bk.Get([]byte("in/" + id)))
		}
		return nil
	})
	return out, err
}

// DropBatchInput implements BatchStore.
func (b *BoltStorage) DropBatchInput(_ context.Context, id string) error {
	return b.s.Update(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(bucketBatches); bk != nil {
			return bk.Delete([]byte("in/" + id))
		}
		return nil
	})
}

// PutBatchCredentials implements BatchStore.
func (b *BoltStorage) PutBatchCredentials(_ context.Context, id string, creds []StoredCredential) error {
	return b.s.Update(func(tx *bbolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketBatchCreds)
		if err != nil {
			return err
		}
		bk, err := root.CreateBucketIfNotExists([]byte(id))
		if err != nil {
			return err
		}
		for _, c := range creds {
			h, err := json.Marshal(c)
			if err != nil {
				return err
			}
			v := append(append(h, '\n'), c.Credential...)
			if err := bk.Put([]byte(c.ID), v); err != nil {
				return err
			}
		}
		return nil
	})
}

func readCred(k, v []byte) (*StoredCredential, error) {
	h, body, ok := bytes.Cut(v, []byte{'\n'})
	c := new(StoredCredential)
	if !ok || json.Unmarshal(h, c) != nil {
		return nil, fmt.Errorf("batch credential %s: %w", k, keys.ErrCorrupt)
	}
	c.Credential = bytes.Clone(body)
	return c, nil
}

// batchCreds is the bucket of batch id's credentials, or nil.
func batchCreds(tx *bbolt.Tx, id string) *bbolt.Bucket {
	if root := tx.Bucket(bucketBatchCreds); root != nil {
		return root.Bucket([]byte(id))
	}
	return nil
}

// BatchCredential implements BatchStore.
func (b *BoltStorage) BatchCredential(_ context.Context, id, credID string) (*StoredCredential, bool, error) {
	var out *StoredCredential
	err := b.s.View(func(tx *bbolt.Tx) error {
		bk := batchCreds(tx, id)
		if bk == nil {
			return nil
		}
		if v := bk.Get([]byte(credID)); v != nil {
			var err error
			out, err = readCred([]byte(credID), v)
			return err
		}
		return nil
	})
	return out, out != nil, err
}

// EachBatchCredential implements BatchStore.
func (b *BoltStorage) EachBatchCredential(_ context.Context, id string, fn func(*StoredCredential) error) error {
	return b.s.View(func(tx *bbolt.Tx) error {
		bk := batchCreds(tx, id)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			c, err := readCred(k, v)
			if err != nil {
				return err
			}
			return fn(c)
		})
	})
}

// DeleteBatch implements BatchStore.
func (b *BoltStorage) DeleteBatch(_ context.Context, id string) error {
	return b.s.Update(func(tx *bbolt.Tx) error {
		if root := tx.Bucket(bucketBatchCreds); root != nil && root.Bucket([]byte(id)) != nil {
			if err := root.DeleteBucket([]byte(id)); err != nil {
				return err
			}
		}
		if bk := tx.Bucket(bucketBatches); bk != nil {
			if err := bk.Delete([]byte("in/" + id)); err != nil {
				return err
			}
			return bk.Delete([]byte("rec/" + id))
		}
		return nil
	})
}
