package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Options are what New needs. Store, Issuer and Config are required; the
// zero value of every other field has the meaning its comment gives.
type Options struct {
	// Config is the configuration, defaults filled (Config.Defaults).
	Config Config
	// Store is the open, unlocked store.
	Store *keys.Store
	// Issuer issues with the store's keys and configuration.
	Issuer *issuer.Issuer
	// Verifier are the verifier's options (policy, trust sources, fetcher,
	// contexts): the server adds a fetcher that answers for its own DID
	// document and status lists without the network and, when Nonces is
	// nil, a nonce store in Records (a presentation's challenge is accepted
	// once), and builds a new verifier whenever a status changes so that
	// its caches never hide it.
	Verifier verifier.Options
	// Tokens, Audit, Records and Batches are the storage; nil means the
	// store's (NewBoltStorage(Store, Now)). Records keeps the short-lived
	// state with an expiry: console sessions, challenges used, batch
	// leases, and the OpenID4VC flows' codes and transactions.
	Tokens  TokenStore
	Audit   AuditLog
	Records openid4vc.Records
	Batches BatchStore
	// Logger receives the access log and errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Dev marks a development instance: the page says so and offers the
	// Samples.
	Dev     bool
	Samples []Sample
	// TLS, when set, serves HTTPS with this configuration (Config.TLS
	// files are loaded by the caller into it).
	TLS *tls.Config
	// SignIn delivers the one-time codes of OpenID4VCI sign-in offers;
	// nil: the configured command or webhook (openid4vc.signIn), or on a
	// development instance its console.
	SignIn vci.SignInSender

	// wrapIssue, wrapVerify and wrapHandler, for benchmarks, wrap the
	// OpenID4VCI credential issuer, the OpenID4VP presentation verifier
	// and the whole handler (timing).
	wrapIssue   func(vci.CredentialIssuer) vci.CredentialIssuer
	wrapVerify  func(vp.Verifier) vp.Verifier
	wrapHandler func(http.Handler) http.Handler
}

// Sample is a credential a development instance offers on its page.
type Sample struct {
	// Name is the file name ("diploma-w3c.jwt"); Title says what it is.
	Name, Title string
	Data        []byte
}

// Server is the HTTP service. Make one with New, serve with Serve.
type Server struct {
	cfg    Config
	store  *keys.Store
	iss    *issuer.Issuer
	tokens TokenStore
	audit  AuditLog
	// auditInStore says that audit is the store's own log, which the
	// issuer writes in the transaction of a register entry
	// (issuer.WithAudit).
	auditInStore bool
	records      openid4vc.Records
	batches      BatchStore
	log          *slog.Logger
	now          func() time.Time
	dev          bool
	samples      []Sample
	tls          *tls.Config

	metrics *metrics
	limiter *limiter
	handler http.Handler

	vopts    verifier.Options
	verifier atomic.Pointer[verifier.Verifier]
	// vpVerifier is the same without a nonce store, for OpenID4VP
	// responses (whose presentations share one nonce).
	vpVerifier atomic.Pointer[verifier.Verifier]
	oid        *oid4vc
	statusMu   sync.Mutex // serialises status changes and list signing
	lists      *listCache
	webDID     string
	didDoc     atomic.Pointer[[]byte]
	inst       issuer.Config

	touchMu sync.Mutex
	touched map[string]time.Time

	inflight atomic.Int64
	stopping atomic.Bool
	runner   *batchRunner
	pages    *pages
	syncer   *syncer
	pinger   Pinger
}

// New builds the service: it checks that the store can issue every
// profile the configuration requires, and starts the batch runner
// (resuming batches an earlier run left unfinished) when Serve starts.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Issuer == nil {
		return nil, errors.New("server: a store and an issuer are required")
	}
	s := &Server{
		cfg: opts.Config, store: opts.Store, iss: opts.Issuer, log: opts.Logger, now: opts.Now,
		dev: opts.Dev, samples: opts.Samples, tls: opts.TLS, touched: map[string]time.Time{},
		metrics: newMetrics(), inst: opts.Issuer.Config(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	// Tokens and the audit log go through the keys.Store, whatever its
	// backend; records and batches are the backend's own when it keeps
	// them (a database shared by several nodes), else in the store file.
	bs := NewBoltStorage(opts.Store, s.now)
	var records openid4vc.Records = bs
	var batches BatchStore = bs
	backend := opts.Store.Backend()
	if p, ok := backend.(StorageProvider); ok {
		records, batches = p.ServerRecords(s.now), p.ServerBatches()
	}
	s.tokens, s.audit, s.records, s.batches = opts.Tokens, opts.Audit, opts.Records, opts.Batches
	if s.tokens == nil {
		s.tokens = bs
	}
	if s.audit == nil {
		s.audit, s.auditInStore = bs, true
	}
	if s.records == nil {
		s.records = records
	}
	if s.batches == nil {
		s.batches = batches
	}
	if g, ok := backend.(Generations); ok {
		s.syncer = &syncer{gen: g, interval: s.cfg.Status.Sync}
	}
	s.pinger, _ = backend.(Pinger)
	if m, ok := backend.(MetricsProvider); ok {
		for _, c := range m.Collectors() {
			if err := s.metrics.reg.Register(c); err != nil {
				return nil, fmt.Errorf("server: the store's metrics: %w", err)
			}
		}
	}
	var err error
	if s.webDID, err = opts.Store.WebDID(); err != nil {
		return nil, err
	}
	s.limiter = newLimiter(s.cfg.RateLimit.PerSecond, s.cfg.RateLimit.Burst)
	s.lists = newListCache()
	s.vopts = opts.Verifier
	s.vopts.Fetcher = &selfFetcher{s: s, next: opts.Verifier.Fetcher}
	if s.vopts.Nonces == nil {
		// A presentation's challenge is accepted once, on every node.
		s.vopts.Nonces = recordNonces{records: s.records, now: s.now}
	}
	if err := s.resetVerifier(); err != nil {
		return nil, err
	}
	if s.pages, err = newPages(); err != nil {
		return nil, err
	}
	s.runner = newBatchRunner(s)
	if err := s.setupOID4VC(opts); err != nil {
		return nil, err
	}
	if err := s.extendPages(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	if opts.wrapHandler != nil {
		s.handler = opts.wrapHandler(s.handler)
	}
	return s, nil
}

// Handler returns the service's handler, every route of routes.go behind
// the common middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// resetVerifier builds a new verifier from the options, so that nothing it
// cached (status lists, DID documents) outlives a change.
func (s *Server) resetVerifier() error {
	v, err := verifier.New(s.vopts)
	if err != nil {
		return err
	}
	o := s.vopts
	o.Nonces = nil
	pv, err := verifier.New(o)
	if err != nil {
		return err
	}
	s.verifier.Store(v)
	s.vpVerifier.Store(pv)
	return nil
}

// CheckProfiles returns nil when every profile the configuration requires
// can be issued now (or, when it requires none, at least one can), else an
// error naming the first that cannot and why.
func (s *Server) CheckProfiles() error {
	if len(s.cfg.Issue.Profiles) > 0 {
		for _, p := range s.cfg.Issue.Profiles {
			if err := s.iss.Ready(issuer.Profile{Name: p}); err != nil {
				return fmt.Errorf("profile %s cannot be issued: %w", p, err)
			}
		}
		return nil
	}
	var first error
	for _, p := range issuer.Profiles() {
		err := s.iss.Ready(issuer.Profile{Name: p})
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return fmt.Errorf("no profile can be issued: %w", first)
}

// Serve serves on ln until ctx is done, then shuts down gracefully: it
// stops accepting connections, lets in-flight requests finish (up to
// Limits.ShutdownTimeout), pauses running batches (they resume at the next
// start) and returns. The caller closes the store afterwards.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.Limits.ReadTimeout,
		WriteTimeout:      s.cfg.Limits.WriteTimeout,
		IdleTimeout:       s.cfg.Limits.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errorLog(s.log),
		TLSConfig:         s.tls,
	}
	s.runner.start()
	go s.purgeLoop(ctx)
	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		s.runner.stop()
		return err
	case <-ctx.Done():
	}
	s.stopping.Store(true)
	s.log.Info("shutting down: finishing in-flight requests, pausing batches")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Limits.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	s.runner.stop()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) {
		return e
	}
	s.log.Info("stopped")
	return nil
}

// purgeLoop removes expired records (when the backend can) and batches
// past their retention.
func (s *Server) purgeLoop(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if p, ok := s.records.(purger); ok {
			if _, err := p.PurgeExpired(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.log.Warn("purging expired records", slog.String("error", err.Error()))
			}
		}
		s.runner.purge(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// selfFetcher answers the verifier's fetches of this service's own DID
// document and status lists from the store, without the network (a
// development instance on loopback could not reach itself through the
// verifier's fetcher, which refuses loopback addresses), and passes the
// rest to next.
type selfFetcher struct {
	s    *Server
	next verifier.StatusFetcher
}

func (f *selfFetcher) Fetch(ctx context.Context, u string) ([]byte, error) {
	s := f.s
	if s.webDID != "" {
		if want, err := did.WebURL(s.webDID); err == nil && u == want {
			s.metrics.fetches.WithLabelValues("self").Inc()
			return s.didDocument()
		}
	}
	if strings.HasPrefix(u, s.inst.StatusBaseURL+"/") {
		s.metrics.fetches.WithLabelValues("self").Inc()
		l, err := s.statusList(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", verifier.ErrFetch, u, err)
		}
		return l.body, nil
	}
	if f.next == nil {
		return nil, fmt.Errorf("%w: %s: no fetcher configured", verifier.ErrFetch, u)
	}
	s.metrics.fetches.WithLabelValues("network").Inc()
	return f.next.Fetch(ctx, u)
}

// statusPath is the URL path under which the status lists are served: the
// path of the configured status base URL.
func (s *Server) statusPath() string {
	u, err := url.Parse(s.inst.StatusBaseURL)
	if err != nil || u.Path == "" {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}
