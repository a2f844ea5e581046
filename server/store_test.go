package server

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
)

func TestStateIsSingleUseAndExpires(t *testing.T) {
	s, err := keys.Open(filepath.Join(t.TempDir(), keys.DefaultFile), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := NewBoltStorage(s)
	ctx := t.Context()
	now := time.Now()
	if err := st.PutState(ctx, "vci.code", "abc", []byte("offer"), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Two takers racing: one gets it.
	var got atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := st.TakeState(ctx, "vci.code", "abc"); err == nil && string(v) == "offer" {
				got.Add(1)
			} else if !errors.Is(err, ErrNoState) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got.Load() != 1 {
		t.Fatalf("a single-use code was taken %d times", got.Load())
	}
	// Expired values are gone, and purged.
	if err := st.PutState(ctx, "session", "old", []byte("x"), now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetState(ctx, "session", "old"); !errors.Is(err, ErrNoState) {
		t.Fatalf("an expired value: %v", err)
	}
	if n, err := st.PurgeState(ctx, now); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	// AddState: once while live, again once expired.
	if err := st.AddState(ctx, "lease", "b1", nil, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.AddState(ctx, "lease", "b1", nil, now.Add(time.Minute)); !errors.Is(err, ErrStateExists) {
		t.Fatalf("a second add: %v", err)
	}
	if err := st.PutState(ctx, "lease", "b2", nil, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := st.AddState(ctx, "lease", "b2", nil, now.Add(time.Minute)); err != nil {
		t.Fatalf("adding over an expired value: %v", err)
	}
	// The verifier's nonce store: a challenge is accepted once.
	n := stateNonces{state: st, now: time.Now}
	if err := n.Use("challenge-1"); err != nil {
		t.Fatal(err)
	}
	if err := n.Use("challenge-1"); !errors.Is(err, verifier.ErrReplay) {
		t.Fatalf("a replayed challenge: %v", err)
	}
	if err := n.Use(""); !errors.Is(err, verifier.ErrReplay) {
		t.Fatalf("an empty challenge: %v", err)
	}
}
