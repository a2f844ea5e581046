// Package extsort sorts fixed-size records by their bytes in bounded
// memory: records are gathered in runs, each run sorted in memory and
// written to a temporary file, and the runs merged as they are read back.
// Memory is one run plus a read buffer per run, whatever the number of
// records; the disk holds every record once.
//
// Batch issuance sorts the keyed hashes of its input rows with it, to find
// repeated rows in a file of any size. It is not a general sorting library:
// records have one size and sort by bytes.Compare.
package extsort

import (
	"bufio"
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
)

// Sorter gathers records and returns them sorted. Add is safe for
// concurrent use; Sort is called once, after the last Add.
type Sorter struct {
	dir  string
	size int
	per  int // records per run

	mu   sync.Mutex
	buf  []byte
	runs []*os.File
	n    int64
	err  error
}

// New returns a Sorter of records of size bytes, keeping up to perRun
// records in memory (zero means as many as fit in 8 MiB) and writing runs to
// temporary files in dir ("" means os.TempDir()). The files are unlinked as
// soon as they are created where the system allows it, so nothing is left
// behind even by a killed process.
func New(dir string, size, perRun int) *Sorter {
	if perRun <= 0 {
		perRun = max(1024, (8<<20)/size)
	}
	return &Sorter{dir: dir, size: size, per: perRun}
}

// Len returns the number of records added.
func (s *Sorter) Len() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Add copies rec, which must be of the Sorter's size.
func (s *Sorter) Add(rec []byte) error {
	if len(rec) != s.size {
		return fmt.Errorf("extsort: record of %d bytes, want %d", len(rec), s.size)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.buf == nil {
		s.buf = make([]byte, 0, s.per*s.size)
	}
	s.buf = append(s.buf, rec...)
	s.n++
	if len(s.buf) >= s.per*s.size {
		s.err = s.flush()
	}
	return s.err
}

// flush sorts the records in memory and writes them as a run.
func (s *Sorter) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	sort.Sort(&records{b: s.buf, size: s.size, tmp: make([]byte, s.size)})
	f, err := os.CreateTemp(s.dir, "diplomat-sort-*.tmp")
	if err != nil {
		return err
	}
	_ = os.Remove(f.Name()) // unlinked: the file lives until closed
	if _, err := f.Write(s.buf); err != nil {
		f.Close()
		return err
	}
	s.runs = append(s.runs, f)
	s.buf = s.buf[:0]
	if len(s.runs) >= maxRuns {
		return s.compact()
	}
	return nil
}

// maxRuns bounds the runs (and so the open files and read buffers): when
// there are as many, they are merged into one.
const maxRuns = 64

// compact merges every run into one.
func (s *Sorter) compact() error {
	it, err := s.merge(32 << 10)
	if err != nil {
		return err
	}
	defer it.Close()
	f, err := os.CreateTemp(s.dir, "diplomat-sort-*.tmp")
	if err != nil {
		return err
	}
	_ = os.Remove(f.Name())
	w := bufio.NewWriterSize(f, 256<<10)
	for rec, ok := it.Next(); ok; rec, ok = it.Next() {
		if _, err := w.Write(rec); err != nil {
			f.Close()
			return err
		}
	}
	if err := it.Err(); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	s.runs = []*os.File{f}
	return nil
}

// Sort returns the records in order. Close the Iter to release the runs.
func (s *Sorter) Sort() (*Iter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		s.closeRuns()
		return nil, s.err
	}
	it := &Iter{size: s.size}
	if len(s.runs) == 0 {
		// Everything fits in memory: no file.
		sort.Sort(&records{b: s.buf, size: s.size, tmp: make([]byte, s.size)})
		it.mem, s.buf = s.buf, nil
		return it, nil
	}
	if err := s.flush(); err != nil {
		s.closeRuns()
		return nil, err
	}
	s.buf = nil
	return s.merge(64 << 10)
}

// merge returns an Iter over the runs, which it takes over.
func (s *Sorter) merge(bufSize int) (*Iter, error) {
	it := &Iter{size: s.size}
	for _, f := range s.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			s.closeRuns()
			return nil, err
		}
		r := &run{f: f, r: bufio.NewReaderSize(f, bufSize), rec: make([]byte, s.size)}
		ok, err := r.next()
		if err != nil {
			s.closeRuns()
			return nil, err
		}
		if ok {
			it.h = append(it.h, r)
		}
		it.files = append(it.files, f)
	}
	s.runs = nil
	heap.Init(&it.h)
	return it, nil
}

func (s *Sorter) closeRuns() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs = nil
}

// Iter reads sorted records.
type Iter struct {
	size  int
	mem   []byte // when no run was written
	h     runHeap
	files []*os.File
	cur   []byte
	err   error
}

// Next returns the next record, valid until the following call, or false
// at the end or on an error (Err).
func (it *Iter) Next() ([]byte, bool) {
	if it.err != nil {
		return nil, false
	}
	if it.files == nil {
		if len(it.mem) == 0 {
			return nil, false
		}
		it.cur, it.mem = it.mem[:it.size], it.mem[it.size:]
		return it.cur, true
	}
	if len(it.h) == 0 {
		return nil, false
	}
	r := it.h[0]
	if it.cur == nil {
		it.cur = make([]byte, it.size)
	}
	copy(it.cur, r.rec)
	ok, err := r.next()
	switch {
	case err != nil:
		it.err = err
		return nil, false
	case ok:
		heap.Fix(&it.h, 0)
	default:
		heap.Pop(&it.h)
	}
	return it.cur, true
}

// Err returns the error that ended Next early, if any.
func (it *Iter) Err() error { return it.err }

// Close releases the runs' files.
func (it *Iter) Close() error {
	var errs []error
	for _, f := range it.files {
		errs = append(errs, f.Close())
	}
	it.files, it.h, it.mem = nil, nil, nil
	return errors.Join(errs...)
}

// records sorts a buffer of fixed-size records in place.
type records struct {
	b    []byte
	size int
	tmp  []byte
}

func (r *records) Len() int { return len(r.b) / r.size }
func (r *records) Less(i, j int) bool {
	return bytes.Compare(r.b[i*r.size:(i+1)*r.size], r.b[j*r.size:(j+1)*r.size]) < 0
}
func (r *records) Swap(i, j int) {
	a, b := r.b[i*r.size:(i+1)*r.size], r.b[j*r.size:(j+1)*r.size]
	copy(r.tmp, a)
	copy(a, b)
	copy(b, r.tmp)
}

// run is one sorted run being merged.
type run struct {
	f   *os.File
	r   *bufio.Reader
	rec []byte
}

func (r *run) next() (bool, error) {
	_, err := io.ReadFull(r.r, r.rec)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("extsort: reading a run: %w", err)
	}
	return true, nil
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return bytes.Compare(h[i].rec, h[j].rec) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
