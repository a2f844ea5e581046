package keys

import (
	"errors"
	"fmt"
	"slices"
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

// BenchmarkBatchAlone: a lone Batch does not wait for company (bbolt's
// DB.Batch waits MaxBatchDelay, 10 ms, first). x-update is its time over a
// lone Update's, in the same run: about 1.
func BenchmarkBatchAlone(b *testing.B) {
	s, _ := unlockedStore(b)
	put := func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("keys_test.batch"))
		if err != nil {
			return err
		}
		return bk.Put([]byte("k"), []byte("v"))
	}
	start := time.Now()
	for range b.N {
		if err := s.Batch(put); err != nil {
			b.Fatal(err)
		}
	}
	batch := time.Since(start)
	b.StopTimer()
	start = time.Now()
	for range b.N {
		if err := s.Update(put); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch)/float64(time.Since(start)), "x-update")
}

// TestKeyAnswersTheStoreAsItIsNow: Key's answers are cached between
// writes, but every change of a key (rotation, destruction, a write by
// another package through Update) is seen by the next call, and a caller
// changing what it got changes nothing for the next.
func TestKeyAnswersTheStoreAsItIsNow(t *testing.T) {
	s, _ := unlockedStore(t)
	first, err := s.Create("registrar", Ed25519, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.Key("registrar")
	if err != nil || k.ID != first.ID {
		t.Fatalf("Key = %v, %v; want %s", k, err, first.ID)
	}
	k.State, k.Name = Destroyed, "changed by the caller"
	if k, err = s.Key("registrar"); err != nil || k.State != Active || k.Name != "registrar" {
		t.Fatalf("after the caller changed its copy: %+v, %v", k, err)
	}
	rotated, err := s.Rotate("registrar")
	if err != nil {
		t.Fatal(err)
	}
	if k, err = s.Key("registrar"); err != nil || k.ID != rotated.ID || k.ID == first.ID {
		t.Fatalf("after Rotate: Key = %v, %v; want %s", k, err, rotated.ID)
	}
	if err := s.Destroy("registrar"); err != nil {
		t.Fatal(err)
	}
	if k, err = s.Key("registrar"); err != nil && !errors.Is(err, ErrNotFound) || err == nil && k.State == Active {
		t.Fatalf("after Destroy: Key = %+v, %v", k, err)
	}
	// A concurrent reader never sees a version older than the last
	// rotation that returned before it started.
	if _, err := s.Create("seal", Ed25519, Assertion); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var latest atomicString
	k0, _ := s.Key("seal")
	latest.Store(k0.ID)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				want := latest.Load()
				k, err := s.Key("seal")
				if err != nil {
					t.Error(err)
					return
				}
				// A version not recorded yet is one being rotated in.
				if latest.seen(k.ID) && latest.before(k.ID, want) {
					t.Errorf("Key gave %s after %s was rotated in", k.ID, want)
					return
				}
			}
		})
	}
	for range 5 {
		r, err := s.Rotate("seal")
		if err != nil {
			t.Fatal(err)
		}
		latest.Store(r.ID)
	}
	close(stop)
	wg.Wait()
}

// atomicString records the versions rotated in, in order.
type atomicString struct {
	mu  sync.Mutex
	ids []string
}

func (a *atomicString) Store(id string) { a.mu.Lock(); a.ids = append(a.ids, id); a.mu.Unlock() }
func (a *atomicString) Load() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[len(a.ids)-1]
}
func (a *atomicString) seen(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Contains(a.ids, id)
}

// before reports whether id was rotated in before want.
func (a *atomicString) before(id, want string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Index(a.ids, id) < slices.Index(a.ids, want)
}

// TestRecordAuditAtOnceKeepsTheLogWhole: records made by 32 goroutines at
// once (sharing transactions) are all in the log, numbered without gaps.
func TestRecordAuditAtOnceKeepsTheLogWhole(t *testing.T) {
	s, _ := unlockedStore(t)
	before, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			if err := s.RecordAudit("credentials.issue", fmt.Sprintf("urn:uuid:%d", i), "openid4vci", ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	log, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, r := range log {
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d", i+1, r.Seq)
		}
		if i >= len(before) {
			seen[r.Subject] = true
		}
	}
	if len(seen) != 32 {
		t.Errorf("%d of 32 records in the log", len(seen))
	}
}
