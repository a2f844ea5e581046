package rdfc

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// clique returns the quads of n blank nodes, each related to every other.
func clique(n int) []Quad {
	var qs []Quad
	for i := range n {
		for j := range n {
			if i != j {
				qs = append(qs, Quad{NewBlank(fmt.Sprint("n", i)), NewIRI("urn:ex:knows"), NewBlank(fmt.Sprint("n", j))})
			}
		}
	}
	return qs
}

// TestCliqueRefusedFast: a large clique (about 1.8 MB of N-Quads) hits the
// work bound well within a second, small or large.
func TestCliqueRefusedFast(t *testing.T) {
	for _, n := range []int{4, 10, 40, 200} {
		t.Run(fmt.Sprint(n, "-nodes"), func(t *testing.T) {
			qs := clique(n)
			start := time.Now()
			_, err := Canonicalize(context.Background(), qs, Options{})
			d := time.Since(start)
			if n == 4 {
				// 6 permutations per node: within the bound.
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrTooComplex) {
				t.Fatalf("got %v, want ErrTooComplex", err)
			}
			if d > 5*time.Second {
				t.Errorf("refused after %v", d)
			}
			t.Logf("%d quads (%d KB of N-Quads) refused in %v", len(qs), len(Serialize(qs))>>10, d)
		})
	}
}

// TestTimeoutBoundsWork: with a huge work budget, the deadline still ends
// the work.
func TestTimeoutBoundsWork(t *testing.T) {
	start := time.Now()
	_, err := Canonicalize(context.Background(), clique(12), Options{WorkPerQuad: 1 << 30, Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrTooComplex) || time.Since(start) > 3*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Canonicalize(ctx, clique(12), Options{WorkPerQuad: 1 << 30}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
}

// TestSimilarTreesAccepted: 400 blank-node subtrees of identical shape
// (only a leaf value tells them apart) canonicalise within the bound.
func TestSimilarTreesAccepted(t *testing.T) {
	var qs []Quad
	subject := NewIRI("did:example:student")
	for i := range 400 {
		a, spec, lo := NewBlank(fmt.Sprint("a", i)), NewBlank(fmt.Sprint("s", i)), NewBlank(fmt.Sprint("l", i))
		qs = append(qs,
			Quad{subject, NewIRI("urn:ex:achieved"), a},
			Quad{a, NewIRI("urn:ex:type"), NewIRI("urn:ex:LearningAchievement")},
			Quad{a, NewIRI("urn:ex:specifiedBy"), spec},
			Quad{spec, NewIRI("urn:ex:type"), NewIRI("urn:ex:Specification")},
			Quad{spec, NewIRI("urn:ex:outcome"), lo},
			Quad{lo, NewIRI("urn:ex:title"), NewLiteral(fmt.Sprint("unit ", i), "", "en")},
		)
	}
	res, err := Canonicalize(context.Background(), qs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Labels) != 1200 {
		t.Errorf("%d labels", len(res.Labels))
	}
}
