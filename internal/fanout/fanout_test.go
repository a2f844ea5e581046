package fanout

import (
	"errors"
	"sync"
	"testing"
)

func TestEveryNumberOnceAndTheFirstErrorBack(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	if err := Run(1000, 7, func(i int) error { mu.Lock(); seen[i]++; mu.Unlock(); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if seen[i] != 1 {
			t.Fatalf("%d ran %d times", i, seen[i])
		}
	}
	boom := errors.New("boom")
	calls := 0
	err := Run(1000, 1, func(i int) error {
		calls++
		if i == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 11 {
		t.Fatalf("Run = %v after %d calls, want boom after 11", err, calls)
	}
}
