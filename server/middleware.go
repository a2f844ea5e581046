package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/diplomat-edu/diplomat/keys"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyRoute
	keyActor
	keyActorSlot
)

func requestID(r *http.Request) string { s, _ := r.Context().Value(keyRequestID).(string); return s }
func routeOf(r *http.Request) string   { s, _ := r.Context().Value(keyRoute).(string); return s }

// actorOf returns the token that authorised the request, or nil.
func actorOf(r *http.Request) *keys.Token {
	t, _ := r.Context().Value(keyActor).(*keys.Token)
	return t
}

// actorSlot takes the name of the token that authorised a request back out
// to the access log of route, whose request does not see the context the
// authenticating wrappers (requireScope, session) give the handler.
type actorSlot struct{ name string }

// withActor returns r with tok as its actor, and names tok in the access
// log.
func withActor(r *http.Request, tok *keys.Token) *http.Request {
	if slot, ok := r.Context().Value(keyActorSlot).(*actorSlot); ok {
		slot.name = tok.Name
	}
	return r.WithContext(context.WithValue(r.Context(), keyActor, tok))
}

// actorName is the token's name for the audit log, "" when none.
func actorName(r *http.Request) string {
	if t := actorOf(r); t != nil {
		return t.Name
	}
	return ""
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// route wraps the handler of one route: request id, route name, panic
// recovery, metrics and the access log (method, route, status, duration,
// size, token name: no client address, query or body, which may be
// personal data).
func (s *Server) route(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		slot := &actorSlot{}
		ctx := context.WithValue(context.WithValue(context.WithValue(r.Context(), keyRequestID, id), keyRoute, name), keyActorSlot, slot)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", slog.String("request", id), slog.String("route", name), slog.String("panic", fmt.Sprint(v)))
				if sw.status == 0 {
					s.writeError(sw, r, errors.New("panic"))
				}
			}
			d := time.Since(start)
			s.metrics.request(name, r.Method, sw.status, d)
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{slog.String("request", id), slog.String("method", r.Method), slog.String("route", name),
				slog.Int("status", sw.status), slog.Duration("duration", d), slog.Int64("bytes", sw.bytes)}
			if slot.name != "" {
				attrs = append(attrs, slog.String("token", slot.name))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		h.ServeHTTP(sw, r)
	})
}

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.ServeHTTP(w, r)
	})
}

// cors answers preflight requests and adds the CORS headers for the
// configured origins only; other origins get no CORS header at all.
func (s *Server) cors(h http.Handler) http.Handler {
	if len(s.cfg.CORS.Origins) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && slices.Contains(s.cfg.CORS.Origins, origin) {
			hd := w.Header()
			hd.Add("Vary", "Origin")
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Expose-Headers", "Location, X-Request-Id, ETag")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				hd.Set("Access-Control-Allow-Methods", "GET, POST")
				hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				hd.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// maxClients is the number of client addresses the limiter keeps before it
// forgets all but the most recent.
const maxClients = 100_000

// limiter is the per-client rate limit of the public routes.
type limiter struct {
	mu      sync.Mutex
	rate    rate.Limit
	burst   int
	clients map[string]*client
	swept   time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond < 0 {
		return nil
	}
	return &limiter{rate: rate.Limit(perSecond), burst: burst, clients: map[string]*client{}}
}

// allow reports whether the client at addr may make a request now.
func (l *limiter) allow(addr string, now time.Time) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget idle clients every minute, and at once when very many
	// addresses are known (a flood from many addresses must not grow the
	// map without bound).
	if now.Sub(l.swept) > time.Minute || len(l.clients) >= maxClients {
		idle := 3 * time.Minute
		if len(l.clients) >= maxClients {
			idle = 5 * time.Second
		}
		for k, c := range l.clients {
			if now.Sub(c.seen) > idle {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	c := l.clients[host]
	if c == nil {
		c = &client{lim: rate.NewLimiter(l.rate, l.burst)}
		l.clients[host] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}

// public rate-limits a public route per client.
func (s *Server) public(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.limiter != nil && !s.limiter.allow(r.RemoteAddr, time.Now()) {
			s.metrics.rateLimited.Inc()
			e := errorf(http.StatusTooManyRequests, "rate-limited", "Too many requests", "slow down: at most %g requests per second from one client", float64(s.limiter.rate))
			e.header = http.Header{"Retry-After": {"1"}}
			s.writeError(w, r, e)
			return
		}
		// What other nodes sharing the store changed (a revocation, a
		// key) shows here before anything is answered from a cache.
		s.sync(r.Context())
		h.ServeHTTP(w, r)
	})
}

// requireScope lets a request through with a valid bearer token holding
// one of scopes (an admin token holds every scope): 401 without one or
// with an invalid, revoked or expired one, 403 out of scope.
func (s *Server) requireScope(h http.Handler, scopes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		scheme, secret, _ := strings.Cut(auth, " ")
		if auth == "" || !strings.EqualFold(scheme, "Bearer") {
			s.metrics.authFailures.WithLabelValues("missing").Inc()
			e := errorf(http.StatusUnauthorized, "unauthorized", "Authentication required", "send a bearer token: Authorization: Bearer dpl_… (diplomat tokens create)")
			e.header = http.Header{"Www-Authenticate": {`Bearer realm="diplomat"`}}
			s.writeError(w, r, e)
			return
		}
		tok, err := s.authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if !errors.Is(err, keys.ErrTokenInvalid) {
				s.writeError(w, r, err)
				return
			}
			s.metrics.authFailures.WithLabelValues("invalid").Inc()
			e := errorf(http.StatusUnauthorized, "invalid-token", "Invalid token", "the token is unknown, revoked or expired")
			e.header = http.Header{"Www-Authenticate": {`Bearer realm="diplomat", error="invalid_token"`}}
			s.writeError(w, r, e)
			return
		}
		if !slices.ContainsFunc(scopes, tok.Has) {
			s.metrics.authFailures.WithLabelValues("scope").Inc()
			e := errorf(http.StatusForbidden, "insufficient-scope", "Token out of scope", "token %q has scope %s; this needs %s", tok.Name, strings.Join(tok.Scopes, ","), strings.Join(scopes, " or "))
			e.header = http.Header{"Www-Authenticate": {fmt.Sprintf(`Bearer realm="diplomat", error="insufficient_scope", scope=%q`, strings.Join(scopes, " "))}}
			s.writeError(w, r, e)
			return
		}
		h.ServeHTTP(w, withActor(r, tok))
	})
}

// authenticate checks a token secret and records its use at most once a
// minute per token.
func (s *Server) authenticate(ctx context.Context, secret string) (*keys.Token, error) {
	now := s.now()
	tok, err := s.tokens.AuthenticateToken(ctx, secret, now)
	if err != nil {
		return nil, err
	}
	s.touchMu.Lock()
	last := s.touched[tok.ID]
	due := now.Sub(last) >= time.Minute
	if due {
		s.touched[tok.ID] = now
	}
	s.touchMu.Unlock()
	if due {
		if err := s.tokens.TouchToken(ctx, tok.ID, now); err != nil {
			s.log.Warn("recording a token's use", slog.String("token", tok.Name), slog.String("error", err.Error()))
		}
	}
	return tok, nil
}

// readBody reads a request body of one of the media types wanted, up to
// limit bytes: 415 for another type, 413 over the limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64, wanted ...string) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	ok := err == nil && slices.ContainsFunc(wanted, func(x string) bool {
		return mt == x || (x == "application/json" && strings.HasSuffix(mt, "+json"))
	})
	if !ok {
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"send %s (Content-Type %q)", strings.Join(wanted, " or "), r.Header.Get("Content-Type"))
	}
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	buf := make([]byte, 0, max(min(r.ContentLength, limit), 512)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, nil
			}
			return nil, err
		}
	}
}
