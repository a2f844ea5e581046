package keys

import (
	"sync"

	"go.etcd.io/bbolt"
)

// groupCommit commits the write transactions of concurrent Store.Batch
// calls together, without waiting for company (group commit): a call that
// finds no commit under way leads one at once, with every call queued by
// then; the calls that arrive while it commits wait, and the first of them
// then leads the next commit with all of them. Under load every commit (and
// its fsync) carries many writes; alone, a write commits as soon as it
// comes, which bbolt's DB.Batch does only after MaxBatchDelay.
//
// Durability is Update's: a call returns only once the transaction holding
// its writes is committed to disk, or with the error that stopped it.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupCall
	leading bool // a call is committing a group
}

// groupCall is one Batch call waiting for its commit.
type groupCall struct {
	fn func(*bbolt.Tx) error
	// Set by the leader before it wakes the call.
	err  error
	solo bool // fn failed within a group: run it alone for its own error
	lead bool // lead the next group
	wake chan struct{}
}

// batch runs fn in a write transaction shared with the other calls under
// way (see groupCommit). fn may run more than once: when one function of a
// group fails, the transaction is rolled back and the others run again
// without it, and it then runs alone, as bbolt's DB.Batch does.
func (b *boltBackend) batch(fn func(*bbolt.Tx) error) error {
	if b.damaged.Load() {
		return &DamagedError{Path: b.path}
	}
	g := &b.group
	c := &groupCall{fn: fn, wake: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.leading {
		g.mu.Unlock()
		<-c.wake
		if !c.lead {
			return c.result(b)
		}
		// Handed the lead: c is still queued, with the calls that came
		// during the last commit.
		g.mu.Lock()
	}
	g.leading = true
	calls := g.queue
	g.queue = nil
	g.mu.Unlock()

	b.commitGroup(calls, c)

	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		g.mu.Unlock()
		next.wake <- struct{}{}
	} else {
		g.leading = false
		g.mu.Unlock()
	}
	return c.result(b)
}

func (c *groupCall) result(b *boltBackend) error {
	if c.solo {
		return b.update(c.fn)
	}
	return c.err
}

// commitGroup runs calls in one transaction, under guard, and wakes each
// but self with its result. A function that fails leaves the group (to run
// alone) and the others run again in a new transaction.
func (b *boltBackend) commitGroup(calls []*groupCall, self *groupCall) {
	done := func(c *groupCall) {
		if c != self {
			c.wake <- struct{}{}
		}
	}
	for len(calls) > 0 {
		failed := -1
		err := b.guard(func() error {
			return b.db.Update(func(tx *bbolt.Tx) error {
				for i, c := range calls {
					if err := c.fn(tx); err != nil {
						failed = i
						return err
					}
				}
				return nil
			})
		})
		if failed >= 0 && !b.damaged.Load() {
			c := calls[failed]
			c.solo = true
			done(c)
			calls = append(calls[:failed:failed], calls[failed+1:]...)
			continue
		}
		for _, c := range calls {
			c.err = err
			done(c)
		}
		return
	}
}
