package wallet

import (
	"sync/atomic"
	"time"
)

// timing accumulates the time the wallet spends in its store (bbolt,
// sealing and opening, decrypting holder keys), for the benchmarks that
// split a flow into network, crypto and storage. Nil (always, outside
// benchmarks) records nothing.
type timing struct{ store atomic.Int64 }

// storeSince records the store time since start.
func (t *timing) storeSince(start time.Time) {
	if t != nil {
		t.store.Add(int64(time.Since(start)))
	}
}
