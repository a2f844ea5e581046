package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// The verification page's "Ask the student's wallet": the officer picks
// what to ask (a preset DCQL query or their own), the page shows the
// openid4vp:// link as a QR code for a wallet on another device and a
// same-device button, and refreshes itself (no JavaScript) until the
// answer arrives; then it shows the same report as for an uploaded
// credential. The two requests (cross-device, same-device) and the page
// are tied to the officer's browser by a cookie naming a record in the
// store; the transaction ids never leave the server.

// kindAskPage is the kind of the records tying a browser to its requests.
const kindAskPage = "vp-page"

// askPage is what the cookie of the wallet flow names.
type askPage struct {
	What      string    `json:"what"`
	CrossTx   string    `json:"crossTx"`
	SameTx    string    `json:"sameTx"`
	CrossLink string    `json:"crossLink"`
	SameLink  string    `json:"sameLink"`
	Expires   time.Time `json:"expires"`
}

// presets are the queries the page offers, each answerable in any of the
// three formats (credential_sets: one option per format).
var presets = []struct {
	Name, Label string
	// Claims are the claim paths asked under credentialSubject (the
	// SD-JWT VC layout puts them under "elm"), each with its values.
	Claims []presetClaim
}{
	{"diploma", "A diploma or other qualification awarded (its title and the holder's name)", []presetClaim{
		{Path: []any{"hasClaim", nil, "specifiedBy", "type"}, Values: []any{"Qualification"}},
		{Path: []any{"hasClaim", nil, "title"}}, {Path: []any{"familyName"}}, {Path: []any{"givenName"}}}},
	{"transcript", "A transcript of records (the course units and the holder's name)", []presetClaim{
		{Path: []any{"hasClaim", nil, "hasPart", nil, "title"}}, {Path: []any{"familyName"}}, {Path: []any{"givenName"}}}},
	{"eqf6", "Any ELM credential at EQF level 6 or more (bachelor, master, doctorate)", []presetClaim{
		{Path: []any{"hasClaim", nil, "specifiedBy", "eqfLevel", "id"}, Values: []any{"http://data.europa.eu/snb/eqf/6", "http://data.europa.eu/snb/eqf/7", "http://data.europa.eu/snb/eqf/8"}},
		{Path: []any{"hasClaim", nil, "title"}}, {Path: []any{"familyName"}}}},
}

type presetClaim struct {
	Path   []any `json:"path"`
	Values []any `json:"values,omitempty"`
}

// presetQuery builds the DCQL query of a preset.
func presetQuery(name string) (*dcql.Query, string, error) {
	for _, p := range presets {
		if p.Name != name {
			continue
		}
		claims := func(prefix ...any) []presetClaim {
			var out []presetClaim
			for _, c := range p.Claims {
				path := append(append(append([]any(nil), prefix...), "credentialSubject"), c.Path...)
				out = append(out, presetClaim{Path: path, Values: c.Values})
			}
			return out
		}
		q := map[string]any{
			"credentials": []any{
				map[string]any{"id": p.Name + "_sd_jwt", "format": dcql.FormatSDJWT, "meta": map[string]any{"vct_values": []string{"urn:eudi:elm:1"}}, "claims": claims("elm")},
				map[string]any{"id": p.Name + "_jwt_vc", "format": dcql.FormatJWTVC, "meta": map[string]any{"type_values": [][]string{{"VerifiableCredential", "EuropeanDigitalCredential"}}}, "claims": claims()},
				map[string]any{"id": p.Name + "_ldp_vc", "format": dcql.FormatLDPVC, "meta": map[string]any{"type_values": [][]string{{"https://www.w3.org/2018/credentials#VerifiableCredential", "http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential"}}}, "claims": claims()},
			},
			"credential_sets": []any{map[string]any{"options": [][]string{{p.Name + "_sd_jwt"}, {p.Name + "_jwt_vc"}, {p.Name + "_ldp_vc"}}}},
		}
		b, _ := json.Marshal(q)
		parsed, err := dcql.Parse(b)
		return parsed, p.Label, err
	}
	return nil, "", fmt.Errorf("no preset %q", name)
}

// extendPages fills the verification page's "wallet" block (the form that
// asks a wallet) and its "walletresult" block (where an answer came from).
func (s *Server) extendPages() error {
	if s.oid == nil || s.oid.rp == nil {
		return nil
	}
	s.pages.byName["verify"].Funcs(template.FuncMap{"askPresets": func() any { return presets }})
	return s.ExtendPage("verify", walletBlocks)
}

const walletBlocks = `{{define "wallet"}}
<section aria-labelledby="ask" class="ask">
  <h2 id="ask">Ask the student's wallet</h2>
  <p>The student scans a QR code with their wallet (EUDI and other OpenID4VP wallets) and shares only what you ask.</p>
  <form method="post" action="/ask" class="ask">
    <fieldset><legend>What to ask for</legend>
    {{range $i, $p := askPresets}}<label class="check"><input type="radio" name="preset" value="{{$p.Name}}"{{if eq $i 0}} checked{{end}}> {{$p.Label}}</label>
    {{end}}<label class="check"><input type="radio" name="preset" value="custom"> My own DCQL query:</label>
    <label for="dcql">DCQL query (JSON)</label>
    <textarea id="dcql" name="dcql" rows="4" spellcheck="false" autocomplete="off"></textarea>
    </fieldset>
    <button type="submit">Ask the student's wallet</button>
  </form>
</section>
{{end}}
{{define "walletresult"}}{{with .Extra.wallet}}
<section aria-labelledby="fromwallet">
  <h2 id="fromwallet">Presented from the student's wallet</h2>
  <p>Asked: {{.What}}. The wallet answered the request made for this page (OpenID4VP, {{.Format}}); the holder proved possession of the key the credential is bound to, and the answer was accepted once.</p>
  {{if .Claims}}<details><summary>What the student disclosed</summary><pre class="mono">{{.Claims}}</pre></details>{{end}}
  <p class="noprint"><a href="/">Ask again or verify another credential</a></p>
</section>
{{end}}{{end}}`

// askCookie is the name of the wallet flow's cookie.
func (s *Server) askCookie() string {
	if s.cfg.secureCookies() {
		return "__Host-diplomat-ask"
	}
	return "diplomat-ask"
}

// handleAsk (POST /ask) makes the requests and sends the browser to the
// page that shows them.
func (s *Server) handleAsk(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	fail := func(status int, msg string) {
		s.render(w, r, status, "verify", &pageData{Title: "Verify a credential", Samples: s.samples, Error: msg})
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "The form could not be read (a DCQL query is at most 64 KB).")
		return
	}
	var q *dcql.Query
	var what string
	var err error
	switch preset := r.PostForm.Get("preset"); preset {
	case "custom":
		what = "your DCQL query"
		if q, err = dcql.Parse([]byte(r.PostForm.Get("dcql"))); err == nil {
			err = q.Validate()
		}
		if err != nil {
			fail(http.StatusBadRequest, "The DCQL query cannot be used: "+err.Error())
			return
		}
	default:
		if q, what, err = presetQuery(preset); err != nil {
			fail(http.StatusBadRequest, "Choose what to ask for.")
			return
		}
	}
	ctx := r.Context()
	rp := s.oid.rp
	cross, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: *q})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	same, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: *q, RedirectURI: s.cfg.PublicURL + "/ask"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.metrics.oid.requests.Add(2)
	page := askPage{What: what, CrossTx: cross.TransactionID, SameTx: same.TransactionID, CrossLink: cross.Link, SameLink: same.Link, Expires: cross.Expires}
	b, _ := json.Marshal(page)
	handle := openid4vc.NewHandle()
	exp := cross.Expires.Add(s.cfg.OpenID4VC.Verifier.RequestTTL) // the answer stays readable a while
	if err := s.records.Create(ctx, kindAskPage, openid4vc.Key(handle), openid4vc.Record{Value: b, Expires: exp}); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.askCookie(), Value: handle, Path: "/", Expires: exp, HttpOnly: true,
		Secure: s.cfg.secureCookies(), SameSite: http.SameSiteLaxMode}) // Lax: the wallet's redirect back is a top-level navigation
	http.Redirect(w, r, "/ask", http.StatusSeeOther)
}

// askView is what the ask page shows while it waits.
type askView struct {
	What, Link string
	// SameLink (openid4vp://) and QR (a data: PNG) are the service's own
	// values, marked safe for href and src.
	SameLink, QR template.URL
	Expires      time.Time
}

// handleAskPage (GET /ask) shows the pending request, or the answer: with
// response_code (the same-device flow's redirect) the same-device
// request's, else the cross-device one's.
func (s *Server) handleAskPage(w http.ResponseWriter, r *http.Request) {
	d := &pageData{Title: "Ask the student's wallet", Extra: map[string]any{}}
	c, err := r.Cookie(s.askCookie())
	var page askPage
	if err == nil && len(c.Value) == 43 {
		var rec openid4vc.Record
		if rec, err = s.records.Get(r.Context(), kindAskPage, openid4vc.Key(c.Value)); err == nil {
			err = json.Unmarshal(rec.Value, &page)
		}
	} else if err == nil {
		err = openid4vc.ErrNotFound
	}
	if err != nil {
		if !errors.Is(err, openid4vc.ErrNotFound) && !errors.Is(err, http.ErrNoCookie) {
			s.writeError(w, r, err)
			return
		}
		d.Error = "No request to a wallet is waiting in this browser (it expired, or was made elsewhere). Ask again."
		s.render(w, r, http.StatusNotFound, "ask", d)
		return
	}
	rp := s.oid.rp
	var res *vp.Result
	if code := r.URL.Query().Get("response_code"); code != "" {
		res, err = rp.Result(r.Context(), page.SameTx, code)
	} else {
		res, err = rp.Result(r.Context(), page.CrossTx, "")
	}
	switch {
	case errors.Is(err, vp.ErrResponseCode):
		d.Error = "This answer does not belong to this browser's request."
		s.render(w, r, http.StatusForbidden, "ask", d)
		return
	case errors.Is(err, openid4vc.ErrNotFound):
		d.Error = "The request expired before the wallet answered. Ask again."
		s.render(w, r, http.StatusGone, "ask", d)
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	switch res.Status {
	case vp.StatusPending:
		if s.now().After(page.Expires) {
			d.Error = "The request expired before the wallet answered. Ask again."
			s.render(w, r, http.StatusGone, "ask", d)
			return
		}
		png, err := QRPNG(page.CrossLink)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		d.Refresh = true
		d.Extra["ask"] = askView{What: page.What, Link: page.CrossLink, SameLink: template.URL(page.SameLink),
			QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), Expires: page.Expires}
		s.render(w, r, http.StatusOK, "ask", d)
	case vp.StatusAnswered:
		for _, id := range slices.Sorted(maps.Keys(res.Presentations)) {
			for _, p := range res.Presentations[id] {
				var claims string
				if len(p.Claims) > 0 {
					var v any
					if json.Unmarshal(p.Claims, &v) == nil {
						b, _ := json.MarshalIndent(v, "", "  ")
						claims = string(b)
					}
				}
				extra := map[string]any{"wallet": map[string]string{"What": page.What, "Format": p.Format, "Claims": claims}}
				rep := p.Report
				if rep.Summary == nil && len(rep.Credentials) == 1 {
					// A presentation of one credential (jwt_vp_json, ldp_vp):
					// show what the credential certifies, as for an upload.
					shown := *rep
					shown.Summary = rep.Credentials[0].Summary
					if shown.Trust == nil {
						shown.Trust = rep.Credentials[0].Trust
					}
					rep = &shown
				}
				s.render(w, r, http.StatusOK, "verify", &pageData{Title: "Verification result", Report: rep, Banner: bannerFor(rep), Extra: extra})
				return
			}
		}
		d.Error = "The wallet answered with no presentation."
		s.render(w, r, http.StatusOK, "ask", d)
	case vp.StatusDeclined:
		d.Error = "The wallet declined to share: " + res.Error + descriptionSuffix(res.Description)
		s.render(w, r, http.StatusOK, "ask", d)
	default:
		d.Error = "The wallet's answer was refused (" + res.Error + ")" + descriptionSuffix(res.Description) + ". Nothing in it can be relied on."
		s.render(w, r, http.StatusOK, "ask", d)
	}
}

func descriptionSuffix(d string) string {
	if d == "" {
		return ""
	}
	return ": " + d
}

// countVPResponse counts the answers of the response endpoint: accepted
// (the wallet's presentations or its refusal were recorded) or rejected.
func (s *Server) countVPResponse(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r)
		if sw.status/100 == 2 {
			s.metrics.oid.results.WithLabelValues("accepted").Inc()
		} else {
			s.metrics.oid.results.WithLabelValues("rejected").Inc()
		}
	}
}

// signInPage renders the authorization endpoint's sign-in page in the
// service's style.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, si *vci.SignIn, action, problem string) {
	status := http.StatusOK
	if problem != "" {
		status = http.StatusBadRequest
	}
	// The code's form redirects to the wallet (another origin or an app's
	// scheme): form-action 'self' would stop that redirect.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")
	d := &pageData{Title: "Sign in to receive your credential", Error: problem,
		Extra: map[string]any{"signin": si, "action": template.URL(action)}}
	s.render(w, r, status, "wallet-signin", d)
}

// offerView is what the console's offer page shows.
type offerView struct {
	*OfferResult
	// QR (a data: PNG) and Open (the openid-credential-offer:// link) are
	// the service's own values, marked safe for src and href.
	QR, Open template.URL
}

// consoleOfferData fills the offer form's choices.
func (s *Server) consoleOfferData(r *http.Request, notice, errMsg string) *pageData {
	d := s.consoleData(r.Context(), sessionOf(r), actorOf(r), notice, errMsg)
	d.Title = "Offer a credential to a student's wallet"
	d.Extra = map[string]any{"formats": s.oid.formats, "off": s.oid.vciOff, "signIn": s.oid.hasSignIn}
	if s.oid.outbox != nil {
		d.Extra["outbox"] = s.oid.outbox.Sent()
	}
	return d
}

// handleConsoleOfferForm (GET /console/offer[?issued=ID]) shows the offer
// form, for a new record or for a credential of the register.
func (s *Server) handleConsoleOfferForm(w http.ResponseWriter, r *http.Request) {
	d := s.consoleOfferData(r, "", "")
	d.Extra["issued"] = r.URL.Query().Get("issued")
	s.render(w, r, http.StatusOK, "offer", d)
}

// handleConsoleOffer (POST /console/offer) makes the offer and shows its
// link, QR code and transaction code, once.
func (s *Server) handleConsoleOffer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Limits.Body+64<<10)
	if err := r.ParseMultipartForm(s.cfg.Limits.Body); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.render(w, r, http.StatusBadRequest, "offer", s.consoleOfferData(r, "", "The form could not be read."))
		return
	}
	f := r.Form
	if r.PostForm != nil {
		f = r.PostForm
	}
	record := strings.TrimSpace(f.Get("record"))
	if r.MultipartForm != nil {
		if files := r.MultipartForm.File["file"]; len(files) > 0 && files[0].Size > 0 {
			fh, err := files[0].Open()
			if err == nil {
				var b []byte
				b, err = io.ReadAll(io.LimitReader(fh, s.cfg.Limits.Body))
				fh.Close()
				record = strings.TrimSpace(string(b))
			}
			if err != nil {
				s.render(w, r, http.StatusBadRequest, "offer", s.consoleOfferData(r, "", "The record file could not be read."))
				return
			}
		}
	}
	req := OfferRequest{Template: f.Get("template"), Issued: strings.TrimSpace(f.Get("issued")), Format: f.Get("format"),
		TxCode: f.Get("txCode") == "on", ByReference: f.Get("byReference") == "on", SignIn: strings.TrimSpace(f.Get("signIn"))}
	if record != "" {
		req.Record = json.RawMessage(record)
	}
	if req.Issued != "" {
		req.Template, req.Format = "", ""
	}
	out, err := s.CreateOffer(r.Context(), req, actorOf(r).Name)
	if err != nil {
		p := s.problemFor(offerError(err))
		d := s.consoleOfferData(r, "", p.detail)
		for _, fe := range p.errs {
			d.Error += fmt.Sprintf(" %s: %s.", fe.Field, fe.Message)
		}
		d.Extra["issued"] = req.Issued
		s.render(w, r, p.status, "offer", d)
		return
	}
	png, err := QRPNG(out.Link)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d := s.consoleOfferData(r, "Offer made. Give the student the QR code or the link"+map[bool]string{true: ", and the transaction code by another channel.", false: "."}[out.TxCode != ""], "")
	d.Extra["offer"] = offerView{OfferResult: out, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), Open: template.URL(out.Link)}
	s.render(w, r, http.StatusCreated, "offer", d)
}
