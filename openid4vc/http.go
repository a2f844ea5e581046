package openid4vc

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/internal/netguard"
)

// Helpers the vci and vp handlers and clients share.

// ReadForm reads an application/x-www-form-urlencoded body of at most max
// bytes in which no parameter is repeated. Errors are invalid_request.
func ReadForm(w http.ResponseWriter, r *http.Request, max int64) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, Errorf(CodeInvalidRequest, "the body must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		return nil, Errorf(CodeInvalidRequest, "the body is over %d bytes or cannot be read", max)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, Errorf(CodeInvalidRequest, "the form does not parse: %v", err)
	}
	return form, SingleValued(form)
}

// SingleValued returns an invalid_request error when a parameter of form
// is given more than once (RFC 6749 section 3.1).
func SingleValued(form url.Values) error {
	for name, vs := range form {
		if len(vs) > 1 {
			return Errorf(CodeInvalidRequest, "parameter %s is repeated", clip(name))
		}
	}
	return nil
}

// LinkQuery returns the query parameters of a wallet invocation link
// (openid-credential-offer://, openid4vp://, an https link) of at most
// max bytes; what names the link in errors.
func LinkQuery(link string, max int, what string) (url.Values, error) {
	if len(link) > max {
		return nil, fmt.Errorf("%s of %d bytes is over the limit of %d", what, len(link), max)
	}
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return nil, fmt.Errorf("%s does not parse: %v", what, err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%s: query: %v", what, err)
	}
	return q, nil
}

// WriteJSON writes v as JSON with Cache-Control: no-store.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// ParseError reads an OAuth error response (error, error_description) of
// a failed call; a body without one gives a server_error naming the status.
func ParseError(status int, header http.Header, body []byte) *Error {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		e.Error = CodeServerError
		e.Description = fmt.Sprintf("HTTP status %d without an OAuth error", status)
	}
	return &Error{Code: clip(e.Error), Description: ASCIIDescription(e.Description), Status: status, DPoPNonce: header.Get("DPoP-Nonce")}
}

// HTTPClient returns c, or when c is nil the client every outside fetch
// uses: https only, no connection to a non-public address, no redirect, a
// 10-second timeout (internal/netguard).
func HTTPClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return netguard.NewClient(netguard.Options{})
}

// CheckChain checks a certificate chain that came with a message (x5c),
// leaf first: each certificate valid at now and signed by the next one,
// and, with roots, a path from the leaf to one of them. It returns whether
// roots vouch for it; the error is for a chain that does not hold together.
func CheckChain(chain []*x509.Certificate, roots *x509.CertPool, now time.Time) (trusted bool, err error) {
	if len(chain) == 0 {
		return false, fmt.Errorf("no certificate")
	}
	for i, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return false, fmt.Errorf("certificate %d is not valid now", i)
		}
		if i+1 < len(chain) {
			if err := c.CheckSignatureFrom(chain[i+1]); err != nil {
				return false, fmt.Errorf("certificate %d is not signed by certificate %d", i, i+1)
			}
		}
	}
	if roots == nil {
		return false, nil
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err = chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err == nil, nil
}

// Now returns clock(), or time.Now() when clock is nil: the clocks of
// Options and clients.
func Now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}
