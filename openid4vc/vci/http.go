package vci

import (
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// The Serve… methods are the issuer's endpoints as http.HandlerFunc: they
// decode the request, call the method of the same name and encode the
// answer, nothing else. The service lists them in its routes.go (see
// docs/openid4vc.md for the table of patterns); they know no paths
// themselves, except that ServeOffer reads the offer id from the path
// value "id" (or the last path segment).

// maxFormBytes bounds form bodies (token, PAR, sign-in).
const maxFormBytes = 64 << 10

func (is *Issuer) fail(w http.ResponseWriter, r *http.Request, err error) {
	if is.opts.WriteError != nil {
		is.opts.WriteError(w, r, err)
		return
	}
	openid4vc.WriteError(w, err)
}

func writeRaw(w http.ResponseWriter, status int, ct string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// ServeMetadata serves the credential issuer metadata (GET
// /.well-known/openid-credential-issuer): signed (application/jwt) when the
// wallet asks for it and a signer is configured, JSON otherwise.
func (is *Issuer) ServeMetadata(w http.ResponseWriter, r *http.Request) {
	if is.opts.MetadataSigner != nil && acceptsJWT(r.Header.Get("Accept")) {
		s, err := is.SignedMetadata()
		if err != nil {
			is.fail(w, r, err)
			return
		}
		writeRaw(w, http.StatusOK, "application/jwt", []byte(s))
		return
	}
	writeRaw(w, http.StatusOK, "application/json", is.meta)
}

func acceptsJWT(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		if mt == "application/jwt" {
			return true
		}
	}
	return false
}

// ServeAuthServerMetadata serves GET /.well-known/oauth-authorization-server.
func (is *Issuer) ServeAuthServerMetadata(w http.ResponseWriter, r *http.Request) {
	writeRaw(w, http.StatusOK, "application/json", is.asMeta)
}

// ServeOffer serves an offer by reference (GET credential_offer_uri).
func (is *Issuer) ServeOffer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" {
		id = path.Base(r.URL.Path)
	}
	b, err := is.OfferJSON(r.Context(), id)
	if errors.Is(err, openid4vc.ErrNotFound) {
		is.fail(w, r, &openid4vc.Error{Code: openid4vc.CodeInvalidRequest, Description: "no pending credential offer here (unknown, redeemed, withdrawn or expired)", Status: http.StatusNotFound})
		return
	}
	if err != nil {
		is.fail(w, r, err)
		return
	}
	writeRaw(w, http.StatusOK, "application/json", b)
}

// ServeToken serves POST token.
func (is *Issuer) ServeToken(w http.ResponseWriter, r *http.Request) {
	form, err := openid4vc.ReadForm(w, r, maxFormBytes)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	req, err := ParseTokenRequest(form, r.Header.Get("DPoP"))
	if err != nil {
		is.fail(w, r, err)
		return
	}
	resp, err := is.Token(r.Context(), req)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	openid4vc.WriteJSON(w, http.StatusOK, resp)
}

// ServeNonce serves POST nonce.
func (is *Issuer) ServeNonce(w http.ResponseWriter, r *http.Request) {
	n, err := is.Nonce(r.Context())
	if err != nil {
		is.fail(w, r, err)
		return
	}
	openid4vc.WriteJSON(w, http.StatusOK, map[string]string{"c_nonce": n})
}

func (is *Issuer) call(w http.ResponseWriter, r *http.Request) (CredentialCall, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		return CredentialCall{}, openid4vc.Errorf(openid4vc.CodeInvalidCredentialRequest, "the body is over %d bytes or cannot be read", MaxRequestBytes)
	}
	return CredentialCall{Authorization: r.Header.Get("Authorization"), DPoP: r.Header.Get("DPoP"), ContentType: r.Header.Get("Content-Type"), Body: body}, nil
}

// ServeCredential serves POST credential.
func (is *Issuer) ServeCredential(w http.ResponseWriter, r *http.Request) {
	call, err := is.call(w, r)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	ans, err := is.Credential(r.Context(), call)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	if ans.Encrypted != "" {
		writeRaw(w, http.StatusOK, "application/jwt", []byte(ans.Encrypted))
		return
	}
	if b, ok := ans.Response.plainJSON(); ok {
		writeRaw(w, http.StatusOK, "application/json", b)
		return
	}
	openid4vc.WriteJSON(w, http.StatusOK, ans.Response)
}

// ServeNotification serves POST notification (204 on success).
func (is *Issuer) ServeNotification(w http.ResponseWriter, r *http.Request) {
	call, err := is.call(w, r)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	if err := is.Notify(r.Context(), call); err != nil {
		is.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// ServePAR serves POST par (201 with request_uri).
func (is *Issuer) ServePAR(w http.ResponseWriter, r *http.Request) {
	form, err := openid4vc.ReadForm(w, r, maxFormBytes)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	req, err := ParseAuthorizationRequest(form)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	resp, err := is.PushAuthorization(r.Context(), req)
	if err != nil {
		is.fail(w, r, err)
		return
	}
	openid4vc.WriteJSON(w, http.StatusCreated, resp)
}

// SignInPage renders the sign-in page of the authorization endpoint: the
// form must POST "session" and "code" back to the authorization endpoint.
// problem, when set, says why the last code was refused.
type SignInPage func(w http.ResponseWriter, r *http.Request, s *SignIn, action, problem string)

// ServeAuthorize serves the authorization endpoint: GET starts the sign-in
// (StartSignIn) and shows the page; POST checks the code (CompleteSignIn)
// and redirects to the wallet, or shows the page again with the problem.
// page nil uses a plain built-in page.
func (is *Issuer) ServeAuthorize(page SignInPage) http.HandlerFunc {
	if page == nil {
		page = defaultSignInPage
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		switch r.Method {
		case http.MethodGet:
			req, err := ParseAuthorizationRequest(r.URL.Query())
			if err != nil {
				showError(w, err)
				return
			}
			s, err := is.StartSignIn(r.Context(), req)
			if err != nil {
				if e := (*openid4vc.Error)(nil); errors.As(err, &e) {
					showError(w, err)
				} else {
					is.fail(w, r, err)
				}
				return
			}
			page(w, r, s, is.ep.Authorize, "")
		case http.MethodPost:
			form, err := openid4vc.ReadForm(w, r, maxFormBytes)
			if err != nil {
				showError(w, err)
				return
			}
			session := form.Get("session")
			to, err := is.CompleteSignIn(r.Context(), session, strings.TrimSpace(form.Get("code")))
			switch {
			case errors.Is(err, ErrWrongSignInCode):
				page(w, r, &SignIn{Session: session}, is.ep.Authorize, err.Error())
			case err != nil:
				if e := (*openid4vc.Error)(nil); errors.As(err, &e) {
					showError(w, err)
				} else {
					is.fail(w, r, err)
				}
			default:
				http.Redirect(w, r, to, http.StatusSeeOther)
			}
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	}
}

var signInTmpl = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in to receive your credential</title></head>
<body><main>
<h1>Sign in to receive your credential</h1>
{{if .Contact}}<p>We sent a one-time code to <strong>{{.Contact}}</strong>.</p>{{end}}
{{if .Problem}}<p role="alert">{{.Problem}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="session" value="{{.Session}}">
<label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus></label>
<button type="submit">Continue</button>
</form></main></body></html>`))

func defaultSignInPage(w http.ResponseWriter, r *http.Request, s *SignIn, action, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	status := http.StatusOK
	if problem != "" {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	signInTmpl.Execute(w, map[string]string{"Contact": s.Contact, "Session": s.Session, "Action": action, "Problem": problem})
}

var errorTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cannot continue</title></head>
<body><main><h1>Cannot continue</h1><p>{{.}}</p></main></body></html>`))

func showError(w http.ResponseWriter, err error) {
	e := openid4vc.As(err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.HTTPStatus())
	errorTmpl.Execute(w, e.Error())
}
