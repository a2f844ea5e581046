package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/issuer"
)

// didDocument returns the store's did:web document (every key version,
// retired ones included, so that old signatures verify), built once.
func (s *Server) didDocument() ([]byte, error) {
	if p := s.didDoc.Load(); p != nil {
		s.metrics.didCache.WithLabelValues("hit").Inc()
		return *p, nil
	}
	s.metrics.didCache.WithLabelValues("miss").Inc()
	doc, err := s.store.WebDocument("")
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	s.didDoc.Store(&b)
	return b, nil
}

func (s *Server) handleDIDDocument(w http.ResponseWriter, r *http.Request) {
	if s.webDID == "" {
		s.writeError(w, r, errorf(http.StatusNotFound, "not-found", "Not found", "this service publishes no did:web (diplomat keys export --format did-web)"))
		return
	}
	b, err := s.didDocument()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveDocument(w, r, "application/did+json", b, 5*time.Minute)
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	set, err := s.store.JWKS("")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveDocument(w, r, "application/jwk-set+json", b, 5*time.Minute)
}

// handleCertificates serves the PEM certificate chain of an eSeal key:
// GET /certificates/{name}.pem.
func (s *Server) handleCertificates(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".pem")
	if !ok {
		s.writeError(w, r, errorf(http.StatusNotFound, "not-found", "Not found", "certificate chains are at /certificates/NAME.pem"))
		return
	}
	chain, err := s.store.Chain(name)
	if err != nil || len(chain) == 0 {
		s.writeError(w, r, errorf(http.StatusNotFound, "not-found", "Not found", "no eSeal named %q", name))
		return
	}
	var b []byte
	for _, c := range chain {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	serveDocument(w, r, "application/pem-certificate-chain", b, time.Hour)
}

// serveDocument writes a public document with its ETag, answering a
// matching If-None-Match with 304.
func serveDocument(w http.ResponseWriter, r *http.Request, mediaType string, body []byte, maxAge time.Duration) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(maxAge.Seconds())))
	h.Set("Access-Control-Allow-Origin", "*")
	if match := r.Header.Get("If-None-Match"); match != "" && (match == etag || match == "*" || strings.Contains(match, etag)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", mediaType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// signedList is one status list credential as served.
type signedList struct {
	body      []byte
	mediaType string
	signed    time.Time
	gen       uint64
}

// listCache keeps the signed status lists by URL. A list is signed again
// when a status changed since (gen), or status.ttl has passed.
type listCache struct {
	mu    sync.Mutex
	gen   uint64
	lists map[string]*signedList
	// missing remembers for a few seconds the URLs of no list, so that
	// requests for lists that do not exist cost no store reads; a list
	// opened since is served once its entry expires.
	missing map[string]time.Time
}

func newListCache() *listCache {
	return &listCache{lists: map[string]*signedList{}, missing: map[string]time.Time{}}
}

// missingFor is how long a URL of no list is answered 404 from memory.
const missingFor = 5 * time.Second

// opened forgets the URLs known to be of no list: issuance may have opened
// a list at one of them.
func (c *listCache) opened() {
	c.mu.Lock()
	clear(c.missing)
	c.mu.Unlock()
}

// changed records a status change: every list is signed again when next
// asked for.
func (c *listCache) changed() {
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
}

// listBackdate is how far before its signing a list is valid from: a
// verification that began before the list was signed on demand (the
// service's own, or another node's with a clock a little behind) must
// accept it.
const listBackdate = time.Minute

// publishOptions are the options lists are signed with now: the
// configured validity and ttl, valid from listBackdate ago, only the
// lists at urls (every list without).
func (s *Server) publishOptions(now time.Time, urls ...string) issuer.PublishOptions {
	return issuer.PublishOptions{Validity: s.cfg.Status.Validity, TTL: s.cfg.Status.TTL, URLs: urls, ValidFrom: now.Add(-listBackdate)}
}

// statusList returns the signed list at url, from the cache or signed now.
// An unknown URL wraps issuer.ErrNotFound.
func (s *Server) statusList(ctx context.Context, url string) (*signedList, error) {
	c := s.lists
	c.mu.Lock()
	l, gen := c.lists[url], c.gen
	c.mu.Unlock()
	now := s.now()
	// A list signed here is served until a status changes here, or for
	// status.ttl at most: a change made on another node sharing the store
	// is then served within the same time any verifier caches a list.
	if l != nil && l.gen == gen && now.Sub(l.signed) < min(s.cfg.Status.Validity/2, s.cfg.Status.TTL) {
		s.metrics.statusCache.WithLabelValues("hit").Inc()
		return l, nil
	}
	c.mu.Lock()
	known, missing := c.missing[url]
	c.mu.Unlock()
	if missing && now.Sub(known) < missingFor {
		return nil, fmt.Errorf("%w: no status list at %s", issuer.ErrNotFound, url)
	}
	s.metrics.statusCache.WithLabelValues("miss").Inc()
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	pubs, err := s.iss.PublishStatusWith(ctx, s.publishOptions(now, url))
	if err != nil {
		return nil, err
	}
	if len(pubs) == 0 {
		c.mu.Lock()
		if len(c.missing) > 10_000 {
			clear(c.missing)
		}
		c.missing[url] = now
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: no status list at %s", issuer.ErrNotFound, url)
	}
	l = &signedList{body: pubs[0].Credential, mediaType: pubs[0].MediaType, signed: now, gen: gen}
	c.mu.Lock()
	c.lists[url] = l
	c.mu.Unlock()
	return l, nil
}

// handleStatusList serves a status list credential at exactly the URL the
// credentials name: GET <status path>/{profile}/{n}/{purpose}.
func (s *Server) handleStatusList(w http.ResponseWriter, r *http.Request) {
	if !validProfile(r.PathValue("profile")) || !isDigits(r.PathValue("n")) ||
		!slices.Contains([]string{issuer.PurposeRevocation, issuer.PurposeSuspension, issuer.PurposeToken}, r.PathValue("purpose")) {
		s.writeError(w, r, errorf(http.StatusNotFound, "not-found", "Not found", "no status list here"))
		return
	}
	url := s.inst.StatusBaseURL + "/" + r.PathValue("profile") + "/" + r.PathValue("n") + "/" + r.PathValue("purpose")
	l, err := s.statusList(r.Context(), url)
	if err != nil {
		if errors.Is(err, issuer.ErrNotFound) {
			s.writeError(w, r, errorf(http.StatusNotFound, "not-found", "Not found", "no status list here"))
			return
		}
		s.writeError(w, r, err)
		return
	}
	serveDocument(w, r, l.mediaType, l.body, s.cfg.Status.TTL)
}

func isDigits(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// publishStatus signs every list again now and, when configured, writes
// them to Status.PublishDir. It returns the lists' URLs.
func (s *Server) publishStatus(ctx context.Context, actor string) ([]string, error) {
	s.lists.changed()
	s.statusMu.Lock()
	pubs, err := s.iss.PublishStatusWith(ctx, s.publishOptions(s.now()))
	if err == nil {
		now := s.now()
		s.lists.mu.Lock()
		for _, p := range pubs {
			s.lists.lists[p.List.URL] = &signedList{body: p.Credential, mediaType: p.MediaType, signed: now, gen: s.lists.gen}
		}
		s.lists.mu.Unlock()
	}
	s.statusMu.Unlock()
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, p := range pubs {
		urls = append(urls, p.List.URL)
		if dir := s.cfg.Status.PublishDir; dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(dir, p.File), p.Credential, 0o644); err != nil {
				return nil, err
			}
		}
	}
	s.recordAudit(ctx, "status.publish", "", actor, fmt.Sprintf("%d lists", len(pubs)))
	return urls, s.resetVerifier()
}

// changeStatus revokes, suspends or reinstates a credential, records it in
// the audit log, and makes the change visible at once: the lists are
// signed again when next asked for and the verifier forgets what it
// cached.
func (s *Server) changeStatus(ctx context.Context, action, id, reason, actor string) (*issuer.Entry, error) {
	var e *issuer.Entry
	var err error
	switch action {
	case "revoke":
		if strings.TrimSpace(reason) == "" {
			return nil, badRequest("a revocation needs a reason (a short note, no personal data)")
		}
		e, err = s.iss.Revoke(id, reason)
	case "suspend":
		e, err = s.iss.Suspend(id, reason)
	case "reinstate":
		e, err = s.iss.Reinstate(id, reason)
	default:
		return nil, badRequest("unknown action %q: revoke, suspend or reinstate", action)
	}
	if err != nil {
		return nil, err
	}
	s.metrics.statusChange.WithLabelValues(action).Inc()
	s.lists.changed()
	s.recordAudit(ctx, "credentials."+action, id, actor, "")
	return e, s.resetVerifier()
}

// recordAudit appends to the audit log; a failure is logged (the change
// itself is done).
func (s *Server) recordAudit(ctx context.Context, op, subject, actor, detail string) {
	if err := s.audit.RecordAudit(ctx, op, subject, actor, detail); err != nil {
		s.log.Error("audit log", "op", op, "error", err.Error())
	}
}
