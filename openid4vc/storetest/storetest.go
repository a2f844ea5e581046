// Package storetest is the contract every openid4vc.Records implementation
// must pass: expiry, single use under concurrency, replay detection,
// attempt counting and value ownership. A backend's tests call Run with a
// constructor:
//
//	func TestRecordsContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) openid4vc.Records {
//			return openBoltRecords(t, now)
//		})
//	}
//
// The constructor returns an empty store that reads time from now, so that
// expiry is tested without sleeping. It is for tests only.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// Clock is a settable clock for the constructor.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Advance moves the clock by d (backwards when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// New is what Run needs: an empty store that reads time from now.
type New func(t *testing.T, now func() time.Time) openid4vc.Records

// Run runs the contract against stores made by newStore, one per subtest.
func Run(t *testing.T, newStore New) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fresh := func(t *testing.T) (openid4vc.Records, *Clock) {
		c := &Clock{t: start}
		return newStore(t, c.Now), c
	}
	ctx := context.Background()
	rec := func(v string, exp time.Time) openid4vc.Record {
		return openid4vc.Record{Value: []byte(v), Expires: exp}
	}

	t.Run("create then get returns the value", func(t *testing.T) {
		s, c := fresh(t)
		if err := s.Create(ctx, "k1", "a", rec("v1", c.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "k1", "a")
		if err != nil || string(got.Value) != "v1" {
			t.Fatalf("Get = %q, %v", got.Value, err)
		}
		if !got.Expires.Equal(c.Now().Add(time.Minute)) {
			t.Fatalf("Expires = %v, want %v", got.Expires, c.Now().Add(time.Minute))
		}
	})

	t.Run("kinds are apart", func(t *testing.T) {
		s, c := fresh(t)
		exp := c.Now().Add(time.Minute)
		if err := s.Create(ctx, "k1", "a", rec("one", exp)); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, "k2", "a", rec("two", exp)); err != nil {
			t.Fatalf("same key in another kind: %v", err)
		}
		if got, _ := s.Get(ctx, "k2", "a"); string(got.Value) != "two" {
			t.Fatalf("kind k2 = %q", got.Value)
		}
		if _, err := s.Get(ctx, "k3", "a"); !errors.Is(err, openid4vc.ErrNotFound) {
			t.Fatalf("absent kind: %v", err)
		}
	})

	t.Run("create refuses a live record and leaves it", func(t *testing.T) {
		s, c := fresh(t)
		exp := c.Now().Add(time.Minute)
		if err := s.Create(ctx, "k", "a", rec("first", exp)); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, "k", "a", rec("second", exp)); !errors.Is(err, openid4vc.ErrExists) {
			t.Fatalf("second Create: %v, want ErrExists", err)
		}
		if got, _ := s.Get(ctx, "k", "a"); string(got.Value) != "first" {
			t.Fatalf("after refused Create: %q", got.Value)
		}
	})

	t.Run("an expired record is absent and may be created again", func(t *testing.T) {
		s, c := fresh(t)
		if err := s.Create(ctx, "k", "a", rec("old", c.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		c.Advance(59 * time.Second)
		if _, err := s.Get(ctx, "k", "a"); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		c.Advance(time.Second) // now == Expires: expired
		if _, err := s.Get(ctx, "k", "a"); !errors.Is(err, openid4vc.ErrNotFound) {
			t.Fatalf("at expiry Get: %v, want ErrNotFound", err)
		}
		err := s.Update(ctx, "k", "a", func(openid4vc.Record) (*openid4vc.Record, error) {
			t.Error("fn called for an expired record")
			return nil, nil
		})
		if !errors.Is(err, openid4vc.ErrNotFound) {
			t.Fatalf("at expiry Update: %v, want ErrNotFound", err)
		}
		if err := s.Create(ctx, "k", "a", rec("new", c.Now().Add(time.Minute))); err != nil {
			t.Fatalf("Create over an expired record: %v", err)
		}
		if got, _ := s.Get(ctx, "k", "a"); string(got.Value) != "new" {
			t.Fatalf("after re-create: %q", got.Value)
		}
	})

	t.Run("update replaces, keeps or deletes", func(t *testing.T) {
		s, c := fresh(t)
		exp := c.Now().Add(time.Minute)
		if err := s.Create(ctx, "k", "a", rec("v1", exp)); err != nil {
			t.Fatal(err)
		}
		later := c.Now().Add(time.Hour)
		err := s.Update(ctx, "k", "a", func(r openid4vc.Record) (*openid4vc.Record, error) {
			if string(r.Value) != "v1" || !r.Expires.Equal(exp) {
				return nil, fmt.Errorf("fn saw %q %v", r.Value, r.Expires)
			}
			return &openid4vc.Record{Value: []byte("v2"), Expires: later}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, "k", "a")
		if string(got.Value) != "v2" || !got.Expires.Equal(later) {
			t.Fatalf("after Update: %q %v", got.Value, got.Expires)
		}
		c.Advance(2 * time.Minute) // past the old expiry, before the new one
		if _, err := s.Get(ctx, "k", "a"); err != nil {
			t.Fatalf("the new expiry is not kept: %v", err)
		}
		boom := errors.New("refused")
		if err := s.Update(ctx, "k", "a", func(openid4vc.Record) (*openid4vc.Record, error) {
			return &openid4vc.Record{Value: []byte("lost"), Expires: later}, boom
		}); err != boom {
			t.Fatalf("fn's error: %v, want it returned as it is", err)
		}
		if got, _ := s.Get(ctx, "k", "a"); string(got.Value) != "v2" {
			t.Fatalf("an Update whose fn failed changed the record: %q", got.Value)
		}
		if err := s.Update(ctx, "k", "a", func(openid4vc.Record) (*openid4vc.Record, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "k", "a"); !errors.Is(err, openid4vc.ErrNotFound) {
			t.Fatalf("after deleting Update: %v", err)
		}
	})

	t.Run("delete is idempotent", func(t *testing.T) {
		s, c := fresh(t)
		if err := s.Create(ctx, "k", "a", rec("v", c.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := s.Delete(ctx, "k", "a"); err != nil {
				t.Fatalf("Delete %d: %v", i, err)
			}
		}
		if _, err := s.Get(ctx, "k", "a"); !errors.Is(err, openid4vc.ErrNotFound) {
			t.Fatalf("after Delete: %v", err)
		}
	})

	t.Run("values are copies", func(t *testing.T) {
		s, c := fresh(t)
		v := []byte("original")
		if err := s.Create(ctx, "k", "a", openid4vc.Record{Value: v, Expires: c.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		v[0] = 'X'
		got, _ := s.Get(ctx, "k", "a")
		if string(got.Value) != "original" {
			t.Fatalf("the store kept the caller's slice: %q", got.Value)
		}
		got.Value[0] = 'Y'
		again, _ := s.Get(ctx, "k", "a")
		if string(again.Value) != "original" {
			t.Fatalf("Get handed out the store's own slice: %q", again.Value)
		}
	})

	t.Run("take is single use under concurrency", func(t *testing.T) {
		s, c := fresh(t)
		if err := s.Create(ctx, openid4vc.KindPreAuthCode, "code", rec("offer-1", c.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		const racers = 16
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < racers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := openid4vc.Take(ctx, s, openid4vc.KindPreAuthCode, "code")
				switch {
				case err == nil && string(r.Value) == "offer-1":
					won.Add(1)
				case errors.Is(err, openid4vc.ErrNotFound):
				default:
					t.Errorf("Take: %q, %v", r.Value, err)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d of %d racers took the single-use record, want exactly 1", won.Load(), racers)
		}
	})

	t.Run("once detects replay until expiry", func(t *testing.T) {
		s, c := fresh(t)
		exp := c.Now().Add(time.Minute)
		var first atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := openid4vc.Once(ctx, s, openid4vc.KindDPoPProof, "jti", exp)
				switch {
				case err == nil:
					first.Add(1)
				case !errors.Is(err, openid4vc.ErrExists):
					t.Errorf("Once: %v", err)
				}
			}()
		}
		wg.Wait()
		if first.Load() != 1 {
			t.Fatalf("%d first uses, want 1", first.Load())
		}
		c.Advance(time.Minute)
		if err := openid4vc.Once(ctx, s, openid4vc.KindDPoPProof, "jti", c.Now().Add(time.Minute)); err != nil {
			t.Fatalf("after expiry the value may be seen anew: %v", err)
		}
	})

	t.Run("concurrent updates are serialised (attempt counter)", func(t *testing.T) {
		s, c := fresh(t)
		if err := s.Create(ctx, openid4vc.KindOffer, "o", rec("0", c.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		const n, limit = 20, 5
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Update(ctx, openid4vc.KindOffer, "o", func(r openid4vc.Record) (*openid4vc.Record, error) {
					var tries int
					fmt.Sscan(string(r.Value), &tries)
					if tries >= limit {
						return nil, errLocked
					}
					return &openid4vc.Record{Value: []byte(fmt.Sprint(tries + 1)), Expires: r.Expires}, nil
				})
				switch {
				case err == nil:
					allowed.Add(1)
				case err != errLocked:
					t.Errorf("Update: %v", err)
				}
			}()
		}
		wg.Wait()
		if allowed.Load() != limit {
			t.Fatalf("%d attempts were counted, want exactly %d", allowed.Load(), limit)
		}
		got, _ := s.Get(ctx, openid4vc.KindOffer, "o")
		if !bytes.Equal(got.Value, []byte(fmt.Sprint(limit))) {
			t.Fatalf("counter = %q, want %d", got.Value, limit)
		}
	})

}

var errLocked = errors.New("locked")
