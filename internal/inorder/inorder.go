// Package inorder puts the results of work done in parallel back in input
// order, with a bound on the items between the one that hands them out and
// the one that takes the results: a batch of a million rows holds a few
// thousand at a time, whatever the order the workers finish in.
//
// It is not a worker pool: the caller runs the goroutines, numbers the
// items from 0 in input order, calls Enter before handing one out and
// Leave with each result.
package inorder

import "context"

// Window reorders results within a bounded number of items. Enter may be
// called from one goroutine and Leave from another; Leave and Next from one
// goroutine only.
type Window[T any] struct {
	slots   chan struct{}
	pending map[int]T
	next    int
}

// New returns a Window of size items (at least 1).
func New[T any](size int) *Window[T] {
	return &Window[T]{slots: make(chan struct{}, max(size, 1)), pending: map[int]T{}}
}

// Enter waits until there is room for one more item, and returns false if
// ctx ends first.
func (w *Window[T]) Enter(ctx context.Context) bool {
	select {
	case w.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// Leave takes the result v of item ord and calls emit with every result
// that is now next in input order, freeing the room of each. An error of
// emit is returned at once; the results after it stay pending.
func (w *Window[T]) Leave(ord int, v T, emit func(T) error) error {
	w.pending[ord] = v
	for {
		p, ok := w.pending[w.next]
		if !ok {
			return nil
		}
		delete(w.pending, w.next)
		w.next++
		err := emit(p)
		<-w.slots // after emit: an item holds its room until it is handed on
		if err != nil {
			return err
		}
	}
}

// Next returns the number of results emitted: the number of the next one.
func (w *Window[T]) Next() int { return w.next }
