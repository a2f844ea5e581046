package verifier

import (
	"sync"
	"time"
)

// cache keeps values until they expire, at most max of them; when full, the
// entry closest to expiry goes. It is safe for concurrent use.
type cache[T any] struct {
	mu  sync.Mutex
	max int
	m   map[string]cacheEntry[T]
	now func() time.Time
}

type cacheEntry[T any] struct {
	val T
	exp time.Time
}

func newCache[T any](max int) *cache[T] {
	return &cache[T]{max: max, m: map[string]cacheEntry[T]{}, now: time.Now}
}

func (c *cache[T]) get(key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !c.now().Before(e.exp) {
		delete(c.m, key)
		var zero T
		return zero, false
	}
	return e.val, true
}

func (c *cache[T]) put(key string, val T, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		var victim string
		var first time.Time
		for k, e := range c.m {
			if !now.Before(e.exp) {
				victim = k
				break
			}
			if victim == "" || e.exp.Before(first) {
				victim, first = k, e.exp
			}
		}
		delete(c.m, victim)
	}
	c.m[key] = cacheEntry[T]{val: val, exp: now.Add(ttl)}
}
