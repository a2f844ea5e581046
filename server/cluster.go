package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// A store shared by several nodes (a database backend of keys.Store) offers
// the server optional abilities, found by type assertion on the store's
// backend: its own Records and BatchStore (StorageProvider), a count of the
// changes other nodes make (Generations), a check that it answers (Pinger)
// and metrics of its own (MetricsProvider).

// StorageProvider is the optional ability of a keys.Backend to keep the
// server's short-lived records and batches itself, shared by every node. A
// store file keeps them in its buckets (BoltStorage).
type StorageProvider interface {
	// ServerRecords returns the Records, whose expiry reads the clock now.
	ServerRecords(now func() time.Time) openid4vc.Records
	// ServerBatches returns the BatchStore.
	ServerBatches() BatchStore
}

// Generations is the optional ability of a shared store to count the
// changes that what a node caches depends on: status changes, lists opened,
// keys, the trust registry, the issuer configuration. A node that sees the count
// change since it last looked forgets what it cached (the signed status
// lists, the verifier's caches, the DID document), so that a revocation
// made on another node is served by this one within Config.Status.Sync.
type Generations interface {
	// Generation returns the count now; it only grows.
	Generation(ctx context.Context) (int64, error)
}

// Pinger is the optional ability of a store to say whether it answers
// (/readyz).
type Pinger interface {
	// Ping returns nil when the store answers within ctx.
	Ping(ctx context.Context) error
}

// MetricsProvider is the optional ability of a store to give metrics of its
// own (a database's connection pool), served at /metrics.
type MetricsProvider interface {
	Collectors() []prometheus.Collector
}

// syncer forgets the node's caches when the shared store's generation
// changes; it looks at most once per interval.
type syncer struct {
	gen      Generations
	interval time.Duration
	mu       sync.Mutex
	seen     int64
	known    bool
	checked  time.Time
}

// sync checks the store's generation when the interval has passed since
// the last check, and when it changed, forgets what the node cached.
// Called before the public routes (verification, hosting), whose answers
// depend on the status lists, keys and trust registry.
func (s *Server) sync(ctx context.Context) {
	y := s.syncer
	if y == nil {
		return
	}
	now := time.Now()
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.known && now.Sub(y.checked) < y.interval {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	g, err := y.gen.Generation(ctx)
	if err != nil {
		s.log.Warn("reading the store's generation", slog.String("error", err.Error()))
		return
	}
	y.checked = now
	if y.known && g == y.seen {
		return
	}
	if y.known {
		s.metrics.syncs.Inc()
		s.lists.changed()
		s.lists.opened()
		s.didDoc.Store(nil)
		if err := s.resetVerifier(); err != nil {
			s.log.Error("rebuilding the verifier", slog.String("error", err.Error()))
		}
		s.reloadEncKeys()
	}
	y.seen, y.known = g, true
}
