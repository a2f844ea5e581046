package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elmo"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/verifier"
)

// ELMO transcripts (EMREX, Erasmus Without Paper) over the API: the XML
// document itself is the body (Content-Type application/xml or text/xml),
// and what the JSON requests put in options goes in the query. The bytes
// are kept exactly as they came, since the document's XML signature covers
// them (docs/vc-api.md#elmo).

// isXML reports whether the request's body is declared as XML.
func isXML(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/xml" || mt == "text/xml")
}

// elmoLimit is the largest ELMO body read: limits.batch, and never more
// than the ELMO reader's own limit.
func (s *Server) elmoLimit() int64 {
	return min(s.cfg.Limits.Batch, elmo.DefaultMaxBytes)
}

// ELMOSettings are the ELMO reader's options a request chooses (query
// parameters lang, requireSignature, requireTrustedSigner). A batch keeps
// them, to read its document again the same way when it runs.
type ELMOSettings struct {
	Language             string `json:"lang,omitempty"`
	RequireSignature     bool   `json:"requireSignature,omitempty"`
	RequireTrustedSigner bool   `json:"requireTrustedSigner,omitempty"`
}

// elmoSettings reads the ELMO query parameters.
func elmoSettings(q url.Values) (ELMOSettings, error) {
	var e ELMOSettings
	e.Language = q.Get("lang")
	for name, dst := range map[string]*bool{"requireSignature": &e.RequireSignature, "requireTrustedSigner": &e.RequireTrustedSigner} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return e, badRequest("query parameter %s=%q: true or false", name, v)
			}
			*dst = b
		}
	}
	return e, nil
}

// elmoOptions are the reader's options for settings: the request's limit,
// and the verifier's trust sources asked about a verified signer.
func (s *Server) elmoOptions(e ELMOSettings, source string) *elmo.Options {
	return &elmo.Options{
		MaxBytes: s.elmoLimit(), Language: e.Language, Source: source, Now: s.now,
		Trust:            verifier.ELMOTrust{Sources: s.vopts.Trust},
		RequireSignature: e.RequireSignature, RequireTrustedSigner: e.RequireTrustedSigner,
	}
}

// elmoIssueParams are the query parameters POST /credentials/issue takes
// with an ELMO body; any other is an error, as an unknown JSON member is.
var elmoIssueParams = []string{"profile", "proof", "key", "lang", "requireSignature", "requireTrustedSigner", "source"}

// elmoIssued is one credential of an ELMO issue response: the VC-API's
// verifiableCredential and register entry, and the report's mapping.
type elmoIssued struct {
	VerifiableCredential json.RawMessage `json:"verifiableCredential"`
	Register             *registerEntry  `json:"register"`
	Mapping              *elmo.Report    `json:"mapping"`
}

// elmoIssueResponse is the body of an ELMO issue: every report's
// credential, each document's signature check, the reader's warnings.
type elmoIssueResponse struct {
	Credentials []elmoIssued      `json:"credentials"`
	Wrapped     bool              `json:"wrapped"`
	Signatures  []*elmo.Signature `json:"signatures"`
	Warnings    []elmo.Problem    `json:"warnings"`
}

// handleIssueELMO is POST /credentials/issue with an ELMO document: one
// credential per report, all read and mapped before any is issued.
func (s *Server) handleIssueELMO(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for name := range q {
		if !contains(elmoIssueParams, name) {
			s.writeError(w, r, badRequest("unknown query parameter %q: an ELMO body takes %s", name, strings.Join(elmoIssueParams, ", ")))
			return
		}
	}
	settings, err := elmoSettings(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.issueProfile(issueOptions{Profile: q.Get("profile"), Proof: q.Get("proof"), Key: q.Get("key")}, "profile")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := s.readBody(w, r, s.elmoLimit(), "application/xml", "text/xml")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	// Nothing is issued when no key can sign (checked first: it is cheap),
	// nor before the whole document is read, checked, its signature
	// verified and every report mapped.
	if err := s.iss.Ready(p); err != nil {
		s.writeError(w, r, err)
		return
	}
	recs, res, err := issuer.ELMORecords(ctx, body, s.elmoOptions(settings, orDefault(q.Get("source"), "request")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := elmoIssueResponse{Wrapped: res.Wrapped, Signatures: res.Signatures, Warnings: res.Warnings, Credentials: make([]elmoIssued, 0, len(recs))}
	if resp.Warnings == nil {
		resp.Warnings = []elmo.Problem{}
	}
	created := false
	for k, rec := range recs {
		start := time.Now()
		out, err := s.iss.Issue(ctx, issuer.ELMO, rec, p)
		s.countIssued(ctx, out, p, start, err, actorName(r), "from ELMO "+res.Credentials[k].Report.Report)
		if err != nil {
			if k > 0 {
				err = fmt.Errorf("report %d of %d (the first %d are issued, and issuing the document again completes it): %w", k+1, len(recs), k, err)
			}
			s.writeError(w, r, err)
			return
		}
		created = created || !out.Existing
		rep := *res.Credentials[k].Report
		rep.CredentialID = out.Entry.ID // the report describes the issued credential
		v := s.entryView(&out.Entry)
		v.Existing = out.Existing
		resp.Credentials = append(resp.Credentials, elmoIssued{VerifiableCredential: vcapiCredential(out.Credential, out.MediaType), Register: v, Mapping: &rep})
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	if len(resp.Credentials) == 1 {
		w.Header().Set("Location", "/credentials/"+url.PathEscape(resp.Credentials[0].Register.ID))
	}
	writeJSON(w, status, resp)
}

// countIssued counts one issuance in the metrics and, when it made a new
// credential, the audit log.
func (s *Server) countIssued(ctx context.Context, out *issuer.Issued, p issuer.Profile, start time.Time, err error, actor, detail string) {
	format := formatLabel(p.Proof)
	if out != nil {
		format = out.Entry.Proof
	}
	switch {
	case err != nil:
		s.metrics.issued.WithLabelValues(format, "error").Inc()
		return
	case out.Existing:
		s.metrics.issued.WithLabelValues(format, "existing").Inc()
	default:
		s.metrics.issued.WithLabelValues(format, "ok").Inc()
		s.recordAudit(ctx, "credentials.issue", out.Entry.ID, actor, out.Entry.Profile+"/"+out.Entry.Proof+", "+detail)
	}
	s.lists.opened()
	s.metrics.issueTime.WithLabelValues(format).Observe(time.Since(start).Seconds())
}

// ELMOBatch is what a batch from an ELMO document keeps beside the
// BatchRecord's counts: the reader's settings (the document is read again
// when the batch runs), each document's signature check and each report's
// mapping (XML paths and reasons, not the learner's data).
type ELMOBatch struct {
	ELMOSettings
	Wrapped    bool              `json:"wrapped"`
	Signatures []*elmo.Signature `json:"signatures"`
	Warnings   []elmo.Problem    `json:"warnings,omitempty"`
	Mapping    []*elmo.Report    `json:"mapping"`
}

// batchRecords reads a batch's input into the template and records it
// issues: an ELMO document's reports, or a CSV's rows.
func (s *Server) batchRecords(ctx context.Context, rec *BatchRecord, input []byte) (issuer.Template, []templates.Record, *elmo.Result, error) {
	if rec.ELMO != nil {
		recs, res, err := issuer.ELMORecords(ctx, input, s.elmoOptions(rec.ELMO.ELMOSettings, rec.Source))
		if err != nil {
			return nil, nil, nil, err
		}
		return issuer.ELMO, recs, res, nil
	}
	t, err := templates.Builtin(rec.Template)
	if err != nil {
		return nil, nil, nil, err
	}
	recs, err := templates.ReadCSV(input, rec.Source)
	if err != nil {
		var re *templates.RecordsError
		if !errors.As(err, &re) {
			return nil, nil, nil, badRequest("%s", err.Error())
		}
		return nil, nil, nil, err
	}
	return t, recs, nil, nil
}

// elmoProblem maps the ELMO reader's refusals: not well-formed (or a DTD,
// or over a limit) is 400 malformed-xml with the line and column; a schema
// violation is 422 invalid-elmo with every problem's path, line and column
// (and a report that cannot be mapped, with its path);
// a signature that fails, or is required and missing or untrusted, is 422
// elmo-signature. ok is false for other errors.
func elmoProblem(err error) (p *httpError, ok bool) {
	var se *elmo.SyntaxError
	var ie *elmo.InvalidError
	switch {
	case errors.As(err, &se):
		p = errorf(http.StatusBadRequest, "malformed-xml", "Malformed XML", "%s", strings.TrimPrefix(se.Error(), "elmo: "))
		p.errs = []FieldProblem{{Line: se.Line, Column: se.Column, Message: se.Msg}}
		return p, true
	case errors.As(err, &ie):
		p = errorf(http.StatusUnprocessableEntity, "invalid-elmo", "Not valid ELMO", "%s", strings.TrimPrefix(ie.Error(), "elmo: "))
		for _, pr := range ie.Problems {
			p.errs = append(p.errs, FieldProblem{Path: pr.Path, Line: pr.Line, Column: pr.Column, Message: pr.Message})
		}
		return p, true
	case errors.Is(err, elmo.ErrMapping):
		return errorf(http.StatusUnprocessableEntity, "invalid-elmo", "Not valid ELMO", "%s", strings.TrimPrefix(err.Error(), "elmo: ")), true
	case errors.Is(err, elmo.ErrSignature):
		return errorf(http.StatusUnprocessableEntity, "elmo-signature", "ELMO signature refused", "%s", strings.TrimPrefix(err.Error(), "elmo: ")), true
	}
	return nil, false
}
