package keys

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// TestBatchCommitsEveryConcurrentWriteAndReportsEachFailure: 64
// goroutines write at once through Batch, every fifth failing on purpose.
// Each successful write is in the file after a reopen, each failed one
// returns its own error and left nothing, and the writes shared
// transactions (fewer commits than writes).
func TestBatchCommitsEveryConcurrentWriteAndReportsEachFailure(t *testing.T) {
	s, _ := unlockedStore(t)
	bucket := []byte("keys_test.batch")
	const n = 64
	errs := make([]error, n)
	var mu sync.Mutex
	txs := map[int]bool{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Batch(func(tx *bbolt.Tx) error {
				mu.Lock()
				txs[tx.ID()] = true
				mu.Unlock()
				b, err := tx.CreateBucketIfNotExists(bucket)
				if err != nil {
					return err
				}
				if err := b.Put(fmt.Appendf(nil, "k%02d", i), []byte("v")); err != nil {
					return err
				}
				if i%5 == 0 {
					return fmt.Errorf("write %d refused", i)
				}
				time.Sleep(100 * time.Microsecond) // let others queue
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		want := ""
		if i%5 == 0 {
			want = fmt.Sprintf("write %d refused", i)
		}
		if got := fmt.Sprint(err); err != nil && got != want || err == nil && want != "" {
			t.Errorf("write %d: error %v, want %q", i, err, want)
		}
	}
	s = reopen(t, s)
	if err := s.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return errors.New("no bucket")
		}
		for i := range n {
			got := b.Get(fmt.Appendf(nil, "k%02d", i)) != nil
			if got != (i%5 != 0) {
				t.Errorf("key %d stored: %v", i, got)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(txs) >= n {
		t.Errorf("%d transactions for %d concurrent writes: nothing was grouped", len(txs), n)
	}
}

// TestBatchAloneCommitsAtOnce: a lone write does not wait for company
// (bbolt's DB.Batch waits MaxBatchDelay, 10 ms, before committing).
func TestBatchAloneCommitsAtOnce(t *testing.T) {
	s, _ := unlockedStore(t)
	put := func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("keys_test.batch"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}
	// The fastest of a few, so that a slow disk's fsync does not decide.
	best := time.Hour
	for range 5 {
		start := time.Now()
		if err := s.Batch(put); err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(start))
	}
	upd := time.Hour
	for range 5 {
		start := time.Now()
		if err := s.Update(put); err != nil {
			t.Fatal(err)
		}
		upd = min(upd, time.Since(start))
	}
	if best > upd+5*time.Millisecond {
		t.Errorf("a lone Batch took %v, a lone Update %v: Batch waited for company", best, upd)
	}
}
