package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/templates"
)

// ProblemBase is the prefix of the problem types the service answers with:
// the section of docs/vc-api.md that explains each.
const ProblemBase = "https://github.com/diplomat-edu/diplomat/blob/main/docs/vc-api.md#"

// Problem is an RFC 9457 problem details object, the body of every error
// response of the API. Extensions carry what a client can act on: the row
// errors of a batch, the report of a verification.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors are the input problems, each with where it is.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one problem of the input: a row, a field or a JSON path,
// or for XML the element's path, line and column; and what is wrong.
type FieldProblem struct {
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Path    string `json:"path,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// httpError is an error with the status and problem slug it answers with.
// Handlers return it for what they know; writeError maps the rest.
type httpError struct {
	status int
	slug   string
	title  string
	detail string
	errs   []FieldProblem
	header http.Header
}

func (e *httpError) Error() string { return e.title + ": " + e.detail }

func errorf(status int, slug, title, format string, args ...any) *httpError {
	return &httpError{status: status, slug: slug, title: title, detail: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *httpError {
	return errorf(http.StatusBadRequest, "bad-request", "Bad request", format, args...)
}

// writeError is the one function that turns an error into an HTTP
// response: the person sees what they can act on, or "internal error"; the
// log sees the rest, with the request id.
//
// The OpenID4VCI/VP endpoints (and every *openid4vc.Error) are answered as
// those specifications say: {"error": code, "error_description": …}.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *openid4vc.Error
	if oauthRoutes[routeOf(r)] || errors.As(err, &oe) {
		s.writeOAuthError(w, r, err)
		return
	}
	p := s.problemFor(err)
	if p.status >= 500 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("request", requestID(r)),
			slog.String("route", routeOf(r)), slog.String("error", err.Error()))
	}
	for k, vs := range p.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeProblem(w, Problem{Type: ProblemBase + p.slug, Title: p.title, Status: p.status, Detail: p.detail, Errors: p.errs})
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}

// problemFor maps an error to its response.
func (s *Server) problemFor(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	if p, ok := elmoProblem(err); ok {
		return p
	}
	var mbe *http.MaxBytesError
	var je *jsonx.Error
	var re *templates.RecordsError
	var de *issuer.DuplicateError
	switch {
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, "too-large", "Request body too large", "the body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, issuer.ErrInvalidInput) || errors.As(err, &re):
		p := errorf(http.StatusUnprocessableEntity, "invalid-input", "Invalid input", "%s", firstLine(err.Error()))
		if errors.As(err, &re) {
			for _, fe := range re.Errors {
				p.errs = append(p.errs, FieldProblem{Row: fe.Row, Field: fe.Field, Message: fe.Message})
			}
		}
		if errors.As(err, &de) {
			for _, d := range de.Rows {
				p.errs = append(p.errs, FieldProblem{Row: d.Row, Message: fmt.Sprintf("duplicates row %d", d.Of)})
			}
		}
		return p
	case errors.As(err, &je):
		return errorf(http.StatusBadRequest, "malformed-json", "Malformed JSON", "%s", je.Error())
	case errors.Is(err, issuer.ErrUnknownProfile):
		return errorf(http.StatusBadRequest, "unknown-profile", "Unknown profile or proof", "%s", err.Error())
	case errors.Is(err, templates.ErrUnknownTemplate):
		return errorf(http.StatusBadRequest, "unknown-template", "Unknown template", "%s", err.Error())
	case errors.Is(err, issuer.ErrNoKey), errors.Is(err, issuer.ErrSealMismatch):
		return errorf(http.StatusConflict, "no-key", "No key can sign this", "%s", err.Error())
	case errors.Is(err, jsonld.ErrUnknownContext), errors.Is(err, jsonld.ErrContextMismatch):
		return errorf(http.StatusUnprocessableEntity, "unknown-context", "Unknown JSON-LD context", "%s", err.Error())
	case errors.Is(err, issuer.ErrNotFound), errors.Is(err, ErrBatchNotFound):
		return errorf(http.StatusNotFound, "not-found", "Not found", "%s", err.Error())
	case errors.Is(err, issuer.ErrExists), errors.Is(err, keys.ErrExists):
		return errorf(http.StatusConflict, "exists", "Already exists", "%s", err.Error())
	case errors.Is(err, issuer.ErrState):
		return errorf(http.StatusConflict, "state", "Status change not allowed", "%s", err.Error())
	case errors.Is(err, keys.ErrLocked):
		return errorf(http.StatusServiceUnavailable, "locked", "Store locked", "the store is locked")
	}
	return errorf(http.StatusInternalServerError, "internal", "Internal error", "internal error: the service log has the details")
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
