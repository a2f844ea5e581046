// Package memstore is an openid4vc.Records in memory: for tests, examples and
// a single process that may forget every pending offer, code and request
// when it stops. A service with several nodes, or one that must survive a
// restart, uses a store that persists (bbolt, PostgreSQL).
package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// Store is an openid4vc.Records in memory. The zero value is not usable; call
// New. It is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu      sync.Mutex
	records map[key]openid4vc.Record
	sweep   time.Time // next sweep of expired records
}

type key struct{ kind, key string }

var _ openid4vc.Records = (*Store)(nil)

// New returns an empty store reading time from now (nil: time.Now).
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, records: map[key]openid4vc.Record{}}
}

// Len returns the number of records held, live or expired but not yet
// swept.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// live returns the live record at k; s.mu is held.
func (s *Store) live(k key, now time.Time) (openid4vc.Record, bool) {
	r, ok := s.records[k]
	if !ok {
		return r, false
	}
	if !now.Before(r.Expires) {
		delete(s.records, k)
		return r, false
	}
	return r, true
}

// maybeSweep drops expired records at most once a minute; s.mu is held.
func (s *Store) maybeSweep(now time.Time) {
	if now.Before(s.sweep) {
		return
	}
	for k, r := range s.records {
		if !now.Before(r.Expires) {
			delete(s.records, k)
		}
	}
	s.sweep = now.Add(time.Minute)
}

func clone(r openid4vc.Record) openid4vc.Record {
	return openid4vc.Record{Value: append([]byte(nil), r.Value...), Expires: r.Expires}
}

// Create implements openid4vc.Records.
func (s *Store) Create(ctx context.Context, kind, k string, rec openid4vc.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.maybeSweep(now)
	if _, ok := s.live(key{kind, k}, now); ok {
		return fmt.Errorf("memstore: %s record: %w", kind, openid4vc.ErrExists)
	}
	s.records[key{kind, k}] = clone(rec)
	return nil
}

// Get implements openid4vc.Records.
func (s *Store) Get(ctx context.Context, kind, k string) (openid4vc.Record, error) {
	if err := ctx.Err(); err != nil {
		return openid4vc.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key{kind, k}, s.now())
	if !ok {
		return openid4vc.Record{}, fmt.Errorf("memstore: %s record: %w", kind, openid4vc.ErrNotFound)
	}
	return clone(r), nil
}

// Update implements openid4vc.Records.
func (s *Store) Update(ctx context.Context, kind, k string, fn func(openid4vc.Record) (*openid4vc.Record, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key{kind, k}, s.now())
	if !ok {
		return fmt.Errorf("memstore: %s record: %w", kind, openid4vc.ErrNotFound)
	}
	next, err := fn(clone(r))
	if err != nil {
		return err
	}
	if next == nil {
		delete(s.records, key{kind, k})
		return nil
	}
	s.records[key{kind, k}] = clone(*next)
	return nil
}

// Delete implements openid4vc.Records.
func (s *Store) Delete(ctx context.Context, kind, k string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, key{kind, k})
	return nil
}
