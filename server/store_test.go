package server

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/storetest"
	"github.com/diplomat-edu/diplomat/verifier"
)

func openRecords(t *testing.T, now func() time.Time) *BoltStorage {
	s, err := keys.Open(filepath.Join(t.TempDir(), keys.DefaultFile), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return NewBoltStorage(s, now)
}

// TestBoltRecordsKeepTheOpenID4VCContract runs the contract every
// openid4vc.Records backend must pass on the bbolt one.
func TestBoltRecordsKeepTheOpenID4VCContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) openid4vc.Records { return openRecords(t, now) })
}

func TestExpiredRecordsArePurgedAndChallengesAcceptedOnce(t *testing.T) {
	c := storetest.NewClock(time.Now())
	st := openRecords(t, c.Now)
	ctx := t.Context()
	if err := st.Create(ctx, "console-session", "old", openid4vc.Record{Value: []byte("x"), Expires: c.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Minute)
	if n, err := st.PurgeExpired(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	n := recordNonces{records: st, now: c.Now}
	if err := n.Use("challenge-1"); err != nil {
		t.Fatal(err)
	}
	if err := n.Use("challenge-1"); !errors.Is(err, verifier.ErrReplay) {
		t.Fatalf("a replayed challenge: %v", err)
	}
	if err := n.Use(""); !errors.Is(err, verifier.ErrReplay) {
		t.Fatalf("an empty challenge: %v", err)
	}
	c.Advance(nonceTTL + time.Second)
	if err := n.Use("challenge-1"); err != nil {
		t.Fatalf("a challenge is remembered past its time: %v", err)
	}
}
