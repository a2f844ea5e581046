package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/verifier"
)

// The VC-API routes (W3C CCG VC Issuer and Verifier API): request and
// response shapes as that specification writes them, with the extensions
// docs/vc-api.md lists.

// decodeStrict decodes a JSON request body into v: the size and nesting
// limits of jsonx, then no unknown member.
func decodeStrict(body []byte, v any) error {
	if err := jsonx.Check(body, jsonx.Limits{MaxBytes: len(body) + 1}); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badRequest("member %s: expected %s, found JSON %s", te.Field, te.Type, te.Value)
		}
		return badRequest("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// issueRequest is the body of POST /credentials/issue: an unsigned
// credential (VC-API), or one of our templates and its input record.
type issueRequest struct {
	Credential json.RawMessage `json:"credential"`
	Template   string          `json:"template"`
	Record     json.RawMessage `json:"record"`
	Options    issueOptions    `json:"options"`
}

type issueOptions struct {
	// Profile, Proof and Key choose how it is secured (docs/profiles.md).
	Profile string `json:"profile"`
	Proof   string `json:"proof"`
	Key     string `json:"key"`
	// CredentialID is the VC-API's: the id the credential gets when it has
	// none.
	CredentialID string `json:"credentialId"`
	// MandatoryPointers is the VC-API's, for selective disclosure suites;
	// Diplomat's suites disclose everything, so it must be empty.
	MandatoryPointers []string `json:"mandatoryPointers"`
}

// issueResponse is 201's body: the VC-API's verifiableCredential (an
// object, or an EnvelopedVerifiableCredential for the compact forms), and
// the register entry.
type issueResponse struct {
	VerifiableCredential json.RawMessage `json:"verifiableCredential"`
	Register             *registerEntry  `json:"register"`
}

// registerEntry is a register entry as the API shows it: no subject hash.
type registerEntry struct {
	ID                   string          `json:"id"`
	Template             string          `json:"template,omitempty"`
	Profile              string          `json:"profile"`
	Proof                string          `json:"proof"`
	StatusListCredential []string        `json:"statusListCredential"`
	StatusListIndex      int             `json:"statusListIndex"`
	Issued               time.Time       `json:"issued"`
	Key                  string          `json:"key"`
	State                string          `json:"state"`
	Reason               string          `json:"reason,omitempty"`
	Changed              time.Time       `json:"changed,omitzero"`
	Existing             bool            `json:"existing,omitempty"`
	VerifiableCredential json.RawMessage `json:"verifiableCredential,omitempty"`
}

func (s *Server) entryView(e *issuer.Entry) *registerEntry {
	return &registerEntry{
		ID: e.ID, Template: e.Template, Profile: e.Profile, Proof: e.Proof,
		StatusListCredential: []string{
			issuer.ListURL(s.inst.StatusBaseURL, e.StatusList, issuer.PurposeRevocation),
			issuer.ListURL(s.inst.StatusBaseURL, e.StatusList, issuer.PurposeSuspension),
		},
		StatusListIndex: e.StatusIndex, Issued: e.Issued, Key: e.KeyName, State: e.State, Reason: e.Reason, Changed: e.Changed,
	}
}

// vcapiCredential is how the VC-API carries a secured credential: a JSON
// document as itself, a compact form (JWT, SD-JWT) as an
// EnvelopedVerifiableCredential when its media type has one, else as a
// JSON string.
func vcapiCredential(cred []byte, mediaType string) json.RawMessage {
	if t := bytes.TrimSpace(cred); len(t) > 0 && t[0] == '{' {
		return t
	}
	switch mediaType {
	case "application/vc+jwt", "application/dc+sd-jwt", "application/vc+sd-jwt":
		env := map[string]any{
			"@context": "https://www.w3.org/ns/credentials/v2",
			"id":       "data:" + mediaType + "," + string(cred),
			"type":     "EnvelopedVerifiableCredential",
		}
		b, _ := json.Marshal(env)
		return b
	}
	b, _ := json.Marshal(string(cred))
	return b
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request) {
	if isXML(r) {
		s.handleIssueELMO(w, r)
		return
	}
	body, err := s.readBody(w, r, s.cfg.Limits.Body, "application/json", "application/xml")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req issueRequest
	if err := decodeStrict(body, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.issueOne(r.Context(), &req, actorName(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if out.Existing {
		status = http.StatusOK
	}
	resp := issueResponse{VerifiableCredential: vcapiCredential(out.Credential, out.MediaType), Register: s.entryView(&out.Entry)}
	resp.Register.Existing = out.Existing
	w.Header().Set("Location", "/credentials/"+url.PathEscape(out.Entry.ID))
	writeJSON(w, status, resp)
}

// issueOne issues what an issue request asks for.
func (s *Server) issueOne(ctx context.Context, req *issueRequest, actor string) (*issuer.Issued, error) {
	o := req.Options
	if len(o.MandatoryPointers) > 0 {
		return nil, badRequest("options.mandatoryPointers is not taken: with proof ecdsa-sd-2023 the issuer, the validity dates, credentialStatus and credentialSchema are always mandatory and the holder chooses the rest (docs/data-integrity.md); or use the eudi profile (SD-JWT VC)")
	}
	p, err := s.issueProfile(o, "options.profile")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var out *issuer.Issued
	switch {
	case len(req.Credential) > 0 && (req.Template != "" || len(req.Record) > 0):
		return nil, badRequest("send either credential, or template and record, not both")
	case len(req.Credential) > 0:
		cred := req.Credential
		if o.CredentialID != "" {
			var m map[string]json.RawMessage
			if json.Unmarshal(cred, &m) != nil {
				return nil, badRequest("credential must be a JSON object")
			}
			if m["id"] == nil {
				m["id"], _ = json.Marshal(o.CredentialID)
				cred, _ = json.Marshal(m)
			}
		}
		out, err = s.iss.IssueCredential(ctx, cred, p)
	case req.Template != "" && len(req.Record) > 0:
		t, terr := templates.Builtin(req.Template)
		if terr != nil {
			return nil, terr
		}
		recs, rerr := templates.ReadJSON(req.Record, "record")
		if rerr != nil {
			return nil, rerr
		}
		if len(recs) != 1 {
			return nil, badRequest("record must be one JSON object (for many, POST /batches)")
		}
		out, err = s.iss.Issue(ctx, t, recs[0], p)
	default:
		return nil, badRequest("send credential (an unsigned credential), or template and record")
	}
	format := formatLabel(p.Proof)
	if out != nil {
		format = out.Entry.Proof
	}
	if err != nil {
		s.metrics.issued.WithLabelValues(format, "error").Inc()
		return nil, err
	}
	s.lists.opened()
	s.metrics.issueTime.WithLabelValues(format).Observe(time.Since(start).Seconds())
	if out.Existing {
		s.metrics.issued.WithLabelValues(format, "existing").Inc()
		return out, nil
	}
	s.metrics.issued.WithLabelValues(format, "ok").Inc()
	s.recordAudit(ctx, "credentials.issue", out.Entry.ID, actor, out.Entry.Profile+"/"+out.Entry.Proof)
	return out, nil
}

// issueProfile is the profile an issue request names (param says where),
// or the default one; it must be one this service issues.
func (s *Server) issueProfile(o issueOptions, param string) (issuer.Profile, error) {
	p := issuer.Profile{Name: o.Profile, Proof: o.Proof, Key: o.Key}
	if p.Name == "" {
		p.Name = s.cfg.Issue.DefaultProfile
	}
	if !validProfile(p.Name) {
		return p, errorf(http.StatusBadRequest, "unknown-profile", "Unknown profile", "%s %q: edc, ebsi, w3c or eudi", param, p.Name)
	}
	if len(s.cfg.Issue.Profiles) > 0 && !contains(s.cfg.Issue.Profiles, p.Name) {
		return p, errorf(http.StatusBadRequest, "unknown-profile", "Profile not offered", "this service issues %s, not %s", strings.Join(s.cfg.Issue.Profiles, ", "), p.Name)
	}
	return p, nil
}

// verifyOptions are the VC-API's verification options.
type verifyOptions struct {
	ReturnResults        bool   `json:"returnResults"`
	ReturnProblemDetails *bool  `json:"returnProblemDetails"`
	ReturnCredential     bool   `json:"returnCredential"`
	Challenge            string `json:"challenge"`
	Domain               string `json:"domain"`
}

// verificationResult is the VC-API's VerificationResult, with the full
// Diplomat report as an extension.
type verificationResult struct {
	Verified               bool             `json:"verified"`
	Credential             json.RawMessage  `json:"credential,omitempty"`
	VerifiablePresentation json.RawMessage  `json:"verifiablePresentation,omitempty"`
	ProblemDetails         []problemDetail  `json:"problemDetails"`
	Results                map[string]any   `json:"results,omitempty"`
	Report                 *verifier.Report `json:"report"`
}

type problemDetail struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// verifyInput reads a verify request: the member named member (a JSON
// object, or a JSON string holding a compact credential), and the options.
func verifyInput(body []byte, members ...string) (input []byte, raw json.RawMessage, opts verifyOptions, err error) {
	if err = jsonx.Check(body, jsonx.Limits{MaxBytes: len(body) + 1}); err != nil {
		return
	}
	if len(bytes.TrimSpace(body)) == 0 || bytes.TrimSpace(body)[0] != '{' {
		return nil, nil, opts, badRequest("the body must be a JSON object")
	}
	var optErr error
	err = jsonx.Members(body, func(name string, value []byte) bool {
		switch {
		case contains(members, name):
			raw = value
		case name == "options":
			d := json.NewDecoder(bytes.NewReader(value))
			d.DisallowUnknownFields()
			if e := d.Decode(&opts); e != nil {
				optErr = badRequest("options: %s", strings.TrimPrefix(e.Error(), "json: "))
				return false
			}
		default:
			optErr = badRequest("unknown member %q: send %s and options", name, members[0])
			return false
		}
		return true
	})
	if err == nil {
		err = optErr
	}
	if err != nil {
		return
	}
	if len(raw) == 0 {
		return nil, nil, opts, badRequest("%s is missing", members[0])
	}
	switch raw[0] {
	case '"':
		var s string
		if e := json.Unmarshal(raw, &s); e != nil {
			return nil, nil, opts, badRequest("%s: %v", members[0], e)
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil, opts, badRequest("%s is empty", members[0])
		}
		input = []byte(s)
	case '{':
		input = unwrapEnveloped(raw)
	default:
		return nil, nil, opts, badRequest("%s must be an object, or a string holding a compact credential", members[0])
	}
	return input, raw, opts, nil
}

// unwrapEnveloped returns the secured credential an
// EnvelopedVerifiableCredential (or presentation) carries in its data: URL,
// read without decoding the whole object: the VC-API's way of sending a
// JWT or an SD-JWT, whose data: URL is most of the body. The verifier
// would unwrap it too, but with a full decoding of the envelope; the
// report is the same, since the envelope adds nothing to check. Anything
// but a plain envelope (@context, type and id only, the VC 2.0 context, a
// secured media type) is returned as it is, for the verifier to judge.
func unwrapEnveloped(raw []byte) []byte {
	var typ, id, ctx []byte
	plain := true
	if err := jsonx.MemberBytes(raw, func(name, value []byte) bool {
		switch string(name) {
		case "type":
			typ = value
		case "id":
			id = value
		case "@context":
			ctx = value
		default:
			plain = false
		}
		return plain
	}); err != nil || !plain || id == nil {
		return raw
	}
	switch string(typ) {
	case `"EnvelopedVerifiableCredential"`, `["EnvelopedVerifiableCredential"]`, `"EnvelopedVerifiablePresentation"`, `["EnvelopedVerifiablePresentation"]`:
	default:
		return raw
	}
	switch string(ctx) {
	case `"https://www.w3.org/ns/credentials/v2"`, `["https://www.w3.org/ns/credentials/v2"]`:
	default:
		return raw
	}
	// The body passed jsonx.Check: a string without escapes is its bytes.
	u := id[1 : len(id)-1]
	if bytes.IndexByte(id, '\\') >= 0 {
		var err error
		if u, err = jsonx.Unquote(id); err != nil {
			return raw
		}
	}
	// Plain data (no percent-escapes, not base64) needs no decoding: let
	// ParseEnveloped judge the media type alone.
	if meta, data, ok := bytes.Cut(u, []byte{','}); ok && bytes.IndexByte(data, '%') < 0 && !bytes.Contains(meta, []byte("base64")) && len(data) > 0 {
		if _, err := jose.ParseEnveloped(string(meta) + ",-"); err == nil {
			return data
		}
		return raw
	}
	env, err := jose.ParseEnveloped(string(u))
	if err != nil {
		return raw
	}
	return env.Data
}

func (s *Server) handleVerifyCredential(w http.ResponseWriter, r *http.Request) {
	s.handleVerify(w, r, "credential", "verifiableCredential")
}

func (s *Server) handleVerifyPresentation(w http.ResponseWriter, r *http.Request) {
	s.handleVerify(w, r, "presentation", "verifiablePresentation", "presentation")
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request, envelope string, members ...string) {
	body, err := s.readBody(w, r, s.cfg.Limits.Body, "application/json")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	input, raw, opts, err := verifyInput(body, members...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.verify(r.Context(), input, verifier.Request{Challenge: opts.Challenge, Domain: opts.Domain})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rep.Envelope != "" && rep.Envelope != envelope {
		s.writeError(w, r, badRequest("this is a %s: POST it to /%ss/verify", rep.Envelope, rep.Envelope))
		return
	}
	res := verificationResult{Verified: rep.Verdict == verifier.Verified, Report: rep, ProblemDetails: []problemDetail{}}
	if opts.ReturnProblemDetails == nil || *opts.ReturnProblemDetails {
		for _, c := range rep.Checks {
			if c.Result == verifier.Failed || c.Result == verifier.Warning {
				res.ProblemDetails = append(res.ProblemDetails, problemDetail{Type: c.Type, Title: c.ID + " " + string(c.Result), Detail: c.Message})
			}
		}
	}
	if opts.ReturnResults {
		res.Results = resultsOf(rep)
	}
	if opts.ReturnCredential {
		if envelope == "credential" {
			res.Credential = raw
		} else {
			res.VerifiablePresentation = raw
		}
	}
	status := http.StatusOK
	switch {
	case res.Verified:
	case rep.Check(verifier.CheckFormat) != nil && rep.Check(verifier.CheckFormat).Result == verifier.Failed:
		status = http.StatusBadRequest
	default:
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, res)
}

// verify runs the verifier and counts the result.
func (s *Server) verify(ctx context.Context, input []byte, req verifier.Request) (*verifier.Report, error) {
	start := time.Now()
	rep, err := s.verifier.Load().Verify(ctx, input, req)
	if err != nil {
		return nil, err
	}
	format := formatLabel(rep.Format)
	s.metrics.verified.WithLabelValues(format, string(rep.Verdict)).Inc()
	s.metrics.verifyTime.WithLabelValues(format).Observe(time.Since(start).Seconds())
	return rep, nil
}

// resultsOf maps the report's checks onto the VC-API's results members.
func resultsOf(rep *verifier.Report) map[string]any {
	res := map[string]any{}
	one := func(id string) map[string]any {
		c := rep.Check(id)
		if c == nil {
			return nil
		}
		return map[string]any{"verified": c.Result == verifier.Passed, "message": c.Message}
	}
	if v := one(verifier.CheckProof); v != nil {
		res["proof"] = []any{v}
	}
	if v := one(verifier.CheckStatus); v != nil {
		res["credentialStatus"] = []any{v}
	}
	if v := one(verifier.CheckValidity); v != nil {
		res["validFrom"], res["validUntil"] = v, v
	}
	if v := one(verifier.CheckChallenge); v != nil {
		res["challenge"] = v
	}
	if v := one(verifier.CheckHolder); v != nil {
		res["holder"] = v
	}
	return res
}

// statusRequest is the VC-API's UpdateCredentialStatusRequest, with a
// reason (kept in the register).
type statusRequest struct {
	CredentialID     string `json:"credentialId"`
	CredentialStatus struct {
		ID                   string `json:"id"`
		Type                 string `json:"type"`
		StatusPurpose        string `json:"statusPurpose"`
		StatusListIndex      string `json:"statusListIndex"`
		StatusListCredential string `json:"statusListCredential"`
	} `json:"credentialStatus"`
	Status *bool  `json:"status"`
	Reason string `json:"reason"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r, s.cfg.Limits.Body, "application/json")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req statusRequest
	if err := decodeStrict(body, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.CredentialID == "" || req.Status == nil || req.CredentialStatus.StatusPurpose == "" {
		s.writeError(w, r, badRequest("send credentialId, credentialStatus.statusPurpose (revocation or suspension) and status (true or false)"))
		return
	}
	var action string
	switch p, set := req.CredentialStatus.StatusPurpose, *req.Status; {
	case p == issuer.PurposeRevocation && set:
		action = "revoke"
	case p == issuer.PurposeRevocation:
		s.writeError(w, r, errorf(http.StatusConflict, "state", "Status change not allowed", "revocation is final: a revoked credential cannot be reinstated"))
		return
	case p == issuer.PurposeSuspension && set:
		action = "suspend"
	case p == issuer.PurposeSuspension:
		action = "reinstate"
	default:
		s.writeError(w, r, badRequest("credentialStatus.statusPurpose %q: revocation or suspension", p))
		return
	}
	e, err := s.changeStatus(r.Context(), action, req.CredentialID, req.Reason, actorName(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.entryView(e))
}

func (s *Server) handleGetCredential(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e, err := issuer.Lookup(s.store, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := s.entryView(e)
	if cred, err := issuer.Credential(s.store, id); err == nil {
		v.VerifiableCredential = vcapiCredential(cred, mediaTypeOf(e.Proof))
	}
	writeJSON(w, http.StatusOK, v)
}

// handleListCredentials searches the register: GET /credentials with
// subject, state, template or profile.
func (s *Server) handleListCredentials(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	es, err := issuer.List(s.store, issuer.Filter{Subject: q.Get("subject"), State: q.Get("state"), Template: q.Get("template"), Profile: q.Get("profile")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]*registerEntry, 0, len(es))
	for i := range es {
		out = append(out, s.entryView(&es[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"credentials": out})
}

func (s *Server) handlePublish(w http.ResponseWriter, r *http.Request) {
	urls, err := s.publishStatus(r.Context(), actorName(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if urls == nil {
		urls = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"published": urls})
}

func mediaTypeOf(proof string) string {
	switch proof {
	case issuer.ProofVCJWT:
		return "application/vc+jwt"
	case issuer.ProofSDJWT:
		return "application/dc+sd-jwt"
	case issuer.ProofJWTVC:
		return "application/jwt"
	}
	return "application/json"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
