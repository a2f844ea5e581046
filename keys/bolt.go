package keys

import (
	"bytes"
	"context"
	"runtime/debug"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// boltBackend is the Backend of a store file: one bucket per Table.
type boltBackend struct {
	db      *bbolt.DB
	path    string
	damaged atomic.Bool // a damaged page was met: refuse everything (see guard)
	group   groupCommit // Store.Batch's commits
	// keyWrites counts the write transactions that may have changed a key
	// record (this package's that did, and every Store.Update), once they
	// are over, committed or not: Key's answers stand while it does not
	// move. Store.Batch never writes keys.* buckets.
	keyWrites atomic.Uint64
}

var _ Backend = (*boltBackend)(nil)

func (b *boltBackend) View(_ context.Context, fn func(Tx) error) error {
	return b.view(func(tx *bbolt.Tx) error { return fn(boltTx{tx: tx}) })
}

func (b *boltBackend) Update(_ context.Context, fn func(Tx) error) error {
	var wroteKeys bool
	defer func() {
		if wroteKeys {
			b.keyWrites.Add(1)
		}
	}()
	return b.update(func(tx *bbolt.Tx) error { return fn(boltTx{tx, &wroteKeys}) })
}

func (b *boltBackend) Location() string { return b.path }

// Close closes the file. A store found damaged (see DamagedError) is
// closed as far as bbolt lets it: a failure inside bbolt can leave one of
// its locks held, and then the file stays open, and locked, until the
// process exits, rather than Close waiting for ever.
func (b *boltBackend) Close() error {
	if !b.damaged.Load() {
		return b.guard(b.db.Close)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { _ = recover() }()
		_ = b.db.Close()
	}()
	select {
	case <-done:
	case <-time.After(damagedCloseWait):
	}
	return nil
}

// boltTx is a Tx over a bbolt transaction: a Table is the bucket of its
// name, created on first write.
type boltTx struct {
	tx *bbolt.Tx
	// wroteKeys, when not nil, is set by a change of TableKeys.
	wroteKeys *bool
}

func (t boltTx) Get(tb Table, key []byte) ([]byte, error) {
	if b := t.tx.Bucket([]byte(tb)); b != nil {
		return b.Get(key), nil
	}
	return nil, nil
}

func (t boltTx) Put(tb Table, key, value []byte) error {
	t.noteWrite(tb)
	b, err := t.tx.CreateBucketIfNotExists([]byte(tb))
	if err != nil {
		return err
	}
	return b.Put(key, value)
}

func (t boltTx) Delete(tb Table, key []byte) error {
	t.noteWrite(tb)
	if b := t.tx.Bucket([]byte(tb)); b != nil {
		return b.Delete(key)
	}
	return nil
}

func (t boltTx) noteWrite(tb Table) {
	if tb == TableKeys && t.wroteKeys != nil {
		*t.wroteKeys = true
	}
}

func (t boltTx) ForEach(tb Table, prefix []byte, fn func(key, value []byte) error) error {
	b := t.tx.Bucket([]byte(tb))
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (t boltTx) Count(tb Table) (int, error) {
	if b := t.tx.Bucket([]byte(tb)); b != nil {
		return b.Stats().KeyN, nil
	}
	return 0, nil
}

func (t boltTx) NextSequence(tb Table) (uint64, error) {
	b, err := t.tx.CreateBucketIfNotExists([]byte(tb))
	if err != nil {
		return 0, err
	}
	return b.NextSequence()
}
