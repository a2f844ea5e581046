package vp

import (
	"net/http"
	"path"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// The Serve… methods are the verifier's wallet-facing endpoints as
// http.HandlerFunc; the service lists them in routes.go. The result for the
// frontend is not an endpoint here: the service's own page calls Result
// with the transaction id it kept in the officer's session.

func (rp *RelyingParty) fail(w http.ResponseWriter, r *http.Request, err error) {
	if rp.opts.WriteError != nil {
		rp.opts.WriteError(w, r, err)
		return
	}
	openid4vc.WriteError(w, err)
}

// ServeRequestObject serves the request_uri: GET, or POST with
// wallet_metadata and wallet_nonce (request_uri_method post). The state is
// the path value "state" or the last path segment.
func (rp *RelyingParty) ServeRequestObject(w http.ResponseWriter, r *http.Request) {
	state := r.PathValue("state")
	if state == "" {
		state = path.Base(r.URL.Path)
	}
	nonce := ""
	if r.Method == http.MethodPost {
		form, err := openid4vc.ReadForm(w, r, 64<<10)
		if err != nil {
			rp.fail(w, r, err)
			return
		}
		nonce = form.Get("wallet_nonce")
	}
	jwt, err := rp.RequestObject(r.Context(), state, r.Method, nonce)
	if err != nil {
		rp.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/oauth-authz-req+jwt")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(jwt))
}

// ServeResponse serves the response_uri (POST, form-encoded).
func (rp *RelyingParty) ServeResponse(w http.ResponseWriter, r *http.Request) {
	form, err := openid4vc.ReadForm(w, r, MaxResponseBytes)
	if err != nil {
		rp.fail(w, r, err)
		return
	}
	ack, err := rp.HandleResponse(r.Context(), form)
	if err != nil {
		rp.fail(w, r, err)
		return
	}
	openid4vc.WriteJSON(w, http.StatusOK, ack)
}
