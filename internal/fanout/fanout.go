// Package fanout runs a numbered piece of work from several goroutines: the
// load of the service's benchmarks and of the tests of several nodes.
package fanout

import (
	"sync"
	"sync/atomic"
)

// Run calls fn(0) … fn(n-1) from workers goroutines, each taking the next
// number in turn, and returns the first error fn returned (the workers stop
// taking numbers then), or nil.
func Run(n, workers int, fn func(i int) error) error {
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		failed atomic.Pointer[error]
	)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				if err := fn(i); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	return nil
}
