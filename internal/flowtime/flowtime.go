// Package flowtime splits the time of a protocol flow for benchmarks: the
// client's HTTP, the server's handlers, and inside them the protocol store,
// the issuer and the verifier, and the wallet's signatures. It is for
// benchmarks of the OpenID4VC library and of the service only.
package flowtime

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Timer accumulates the time spent in one kind of work, across goroutines.
type Timer struct{ ns atomic.Int64 }

// Add records d.
func (t *Timer) Add(d time.Duration) { t.ns.Add(int64(d)) }

// Since records the time since start.
func (t *Timer) Since(start time.Time) { t.Add(time.Since(start)) }

// Total returns the time recorded, and Reset sets it to zero.
func (t *Timer) Total() time.Duration { return time.Duration(t.ns.Load()) }

// Reset sets the total to zero.
func (t *Timer) Reset() { t.ns.Store(0) }

// Busy accumulates the wall-clock time during which at least one piece of
// work of a kind is running: overlapping work (parallel status list
// fetches, a handler that calls its own server) is counted once between
// Begin and End, so that the total never exceeds the time that passed.
type Busy struct {
	mu      sync.Mutex
	running int
	since   time.Time
	total   time.Duration
}

// Begin marks the start of one piece of work.
func (b *Busy) Begin() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running == 0 {
		b.since = time.Now()
	}
	b.running++
}

// End marks the end of a piece of work begun with Begin.
func (b *Busy) End() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.running--
	if b.running == 0 {
		b.total += time.Since(b.since)
	}
}

// Since records the time since start as one piece of work that overlapped
// no other (for callers that time one request at a time).
func (b *Busy) Since(start time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += time.Since(start)
}

// Total returns the busy time recorded.
func (b *Busy) Total() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// Reset sets the total to zero.
func (b *Busy) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = 0
}

// Timers split a flow's time: how long the client was waiting on HTTP and
// the server's handlers were running (each counted once however many ran
// at a time), what the protocol store, the issuer and the verifier took
// inside them, and the client's own signing.
type Timers struct {
	Client, Server               Busy
	Records, Issue, Verify, Sign Timer
}

// Reset zeroes every timer.
func (ts *Timers) Reset() {
	ts.Client.Reset()
	ts.Server.Reset()
	for _, t := range []*Timer{&ts.Records, &ts.Issue, &ts.Verify, &ts.Sign} {
		t.Reset()
	}
}

// TimedRecords times every call of a Records.
type TimedRecords struct {
	R openid4vc.Records
	T *Timer
}

func (r TimedRecords) Create(ctx context.Context, kind, key string, rec openid4vc.Record) error {
	defer r.T.Since(time.Now())
	return r.R.Create(ctx, kind, key, rec)
}

func (r TimedRecords) Get(ctx context.Context, kind, key string) (openid4vc.Record, error) {
	defer r.T.Since(time.Now())
	return r.R.Get(ctx, kind, key)
}

func (r TimedRecords) Update(ctx context.Context, kind, key string, fn func(openid4vc.Record) (*openid4vc.Record, error)) error {
	defer r.T.Since(time.Now())
	return r.R.Update(ctx, kind, key, fn)
}

func (r TimedRecords) Delete(ctx context.Context, kind, key string) error {
	defer r.T.Since(time.Now())
	return r.R.Delete(ctx, kind, key)
}

// TimedIssuer times a CredentialIssuer (rendering, the register's bbolt
// transaction and the issuer's signature).
type TimedIssuer struct {
	I vci.CredentialIssuer
	T *Timer
}

func (i TimedIssuer) IssueCredentials(ctx context.Context, req vci.IssueRequest) ([]vci.Credential, error) {
	defer i.T.Since(time.Now())
	return i.I.IssueCredentials(ctx, req)
}

// TimedVerifier times the verifier library.
type TimedVerifier struct {
	V interface {
		Verify(ctx context.Context, input []byte, req verifier.Request) (*verifier.Report, error)
	}
	T *Timer
}

func (v TimedVerifier) Verify(ctx context.Context, input []byte, req verifier.Request) (*verifier.Report, error) {
	defer v.T.Since(time.Now())
	return v.V.Verify(ctx, input, req)
}

// TimedSigner times a wallet's signatures.
type TimedSigner struct {
	crypto.Signer
	T *Timer
}

func (s TimedSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	defer s.T.Since(time.Now())
	return s.Signer.Sign(r, digest, opts)
}

// TimedTransport times the client's HTTP round trips, body included;
// concurrent round trips count once.
type TimedTransport struct {
	RT http.RoundTripper
	T  *Busy
}

func (tt TimedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tt.T.Begin()
	resp, err := tt.RT.RoundTrip(req)
	if err != nil {
		tt.T.End()
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	tt.T.End()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, err
}

// Report reports the median of durations (ms/flow-p50) and, per flow on
// average, the split of the time: net-ms (the client's HTTP round trips
// less the handlers' time), store-ms, issue-ms or verify-ms (whichever ran),
// sign-ms (the wallet's signatures), server-ms (the rest of the handlers)
// and wallet-ms (the wallet's own work besides HTTP and signatures:
// checking what it received, selecting, encrypting).
func (ts *Timers) Report(b *testing.B, durations []time.Duration) {
	slices.Sort(durations)
	n := float64(len(durations))
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	server := ts.Server.Total()
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms/flow-p50")
	b.ReportMetric(ms(ts.Client.Total()-server), "net-ms")
	b.ReportMetric(ms(ts.Records.Total()), "store-ms")
	if ts.Issue.Total() > 0 {
		b.ReportMetric(ms(ts.Issue.Total()), "issue-ms")
	}
	if ts.Verify.Total() > 0 {
		b.ReportMetric(ms(ts.Verify.Total()), "verify-ms")
	}
	b.ReportMetric(ms(ts.Sign.Total()), "sign-ms")
	b.ReportMetric(ms(server-ts.Records.Total()-ts.Issue.Total()-ts.Verify.Total()), "server-ms")
	var flows time.Duration
	for _, d := range durations {
		flows += d
	}
	b.ReportMetric(ms(flows-ts.Client.Total()-ts.Sign.Total()), "wallet-ms")
}
