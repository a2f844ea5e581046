package verifier

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/diplomat-edu/diplomat/internal/inorder"
)

// Item is one input of VerifyAll: the bytes of a credential or presentation
// and the name results give it (a file name, "batch.jsonl line 7").
type Item struct {
	Name string
	Data []byte
}

// Items yields the inputs of VerifyAll one at a time, in order.
type Items interface {
	// Next returns the next item, or io.EOF after the last. Any other
	// error stops the batch (a folder or file that cannot be read, a line
	// over MaxInputBytes).
	Next() (Item, error)
}

// BatchOptions configure VerifyAll. The zero value of each field has the
// meaning its comment gives.
type BatchOptions struct {
	// Workers is the number of credentials verified at once. Zero means
	// runtime.GOMAXPROCS(0): every core.
	Workers int
	// Skip, when set, is asked about each item before it is verified: a
	// non-empty answer (why) skips it, and the result says why (a folder's
	// manifest.json is not a credential). Nil: every item is verified.
	Skip func(data []byte) string
	// Progress, when set, is called after each outcome, from one goroutine,
	// with the number of items done.
	Progress func(done int)
}

// Outcome is what became of one item: its report, or why it was skipped.
type Outcome struct {
	Name    string
	Report  *Report
	Skipped string
}

// Tally counts the outcomes of a batch.
type Tally struct {
	// Reports counts the items verified, Skipped those skipped.
	Reports, Skipped int
	// Verdicts counts the reports by verdict.
	Verdicts map[Verdict]int
	// Failed counts, for each check id ("proof", "status"…), the reports
	// in which that check failed.
	Failed map[string]int
}

// AllVerified reports whether there was at least one report and every one
// was verified.
func (t *Tally) AllVerified() bool {
	return t.Reports > 0 && t.Verdicts[Verified] == t.Reports
}

// VerifyAll verifies every item of items on opts.Workers goroutines,
// expecting req of the presentations, and calls each with every outcome in
// input order, from the calling goroutine. Memory is bounded by the number
// of workers, not the number of items: an outcome is handed to each and
// forgotten. The Verifier's caches make each status list and did:web
// document fetched once for the batch (for as long as it stays cached;
// concurrent requests for one document wait for a single fetch).
//
// The error is the first error of items, of each (which stops the batch),
// or of Verify (a failure of the verifier itself, such as a cancelled
// context); the tally then counts what was done.
func (v *Verifier) VerifyAll(ctx context.Context, items Items, req Request, opts BatchOptions, each func(Outcome) error) (*Tally, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type job struct {
		ord  int
		item Item
		res  Outcome
	}
	window := inorder.New[*job](8 * workers)
	todo := make(chan *job, workers)
	done := make(chan *job, workers)
	go func() {
		defer close(todo)
		for ord := 0; ; ord++ {
			it, err := items.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				cancel(err)
				return
			}
			if !window.Enter(ctx) {
				return
			}
			select {
			case todo <- &job{ord: ord, item: it}:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range todo {
				j.res.Name = j.item.Name
				if opts.Skip != nil {
					j.res.Skipped = opts.Skip(j.item.Data)
				}
				if j.res.Skipped == "" {
					rep, err := v.Verify(ctx, j.item.Data, req)
					if err != nil {
						cancel(fmt.Errorf("%s: %w", j.item.Name, err))
						return
					}
					j.res.Report = rep
				}
				j.item.Data = nil
				select {
				case done <- j:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	t := &Tally{Verdicts: map[Verdict]int{}, Failed: map[string]int{}}
	emit := func(p *job) error {
		if p.res.Report == nil {
			t.Skipped++
		} else {
			t.Reports++
			t.Verdicts[p.res.Report.Verdict]++
			seen := map[string]bool{}
			for _, c := range p.res.Report.Failed() {
				if !seen[c.ID] {
					seen[c.ID] = true
					t.Failed[c.ID]++
				}
			}
		}
		if err := each(p.res); err != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress(window.Next())
		}
		return nil
	}
	for j := range done {
		if ctx.Err() != nil {
			continue // drain
		}
		if err := window.Leave(j.ord, j, emit); err != nil {
			cancel(err)
		}
	}
	return t, context.Cause(ctx)
}

// dirSortMax is the largest folder OpenDir lists in name order; a larger
// one is read in the order the file system lists it, so that a folder of a
// million credentials is not listed in memory.
const dirSortMax = 100_000

// OpenDir returns the regular files of dir whose names do not begin with
// a dot, each read up to MaxInputBytes (and one byte more, so that a larger
// one is reported, not read whole). A folder of up to 100,000 entries
// comes in name order; a larger one in the order the file system lists it.
// Close the returned Items to release the folder.
func OpenDir(dir string) (*DirItems, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	d := &DirItems{path: dir, f: f}
	first, err := f.ReadDir(dirSortMax + 1)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, err
	}
	if len(first) <= dirSortMax {
		slices.SortFunc(first, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		d.end = true
	}
	d.buf = first
	return d, nil
}

// DirItems are the files of a folder (OpenDir).
type DirItems struct {
	path string
	f    *os.File
	buf  []os.DirEntry
	end  bool // the folder is listed whole
}

// Next returns the next file.
func (d *DirItems) Next() (Item, error) {
	for {
		if len(d.buf) == 0 {
			if d.end {
				return Item{}, io.EOF
			}
			ents, err := d.f.ReadDir(4096)
			if len(ents) == 0 || errors.Is(err, io.EOF) {
				d.end = true
			} else if err != nil {
				return Item{}, err
			}
			d.buf = ents
			continue
		}
		e := d.buf[0]
		d.buf = d.buf[1:]
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := readLimited(filepath.Join(d.path, e.Name()))
		if err != nil {
			return Item{}, err
		}
		return Item{Name: e.Name(), Data: data}, nil
	}
}

// Close releases the folder.
func (d *DirItems) Close() error { return d.f.Close() }

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxInputBytes+1))
}

// JSONLines returns the credentials of a JSON Lines stream, one a line,
// named "name line N". A line is a JSON object with a "credential" member
// (as diplomat issue --jsonl writes them: a string for the compact forms,
// the object itself for JSON ones), a JSON string (a compact credential),
// or a JSON object that is itself the credential. Blank lines are skipped.
// A line that is none of these is handed over as it is, and reported
// invalid. A line over MaxInputBytes stops the batch with an error naming
// it.
func JSONLines(r io.Reader, name string) Items {
	return &jsonlItems{r: bufio.NewReaderSize(r, 64<<10), name: name}
}

type jsonlItems struct {
	r    *bufio.Reader
	name string
	line int
	buf  []byte
}

func (j *jsonlItems) Next() (Item, error) {
	for {
		j.buf = j.buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = j.r.ReadSlice('\n')
			j.buf = append(j.buf, chunk...)
			if len(j.buf) > MaxInputBytes+1 {
				return Item{}, fmt.Errorf("%s line %d: over the limit of %d bytes for one credential", j.name, j.line+1, MaxInputBytes)
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if len(j.buf) == 0 && errors.Is(err, io.EOF) {
			return Item{}, io.EOF
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return Item{}, err
		}
		j.line++
		line := bytes.TrimSpace(j.buf)
		if len(line) == 0 {
			if errors.Is(err, io.EOF) {
				return Item{}, io.EOF
			}
			continue
		}
		return Item{Name: fmt.Sprintf("%s line %d", j.name, j.line), Data: lineCredential(line)}, nil
	}
}

// lineCredential takes the credential out of one JSON Lines line.
func lineCredential(line []byte) []byte {
	// The lines issue --jsonl writes end with the credential, and a
	// compact one needs no unescaping: take it without decoding the line.
	const member = `,"credential":"`
	if k := bytes.LastIndex(line, []byte(member)); k > 0 && k+len(member) <= len(line)-2 && bytes.HasSuffix(line, []byte(`"}`)) {
		if c := line[k+len(member) : len(line)-2]; bytes.IndexAny(c, "\"\\") < 0 {
			return bytes.Clone(c)
		}
	}
	switch line[0] {
	case '"':
		var s string
		if json.Unmarshal(line, &s) == nil {
			return []byte(s)
		}
	case '{':
		var m struct {
			Credential json.RawMessage `json:"credential"`
		}
		if json.Unmarshal(line, &m) == nil && len(m.Credential) > 0 {
			var s string
			if json.Unmarshal(m.Credential, &s) == nil {
				return []byte(s)
			}
			return bytes.Clone(m.Credential)
		}
	}
	return bytes.Clone(line)
}

var (
	_ Items = (*DirItems)(nil)
	_ Items = (*jsonlItems)(nil)
)
