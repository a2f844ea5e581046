package openid4vc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// OAuth 2.0, RFC 6750, RFC 9449, OpenID4VCI 1.0 and OpenID4VP 1.0 error
// codes, as the error member of an error response carries them.
const (
	// RFC 6749 section 5.2 (token endpoint) and 4.1.2.1 (authorization).
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidClient        = "invalid_client"
	CodeInvalidGrant         = "invalid_grant"
	CodeUnauthorizedClient   = "unauthorized_client"
	CodeUnsupportedGrantType = "unsupported_grant_type"
	CodeInvalidScope         = "invalid_scope"
	CodeAccessDenied         = "access_denied"
	CodeUnsupportedResponse  = "unsupported_response_type"
	CodeServerError          = "server_error"
	// RFC 9396: authorization_details that cannot be granted.
	CodeInvalidAuthorizationDetails = "invalid_authorization_details"
	// RFC 6750 section 3.1 (protected resources: credential, notification).
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
	// RFC 9449 section 12.2.
	CodeInvalidDPoPProof = "invalid_dpop_proof"
	CodeUseDPoPNonce     = "use_dpop_nonce"
	// OpenID4VCI 1.0 section 8.3.1.2 (credential endpoint).
	CodeInvalidCredentialRequest       = "invalid_credential_request"
	CodeUnknownCredentialConfiguration = "unknown_credential_configuration"
	CodeUnknownCredentialIdentifier    = "unknown_credential_identifier"
	CodeInvalidProof                   = "invalid_proof"
	CodeInvalidNonce                   = "invalid_nonce"
	CodeInvalidEncryptionParameters    = "invalid_encryption_parameters"
	CodeCredentialRequestDenied        = "credential_request_denied"
	// OpenID4VCI 1.0 section 11 (notification endpoint).
	CodeInvalidNotificationID      = "invalid_notification_id"
	CodeInvalidNotificationRequest = "invalid_notification_request"
	// OpenID4VP 1.0 section 8.5.
	CodeVPFormatsNotSupported    = "vp_formats_not_supported"
	CodeInvalidRequestURIMethod  = "invalid_request_uri_method"
	CodeInvalidTransactionData   = "invalid_transaction_data"
	CodeWalletUnavailable        = "wallet_unavailable"
	CodeInvalidRequestObject     = "invalid_request_object" // RFC 9101 section 6.3
	CodeRequestURINotSupported   = "request_uri_not_supported"
	CodeInvalidAuthorizationCode = CodeInvalidGrant
)

// Error is a protocol error: an error code from the specifications, a
// description for the developer at the other end, and the HTTP status the
// endpoint answers with. Every error the vci and vp endpoint methods return
// is an *Error or wraps one (errors.As); any other error is a failure of the
// service itself (a store that cannot be read) and answers 500
// server_error without its text.
//
// Description is sent to the client: it names what is wrong and where, and
// never carries stored or secret values (codes, tokens, claims).
type Error struct {
	// Code is the error code (the Code… constants).
	Code string
	// Description says what is wrong, for the developer of the client.
	Description string
	// Status is the HTTP status; zero means 400, or 401 for invalid_token
	// and invalid_dpop_proof at a protected resource (see Resource).
	Status int
	// Resource is true for errors of a protected resource (credential,
	// notification): they are answered with a WWW-Authenticate header
	// (RFC 6750 section 3, RFC 9449 section 7.1) when authentication failed.
	Resource bool
	// DPoP is true when the protected resource expects DPoP, so that the
	// WWW-Authenticate challenge names the DPoP scheme.
	DPoP bool
	// DPoPNonce, when set, is sent in the DPoP-Nonce header.
	DPoPNonce string
	// Err is the underlying cause, kept for the service's log; it is never
	// sent.
	Err error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a description made by fmt.Sprintf.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with code whose description is the message of err
// (prefixed with what, when set) and which wraps err.
func Wrap(code string, err error, what string) *Error {
	d := err.Error()
	if what != "" {
		d = what + ": " + d
	}
	return &Error{Code: code, Description: d, Err: err}
}

// HTTPStatus returns the status the error is answered with.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case CodeInvalidToken:
		return http.StatusUnauthorized
	case CodeInvalidDPoPProof, CodeUseDPoPNonce:
		if e.Resource {
			return http.StatusUnauthorized
		}
	case CodeInsufficientScope:
		return http.StatusForbidden
	case CodeInvalidClient:
		return http.StatusUnauthorized
	case CodeServerError:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// As returns the *Error err is or wraps, or a server_error *Error wrapping
// err when it is none (its description is "internal error": the cause stays
// in Err, for the log).
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeServerError, Description: "internal error", Status: http.StatusInternalServerError, Err: err}
}

// WriteError answers err as the specifications say: a JSON body with error
// and error_description, Cache-Control no-store, the status of the *Error
// (see As), and for protected resources a WWW-Authenticate challenge. A
// failure that is not an *Error is answered 500 server_error without its
// text. This is the default error writer of the vci and vp handlers; a
// service that logs passes its own (which should end by calling this).
func WriteError(w http.ResponseWriter, err error) {
	e := As(err)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if e.DPoPNonce != "" {
		h.Set("DPoP-Nonce", e.DPoPNonce)
	}
	status := e.HTTPStatus()
	if e.Resource && (status == http.StatusUnauthorized || status == http.StatusForbidden) {
		scheme := "Bearer"
		if e.DPoP {
			scheme = `DPoP algs="ES256 ES384 ES512 EdDSA"`
		}
		challenge := scheme + `, error="` + e.Code + `"`
		if e.Description != "" {
			challenge += `, error_description="` + headerSafe(e.Description) + `"`
		}
		h.Set("WWW-Authenticate", challenge)
	}
	w.WriteHeader(status)
	body, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, ASCIIDescription(e.Description)})
	w.Write(body)
}

// ASCIIDescription returns s with every character outside the set that RFC
// 6749 allows in error_description (%x20-21 / %x23-5B / %x5D-7E) replaced by
// a space or an apostrophe, and cut to 500 bytes.
func ASCIIDescription(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\\' || r < 0x20 || r > 0x7e:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		if b.Len() >= 500 {
			break
		}
	}
	return b.String()
}

func headerSafe(s string) string { return ASCIIDescription(s) }
