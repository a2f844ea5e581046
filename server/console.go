package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/templates"
)

// The registrar console: signed in with an admin or issue token, the
// session kept in the Records under a random id sent as a cookie
// (HttpOnly, SameSite=Strict, Secure and __Host- when the public URL is
// https), every route behind http.CrossOriginProtection.

const kindSession = "console-session"

// session is a console sign-in.
type session struct {
	TokenID string   `json:"tokenId"`
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
}

func (s *Server) cookieName() string {
	if s.cfg.secureCookies() {
		return "__Host-diplomat-session"
	}
	return "diplomat-session"
}

type ctxSession struct{}

func sessionOf(r *http.Request) *session {
	v, _ := r.Context().Value(ctxSession{}).(*session)
	return v
}

// currentSession returns the request's session when its cookie names a
// live session whose token is still usable.
func (s *Server) currentSession(r *http.Request) (*session, *keys.Token) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || len(c.Value) != 64 {
		return nil, nil
	}
	rec, err := s.records.Get(r.Context(), kindSession, openid4vc.Key(c.Value))
	if err != nil {
		return nil, nil
	}
	var se session
	if json.Unmarshal(rec.Value, &se) != nil {
		return nil, nil
	}
	tok, err := s.tokens.Token(r.Context(), se.TokenID)
	if err != nil || !tok.Usable(s.now()) {
		return nil, nil
	}
	return &se, tok
}

// session lets a console request through with a live session whose token
// holds one of scopes; without one it goes to the sign-in page.
func (s *Server) session(h http.HandlerFunc, scopes ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se, tok := s.currentSession(r)
		if se == nil {
			http.Redirect(w, r, "/console", http.StatusSeeOther)
			return
		}
		if !slices.ContainsFunc(scopes, tok.Has) {
			s.render(w, r, http.StatusForbidden, "console", s.consoleData(r.Context(), se, tok, "", "Your token ("+tok.Name+") may not do this: it needs the "+strings.Join(scopes, " or ")+" scope."))
			return
		}
		r = withActor(r, tok)
		h(w, r.WithContext(context.WithValue(r.Context(), ctxSession{}, se)))
	}
}

func (s *Server) consoleData(ctx context.Context, se *session, tok *keys.Token, notice, errMsg string) *pageData {
	d := &pageData{Title: "Registrar console", Session: se, Notice: notice, Error: errMsg, Profiles: issuer.Profiles()}
	for _, t := range templates.Builtins() {
		d.Templates = append(d.Templates, t.Name())
	}
	if tok != nil {
		d.CanStatus = tok.Has(keys.ScopeStatus)
	}
	if all, err := s.batches.ListBatches(ctx); err == nil {
		d.Batches = all[:min(len(all), 20)]
	}
	return d
}

func (s *Server) handleConsole(w http.ResponseWriter, r *http.Request) {
	se, tok := s.currentSession(r)
	if se == nil {
		s.render(w, r, http.StatusOK, "signin", &pageData{Title: "Sign in to the registrar console"})
		return
	}
	notice := ""
	if n, err := strconv.Atoi(r.URL.Query().Get("published")); err == nil {
		notice = strconv.Itoa(n) + " status lists signed and published."
	}
	s.render(w, r, http.StatusOK, "console", s.consoleData(r.Context(), se, tok, notice, ""))
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "signin", &pageData{Title: "Sign in", Error: "The form could not be read."})
		return
	}
	tok, err := s.authenticate(r.Context(), strings.TrimSpace(r.PostForm.Get("token")))
	if err != nil || !(tok.Has(keys.ScopeIssue)) {
		msg := "This token is unknown, revoked or expired."
		if err == nil {
			msg = "This token may not use the console: it needs the admin or issue scope."
		} else if !errors.Is(err, keys.ErrTokenInvalid) {
			s.writeError(w, r, err)
			return
		}
		s.metrics.authFailures.WithLabelValues("console").Inc()
		s.render(w, r, http.StatusUnauthorized, "signin", &pageData{Title: "Sign in", Error: msg})
		return
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	id := hex.EncodeToString(raw)
	v, _ := json.Marshal(session{TokenID: tok.ID, Name: tok.Name, Scopes: tok.Scopes})
	exp := s.now().Add(s.cfg.Console.SessionTTL)
	if !tok.Expires.IsZero() && tok.Expires.Before(exp) {
		exp = tok.Expires
	}
	if err := s.records.Create(r.Context(), kindSession, openid4vc.Key(id), openid4vc.Record{Value: v, Expires: exp}); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: id, Path: "/", Expires: exp, HttpOnly: true,
		Secure: s.cfg.secureCookies(), SameSite: http.SameSiteStrictMode})
	s.recordAudit(r.Context(), "console.signin", tok.ID, tok.Name, "")
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		_ = s.records.Delete(r.Context(), kindSession, openid4vc.Key(c.Value))
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.secureCookies(), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

// handleConsoleUpload validates an uploaded CSV and shows every row's
// problems before anything is signed; a valid one waits for "Issue". With
// format=elmo the file is an ELMO document (one row per report): one that
// is refused shows why, with its line and column, and no batch is made.
func (s *Server) handleConsoleUpload(w http.ResponseWriter, r *http.Request) {
	se, tok := sessionOf(r), actorOf(r)
	fail := func(status int, msg string) {
		s.render(w, r, status, "console", s.consoleData(r.Context(), se, tok, "", msg))
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		fail(http.StatusBadRequest, "Send the upload form.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Limits.Batch+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(http.StatusBadRequest, "The form could not be read.")
		return
	}
	rec := &BatchRecord{Actor: tok.Name}
	var csv []byte
	var format, source string
	var settings ELMOSettings
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(http.StatusRequestEntityTooLarge, "The upload is too large or broken.")
			return
		}
		b, err := io.ReadAll(io.LimitReader(part, s.cfg.Limits.Batch+1))
		if err != nil || int64(len(b)) > s.cfg.Limits.Batch {
			fail(http.StatusRequestEntityTooLarge, "The CSV file is too large.")
			return
		}
		switch part.FormName() {
		case "template":
			rec.Template = string(b)
		case "profile":
			rec.Profile = string(b)
		case "proof":
			rec.Proof = string(b)
		case "skipInvalid":
			rec.SkipInvalid = string(b) == "on" || string(b) == "true"
		case "format":
			format = string(b)
		case "requireSignature":
			settings.RequireSignature = string(b) == "on" || string(b) == "true"
		case "file":
			csv = b
			source = part.FileName()
		}
	}
	if format == "elmo" {
		if len(csv) == 0 || rec.Profile == "" {
			fail(http.StatusBadRequest, "Choose a profile and an ELMO file.")
			return
		}
		if int64(len(csv)) > s.elmoLimit() {
			fail(http.StatusRequestEntityTooLarge, "The ELMO file is too large.")
			return
		}
		rec.Template, rec.Source, rec.ELMO = issuer.ELMOTemplateName, orDefault(source, "upload.xml"), &ELMOBatch{ELMOSettings: settings}
	} else {
		rec.Source = orDefault(source, "upload.csv")
		if len(csv) == 0 || rec.Template == "" || rec.Profile == "" {
			fail(http.StatusBadRequest, "Choose a template, a profile and a CSV file.")
			return
		}
	}
	isELMO, name := rec.ELMO != nil, rec.Source
	rec, err = s.newBatch(r.Context(), csv, rec, false)
	if err != nil {
		p := s.problemFor(err)
		msg := p.detail
		if isELMO {
			msg = name + ": " + msg + ". Nothing was stored or signed."
		}
		fail(p.status, msg)
		return
	}
	http.Redirect(w, r, "/console/batches/"+rec.ID, http.StatusSeeOther)
}

func (s *Server) handleConsoleBatch(w http.ResponseWriter, r *http.Request) {
	rec, err := s.batchView(r.Context(), r.PathValue("id"))
	if err != nil {
		s.render(w, r, http.StatusNotFound, "console", s.consoleData(r.Context(), sessionOf(r), actorOf(r), "", "No such batch."))
		return
	}
	d := s.consoleData(r.Context(), sessionOf(r), actorOf(r), "", "")
	d.Title, d.Batch = "Batch "+rec.ID, rec
	d.Refresh = rec.State == BatchQueued || rec.State == BatchRunning
	s.render(w, r, http.StatusOK, "batch", d)
}

func (s *Server) handleConsoleStart(w http.ResponseWriter, r *http.Request) {
	if _, err := s.startBatch(r.Context(), r.PathValue("id"), actorOf(r).Name); err != nil {
		s.render(w, r, s.problemFor(err).status, "console", s.consoleData(r.Context(), sessionOf(r), actorOf(r), "", s.problemFor(err).detail))
		return
	}
	http.Redirect(w, r, "/console/batches/"+r.PathValue("id"), http.StatusSeeOther)
}

func (s *Server) handleConsoleDownload(w http.ResponseWriter, r *http.Request) {
	s.writeBatchResult(w, r, r.PathValue("id"), r.URL.Query().Get("format"))
}

// handleConsoleRegister searches the register by credential id or subject
// identifier.
func (s *Server) handleConsoleRegister(w http.ResponseWriter, r *http.Request) {
	s.renderRegister(w, r, strings.TrimSpace(r.URL.Query().Get("q")), "", "", http.StatusOK)
}

func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, q, notice, errMsg string, status int) {
	d := s.consoleData(r.Context(), sessionOf(r), actorOf(r), notice, errMsg)
	d.Title, d.Query = "Register", q
	if q != "" {
		d.Searched = true
		if e, err := issuer.Lookup(s.store, q); err == nil {
			d.Entries = append(d.Entries, s.entryView(e))
		} else if es, err := issuer.List(s.store, issuer.Filter{Subject: q}); err == nil {
			for i := range es {
				d.Entries = append(d.Entries, s.entryView(&es[i]))
			}
		}
	}
	s.render(w, r, status, "register", d)
}

func (s *Server) handleConsoleStatus(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderRegister(w, r, "", "", "The form could not be read.", http.StatusBadRequest)
		return
	}
	id, action, reason := r.PostForm.Get("id"), r.PostForm.Get("action"), strings.TrimSpace(r.PostForm.Get("reason"))
	e, err := s.changeStatus(r.Context(), action, id, reason, actorOf(r).Name)
	if err != nil {
		p := s.problemFor(err)
		s.renderRegister(w, r, id, "", p.detail, p.status)
		return
	}
	s.renderRegister(w, r, id, e.ID+" is now "+e.State+".", "", http.StatusOK)
}

func (s *Server) handleConsolePublish(w http.ResponseWriter, r *http.Request) {
	urls, err := s.publishStatus(r.Context(), actorOf(r).Name)
	if err != nil {
		p := s.problemFor(err)
		s.render(w, r, p.status, "console", s.consoleData(r.Context(), sessionOf(r), actorOf(r), "", p.detail))
		return
	}
	http.Redirect(w, r, "/console?published="+strconv.Itoa(len(urls)), http.StatusSeeOther)
}
