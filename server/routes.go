package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/diplomat-edu/diplomat/keys"
)

// routes lists every route of the service. Each is wrapped by s.route
// (request id, metrics, access log, panic recovery) and, by kind:
//
//   - public routes (verification, hosting, the page): rate-limited per
//     client, no authentication;
//   - API routes: a bearer token with one of the scopes named;
//   - console routes: a session cookie, behind http.CrossOriginProtection.
//
// To add a group of routes (the OpenID4VCI/VP endpoints), add a block here
// that calls s.handle with the same wrappers; handlers decode, call a
// library, encode, and return errors through s.writeError.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.Handler) { mux.Handle(pattern, s.route(pattern, h)) }
	pub := func(pattern string, f http.HandlerFunc) { handle(pattern, s.public(f)) }
	api := func(pattern string, f http.HandlerFunc, scopes ...string) {
		handle(pattern, s.requireScope(f, scopes...))
	}

	// VC-API: issuing (docs/vc-api.md).
	api("POST /credentials/issue", s.handleIssue, keys.ScopeIssue)
	api("POST /credentials/status", s.handleStatus, keys.ScopeStatus)
	api("GET /credentials/{id}", s.handleGetCredential, keys.ScopeIssue, keys.ScopeStatus)
	api("GET /credentials", s.handleListCredentials, keys.ScopeIssue, keys.ScopeStatus)
	api("POST /status/publish", s.handlePublish, keys.ScopeStatus)
	api("POST /batches", s.handleCreateBatch, keys.ScopeIssue)
	api("GET /batches/{id}", s.handleGetBatch, keys.ScopeIssue)
	api("POST /batches/{id}/start", s.handleStartBatch, keys.ScopeIssue)
	api("GET /batches/{id}/result", s.handleBatchResult, keys.ScopeIssue)

	// Credential offers to students' wallets (docs/openid4vc.md).
	api("POST /offers", s.handleCreateOffer, keys.ScopeIssue)
	api("DELETE /offers/{id}", s.handleRevokeOffer, keys.ScopeIssue)

	// VC-API: verifying, public.
	pub("POST /credentials/verify", s.handleVerifyCredential)
	pub("POST /presentations/verify", s.handleVerifyPresentation)

	// Hosting, public: what verifiers fetch.
	pub("GET /.well-known/did.json", s.handleDIDDocument)
	pub("GET /.well-known/jwks.json", s.handleJWKS)
	pub("GET /certificates/{file}", s.handleCertificates)
	if p := s.statusPath(); p != "" {
		pub("GET "+p+"/{profile}/{n}/{purpose}", s.handleStatusList)
	}

	// The verification page, public.
	pub("GET /{$}", s.handlePage)
	pub("POST /{$}", s.handlePageVerify)
	pub("GET /samples/{name}", s.handleSample)
	handle("GET /assets/style.css", http.HandlerFunc(s.handleStyle))

	// OpenID4VCI (the wallet collects a credential) and OpenID4VP (the
	// wallet answers the verification page), public: docs/openid4vc.md.
	if o := s.oid; o != nil && o.vci != nil {
		pub("GET /.well-known/openid-credential-issuer", o.vci.ServeMetadata)
		pub("GET /.well-known/oauth-authorization-server", o.vci.ServeAuthServerMetadata)
		pub("GET /credential-offer/{id}", o.vci.ServeOffer)
		pub("POST /token", o.vci.ServeToken)
		pub("POST /nonce", o.vci.ServeNonce)
		pub("POST /credential", o.vci.ServeCredential)
		pub("POST /notification", o.vci.ServeNotification)
		pub("POST /par", o.vci.ServePAR)
		pub("/authorize", o.vci.ServeAuthorize(s.signInPage))
	}
	if o := s.oid; o != nil && o.rp != nil {
		pub("GET /vp/request/{state}", o.rp.ServeRequestObject)
		pub("POST /vp/request/{state}", o.rp.ServeRequestObject)
		pub("POST /vp/response", s.countVPResponse(o.rp.ServeResponse))
	}

	// The registrar console: session cookie, cross-origin protection.
	cop := http.NewCrossOriginProtection()
	con := func(pattern string, f http.HandlerFunc) { handle(pattern, cop.Handler(f)) }
	// The verification page asks a wallet (no session; its own cookie).
	if o := s.oid; o != nil && o.rp != nil {
		handle("POST /ask", s.public(cop.Handler(http.HandlerFunc(s.handleAsk))))
		pub("GET /ask", s.handleAskPage)
	}
	con("GET /console", s.handleConsole)
	con("POST /console/signin", s.handleSignIn)
	con("POST /console/signout", s.handleSignOut)
	con("POST /console/batches", s.session(s.handleConsoleUpload, keys.ScopeIssue))
	con("GET /console/batches/{id}", s.session(s.handleConsoleBatch, keys.ScopeIssue))
	con("POST /console/batches/{id}/start", s.session(s.handleConsoleStart, keys.ScopeIssue))
	con("GET /console/batches/{id}/download", s.session(s.handleConsoleDownload, keys.ScopeIssue))
	con("GET /console/register", s.session(s.handleConsoleRegister, keys.ScopeIssue, keys.ScopeStatus))
	con("POST /console/credentials/status", s.session(s.handleConsoleStatus, keys.ScopeStatus))
	con("POST /console/status/publish", s.session(s.handleConsolePublish, keys.ScopeStatus))
	con("GET /console/offer", s.session(s.handleConsoleOfferForm, keys.ScopeIssue))
	con("POST /console/offer", s.session(s.handleConsoleOffer, keys.ScopeIssue))

	// Operations.
	handle("GET /healthz", http.HandlerFunc(s.handleHealth))
	handle("GET /readyz", http.HandlerFunc(s.handleReady))
	handle("GET /metrics", s.metrics.handler())

	// Everything else: a problem, not the mux's plain text.
	handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(http.StatusNotFound, "not-found", "Not found", "no route %s %s (docs/vc-api.md lists them)", r.Method, r.URL.Path))
	}))
	return securityHeaders(s.cors(mux))
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// handleReady answers 200 when the store answers (a database within two
// seconds), its keys are unlocked and the service is not shutting down; 503
// otherwise, saying why.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	why := ""
	switch {
	case s.stopping.Load():
		why = "shutting down"
	case !s.store.Unlocked():
		why = "store locked"
	case s.pinger != nil:
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.pinger.Ping(ctx); err != nil {
			s.log.Warn("readiness: the database does not answer", slog.String("error", err.Error()))
			why = "database unreachable"
		} else if _, err := s.store.WebDID(); err != nil {
			why = "store not readable"
		}
	default:
		if _, err := s.store.WebDID(); err != nil {
			why = "store not readable"
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if why != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(why + "\n"))
		return
	}
	if s.pinger != nil {
		_, _ = w.Write([]byte("ready (database answers)\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
