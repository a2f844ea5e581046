package issuer

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/diplomat-edu/diplomat/internal/extsort"
	"github.com/diplomat-edu/diplomat/templates"
)

// checked is what the validation pass found: counts, the first problems,
// and the repeated records, sorted on disk by position.
type checked struct {
	records int // read
	valid   int // to sign: neither invalid nor repeated
	// problems are the first field errors in input order; moreProblems
	// counts the others.
	problems     []templates.FieldError
	moreProblems int
	repeats      int
	dups         *extsort.Iter // ord, row, of: 3 × 8 bytes, by ord
	err          error         // of dups
	digest       digest
}

// repeat is a record that repeats the record of row of.
type repeat struct{ ord, row, of int }

// nextRepeat returns the next repeated record in input order; false at the
// end (or on an error, in c.err).
func (c *checked) nextRepeat() (repeat, bool) {
	if c.dups == nil || c.err != nil {
		return repeat{}, false
	}
	rec, ok := c.dups.Next()
	if !ok {
		c.err = c.dups.Err()
		return repeat{}, false
	}
	be := binary.BigEndian
	return repeat{ord: int(be.Uint64(rec)), row: int(be.Uint64(rec[8:])), of: int(be.Uint64(rec[16:]))}, true
}

func (c *checked) close() {
	if c.dups != nil {
		c.dups.Close()
	}
}

// duplicateError lists the first repeats (opts.MaxProblems) and how many
// more.
func (c *checked) duplicateError(opts BatchOptions) (*DuplicateError, error) {
	de := &DuplicateError{Source: opts.Source}
	for len(de.Rows) < opts.MaxProblems {
		r, ok := c.nextRepeat()
		if !ok {
			break
		}
		de.Rows = append(de.Rows, Duplicate{Row: r.row, Of: r.of})
	}
	if c.err != nil {
		return nil, c.err
	}
	de.More = c.repeats - len(de.Rows)
	return de, nil
}

// check is the validation pass: every record of src is validated on
// opts.Workers goroutines, and the idempotency key of every valid one is
// sorted on disk with its position, which finds the repeats in memory that
// does not grow with the input.
func (i *Issuer) check(ctx context.Context, t Template, src Source, np Profile, opts BatchOptions) (*checked, error) {
	r, err := src.Open()
	if err != nil {
		return nil, err
	}
	defer closeReader(r)
	const keySize = 32 + 8 + 8 // key, ord, row: sorted by key, then input order
	keys := extsort.New(opts.TempDir, keySize, 0)
	c := &checked{}
	type task struct {
		ord int
		rec templates.Record
	}
	tasks := make(chan task, opts.Workers*64)
	var (
		mu      sync.Mutex
		probs   = &problemHeap{max: opts.MaxProblems}
		invalid int
		addErr  error
		wg      sync.WaitGroup
	)
	for range opts.Workers {
		wg.Go(func() {
			var d digest
			rec := make([]byte, keySize)
			for tk := range tasks {
				if errs := t.Validate(tk.rec); len(errs) > 0 {
					d.add(tk.ord, nil)
					mu.Lock()
					invalid++
					probs.add(tk.ord, errs)
					mu.Unlock()
					continue
				}
				key := i.idempotencySum(t.Name(), np, tk.rec)
				d.add(tk.ord, key[:])
				copy(rec, key[:])
				binary.BigEndian.PutUint64(rec[32:], uint64(tk.ord))
				binary.BigEndian.PutUint64(rec[40:], uint64(rowOf(tk.rec, tk.ord)))
				if err := keys.Add(rec); err != nil {
					mu.Lock()
					addErr = err
					mu.Unlock()
				}
			}
			mu.Lock()
			c.digest.xor(&d)
			mu.Unlock()
		})
	}
	ord := 0
	var readErr error
	for {
		if readErr = ctx.Err(); readErr != nil {
			break
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		tasks <- task{ord, rec}
		ord++
		if opts.Checking != nil && ord%1024 == 0 {
			opts.Checking(ord)
		}
	}
	close(tasks)
	wg.Wait()
	if readErr != nil {
		return nil, readErr
	}
	if addErr != nil {
		return nil, fmt.Errorf("batch: finding repeated rows: %w", addErr)
	}
	if opts.Checking != nil {
		opts.Checking(ord)
	}
	c.records = ord
	c.problems, c.moreProblems = probs.list()

	sorted, err := keys.Sort()
	if err != nil {
		return nil, fmt.Errorf("batch: finding repeated rows: %w", err)
	}
	defer sorted.Close()
	dups := extsort.New(opts.TempDir, 24, 0)
	var prev [32]byte
	first, have := 0, false
	be := binary.BigEndian
	dup := make([]byte, 24)
	for rec, ok := sorted.Next(); ok; rec, ok = sorted.Next() {
		if have && bytes.Equal(prev[:], rec[:32]) {
			copy(dup, rec[32:48]) // ord, row
			be.PutUint64(dup[16:], uint64(first))
			if err := dups.Add(dup); err != nil {
				return nil, fmt.Errorf("batch: finding repeated rows: %w", err)
			}
			c.repeats++
			continue
		}
		copy(prev[:], rec[:32])
		first, have = int(be.Uint64(rec[40:])), true
	}
	if err := sorted.Err(); err != nil {
		return nil, fmt.Errorf("batch: finding repeated rows: %w", err)
	}
	if c.dups, err = dups.Sort(); err != nil {
		return nil, fmt.Errorf("batch: finding repeated rows: %w", err)
	}
	c.valid = c.records - invalid - c.repeats
	return c, nil
}

// problemHeap keeps the first max field errors in input order (a max-heap
// whose top is the last kept) and counts the others.
type problemHeap struct {
	max  int
	h    []keyedProblem
	more int
}

type keyedProblem struct {
	ord, k int
	fe     templates.FieldError
}

func (a keyedProblem) before(b keyedProblem) bool {
	return a.ord < b.ord || a.ord == b.ord && a.k < b.k
}

func (p *problemHeap) add(ord int, errs []templates.FieldError) {
	for k, fe := range errs {
		kp := keyedProblem{ord, k, fe}
		switch {
		case len(p.h) < p.max:
			heap.Push(p, kp)
			continue
		case kp.before(p.h[0]):
			p.h[0] = kp
			heap.Fix(p, 0)
		}
		p.more++
	}
}

// list returns the problems kept, in input order, and how many more.
func (p *problemHeap) list() ([]templates.FieldError, int) {
	kept := slices.Clone(p.h)
	slices.SortFunc(kept, func(a, b keyedProblem) int {
		if a.before(b) {
			return -1
		}
		if b.before(a) {
			return 1
		}
		return 0
	})
	out := make([]templates.FieldError, len(kept))
	for k, kp := range kept {
		out[k] = kp.fe
	}
	return out, p.more
}

func (p *problemHeap) Len() int           { return len(p.h) }
func (p *problemHeap) Less(i, j int) bool { return p.h[j].before(p.h[i]) }
func (p *problemHeap) Swap(i, j int)      { p.h[i], p.h[j] = p.h[j], p.h[i] }
func (p *problemHeap) Push(x any)         { p.h = append(p.h, x.(keyedProblem)) }
func (p *problemHeap) Pop() any {
	x := p.h[len(p.h)-1]
	p.h = p.h[:len(p.h)-1]
	return x
}

// DuplicateError reports rows of a batch that repeat an earlier row of the
// same input: the same template, profile and data are one credential, so a
// repeat is an input mistake (a row pasted twice, two students mixed up).
// A batch returns it before signing anything, unless
// BatchOptions.SkipInvalid (then the repeats are rejected and the first of
// each is issued). It wraps ErrInvalidInput.
type DuplicateError struct {
	// Source names the input, as BatchOptions.Source; may be empty.
	Source string
	// Rows are the first repeats (BatchOptions.MaxProblems), in input
	// order; More counts the others.
	Rows []Duplicate
	More int
}

// Duplicate is one repeated row: Row repeats the earlier row Of (rows
// counted as Rejected.Row counts them).
type Duplicate struct {
	Row, Of int
}

func (d Duplicate) message() string {
	return fmt.Sprintf("duplicates row %d (the same data is one credential): remove the repeated row", d.Of)
}

// Error lists the repeats, one per line:
// "graduates.csv row 6 duplicates row 3 (…)".
func (e *DuplicateError) Error() string {
	var b strings.Builder
	for k, d := range e.Rows {
		if k > 0 {
			b.WriteByte('\n')
		}
		if e.Source != "" {
			b.WriteString(e.Source + " ")
		}
		fmt.Fprintf(&b, "row %d %s", d.Row, d.message())
	}
	if e.More > 0 {
		if len(e.Rows) > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "… and %d more repeated row", e.More)
		if e.More != 1 {
			b.WriteByte('s')
		}
		if e.Source != "" {
			b.WriteString(" in " + e.Source)
		}
	}
	return b.String()
}

// Unwrap returns ErrInvalidInput.
func (e *DuplicateError) Unwrap() error { return ErrInvalidInput }
