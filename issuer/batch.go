package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/internal/inorder"
	"github.com/diplomat-edu/diplomat/templates"
)

// BatchOptions configure Batch and BatchFrom. The zero value of each field
// has the meaning its comment gives; one of Out and Output is required.
type BatchOptions struct {
	// Out is the folder the credentials, manifest.json and rejects.json are
	// written to, one file per credential; created (0700) if missing. It is
	// short for Output: &Dir{Path: Out}.
	Out string
	// Output is where the credentials go when Out is empty: a Dir, a JSONL
	// stream, Memory, or an Output of the caller's.
	Output Output
	// Workers is the number of goroutines validating, rendering and
	// signing. Zero means runtime.GOMAXPROCS(0): every core.
	Workers int
	// SkipInvalid issues the valid rows when some are invalid or repeated,
	// and writes the rejected ones with their reasons to rejects.json (or
	// BatchResult.Manifest.Rejected). False (the zero value) issues nothing
	// when any row is invalid or repeated.
	SkipInvalid bool
	// Source names the input in errors and the manifest (a file name).
	Source string
	// ChunkSize is the number of credentials recorded per register
	// transaction. Zero means 1024.
	ChunkSize int
	// MaxProblems bounds the problems an error lists: the first ones in
	// input order, then how many more (templates.RecordsError.More,
	// DuplicateError.More). Zero means 100.
	MaxProblems int
	// TempDir is the folder for the temporary files that find repeated rows
	// in an input of any size (about 50 bytes a row, unlinked at once).
	// Empty means os.TempDir().
	TempDir string
	// Checking, when set, is called now and then (every 1,024 records)
	// during the validation pass, from one goroutine, with the number of
	// records read so far.
	Checking func(read int)
	// Progress, when set, is called after each credential of the signing
	// pass, from one goroutine, with the number done and the total.
	Progress func(done, total int)
}

// ManifestRow is one credential of a batch, as manifest.json lists it.
type ManifestRow struct {
	Row         int    `json:"row"`
	ID          string `json:"id"`
	File        string `json:"file,omitempty"` // "" for outputs without names (JSONL, Memory)
	StatusList  string `json:"statusList"`
	StatusIndex int    `json:"statusIndex"`
	SHA256      string `json:"sha256"`
}

// Rejected is one input row that failed validation or repeated an earlier
// one (BatchOptions.SkipInvalid).
type Rejected struct {
	// Row is the CSV row (header = 1), the position in a JSON array, the
	// line of a JSON Lines file, or the position in the input.
	Row    int          `json:"row"`
	Errors []FieldError `json:"errors"`
}

// FieldError is one reason a row was rejected.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Manifest is manifest.json: what a batch produced.
type Manifest struct {
	Source   string `json:"source,omitempty"`
	Template string `json:"template"`
	Profile  string `json:"profile"`
	Proof    string `json:"proof"`
	Key      string `json:"key"`
	// KeyID is the thumbprint of the key version that signed, and Issuer
	// the issuer identifier the credentials name (a DID, or for an edc
	// seal without one, urn:x509:sha256:…).
	KeyID   string    `json:"keyId"`
	Issuer  string    `json:"issuer"`
	Written time.Time `json:"written"`
	// Credentials and Rejected are in row order. BatchFrom leaves them
	// empty in BatchResult when the Output is a ManifestWriter (such as a
	// Dir), which keeps them on disk instead.
	Credentials []ManifestRow `json:"credentials"`
	Rejected    []Rejected    `json:"rejected,omitempty"`
}

// BatchResult says what a batch did.
type BatchResult struct {
	Manifest Manifest
	// Issued counts credentials signed in this run for rows the register
	// did not know; Recovered those signed again for known rows (whose
	// file was missing, after an interrupted run, or whose output is not
	// Resumable); Skipped those a Resumable output already held.
	Issued, Recovered, Skipped int
	// Records counts the input's records, Rejected those rejected
	// (invalid or repeated, with SkipInvalid).
	Records, Rejected int
}

// Source is the input of BatchFrom: records read twice, once to validate
// every one and once to sign, in the same order both times. A pass that
// sees other records than the first is an error wrapping ErrInputChanged.
type Source interface {
	// Open starts a pass over the records. The batch closes the Reader
	// when it is an io.Closer.
	Open() (templates.Reader, error)
}

// SourceFunc is a Source made of its Open function; for example
// SourceFunc(func() (templates.Reader, error) { return templates.OpenCSV(path) }).
type SourceFunc func() (templates.Reader, error)

// Open calls f.
func (f SourceFunc) Open() (templates.Reader, error) { return f() }

// Records returns a Source over records in memory.
func Records(recs []templates.Record) Source {
	return SourceFunc(func() (templates.Reader, error) { return &sliceReader{recs: recs}, nil })
}

type sliceReader struct {
	recs []templates.Record
	k    int
}

func (r *sliceReader) Read() (templates.Record, error) {
	if r.k >= len(r.recs) {
		return nil, io.EOF
	}
	r.k++
	return r.recs[r.k-1], nil
}

// Batch issues one credential per record of recs, as BatchFrom does, and
// also keeps every manifest row in BatchResult.Manifest whatever the Output
// (the records are in memory already).
func (i *Issuer) Batch(ctx context.Context, t Template, recs []templates.Record, p Profile, opts BatchOptions) (*BatchResult, error) {
	return i.batch(ctx, t, Records(recs), p, opts, true)
}

// BatchFrom issues one credential per record of src with template t and
// profile p into opts.Out (or opts.Output), on every core, in memory that
// does not grow with the number of records when the output keeps the
// manifest itself (a Dir: one file per credential or JSON Lines).
//
// It reads src twice. The first pass validates every record and finds the
// records that repeat an earlier one (by their idempotency keys, sorted on
// disk); it keeps only the problems. If any record is invalid, nothing is
// signed and the error is an *InputError listing the first problems
// (opts.MaxProblems) and how many more; a repeated record is refused the
// same way, with a *DuplicateError naming both rows (both errors, joined,
// when the input has both problems), unless opts.SkipInvalid. The second
// pass renders, records in the register (in transactions of
// opts.ChunkSize, status indexes included) and signs, writing each
// credential as it is signed and the manifest rows in row order.
//
// The key is the one active when the batch starts. The batch is resumable
// and idempotent: run again on the same input after an interruption (even
// kill -9), it signs only what is missing, with the ids and status indexes
// recorded the first time, and rewrites the manifest for the whole input.
// With an Output that is not Resumable (JSONL, Memory, a Dir in JSONL mode)
// the rows registered earlier are signed again, with the same ids, times
// and status indexes.
func (i *Issuer) BatchFrom(ctx context.Context, t Template, src Source, p Profile, opts BatchOptions) (*BatchResult, error) {
	return i.batch(ctx, t, src, p, opts, false)
}

// rowOf is a record's row as the registrar sees it: its CSV row, its
// position in a JSON array, its JSON Lines line, or its position in the
// input (ord counts from 0).
func rowOf(rec templates.Record, ord int) int {
	if r := rec.Row(); r > 0 {
		return r
	}
	if r := rec.Item(); r > 0 {
		return r
	}
	if r := rec.Line(); r > 0 {
		return r
	}
	return ord + 1
}

// closeReader closes r when it is an io.Closer.
func closeReader(r templates.Reader) {
	if c, ok := r.(io.Closer); ok {
		c.Close()
	}
}

func (i *Issuer) batch(ctx context.Context, t Template, src Source, p Profile, opts BatchOptions, keepRows bool) (*BatchResult, error) {
	out := opts.Output
	switch {
	case opts.Out != "" && out != nil:
		return nil, errors.New("batch: both an output folder and an Output given")
	case opts.Out != "":
		out = &Dir{Path: opts.Out}
	case out == nil:
		return nil, errors.New("batch: no output folder")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 1024
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	np, err := p.normalize()
	if err != nil {
		return nil, err
	}
	chk, err := i.check(ctx, t, src, np, opts)
	if err != nil {
		return nil, err
	}
	defer chk.close()
	if !opts.SkipInvalid {
		var errs []error
		if len(chk.problems) > 0 {
			errs = append(errs, &InputError{Err: &templates.RecordsError{File: opts.Source, Errors: chk.problems, More: chk.moreProblems}})
		}
		if chk.repeats > 0 {
			de, err := chk.duplicateError(opts)
			if err != nil {
				return nil, err
			}
			errs = append(errs, de)
		}
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
	}
	pl, err := i.plan(np)
	if err != nil {
		return nil, err
	}
	if d, ok := out.(*Dir); ok {
		if err := d.open(); err != nil {
			return nil, err
		}
		defer d.abort()
	}
	res := &BatchResult{Records: chk.records, Manifest: Manifest{
		Source: opts.Source, Template: t.Name(), Profile: pl.profile.Name, Proof: pl.profile.Proof,
		Key: pl.key.Name, KeyID: pl.key.ID, Issuer: pl.issuerID,
	}}
	mw, _ := out.(ManifestWriter)
	if mw != nil {
		if err := mw.BeginManifest(&res.Manifest); err != nil {
			return nil, err
		}
	} else {
		keepRows = true
	}
	if err := i.sign2(ctx, t, src, pl, out, mw, chk, opts, keepRows, res); err != nil {
		return res, err
	}
	res.Manifest.Written = i.now().UTC().Truncate(time.Second)
	if err := out.Finish(&res.Manifest); err != nil {
		return res, err
	}
	return res, nil
}

// item is one record on its way through the signing pass.
type item struct {
	ord  int // position in the input, from 0
	row  int
	rec  templates.Record
	of   int                    // > 0: the row it repeats (rejected)
	errs []templates.FieldError // invalid (rejected, SkipInvalid)
	j    *job
	res  fileResult
}

// sign2 is the signing pass. Stage 1 reads the records in order (one
// goroutine); stage 2 renders (parallel); stage 3 records in the register
// (one goroutine, one transaction per chunk); stage 4 signs and writes
// (parallel); the collector (this goroutine) puts the rows back in input
// order (internal/inorder) and writes the manifest. At most a window of
// records are between the reader and the collector, which bounds memory.
func (i *Issuer) sign2(ctx context.Context, t Template, src Source, pl *plan, out Output, mw ManifestWriter, chk *checked, opts BatchOptions, keepRows bool, res *BatchResult) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fail := func(err error) { cancel(err) }
	resumable, _ := out.(Resumable)
	workers, chunk := opts.Workers, opts.ChunkSize
	window := inorder.New[*item](2*chunk + 4*workers)
	todo := make(chan *item, workers)
	prepared := make(chan *item, chunk)
	reserved := make(chan *item, chunk)
	results := make(chan *item, chunk)
	var sum digest // of the signing pass
	var sumMu sync.Mutex

	go func() {
		defer close(todo)
		r, err := src.Open()
		if err != nil {
			fail(err)
			return
		}
		defer closeReader(r)
		dup, hasDup := chk.nextRepeat()
		for ord := 0; ; ord++ {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				if ord != chk.records {
					fail(fmt.Errorf("%w: %d records in the signing pass, %d when they were validated", ErrInputChanged, ord, chk.records))
				}
				return
			}
			if err != nil {
				fail(err)
				return
			}
			if ord >= chk.records {
				fail(fmt.Errorf("%w: more records in the signing pass than the %d validated", ErrInputChanged, chk.records))
				return
			}
			if !window.Enter(ctx) {
				return
			}
			it := &item{ord: ord, row: rowOf(rec, ord), rec: rec}
			if hasDup && dup.ord == ord {
				it.of = dup.of
				if dup, hasDup = chk.nextRepeat(); chk.err != nil {
					fail(chk.err)
					return
				}
			}
			select {
			case todo <- it:
			case <-ctx.Done():
				return
			}
		}
	}()
	var renderWG sync.WaitGroup
	for range workers {
		renderWG.Go(func() {
			var d digest
			defer func() {
				sumMu.Lock()
				sum.xor(&d)
				sumMu.Unlock()
			}()
			for it := range todo {
				if it.of == 0 && opts.SkipInvalid {
					if it.errs = t.Validate(it.rec); len(it.errs) > 0 {
						d.add(it.ord, nil)
					}
				}
				if len(it.errs) == 0 {
					key := i.idempotencySum(t.Name(), pl.profile, it.rec)
					d.add(it.ord, key[:])
					if it.of == 0 {
						j, err := i.prepare(t, pl, it.rec, it.row, hex.EncodeToString(key[:]))
						if err != nil {
							if errors.Is(err, templates.ErrInvalidRecord) {
								err = fmt.Errorf("%w: %v", ErrInputChanged, err)
							}
							fail(fmt.Errorf("row %d: %w", it.row, err))
							return
						}
						it.j = j
					}
				}
				select {
				case prepared <- it:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { renderWG.Wait(); close(prepared) }()
	go func() {
		defer close(reserved)
		for {
			batch, ok := gather(ctx, prepared, chunk)
			if !ok {
				return
			}
			var jobs []*job
			for _, it := range batch {
				if it.j != nil {
					jobs = append(jobs, it.j)
				}
			}
			if len(jobs) > 0 {
				if err := i.reserve(pl, jobs); err != nil {
					fail(err)
					return
				}
			}
			for _, it := range batch {
				select {
				case reserved <- it:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var signWG sync.WaitGroup
	for range workers {
		signWG.Go(func() {
			for it := range reserved {
				if it.j != nil {
					r, err := i.writeOne(ctx, t, pl, it.j, out, resumable)
					if err != nil {
						fail(fmt.Errorf("row %d: %w", it.row, err))
						return
					}
					it.res, it.j, it.rec = r, nil, nil
				}
				select {
				case results <- it:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { signWG.Wait(); close(results) }()

	var keepBuf []*Issued
	done := 0
	emit := func(it *item) error {
		if it.of > 0 || len(it.errs) > 0 {
			rj := Rejected{Row: it.row}
			if it.of > 0 {
				rj.Errors = []FieldError{{Message: Duplicate{Row: it.row, Of: it.of}.message()}}
			}
			for _, e := range it.errs {
				rj.Errors = append(rj.Errors, FieldError{Field: e.Field, Message: e.Message})
			}
			res.Rejected++
			if keepRows {
				res.Manifest.Rejected = append(res.Manifest.Rejected, rj)
			}
			if mw != nil {
				return mw.WriteRejected(rj)
			}
			return nil
		}
		done++
		switch it.res.kind {
		case 0:
			res.Issued++
		case 1:
			res.Recovered++
		default:
			res.Skipped++
		}
		if keepRows {
			res.Manifest.Credentials = append(res.Manifest.Credentials, it.res.row)
		}
		if i.cfg.KeepCredentials && it.res.out != nil {
			keepBuf = append(keepBuf, it.res.out)
			if len(keepBuf) >= chunk {
				if err := i.keep(keepBuf); err != nil {
					return err
				}
				keepBuf = keepBuf[:0]
			}
		}
		if opts.Progress != nil {
			opts.Progress(done, chk.valid)
		}
		if mw != nil {
			return mw.WriteCredential(it.res.row)
		}
		return nil
	}
	for it := range results {
		if ctx.Err() != nil {
			continue // drain
		}
		if err := window.Leave(it.ord, it, emit); err != nil {
			fail(err)
		}
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if window.Next() != chk.records {
		return fmt.Errorf("batch: %d of %d records went through the signing pass", window.Next(), chk.records)
	}
	if sum != chk.digest {
		return fmt.Errorf("%w: a record differs from the one validated (the credentials signed are recorded; fix the input and run the batch again)", ErrInputChanged)
	}
	if len(keepBuf) > 0 {
		return i.keep(keepBuf)
	}
	return nil
}

// gather returns the next items of ch, up to n: what is there at once,
// waiting a little (5 ms at a time) while fewer than n/2 have come, so that
// register transactions are large without holding back a batch's last
// rows. ok is false when ch is closed and empty or ctx is done.
func gather(ctx context.Context, ch <-chan *item, n int) (batch []*item, ok bool) {
	select {
	case it, open := <-ch:
		if !open {
			return nil, false
		}
		batch = append(batch, it)
	case <-ctx.Done():
		return nil, false
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for len(batch) < n {
		select {
		case it, open := <-ch:
			if !open {
				return batch, true
			}
			batch = append(batch, it)
			continue
		default:
		}
		if len(batch) >= n/2 {
			return batch, true
		}
		if timer == nil {
			timer = time.NewTimer(5 * time.Millisecond)
		} else {
			timer.Reset(5 * time.Millisecond)
		}
		select {
		case it, open := <-ch:
			if !open {
				return batch, true
			}
			batch = append(batch, it)
		case <-timer.C:
			return batch, true
		case <-ctx.Done():
			return nil, false
		}
	}
	return batch, true
}

// digest is the XOR of a hash of every record's position and idempotency
// key (nil for an invalid record): the same in both passes over the same
// input, whatever order the workers take the records in.
type digest [32]byte

func (d *digest) add(ord int, key []byte) {
	var buf [64]byte // the decimal position, a zero byte, the key
	sum := sha256.Sum256(append(append(strconv.AppendInt(buf[:0], int64(ord), 10), 0), key...))
	for k := range d {
		d[k] ^= sum[k]
	}
}

// xor XORs o into d.
func (d *digest) xor(o *digest) {
	for k := range d {
		d[k] ^= o[k]
	}
}

// FileName returns the file a batch writes credential id to: the UUID and
// the format's extension.
func FileName(id, ext string) string {
	return strings.TrimPrefix(id, "urn:uuid:") + ext
}

// fileResult is one credential written (or found written) by a batch.
type fileResult struct {
	row  ManifestRow
	kind int // 0 issued, 1 recovered, 2 skipped
	out  *Issued
}

// writeOne signs j and puts it in out, unless out is resumable and an
// earlier run already put it there.
func (i *Issuer) writeOne(ctx context.Context, t Template, pl *plan, j *job, out Output, resumable Resumable) (r fileResult, err error) {
	r.row = ManifestRow{Row: j.row, ID: j.entry.ID, StatusList: j.entry.StatusList, StatusIndex: j.entry.StatusIndex}
	if j.existing {
		if resumable != nil {
			name, sum, ok, err := resumable.Written(&j.entry, pl.ext)
			if err != nil {
				return r, err
			}
			if ok {
				r.row.File, r.row.SHA256, r.kind = name, hex.EncodeToString(sum[:]), 2
				return r, nil
			}
		}
		r.kind = 1
	}
	c, err := i.sign(ctx, t, pl, j)
	if err != nil {
		return r, err
	}
	if r.row.File, err = out.Put(ctx, j.row, c); err != nil {
		return r, err
	}
	sum := sha256.Sum256(c.Credential)
	r.row.SHA256, r.out = hex.EncodeToString(sum[:]), c
	return r, nil
}
