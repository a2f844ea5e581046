package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/templates"
)

// BatchOptions configure Batch. The zero value of each field has the meaning
// its comment gives; one of Out and Output is required.
type BatchOptions struct {
	// Out is the folder the credentials, manifest.json and rejects.json are
	// written to, one file per credential; created (0700) if missing. It is
	// short for Output: &Dir{Path: Out}.
	Out string
	// Output is where the credentials go when Out is empty: a Dir, a JSONL
	// stream, Memory, or an Output of the caller's.
	Output Output
	// Workers is the number of goroutines rendering and signing. Zero
	// means runtime.GOMAXPROCS(0): every core.
	Workers int
	// SkipInvalid issues the valid rows when some are invalid, and writes
	// the rejected ones with their reasons to Out/rejects.json. False (the
	// zero value) issues nothing when any row is invalid.
	SkipInvalid bool
	// Source names the input in errors and the manifest (a file name).
	Source string
	// ChunkSize is the number of credentials recorded per register
	// transaction. Zero means 1024.
	ChunkSize int
	// Progress, when set, is called after each credential, from one
	// goroutine, with the number done and the total.
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

// Rejected is one input row that failed validation (BatchOptions.SkipInvalid).
type Rejected struct {
	// Row is the CSV row (header = 1) or the position in a JSON array.
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
	KeyID       string        `json:"keyId"`
	Issuer      string        `json:"issuer"`
	Written     time.Time     `json:"written"`
	Credentials []ManifestRow `json:"credentials"`
	Rejected    []Rejected    `json:"rejected,omitempty"`
}

// BatchResult says what Batch did.
type BatchResult struct {
	Manifest Manifest
	// Issued counts credentials signed in this run for rows the register
	// did not know; Recovered those signed again for known rows (whose
	// file was missing, after an interrupted run, or whose output is not
	// Resumable); Skipped those a Resumable output already held.
	Issued, Recovered, Skipped int
}

// Batch issues one credential per record with template t and profile p into
// opts.Out (or opts.Output), on every core. Every record is validated first: if any fails,
// nothing is signed and the error is an *InputError listing every problem
// (unless opts.SkipInvalid); a record that repeats an earlier one is refused
// the same way, with a *DuplicateError naming both rows (both errors, joined,
// when the input has both problems). The key is the one active when Batch
// starts. The batch is resumable and idempotent: run
// again on the same input after an interruption (even kill -9), it signs only
// what is missing, with the ids and status indexes recorded the first time,
// and rewrites manifest.json for the whole input. With an Output that is not
// Resumable (JSONL, Memory) the rows registered earlier are signed again,
// with the same ids, times and status indexes.
func (i *Issuer) Batch(ctx context.Context, t Template, recs []templates.Record, p Profile, opts BatchOptions) (*BatchResult, error) {
	out := opts.Output
	switch {
	case opts.Out != "" && out != nil:
		return nil, errors.New("batch: both an output folder and an Output given")
	case opts.Out != "":
		out = &Dir{Path: opts.Out}
	case out == nil:
		return nil, errors.New("batch: no output folder")
	}
	// A record's row as the registrar sees it: its CSV row, its position
	// in a JSON array, or its position in recs.
	rowOf := func(k int) int {
		if r := recs[k].Row(); r > 0 {
			return r
		}
		if r := recs[k].Item(); r > 0 {
			return r
		}
		return k + 1
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	np, err := p.normalize()
	if err != nil {
		return nil, err
	}
	// Validate on every core, and compute the idempotency key of every
	// valid row; report in input order.
	errsOf := make([][]templates.FieldError, len(recs))
	keyOf := make([]string, len(recs))
	var validateWG sync.WaitGroup
	for w := 0; w < workers; w++ {
		validateWG.Add(1)
		go func() {
			defer validateWG.Done()
			for k := w; k < len(recs); k += workers {
				if errsOf[k] = t.Validate(recs[k]); len(errsOf[k]) == 0 {
					keyOf[k] = i.idempotencyKey(t.Name(), np, recs[k])
				}
			}
		}()
	}
	validateWG.Wait()
	var rejected []Rejected
	var all []templates.FieldError
	var dups []Duplicate
	valid := make([]int, 0, len(recs))
	first := make(map[string]int, len(recs)) // idempotency key → first row's index
	for k := range recs {
		errs := errsOf[k]
		if len(errs) == 0 {
			// A repeated row would be the same credential twice: one id,
			// two manifest rows, two writers on one file.
			if f, ok := first[keyOf[k]]; ok {
				d := Duplicate{Row: rowOf(k), Of: rowOf(f)}
				dups = append(dups, d)
				rejected = append(rejected, Rejected{Row: d.Row, Errors: []FieldError{{Message: d.message()}}})
				continue
			}
			first[keyOf[k]] = k
			valid = append(valid, k)
			continue
		}
		r := Rejected{Row: rowOf(k)}
		for _, e := range errs {
			r.Errors = append(r.Errors, FieldError{Field: e.Field, Message: e.Message})
		}
		rejected = append(rejected, r)
		all = append(all, errs...)
	}
	if !opts.SkipInvalid {
		var errs []error
		if len(all) > 0 {
			errs = append(errs, &InputError{Err: &templates.RecordsError{File: opts.Source, Errors: all}})
		}
		if len(dups) > 0 {
			errs = append(errs, &DuplicateError{Source: opts.Source, Rows: dups})
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
	}
	resumable, _ := out.(Resumable)
	chunk := opts.ChunkSize
	if chunk <= 0 {
		chunk = 1024
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fail := func(err error) { cancel(err) }

	// Stage 1: render (parallel). Stage 2: record in the register (one
	// goroutine, one transaction per chunk). Stage 3: sign and write
	// (parallel). The collector builds the manifest.
	todo := make(chan int, workers)
	prepared := make(chan *job, chunk)
	reserved := make(chan *job, chunk)
	results := make(chan fileResult, chunk)

	go func() {
		defer close(todo)
		for _, k := range valid {
			select {
			case todo <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	var renderWG sync.WaitGroup
	for w := 0; w < workers; w++ {
		renderWG.Add(1)
		go func() {
			defer renderWG.Done()
			for k := range todo {
				j, err := i.prepare(t, pl, recs[k], rowOf(k), keyOf[k])
				if err != nil {
					fail(fmt.Errorf("row %d: %w", rowOf(k), err))
					return
				}
				select {
				case prepared <- j:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { renderWG.Wait(); close(prepared) }()
	go func() {
		defer close(reserved)
		for {
			j, ok := <-prepared
			if !ok {
				return
			}
			batch := []*job{j}
		fill:
			for len(batch) < chunk {
				select {
				case j, ok := <-prepared:
					if !ok {
						break fill
					}
					batch = append(batch, j)
				default:
					if len(batch) >= chunk/2 {
						break fill
					}
					j, ok := <-prepared
					if !ok {
						break fill
					}
					batch = append(batch, j)
				}
			}
			if err := i.reserve(pl, batch); err != nil {
				fail(err)
				return
			}
			for _, j := range batch {
				select {
				case reserved <- j:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var signWG sync.WaitGroup
	for w := 0; w < workers; w++ {
		signWG.Add(1)
		go func() {
			defer signWG.Done()
			for j := range reserved {
				r, err := i.writeOne(ctx, t, pl, j, out, resumable)
				if err != nil {
					fail(fmt.Errorf("row %d: %w", j.row, err))
					return
				}
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { signWG.Wait(); close(results) }()

	res := &BatchResult{Manifest: Manifest{
		Source: opts.Source, Template: t.Name(), Profile: pl.profile.Name, Proof: pl.profile.Proof,
		Key: pl.key.Name, KeyID: pl.key.ID, Issuer: pl.issuerID, Rejected: rejected,
	}}
	var keepBuf []*Issued
	n := 0
	for r := range results {
		n++
		res.Manifest.Credentials = append(res.Manifest.Credentials, r.row)
		switch r.kind {
		case 0:
			res.Issued++
		case 1:
			res.Recovered++
		default:
			res.Skipped++
		}
		if i.cfg.KeepCredentials && r.out != nil {
			keepBuf = append(keepBuf, r.out)
			if len(keepBuf) >= chunk {
				if err := i.keep(keepBuf); err != nil {
					fail(err)
				}
				keepBuf = keepBuf[:0]
			}
		}
		if opts.Progress != nil {
			opts.Progress(n, len(valid))
		}
	}
	if err := context.Cause(ctx); err != nil {
		return res, err
	}
	if len(keepBuf) > 0 {
		if err := i.keep(keepBuf); err != nil {
			return res, err
		}
	}
	sort.Slice(res.Manifest.Credentials, func(a, b int) bool { return res.Manifest.Credentials[a].Row < res.Manifest.Credentials[b].Row })
	res.Manifest.Written = i.now().UTC().Truncate(time.Second)
	if err := out.Finish(&res.Manifest); err != nil {
		return res, err
	}
	return res, nil
}

// DuplicateError reports rows of a batch that repeat an earlier row of the
// same input: the same template, profile and data are one credential, so a
// repeat is an input mistake (a row pasted twice, two students mixed up).
// Batch returns it before signing anything, unless BatchOptions.SkipInvalid
// (then the repeats are rejected and the first of each is issued). It wraps
// ErrInvalidInput.
type DuplicateError struct {
	// Source names the input, as BatchOptions.Source; may be empty.
	Source string
	// Rows are the repeats, in input order.
	Rows []Duplicate
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
	return b.String()
}

// Unwrap returns ErrInvalidInput.
func (e *DuplicateError) Unwrap() error { return ErrInvalidInput }

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
