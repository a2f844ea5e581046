package server

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/verifier"
)

//go:embed web
var webFS embed.FS

// pages are the server-rendered pages: a layout and one template per page.
// No page needs JavaScript.
type pages struct {
	byName map[string]*template.Template
	style  []byte
}

var pageNames = []string{"verify", "signin", "console", "batch", "register", "ask", "offer", "wallet-signin"}

func newPages() (*pages, error) {
	funcs := template.FuncMap{
		"checkName": checkName,
		"lower":     strings.ToLower,
		"day":       day10,
		"lastSeg":   func(s string) string { return s[strings.LastIndexByte(s, '/')+1:] },
		"upper":     strings.ToUpper,
		"join":      strings.Join,
		"inc":       func(i int) int { return i + 1 },
		"kib":       func(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) },
		"time":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(webFS, "web/layout.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(webFS, "web/"+n+".html")
		if err != nil {
			return nil, err
		}
		p.byName[n] = t
	}
	if p.style, err = webFS.ReadFile("web/style.css"); err != nil {
		return nil, err
	}
	return p, nil
}

// ExtendPage adds or redefines templates of a page before the server
// serves: the OpenID4VP integration defines the "wallet" block of the
// verification page (a QR code as an <img src="data:image/png;base64,…">,
// which the Content-Security-Policy allows) this way.
func (s *Server) ExtendPage(page, text string) error {
	t := s.pages.byName[page]
	if t == nil {
		return fmt.Errorf("server: no page %q", page)
	}
	_, err := t.Parse(text)
	return err
}

// pageData is what every page template receives; each page uses its part.
type pageData struct {
	Title   string
	Dev     bool
	Samples []Sample
	Notice  string
	Error   string

	// The verification page.
	Report *verifier.Report
	Banner banner

	// The console.
	Session   *session
	Templates []string
	Profiles  []string
	Batch     *BatchRecord
	Batches   []*BatchRecord
	Query     string
	Entries   []*registerEntry
	Searched  bool
	CanStatus bool
	Refresh   bool
	Extra     map[string]any
}

// banner is the verdict as the page shows it.
type banner struct {
	Class, Headline, Text string
}

func bannerFor(rep *verifier.Report) banner {
	switch rep.Verdict {
	case verifier.Verified:
		return banner{"ok", "Verified", "Authentic, issued by a trusted issuer, valid today, and neither revoked nor suspended."}
	case verifier.Untrusted:
		return banner{"warn", "Issuer not trusted", "The credential is authentic and in order, but no trust source vouches for its issuer. Check the issuer before relying on it."}
	case verifier.Expired:
		return banner{"warn", "Expired", "The credential is authentic but outside its validity period."}
	case verifier.Suspended:
		return banner{"bad", "Suspended", "The issuer has suspended this credential."}
	case verifier.Revoked:
		return banner{"bad", "Revoked", "The issuer has revoked this credential: do not rely on it."}
	}
	return banner{"bad", "Not valid", "This credential could not be verified: see the failed check below."}
}

// checkName is a check's name in plain words.
func checkName(id string) string {
	switch id {
	case verifier.CheckFormat:
		return "Format"
	case verifier.CheckEnvelope:
		return "Structure"
	case verifier.CheckProof:
		return "Signature"
	case verifier.CheckKey:
		return "Signing key"
	case verifier.CheckCertificate:
		return "Seal certificate"
	case verifier.CheckValidity:
		return "Validity dates"
	case verifier.CheckStatus:
		return "Revocation and suspension"
	case verifier.CheckTrust:
		return "Issuer trusted"
	case verifier.CheckELM:
		return "European Learning Model"
	case verifier.CheckChallenge:
		return "Challenge"
	case verifier.CheckReplay:
		return "Replay"
	case verifier.CheckHolder:
		return "Holder"
	case verifier.CheckCredentials:
		return "Credentials presented"
	}
	return id
}

func day10(s string) string {
	if len(s) >= 10 && s[4] == '-' {
		return s[:10]
	}
	return s
}

// render writes a page; a template error is logged and answered 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, d *pageData) {
	d.Dev = s.dev
	var b bytes.Buffer
	if err := s.pages.byName[name].ExecuteTemplate(&b, "layout.html", d); err != nil {
		s.log.Error("rendering a page", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) handleStyle(w http.ResponseWriter, r *http.Request) {
	serveDocument(w, r, "text/css; charset=utf-8", s.pages.style, time.Hour)
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	if name := r.URL.Query().Get("sample"); name != "" {
		// A development instance verifies its samples in one click.
		for _, sm := range s.samples {
			if sm.Name == name {
				s.showReport(w, r, sm.Data)
				return
			}
		}
	}
	s.render(w, r, http.StatusOK, "verify", &pageData{Title: "Verify a credential", Samples: s.samples})
}

// handlePageVerify verifies what was pasted or uploaded and shows the
// report. Nothing of it is stored or logged.
func (s *Server) handlePageVerify(w http.ResponseWriter, r *http.Request) {
	d := &pageData{Title: "Verification result", Samples: s.samples}
	input, err := s.pageInput(w, r)
	if err != nil {
		d.Error = err.Error()
		var he *httpError
		status := http.StatusBadRequest
		if errors.As(err, &he) {
			status, d.Error = he.status, he.detail
		}
		s.render(w, r, status, "verify", d)
		return
	}
	s.showReport(w, r, input)
}

// showReport verifies input and renders the result page.
func (s *Server) showReport(w http.ResponseWriter, r *http.Request, input []byte) {
	rep, err := s.verify(r.Context(), input, verifier.Request{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "verify", &pageData{Title: "Verification result", Samples: s.samples, Report: rep, Banner: bannerFor(rep)})
}

// pageInput reads the credential from the form: an uploaded file, else the
// pasted text.
func (s *Server) pageInput(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := s.cfg.Limits.Body
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var text string
	switch mt {
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, badRequest("the form could not be read: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, tooLargeOr(err, limit)
			}
			b, err := io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil {
				return nil, tooLargeOr(err, limit)
			}
			if int64(len(b)) > limit {
				return nil, errorf(http.StatusRequestEntityTooLarge, "too-large", "Too large", "the credential is larger than %d bytes", limit)
			}
			switch part.FormName() {
			case "file":
				if len(bytes.TrimSpace(b)) > 0 {
					return bytes.TrimSpace(b), nil
				}
			case "credential":
				text = string(b)
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, tooLargeOr(err, limit)
		}
		text = r.PostForm.Get("credential")
	default:
		return nil, badRequest("send the form")
	}
	if int64(len(text)) > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too-large", "Too large", "the credential is larger than %d bytes", limit)
	}
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("paste a credential or choose a file to verify")
	}
	return []byte(strings.TrimSpace(text)), nil
}

func tooLargeOr(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "too-large", "Too large", "the credential is larger than %d bytes", limit)
	}
	return badRequest("the form could not be read: %v", err)
}

// handleSample downloads a development sample credential.
func (s *Server) handleSample(w http.ResponseWriter, r *http.Request) {
	for _, sm := range s.samples {
		if sm.Name == r.PathValue("name") {
			w.Header().Set("Content-Disposition", `attachment; filename="`+sm.Name+`"`)
			serveDocument(w, r, "application/octet-stream", sm.Data, time.Minute)
			return
		}
	}
	s.writeError(w, r, errorf(http.StatusNotFound, "not-found", "Not found", "no sample %q", r.PathValue("name")))
}
