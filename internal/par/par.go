// Package par splits one computation between the calling goroutine and one
// helper goroutine, for latency: a large credential is verified sooner
// when a second processor takes part of the work, and not later when none
// is free.
//
// Two habits of the Go scheduler make the obvious fork-join (start a
// goroutine for half the work, do the other half, wait) slow. A new
// goroutine is queued to run next on the processor that made it, where
// the other processors steal it late: measured on the project's 2-core
// machine, the second half started 200 µs late at the median, so that
// sections of half a millisecond gained nothing, or lost. So here:
//
//   - the caller yields once after starting the helper: the helper runs at
//     once where the caller was, and the caller, now in the global queue,
//     is taken by the other processor (measured here: 2 µs at the median
//     while the machine was quick, 70 to 180 µs while it was slow, when
//     waking its second processor takes long), or resumes where it was
//     when the helper is done with its pieces;
//   - the work is cut in pieces that both take in turn from a shared
//     counter, so that a goroutine that runs late takes fewer, and the
//     caller never waits for a helper that has not started.
//
// With one processor (GOMAXPROCS 1) the caller does everything, without
// starting a goroutine.
package par

import (
	"runtime"
	"sync/atomic"
)

// Pieces calls fn(w, i) once for every i in [0, n), from the calling
// goroutine and from one helper goroutine, each taking the next i in turn
// (w is 0 or 1, a different one for each goroutine, to choose scratch
// space by); it returns when every call has returned. fn must be safe to
// call from both at once for different i. With n < 2 or one processor,
// the caller makes every call, in order, with w = 0.
func Pieces(n int, fn func(w, i int)) {
	if n < 2 || runtime.GOMAXPROCS(0) < 2 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	var next, left atomic.Int64
	left.Store(int64(n))
	done := make(chan struct{})
	work := func(w int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(w, i)
			if left.Add(-1) == 0 {
				close(done)
			}
		}
	}
	go work(1)
	runtime.Gosched()
	work(0)
	<-done
}
