package server

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/templates"
)

// Batch states.
const (
	BatchReady    = "ready"    // validated, waiting to be started (the console's review step)
	BatchQueued   = "queued"   // waiting for a runner
	BatchRunning  = "running"  // signing
	BatchPaused   = "paused"   // stopped by a shutdown; resumes at the next start
	BatchDone     = "done"     // every valid row signed; results downloadable
	BatchFailed   = "failed"   // stopped by an error (Error says which)
	BatchRejected = "rejected" // invalid rows and skipInvalid false: nothing signed
)

// BatchRecord is a batch as the store keeps it. It holds no personal data:
// the input is kept apart (BatchStore.BatchInput) and dropped when done.
type BatchRecord struct {
	ID          string `json:"id"`
	Template    string `json:"template"`
	Profile     string `json:"profile"`
	Proof       string `json:"proof,omitempty"`
	Key         string `json:"key,omitempty"`
	Source      string `json:"source,omitempty"`
	SkipInvalid bool   `json:"skipInvalid,omitempty"`
	State       string `json:"state"`
	// Rows is the number of input rows, Valid those that pass validation;
	// Done counts credentials signed (or found signed) so far.
	Rows  int `json:"rows"`
	Valid int `json:"valid"`
	Done  int `json:"done"`
	// Issued, Recovered and Skipped are issuer.BatchResult's counts.
	Issued    int `json:"issued"`
	Recovered int `json:"recovered"`
	Skipped   int `json:"skipped"`
	// Rejected are the rows that failed validation, with every reason.
	Rejected []issuer.Rejected `json:"rejected,omitempty"`
	// Error says why a batch failed.
	Error    string    `json:"error,omitempty"`
	Actor    string    `json:"actor,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Finished time.Time `json:"finished,omitzero"`
	// Manifest is the batch's manifest once done.
	Manifest *issuer.Manifest `json:"manifest,omitempty"`
	// ELMO is set for a batch from an ELMO document (Template "elmo"):
	// one row per report.
	ELMO *ELMOBatch `json:"elmo,omitempty"`
}

// batchRunner signs queued batches in the background, at most
// Config.Batches.Concurrent at once, and pauses them on shutdown. A node
// signs a batch only under a lease in the Records (kind "batch-lease"),
// renewed while it runs: nodes sharing a store never sign one batch twice
// at once, and a batch whose node died is taken over once its lease
// expires.
type batchRunner struct {
	s      *Server
	node   string
	queue  chan string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	live   map[string]*[2]int // id → done, total, while running
	queued map[string]bool    // ids in the queue
	once   sync.Once
}

// kindBatchLease is the kind of the record of a node's claim on a batch.
const kindBatchLease = "batch-lease"

// lease is how long a node's claim on a batch lasts without renewal
// (Config.Batches.Lease).
func (b *batchRunner) lease() time.Duration {
	if l := b.s.cfg.Batches.Lease; l > 0 {
		return l
	}
	return 30 * time.Second
}

func newBatchRunner(s *Server) *batchRunner {
	ctx, cancel := context.WithCancel(context.Background())
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &batchRunner{s: s, node: hex.EncodeToString(b), queue: make(chan string, 1024), ctx: ctx, cancel: cancel,
		live: map[string]*[2]int{}, queued: map[string]bool{}}
}

// start resumes the batches an earlier run left queued, running or paused,
// starts the workers, and looks again every lease for batches to
// take over (queued on another node, or left by a node that died).
func (b *batchRunner) start() {
	b.once.Do(func() {
		b.resume()
		for range b.s.cfg.Batches.Concurrent {
			b.wg.Add(1)
			go b.work()
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			t := time.NewTicker(b.lease())
			defer t.Stop()
			for {
				select {
				case <-b.ctx.Done():
					return
				case <-t.C:
					b.resume()
				}
			}
		}()
	})
}

// resume queues every batch waiting to be signed, oldest first.
func (b *batchRunner) resume() {
	all, err := b.s.batches.ListBatches(b.ctx)
	if err != nil {
		if b.ctx.Err() == nil {
			b.s.log.Error("listing batches to resume", slog.String("error", err.Error()))
		}
		return
	}
	for i := len(all) - 1; i >= 0; i-- {
		switch all[i].State {
		case BatchQueued, BatchRunning, BatchPaused:
			b.enqueue(all[i].ID)
		}
	}
}

func (b *batchRunner) enqueue(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.queued[id] || b.live[id] != nil {
		return
	}
	select {
	case b.queue <- id:
		b.queued[id] = true
	default:
		b.s.log.Error("batch queue full; it is taken up again later", slog.String("batch", id))
	}
}

// stop pauses the running batches and waits for them to save their state.
func (b *batchRunner) stop() {
	b.cancel()
	b.wg.Wait()
}

func (b *batchRunner) work() {
	defer b.wg.Done()
	for {
		select {
		case <-b.ctx.Done():
			return
		case id := <-b.queue:
			b.mu.Lock()
			delete(b.queued, id)
			b.mu.Unlock()
			b.claimAndRun(id)
		}
	}
}

// claimAndRun runs batch id under a lease: it is skipped when another
// node holds one, renewed while the batch runs, and released after.
func (b *batchRunner) claimAndRun(id string) {
	s := b.s
	err := s.records.Create(b.ctx, kindBatchLease, id, openid4vc.Record{Value: []byte(b.node), Expires: s.now().Add(b.lease())})
	if errors.Is(err, openid4vc.ErrExists) {
		return // another node signs it; taken over if its lease lapses
	}
	if err != nil {
		if b.ctx.Err() == nil {
			s.log.Error("claiming a batch", slog.String("batch", id), slog.String("error", err.Error()))
		}
		return
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(b.lease() / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				err := s.records.Update(context.Background(), kindBatchLease, id, func(rec openid4vc.Record) (*openid4vc.Record, error) {
					rec.Expires = s.now().Add(b.lease())
					return &rec, nil
				})
				if err != nil {
					s.log.Error("renewing a batch lease", slog.String("batch", id), slog.String("error", err.Error()))
				}
			}
		}
	}()
	b.run(id)
	close(done)
	if err := s.records.Delete(context.Background(), kindBatchLease, id); err != nil {
		s.log.Error("releasing a batch lease", slog.String("batch", id), slog.String("error", err.Error()))
	}
}

// progress returns the live progress of a running batch.
func (b *batchRunner) progress(id string) (done, total int, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.live[id]
	if p == nil {
		return 0, 0, false
	}
	return p[0], p[1], true
}

// run signs one batch; on shutdown it leaves it paused, to resume at the
// next start where it stopped (issuer.Batch is idempotent and its output
// here Resumable: rows recorded before are neither given new ids nor
// signed twice when their credential is stored).
func (b *batchRunner) run(id string) {
	s, ctx := b.s, b.ctx
	rec, err := s.batches.GetBatch(ctx, id)
	if err != nil {
		s.log.Error("batch", slog.String("batch", id), slog.String("error", err.Error()))
		return
	}
	if rec.State != BatchQueued && rec.State != BatchRunning && rec.State != BatchPaused {
		return // finished meanwhile, here or on another node
	}
	if rec.State == BatchPaused || rec.State == BatchRunning {
		s.log.Info("resuming batch", slog.String("batch", id), slog.Int("done", rec.Done), slog.Int("valid", rec.Valid))
	}
	fail := func(err error) {
		rec.State, rec.Error, rec.Updated = BatchFailed, err.Error(), s.now()
		if uerr := s.batches.UpdateBatch(context.Background(), rec); uerr != nil {
			s.log.Error("batch", slog.String("batch", id), slog.String("error", uerr.Error()))
		}
		s.log.Error("batch failed", slog.String("batch", id), slog.String("error", err.Error()))
		s.metrics.batchesNow.WithLabelValues(BatchFailed).Inc()
	}
	input, err := s.batches.BatchInput(ctx, id)
	if err != nil || input == nil {
		fail(fmt.Errorf("its input is gone: %v", err))
		return
	}
	// An ELMO document is read again as it was when the batch was made: its
	// signature verified, its signer looked up, every report mapped.
	t, recs, _, err := s.batchRecords(ctx, rec, input)
	if err != nil {
		fail(err)
		return
	}
	rec.State, rec.Updated = BatchRunning, s.now()
	if err := s.batches.UpdateBatch(ctx, rec); err != nil {
		fail(err)
		return
	}
	s.metrics.batchesNow.WithLabelValues(BatchRunning).Inc()
	defer s.metrics.batchesNow.WithLabelValues(BatchRunning).Dec()
	prog := &[2]int{0, rec.Valid}
	b.mu.Lock()
	b.live[id] = prog
	b.mu.Unlock()
	s.metrics.batchTotal.Add(float64(rec.Valid))
	defer func() {
		b.mu.Lock()
		delete(b.live, id)
		done := prog[0]
		b.mu.Unlock()
		s.metrics.batchTotal.Sub(float64(rec.Valid))
		s.metrics.batchDone.Sub(float64(done))
	}()
	out := &storeOutput{s: s, batch: id}
	res, err := s.iss.Batch(ctx, t, recs, issuer.Profile{Name: rec.Profile, Proof: rec.Proof, Key: rec.Key}, issuer.BatchOptions{
		Output: out, Workers: s.cfg.Batches.Workers, SkipInvalid: rec.SkipInvalid, Source: rec.Source, ChunkSize: 64,
		Progress: func(done, total int) {
			b.mu.Lock()
			prog[0], prog[1] = done, total
			b.mu.Unlock()
			s.metrics.batchDone.Inc()
		},
	})
	s.lists.opened()
	if ferr := out.flush(context.Background()); ferr != nil && err == nil {
		err = ferr
	}
	rec.Updated = s.now()
	b.mu.Lock()
	rec.Done = prog[0]
	b.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			rec.State = BatchPaused
			if uerr := s.batches.UpdateBatch(context.Background(), rec); uerr != nil {
				s.log.Error("saving a paused batch", slog.String("batch", id), slog.String("error", uerr.Error()))
			}
			s.log.Info("batch paused", slog.String("batch", id), slog.Int("done", rec.Done), slog.Int("valid", rec.Valid))
			return
		}
		fail(err)
		return
	}
	rec.State, rec.Finished = BatchDone, s.now()
	rec.Issued, rec.Recovered, rec.Skipped = res.Issued, res.Recovered, res.Skipped
	rec.Done = len(res.Manifest.Credentials)
	m := res.Manifest
	rec.Manifest = &m
	if rec.ELMO != nil {
		// Each report's mapping names the credential it became (its row is
		// the report's position).
		for _, c := range m.Credentials {
			if c.Row >= 1 && c.Row <= len(rec.ELMO.Mapping) {
				rec.ELMO.Mapping[c.Row-1].CredentialID = c.ID
			}
		}
	}
	s.metrics.batchRows.WithLabelValues("issued").Add(float64(res.Issued))
	s.metrics.batchRows.WithLabelValues("recovered").Add(float64(res.Recovered))
	s.metrics.batchRows.WithLabelValues("skipped").Add(float64(res.Skipped))
	if err := s.batches.UpdateBatch(context.Background(), rec); err != nil {
		s.log.Error("saving a finished batch", slog.String("batch", id), slog.String("error", err.Error()))
		return
	}
	// The input (names, dates of birth) is not needed any more.
	if err := s.batches.DropBatchInput(context.Background(), id); err != nil {
		s.log.Error("dropping a batch's input", slog.String("batch", id), slog.String("error", err.Error()))
	}
	s.recordAudit(context.Background(), "batches.complete", id, rec.Actor, fmt.Sprintf("%d issued, %d rejected", rec.Done, len(rec.Rejected)))
	s.log.Info("batch done", slog.String("batch", id), slog.Int("credentials", rec.Done), slog.Duration("took", rec.Finished.Sub(rec.Created)))
}

// purge deletes finished batches past their retention.
func (b *batchRunner) purge(ctx context.Context) {
	s := b.s
	all, err := s.batches.ListBatches(ctx)
	if err != nil {
		return
	}
	for _, r := range all {
		end := r.Finished
		if end.IsZero() && (r.State == BatchRejected || r.State == BatchFailed || r.State == BatchReady) {
			end = r.Updated
		}
		if !end.IsZero() && s.now().Sub(end) > s.cfg.Batches.Retention {
			if err := s.batches.DeleteBatch(ctx, r.ID); err == nil {
				s.log.Info("batch removed after its retention", slog.String("batch", r.ID))
			}
		}
	}
}

// storeOutput is the issuer.Resumable output of a batch: credentials go to
// the BatchStore, a few dozen per transaction.
type storeOutput struct {
	s     *Server
	batch string
	mu    sync.Mutex
	buf   []StoredCredential
}

var _ issuer.Resumable = (*storeOutput)(nil)

func (o *storeOutput) Put(ctx context.Context, row int, c *issuer.Issued) (string, error) {
	o.mu.Lock()
	o.buf = append(o.buf, StoredCredential{Row: row, ID: c.Entry.ID, MediaType: c.MediaType, Ext: c.Ext, Credential: c.Credential})
	full := len(o.buf) >= 32
	o.mu.Unlock()
	name := issuer.FileName(c.Entry.ID, c.Ext)
	if full {
		return name, o.flush(ctx)
	}
	return name, nil
}

func (o *storeOutput) flush(ctx context.Context) error {
	o.mu.Lock()
	buf := o.buf
	o.buf = nil
	o.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	return o.s.batches.PutBatchCredentials(context.WithoutCancel(ctx), o.batch, buf)
}

func (o *storeOutput) Finish(*issuer.Manifest) error { return o.flush(context.Background()) }

func (o *storeOutput) Written(e *issuer.Entry, ext string) (string, [32]byte, bool, error) {
	name := issuer.FileName(e.ID, ext)
	c, ok, err := o.s.batches.BatchCredential(context.Background(), o.batch, e.ID)
	if err != nil || !ok {
		return name, [32]byte{}, false, err
	}
	return name, sha256Of(c.Credential), true, nil
}

// newBatch validates a CSV for template and profile (or reads an ELMO
// document, rec.ELMO set) and stores the batch: rejected (422) when rows
// are invalid and skipInvalid is false, else ready (start false) or queued.
// An ELMO document that is refused (not well-formed, not valid, its
// signature failing) is an error, and no batch is stored.
func (s *Server) newBatch(ctx context.Context, input []byte, rec *BatchRecord, start bool) (*BatchRecord, error) {
	if rec.ELMO == nil {
		if _, err := templates.Builtin(rec.Template); err != nil {
			return nil, err
		}
	}
	p := issuer.Profile{Name: rec.Profile, Proof: rec.Proof, Key: rec.Key}
	if err := s.iss.Ready(p); err != nil {
		return nil, err
	}
	t, recs, res, err := s.batchRecords(ctx, rec, input)
	if err != nil {
		return nil, err
	}
	if res != nil {
		rec.ELMO.Wrapped, rec.ELMO.Signatures, rec.ELMO.Warnings = res.Wrapped, res.Signatures, res.Warnings
		for _, c := range res.Credentials {
			rec.ELMO.Mapping = append(rec.ELMO.Mapping, c.Report)
		}
	}
	rec.Rows = len(recs)
	seen := map[string]int{}
	for _, r := range recs {
		row := r.Row()
		if row == 0 {
			row = r.Item() // an ELMO report's position
		}
		errs := t.Validate(r)
		if len(errs) == 0 {
			key := string(r.Canonical())
			if first, dup := seen[key]; dup {
				rec.Rejected = append(rec.Rejected, issuer.Rejected{Row: row, Errors: []issuer.FieldError{{Message: fmt.Sprintf("duplicates row %d (the same data is one credential): remove the repeated row", first)}}})
				continue
			}
			seen[key] = row
			rec.Valid++
			continue
		}
		rj := issuer.Rejected{Row: row}
		for _, e := range errs {
			rj.Errors = append(rj.Errors, issuer.FieldError{Field: e.Field, Message: e.Message})
		}
		rec.Rejected = append(rec.Rejected, rj)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	rec.ID = "b_" + hex.EncodeToString(b)
	rec.Created = s.now().UTC()
	rec.Updated = rec.Created
	switch {
	case len(rec.Rejected) > 0 && !rec.SkipInvalid:
		rec.State = BatchRejected
	case rec.Valid == 0:
		rec.State = BatchRejected
	case start:
		rec.State = BatchQueued
	default:
		rec.State = BatchReady
	}
	s.metrics.batchRows.WithLabelValues("rejected").Add(float64(len(rec.Rejected)))
	in := input
	if rec.State == BatchRejected {
		in = nil // nothing will be signed: keep no personal data
	}
	if err := s.batches.CreateBatch(ctx, rec, in); err != nil {
		return nil, err
	}
	s.recordAudit(ctx, "batches.create", rec.ID, rec.Actor, fmt.Sprintf("%s/%s, %d rows, %d rejected, %s", rec.Template, rec.Profile, rec.Rows, len(rec.Rejected), rec.State))
	if rec.State == BatchQueued {
		s.runner.enqueue(rec.ID)
	}
	return rec, nil
}

// startBatch queues a ready batch.
func (s *Server) startBatch(ctx context.Context, id, actor string) (*BatchRecord, error) {
	rec, err := s.batches.GetBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.State != BatchReady {
		return nil, errorf(http.StatusConflict, "state", "Batch not ready", "batch %s is %s", id, rec.State)
	}
	rec.State, rec.Updated = BatchQueued, s.now()
	if err := s.batches.UpdateBatch(ctx, rec); err != nil {
		return nil, err
	}
	s.recordAudit(ctx, "batches.start", id, actor, "")
	s.runner.enqueue(id)
	return rec, nil
}

// batchView is a batch with its live progress.
func (s *Server) batchView(ctx context.Context, id string) (*BatchRecord, error) {
	rec, err := s.batches.GetBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if done, _, ok := s.runner.progress(id); ok {
		rec.Done = done
	}
	return rec, nil
}

func (s *Server) handleCreateBatch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rec := &BatchRecord{Template: q.Get("template"), Profile: orDefault(q.Get("profile"), s.cfg.Issue.DefaultProfile), Proof: q.Get("proof"),
		Key: q.Get("key"), Source: orDefault(q.Get("source"), "upload.csv"), SkipInvalid: q.Get("skipInvalid") == "true", Actor: actorName(r)}
	limit := s.cfg.Limits.Batch
	if isXML(r) {
		// An ELMO document: one row per report (docs/vc-api.md#elmo).
		if rec.Template != "" && rec.Template != issuer.ELMOTemplateName {
			s.writeError(w, r, badRequest("template %q: an ELMO document says what each credential holds; leave template out (or give elmo)", rec.Template))
			return
		}
		settings, err := elmoSettings(q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rec.Template, rec.Source, rec.ELMO = issuer.ELMOTemplateName, orDefault(q.Get("source"), "upload.xml"), &ELMOBatch{ELMOSettings: settings}
		limit = s.elmoLimit()
	} else if rec.Template == "" {
		s.writeError(w, r, badRequest("give the template: POST /batches?template=diploma&profile=w3c with the CSV as the body"))
		return
	}
	body, err := s.readBody(w, r, limit, "text/csv", "application/xml", "text/xml")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err = s.newBatch(r.Context(), body, rec, q.Get("start") != "false")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/batches/"+rec.ID)
	status := http.StatusAccepted
	if rec.State == BatchRejected {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, rec)
}

func (s *Server) handleGetBatch(w http.ResponseWriter, r *http.Request) {
	rec, err := s.batchView(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) handleStartBatch(w http.ResponseWriter, r *http.Request) {
	rec, err := s.startBatch(r.Context(), r.PathValue("id"), actorName(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, rec)
}

// handleBatchResult downloads a done batch: ?format=zip (the credentials,
// manifest.json, rejects.json, and an ELMO batch's mapping.json) or ?format=jsonl (one line per
// credential, as issuer.JSONL writes them).
func (s *Server) handleBatchResult(w http.ResponseWriter, r *http.Request) {
	s.writeBatchResult(w, r, r.PathValue("id"), r.URL.Query().Get("format"))
}

func (s *Server) writeBatchResult(w http.ResponseWriter, r *http.Request, id, format string) {
	rec, err := s.batches.GetBatch(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rec.State != BatchDone {
		s.writeError(w, r, errorf(http.StatusConflict, "state", "Batch not done", "batch %s is %s (%d of %d)", id, rec.State, rec.Done, rec.Valid))
		return
	}
	// A large download may take longer than the write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "", "zip":
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.zip"`)
		zw := zip.NewWriter(w)
		err = s.batches.EachBatchCredential(r.Context(), id, func(c *StoredCredential) error {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: issuer.FileName(c.ID, c.Ext), Method: zip.Deflate, Modified: rec.Finished})
			if err == nil {
				_, err = f.Write(c.Credential)
			}
			return err
		})
		for name, v := range map[string]any{"manifest.json": rec.Manifest, "rejects.json": rec.Rejected, "mapping.json": rec.ELMO} {
			if err != nil || (name == "rejects.json" && len(rec.Rejected) == 0) || (name == "mapping.json" && rec.ELMO == nil) {
				continue
			}
			var f interface{ Write([]byte) (int, error) }
			if f, err = zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: rec.Finished}); err == nil {
				b, _ := json.MarshalIndent(v, "", "  ")
				_, err = f.Write(append(b, '\n'))
			}
		}
		if err == nil {
			err = zw.Close()
		}
	case "jsonl":
		w.Header().Set("Content-Type", "application/jsonl")
		w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.jsonl"`)
		out := issuer.NewJSONL(w)
		err = s.batches.EachBatchCredential(r.Context(), id, func(c *StoredCredential) error {
			_, err := out.Put(r.Context(), c.Row, &issuer.Issued{Entry: issuer.Entry{ID: c.ID}, MediaType: c.MediaType, Credential: c.Credential})
			return err
		})
		if err == nil {
			err = out.Finish(nil)
		}
	default:
		s.writeError(w, r, badRequest("format %q: zip or jsonl", format))
		return
	}
	if err != nil {
		// The status line is sent: the client sees a truncated download.
		s.log.Error("writing a batch result", slog.String("batch", id), slog.String("error", err.Error()))
	}
}

func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }
