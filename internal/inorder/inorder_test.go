package inorder

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestResultsComeInInputOrderWithinTheBound: items done by eight workers
// in any order are emitted in input order, and never more than the
// window's size are between Enter and emit.
func TestResultsComeInInputOrderWithinTheBound(t *testing.T) {
	const n, size = 5000, 16
	w := New[int](size)
	var inFlight, most atomic.Int64
	todo, done := make(chan int), make(chan int)
	go func() {
		defer close(todo)
		for k := range n {
			if !w.Enter(context.Background()) {
				return
			}
			if f := inFlight.Add(1); f > most.Load() {
				most.Store(f)
			}
			todo <- k
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for k := range todo {
				if rand.IntN(3) == 0 {
					for range rand.IntN(1000) {
						_ = rand.Int()
					}
				}
				done <- k
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	var got []int
	for k := range done {
		if err := w.Leave(k, k, func(v int) error {
			inFlight.Add(-1)
			got = append(got, v)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != n || w.Next() != n {
		t.Fatalf("%d results emitted, Next %d", len(got), w.Next())
	}
	for k, v := range got {
		if v != k {
			t.Fatalf("result %d is item %d", k, v)
		}
	}
	if most.Load() > size {
		t.Errorf("%d items in flight, the window holds %d", most.Load(), size)
	}
}

func TestEnterStopsWithItsContextAndLeaveWithEmitsError(t *testing.T) {
	w := New[int](1)
	ctx, cancel := context.WithCancel(context.Background())
	if !w.Enter(ctx) {
		t.Fatal("no room in an empty window")
	}
	cancel()
	if w.Enter(ctx) {
		t.Error("Enter of a full window returned true after its context ended")
	}
	boom := errors.New("boom")
	if err := w.Leave(0, 7, func(int) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Leave: %v", err)
	}
}
