package extsort

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
)

// TestSortMergesRunsIntoOneOrder: records added from several goroutines,
// over many runs, come back in byte order, each once, and no file is left
// in the folder.
func TestSortMergesRunsIntoOneOrder(t *testing.T) {
	for _, perRun := range []int{7, 1000, 100_000} {
		dir := t.TempDir()
		s := New(dir, 12, perRun)
		const n = 20_000
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 1))
				rec := make([]byte, 12)
				for k := w; k < n; k += 4 {
					binary.BigEndian.PutUint32(rec, r.Uint32()%5000) // many equal prefixes
					binary.BigEndian.PutUint64(rec[4:], uint64(k))
					if err := s.Add(rec); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if s.Len() != n {
			t.Fatalf("Len %d, want %d", s.Len(), n)
		}
		it, err := s.Sort()
		if err != nil {
			t.Fatal(err)
		}
		seen := make([]bool, n)
		var prev []byte
		count := 0
		for rec, ok := it.Next(); ok; rec, ok = it.Next() {
			if prev != nil && bytes.Compare(prev, rec) > 0 {
				t.Fatalf("perRun %d: %x after %x", perRun, rec, prev)
			}
			prev = append(prev[:0], rec...)
			k := binary.BigEndian.Uint64(rec[4:])
			if seen[k] {
				t.Fatalf("record %d twice", k)
			}
			seen[k] = true
			count++
		}
		if it.Err() != nil || count != n {
			t.Fatalf("perRun %d: %d records, err %v", perRun, count, it.Err())
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("perRun %d: %d files left in the folder", perRun, len(left))
		}
	}
}

func TestAddRefusesARecordOfAnotherSize(t *testing.T) {
	s := New(t.TempDir(), 8, 0)
	if err := s.Add(make([]byte, 7)); err == nil {
		t.Error("a 7-byte record was accepted by a sorter of 8-byte records")
	}
	it, err := s.Sort()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := it.Next(); ok {
		t.Error("an empty sorter returned a record")
	}
}
