package vp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jsonobj"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
	"github.com/diplomat-edu/diplomat/verifier"
)

// MaxResponseBytes bounds a response (the form body, the decrypted JWT).
const MaxResponseBytes = 8 << 20

// Result statuses.
const (
	// StatusPending: no answer yet.
	StatusPending = "pending"
	// StatusAnswered: the wallet's presentations passed the protocol checks
	// (nonce, audience, holder binding, the query); each Report has its
	// verdict (trust, status, validity).
	StatusAnswered = "answered"
	// StatusRejected: the response failed a protocol check (Error says
	// which); nothing in it can be relied on.
	StatusRejected = "rejected"
	// StatusDeclined: the wallet answered with an error (access_denied…).
	StatusDeclined = "declined"
)

// Result is what became of a presentation request, for the frontend.
type Result struct {
	Status string `json:"status"`
	State  string `json:"state"`
	// Error and Description say why the response was rejected or what the
	// wallet answered.
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"`
	// Presentations are the verified presentations by Credential Query id.
	Presentations map[string][]Presentation `json:"presentations,omitempty"`
	Received      time.Time                 `json:"received,omitzero"`
}

// Presentation is one verified presentation.
type Presentation struct {
	Format string `json:"format"`
	// Report is the verifier's report, as for an uploaded credential.
	Report *verifier.Report `json:"report"`
	// Claims are the claims the holder disclosed (SD-JWT VC: the processed
	// claims; W3C: the credential).
	Claims json.RawMessage `json:"claims,omitempty"`
}

// Ack is what the response endpoint answers the wallet.
type Ack struct {
	// RedirectURI, in the same-device flow, is where the wallet sends the
	// browser (with response_code).
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// protocolChecks are the report checks whose failure means the response
// cannot be relied on at all: it is rejected, not just given a verdict.
var protocolChecks = []string{verifier.CheckFormat, verifier.CheckEnvelope, verifier.CheckProof, verifier.CheckKey,
	verifier.CheckChallenge, verifier.CheckReplay, verifier.CheckHolder}

// HandleResponse is the response endpoint (direct_post and
// direct_post.jwt). It finds the request (by the JWE's kid, or by state),
// takes it once (a second response to one request is refused: replay),
// decrypts the response with the request's own key, checks state, and
// verifies each presentation with Options.Verify, expecting the request's
// nonce and this verifier's client_id; then it checks the vp_token against
// the DCQL query (every claim asked present, nothing disclosed that was not
// asked for, holder binding). A wallet's error answer is recorded as
// declined. The result is stored for Result. Errors are *openid4vc.Error
// (invalid_request) that the wallet sees; the response is recorded as
// rejected first.
func (rp *RelyingParty) HandleResponse(ctx context.Context, form url.Values) (*Ack, error) {
	if err := openid4vc.SingleValued(form); err != nil {
		return nil, err
	}
	var payload struct {
		VPToken          json.RawMessage `json:"vp_token"`
		State            string          `json:"state"`
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	var key string
	encrypted := form.Has("response")
	if encrypted {
		kid, err := jweKid(form.Get("response"))
		if err != nil {
			return nil, openid4vc.Wrap(openid4vc.CodeInvalidRequest, err, "response")
		}
		key = kid
	} else {
		payload.State = form.Get("state")
		payload.Error, payload.ErrorDescription = form.Get("error"), form.Get("error_description")
		if v := form.Get("vp_token"); v != "" {
			payload.VPToken = json.RawMessage(v)
		}
		if payload.State == "" {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "state is missing")
		}
		key = openid4vc.Key(payload.State)
	}
	// Take the request once: concurrent or later answers find it answered.
	var rec requestRecord
	err := rp.opts.Records.Update(ctx, openid4vc.KindVPRequest, key, func(r openid4vc.Record) (*openid4vc.Record, error) {
		rec = requestRecord{}
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return nil, err
		}
		if rec.Status != statePending {
			return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "this presentation request was already answered (a response is accepted once)")
		}
		rec.Status = stateAnswered
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
	})
	if errors.Is(err, openid4vc.ErrNotFound) {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "no pending presentation request for this response (unknown state, or expired)")
	}
	if err != nil {
		return nil, err
	}
	res := Result{Received: rp.now()}
	reject := func(e *openid4vc.Error) (*Ack, error) {
		res.Status, res.Error, res.Description = StatusRejected, e.Code, e.Description
		if err := rp.storeResult(ctx, &rec, &res, ""); err != nil {
			return nil, err
		}
		return nil, e
	}
	switch {
	case encrypted:
		k, err := rp.encKey(&rec)
		if errors.Is(err, errNoEncKey) {
			return reject(openid4vc.Errorf(openid4vc.CodeInvalidRequest, "this request did not ask for an encrypted response"))
		}
		if err != nil {
			return reject(&openid4vc.Error{Code: openid4vc.CodeServerError, Description: "the verifier cannot decrypt responses to this request", Status: 500, Err: err})
		}
		plain, err := openid4vc.Decrypt(form.Get("response"), k, rec.EncKid, nil, MaxResponseBytes)
		if err != nil {
			return reject(openid4vc.Wrap(openid4vc.CodeInvalidRequest, err, "response"))
		}
		if err := jsonobj.Decode(plain, &payload, jsonx.Limits{MaxBytes: MaxResponseBytes}); err != nil {
			return reject(openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the decrypted response is not a JSON object: %v", err))
		}
		if !openid4vc.Equal(openid4vc.Key(payload.State), key) {
			return reject(openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the response's state is not the request's"))
		}
	case rec.ResponseMode == ModeDirectPostJWT && payload.Error == "":
		return reject(openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the request asked for direct_post.jwt: the response must be encrypted"))
	}
	res.State = payload.State
	if payload.Error != "" {
		res.Status, res.Error, res.Description = StatusDeclined, clip(payload.Error), openid4vc.ASCIIDescription(clip(payload.ErrorDescription))
		return rp.finish(ctx, &rec, &res)
	}
	if len(payload.VPToken) == 0 {
		return reject(openid4vc.Errorf(openid4vc.CodeInvalidRequest, "vp_token is missing"))
	}
	q, err := dcql.Parse(rec.Query)
	if err != nil {
		return nil, fmt.Errorf("vp: stored query: %w", err)
	}
	pres, e, err := rp.verifyToken(ctx, q, payload.VPToken, rec.Nonce)
	if err != nil {
		return nil, err
	}
	res.Presentations = pres
	if e != nil {
		return reject(e)
	}
	res.Status = StatusAnswered
	return rp.finish(ctx, &rec, &res)
}

// finish stores the result and answers the wallet, with a response_code
// in the redirect of the same-device flow.
func (rp *RelyingParty) finish(ctx context.Context, rec *requestRecord, res *Result) (*Ack, error) {
	ack := &Ack{}
	code := ""
	if rec.RedirectURI != "" {
		code = openid4vc.NewHandle()
		sep := "?"
		if strings.Contains(rec.RedirectURI, "?") {
			sep = "&"
		}
		ack.RedirectURI = rec.RedirectURI + sep + "response_code=" + code
	}
	if err := rp.storeResult(ctx, rec, res, code); err != nil {
		return nil, err
	}
	return ack, nil
}

func (rp *RelyingParty) storeResult(ctx context.Context, rec *requestRecord, res *Result, code string) error {
	return rp.opts.Records.Update(ctx, openid4vc.KindVPResult, rec.TransactionID, func(r openid4vc.Record) (*openid4vc.Record, error) {
		out := resultRecord{Result: *res}
		if code != "" {
			out.ResponseCode = openid4vc.Key(code)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
	})
}

// jweKid reads the kid of a compact JWE's protected header without
// decrypting it.
func jweKid(token string) (string, error) {
	h, _, ok := strings.Cut(token, ".")
	if !ok || len(h) > jwt.MaxHeader {
		return "", errors.New("not a compact JWE")
	}
	b, err := jwt.B64.DecodeString(h)
	if err != nil {
		return "", errors.New("the JWE header is not base64url")
	}
	var hdr struct {
		Kid string `json:"kid"`
	}
	if err := jsonobj.Decode(b, &hdr, jsonx.Limits{MaxBytes: jwt.MaxHeader, MaxDepth: 4}); err != nil || hdr.Kid == "" {
		return "", errors.New("the JWE header has no kid naming the request's key")
	}
	return hdr.Kid, nil
}

// verifyToken verifies every presentation of a vp_token and checks the
// token against q. A protocol failure is returned as the *openid4vc.Error
// to answer with (and the presentations verified so far); err is for a
// failure of the verifier itself.
func (rp *RelyingParty) verifyToken(ctx context.Context, q *dcql.Query, token json.RawMessage, nonce string) (map[string][]Presentation, *openid4vc.Error, error) {
	var entries map[string][]json.RawMessage
	if err := jsonobj.Decode(token, &entries, jsonx.Limits{MaxBytes: MaxResponseBytes, MaxDepth: 64}); err != nil {
		return nil, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "vp_token is not a JSON object of arrays: %v", err), nil
	}
	formats := map[string]string{}
	bound := map[string]bool{}
	for _, c := range q.Credentials {
		formats[c.ID] = c.Format
		bound[c.ID] = c.HolderBindingRequired()
	}
	out := map[string][]Presentation{}
	presented := map[string][]dcql.Credential{}
	var problems []string
	ids := make([]string, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		format, ok := formats[id]
		if !ok {
			return out, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "vp_token has %q, which the query did not ask for", clip(id)), nil
		}
		for i, raw := range entries[id] {
			input, err := presentationBytes(format, raw)
			if err != nil {
				return out, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "vp_token %s[%d]: %v", clip(id), i, err), nil
			}
			vreq := verifier.Request{Challenge: nonce, Domain: rp.clientID}
			if !bound[id] && format == dcql.FormatSDJWT && bytes.HasSuffix(input, []byte("~")) {
				// No key binding asked, none given: the SD-JWT is verified
				// as a credential; the response is bound to the request by
				// its state (OpenID4VP 1.0 section 5.3).
				vreq = verifier.Request{}
			}
			rep, err := rp.opts.Verify.Verify(ctx, input, vreq)
			if err != nil {
				return out, nil, err
			}
			p := Presentation{Format: format, Report: rep}
			cred, err := describePresentation(ctx, format, input, rp)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s[%d]: %v", id, i, err))
			} else {
				cred.HolderBinding = cred.HolderBinding && (passed(rep, verifier.CheckHolder) || !bound[id] && vreq.Challenge == "")
				presented[id] = append(presented[id], *cred)
				p.Claims, _ = json.Marshal(cred.Claims)
			}
			out[id] = append(out[id], p)
			if failed := failedProtocol(rep); len(failed) > 0 {
				problems = append(problems, fmt.Sprintf("%s[%d]: %s", id, i, strings.Join(failed, "; ")))
			}
		}
	}
	if len(problems) > 0 {
		return out, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "the presentation cannot be accepted: %s", strings.Join(problems, " | ")), nil
	}
	if err := q.CheckResponse(presented, rp.opts.Authorities); err != nil {
		return out, openid4vc.Errorf(openid4vc.CodeInvalidRequest, "%v", err), nil
	}
	return out, nil, nil
}

// presentationBytes returns the bytes a presentation is verified from: the
// string of a compact one, the JSON of an ldp_vp.
func presentationBytes(format string, raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if format == dcql.FormatLDPVC {
		if len(raw) == 0 || raw[0] != '{' {
			return nil, errors.New("an ldp_vc presentation is a JSON object (ldp_vp)")
		}
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return nil, fmt.Errorf("a %s presentation is a non-empty string", format)
	}
	return []byte(s), nil
}

// describePresentation reads what the presentation disclosed, for the
// query check: the SD-JWT's processed claims, or the one credential a VP
// carries.
func describePresentation(ctx context.Context, format string, input []byte, rp *RelyingParty) (*dcql.Credential, error) {
	switch format {
	case dcql.FormatSDJWT:
		sd, err := sdjwt.Parse(string(input))
		if err != nil {
			return nil, err
		}
		return describeSDJWT(sd, true)
	case dcql.FormatJWTVC:
		j, err := jwt.Parse(string(input), maxCredential)
		if err != nil {
			return nil, err
		}
		vp, ok := j.Claims["vp"]
		if !ok {
			return nil, errors.New("not a jwt_vp_json presentation (no vp claim)")
		}
		creds, err := vpCredentials(vp)
		if err != nil {
			return nil, err
		}
		var s string
		if err := json.Unmarshal(creds[0], &s); err != nil {
			return nil, errors.New("the credential in the presentation is not a jwt_vc_json string")
		}
		vc, chain, err := jwtVC(s)
		if err != nil {
			return nil, err
		}
		c := describeW3C(ctx, format, vc, rp.opts.Contexts)
		c.AuthorityKeyIDs = akis(chain)
		c.Presented = true
		return c, nil
	case dcql.FormatLDPVC:
		creds, err := vpCredentials(input)
		if err != nil {
			return nil, err
		}
		v, err := jsonx.DecodeAny(creds[0], jsonx.Limits{MaxBytes: maxCredential})
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errors.New("the credential in the presentation is not a JSON object")
		}
		c := describeW3C(ctx, format, m, rp.opts.Contexts)
		c.Presented = true
		return c, nil
	}
	return nil, fmt.Errorf("format %q is not supported", clip(format))
}

// vpCredentials returns the verifiableCredential entries of a presentation,
// which must hold exactly one (one presentation answers one query).
func vpCredentials(vp []byte) ([]json.RawMessage, error) {
	var p struct {
		VerifiableCredential json.RawMessage `json:"verifiableCredential"`
	}
	if err := jsonobj.Decode(vp, &p, jsonx.Limits{MaxBytes: maxCredential}); err != nil {
		return nil, err
	}
	raw := bytes.TrimSpace(p.VerifiableCredential)
	var list []json.RawMessage
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
	} else if len(raw) > 0 {
		list = []json.RawMessage{raw}
	}
	if len(list) != 1 {
		return nil, fmt.Errorf("the presentation carries %d credentials; one presentation answers one Credential Query with one credential", len(list))
	}
	return list, nil
}

func passed(rep *verifier.Report, id string) bool {
	c := rep.Check(id)
	return c != nil && c.Result == verifier.Passed
}

// failedProtocol lists the protocol checks that failed in rep or the
// reports it embeds.
func failedProtocol(rep *verifier.Report) []string {
	var out []string
	var walk func(r *verifier.Report)
	walk = func(r *verifier.Report) {
		for _, c := range r.Checks {
			if c.Result == verifier.Failed && slices.Contains(protocolChecks, c.ID) {
				out = append(out, c.ID+": "+c.Message)
			}
		}
		for _, sub := range r.Credentials {
			walk(sub)
		}
	}
	walk(rep)
	return out
}

// ErrResponseCode is wrapped by Result when the same-device flow's
// response_code is missing or wrong.
var ErrResponseCode = errors.New("wrong or missing response_code")

// Result returns what became of the request of transactionID (the
// frontend's secret from CreateRequest). In the same-device flow the
// response_code the wallet's redirect carried is required (HAIP: the answer
// counts only in the session that asked); otherwise it is ignored. An
// unknown or expired transaction returns an error wrapping
// openid4vc.ErrNotFound.
func (rp *RelyingParty) Result(ctx context.Context, transactionID, responseCode string) (*Result, error) {
	r, err := rp.opts.Records.Get(ctx, openid4vc.KindVPResult, openid4vc.Key(transactionID))
	if err != nil {
		return nil, err
	}
	var rec resultRecord
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		return nil, err
	}
	if rec.ResponseCode != "" && !openid4vc.Equal(openid4vc.Key(responseCode), rec.ResponseCode) {
		return nil, fmt.Errorf("vp: %w", ErrResponseCode)
	}
	return &rec.Result, nil
}

// NonceStore is a verifier.NonceStore over Records: the verifier library
// then refuses a presentation whose nonce it has accepted before, across
// every node sharing the store.
type NonceStore struct {
	Records openid4vc.Records
	// TTL is how long a nonce is remembered; zero: 24 hours.
	TTL time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

var _ verifier.NonceStore = NonceStore{}

// Use records nonce; a second use wraps verifier.ErrReplay.
func (n NonceStore) Use(nonce string) error {
	if nonce == "" {
		return fmt.Errorf("empty nonce: %w", verifier.ErrReplay)
	}
	ttl, now := n.TTL, time.Now
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if n.Now != nil {
		now = n.Now
	}
	err := openid4vc.Once(context.Background(), n.Records, openid4vc.KindVPNonce, openid4vc.Key(nonce), now().Add(ttl))
	if errors.Is(err, openid4vc.ErrExists) {
		return fmt.Errorf("the nonce was used before: %w", verifier.ErrReplay)
	}
	return err
}
