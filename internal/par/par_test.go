package par

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestPiecesOnce: every piece is run once, by the caller or the helper,
// each with its own scratch index, and Pieces returns after the last
// (-race checks that the scratch spaces are not shared).
func TestPiecesOnce(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one processor: no helper")
	}
	for _, n := range []int{0, 1, 2, 7, 1000} {
		runs := make([]atomic.Int32, n)
		var scratch [2]int
		var finished atomic.Int32
		Pieces(n, func(w, i int) {
			if w != 0 && w != 1 {
				t.Errorf("worker %d", w)
				return
			}
			scratch[w]++
			if i%100 == 0 {
				time.Sleep(50 * time.Microsecond)
			}
			runs[i].Add(1)
			finished.Add(1)
		})
		if got := finished.Load(); got != int32(n) {
			t.Fatalf("n=%d: Pieces returned after %d pieces", n, got)
		}
		for i := range runs {
			if r := runs[i].Load(); r != 1 {
				t.Fatalf("n=%d: piece %d ran %d times", n, i, r)
			}
		}
		if scratch[0]+scratch[1] != n {
			t.Fatalf("n=%d: %d + %d pieces", n, scratch[0], scratch[1])
		}
	}
}

// TestHelperTakesPart: with two processors, the helper does some of a
// section of 2 ms, in at least one of five.
func TestHelperTakesPart(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one processor: no helper")
	}
	for range 5 {
		var byHelper atomic.Int32
		Pieces(200, func(w, i int) {
			if w == 1 {
				byHelper.Add(1)
			}
			for start := time.Now(); time.Since(start) < 10*time.Microsecond; {
			}
		})
		if byHelper.Load() > 0 {
			return
		}
	}
	t.Error("the helper took no piece of five sections of 2 ms")
}

// TestOneProcessor: with GOMAXPROCS 1 the caller runs every piece, in
// order.
func TestOneProcessor(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var order []int
	Pieces(5, func(w, i int) {
		if w != 0 {
			t.Errorf("worker %d", w)
		}
		order = append(order, i)
	})
	if len(order) != 5 || order[0] != 0 || order[4] != 4 {
		t.Fatalf("order %v", order)
	}
}
