package verifier

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// NonceStore remembers the challenges (nonces) of presentations already
// accepted, so that a presentation cannot be replayed.
type NonceStore interface {
	// Use records nonce as used. It returns an error wrapping ErrReplay if
	// the nonce was used before (and is still remembered); any other error
	// is a failure of the store itself.
	Use(nonce string) error
}

// ErrReplay is wrapped by NonceStore.Use for a nonce already used.
var ErrReplay = errors.New("nonce already used")

// MemoryNonces is a NonceStore in memory: a nonce is remembered for TTL
// after its first use. It is safe for concurrent use.
type MemoryNonces struct {
	ttl  time.Duration
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]time.Time
	next time.Time // when to sweep expired nonces next
}

var _ NonceStore = (*MemoryNonces)(nil)

// NewMemoryNonces returns a store that remembers each nonce for ttl; zero
// means 10 minutes, longer than any key-binding or presentation lifetime
// the default policy accepts.
func NewMemoryNonces(ttl time.Duration) *MemoryNonces {
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	return &MemoryNonces{ttl: ttl, now: time.Now, seen: map[string]time.Time{}}
}

// Use records nonce; a second use within TTL wraps ErrReplay. An empty
// nonce is refused: it cannot tell two presentations apart.
func (s *MemoryNonces) Use(nonce string) error {
	if nonce == "" {
		return fmt.Errorf("empty nonce: %w", ErrReplay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.After(s.next) {
		for n, exp := range s.seen {
			if !now.Before(exp) {
				delete(s.seen, n)
			}
		}
		s.next = now.Add(s.ttl)
	}
	if exp, ok := s.seen[nonce]; ok && now.Before(exp) {
		return fmt.Errorf("nonce %q was used at %s: %w", nonce, exp.Add(-s.ttl).UTC().Format(time.RFC3339), ErrReplay)
	}
	s.seen[nonce] = now.Add(s.ttl)
	return nil
}
