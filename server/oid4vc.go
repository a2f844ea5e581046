package server

import (
	"cmp"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/verifier"
)

// The OpenID4VCI issuer and the OpenID4VP verifier, as the service mounts
// them (docs/openid4vc.md): the library's state machines over the
// service's Records, issuing with s.iss and verifying with s's verifier.

// oid4vc is the service's OpenID4VC side; nil fields are what is off.
type oid4vc struct {
	vci *vci.Issuer
	rp  *vp.RelyingParty
	// off says why issuing (vciOff) or presenting (vpOff) is not served.
	vciOff, vpOff string
	formats       []string
	issue         *offerIssuer
	outbox        *devOutbox // a development instance's sign-in codes
	hasSignIn     bool
	notOffered    []string // formats left out, and why
	prefix        string
	enc           *encKeyRing // the credential request encryption keys
}

// setupOID4VC builds the issuer and the relying party from the
// configuration. What cannot be served is said in o.vciOff / o.vpOff (and
// logged by Serve), never silently.
func (s *Server) setupOID4VC(opts Options) error {
	o := &oid4vc{}
	s.oid = o
	c := s.cfg.OpenID4VC
	if c.Disabled {
		o.vciOff, o.vpOff = "disabled in the configuration (openid4vc.disabled)", "disabled in the configuration (openid4vc.disabled)"
		return nil
	}
	base := s.cfg.PublicURL
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	allowHTTP := false
	if u.Scheme != "https" {
		if !isLoopbackHost(u.Hostname()) {
			why := "wallets reach issuers and verifiers over https only: set an https publicURL (behind a TLS proxy, its URL)"
			o.vciOff, o.vpOff = why, why
			return nil
		}
		allowHTTP = true // a development instance on loopback
	}
	o.issue = &offerIssuer{s: s}
	if opts.wrapIssue != nil {
		o.issue.wrap = opts.wrapIssue(o.issue)
	}
	if err := s.setupVCI(o, opts, base, allowHTTP); err != nil {
		return fmt.Errorf("openid4vc: %w", err)
	}
	if err := s.setupVP(o, opts, base, allowHTTP); err != nil {
		return fmt.Errorf("openid4vc: %w", err)
	}
	return nil
}

func (s *Server) setupVCI(o *oid4vc, opts Options, base string, allowHTTP bool) error {
	c := s.cfg.OpenID4VC
	o.formats = c.Formats
	if o.formats == nil {
		for _, f := range allFormats {
			if err := s.iss.Ready(profileOf(f)); err != nil {
				o.notOffered = append(o.notOffered, fmt.Sprintf("%s not offered: %v", f, firstLine(err.Error())))
			} else {
				o.formats = append(o.formats, f)
			}
		}
	}
	for _, f := range o.formats {
		if err := s.iss.Ready(profileOf(f)); err != nil {
			return fmt.Errorf("openid4vc.formats: %s cannot be issued (profile %s): %w", f, profileOf(f), err)
		}
	}
	if len(o.formats) == 0 {
		o.vciOff = "no credential format can be issued: the store has no key for the eudi, ebsi or w3c profile"
		return nil
	}
	configs := map[string]vci.CredentialConfiguration{}
	for _, t := range templates.Builtins() {
		titles := map[string]string{"en": t.Title()}
		maps.Copy(configs, vci.ConfigurationsFor(vci.TemplateInfo{Name: t.Name(), Titles: titles, Description: t.Description()}, o.formats, nil))
	}
	var display []vci.Display
	for _, lang := range slices.Sorted(maps.Keys(s.inst.Institution.LegalName)) {
		d := vci.Display{Name: s.inst.Institution.LegalName[lang], Locale: lang}
		if logo := s.inst.Institution.Logo; logo != "" {
			d.Logo = &vci.Image{URI: logo}
		}
		display = append(display, d)
	}
	signIn := opts.SignIn
	switch {
	case signIn != nil:
	case len(c.SignIn.Command) > 0 || c.SignIn.Webhook != "":
		signIn = &hookSender{cfg: c.SignIn, log: s.log}
	case s.dev:
		o.outbox = &devOutbox{log: s.log}
		signIn = o.outbox
	}
	if signIn != nil {
		o.hasSignIn = true
		signIn = countedSender{next: signIn, m: s.metrics.oid}
	}
	// The key wallets encrypt credential requests to is the store's, the
	// same on every node and across restarts (oid4vc_enckeys.go).
	ring, err := newEncKeyRing(s.store, s.now)
	if err != nil {
		return err
	}
	o.enc = ring
	var issue vci.CredentialIssuer = o.issue
	if o.issue.wrap != nil {
		issue = o.issue.wrap
	}
	// Signed metadata (application/jwt) with the institution's eSeal, when
	// it has an EC key (the algorithms of the metadata JWT).
	var metaSigner crypto.Signer
	var metaChain []*x509.Certificate
	if k, _, err := s.iss.SignsAs(issuer.Profile{Name: issuer.EDC}); err == nil && len(k.Chain) > 0 && (k.Type == keys.P256 || k.Type == keys.P384) {
		if signer, err := s.store.Signer(k.Name); err == nil {
			metaSigner, metaChain = signer, withoutAnchor(k.Chain)
		}
	}
	o.vci, err = vci.New(vci.Options{
		Issuer: base, Configurations: configs, Display: display, Records: s.records, Issue: issue, SignIn: signIn,
		EncryptionKey: ring.published.Private, DecryptionKey: ring.decryptionKey, EncryptionRequired: c.EncryptionRequired, RequireDPoP: c.RequireDPoP,
		OfferTTL: c.OfferTTL, MaxAttempts: c.MaxAttempts, BatchSize: c.BatchSize,
		MetadataSigner: metaSigner, MetadataChain: metaChain, Sealer: s.store,
		OnNotification: func(_ context.Context, n vci.Notification) {
			s.metrics.oid.notifications.WithLabelValues(notificationLabel(n.Event)).Inc()
		},
		WriteError: s.writeError, Now: s.now, AllowHTTP: allowHTTP,
	})
	return err
}

// profileOf is the profile that issues a credential format.
func profileOf(format string) issuer.Profile {
	switch format {
	case vci.FormatSDJWT:
		return issuer.Profile{Name: issuer.EUDI}
	case vci.FormatJWTVC:
		return issuer.Profile{Name: issuer.EBSI}
	case vci.FormatLDPVC:
		return issuer.Profile{Name: issuer.W3C, Proof: issuer.ProofEdDSA}
	}
	return issuer.Profile{Name: format}
}

// formatOf is the credential format of a register entry's profile and
// proof, "" when OpenID4VCI has none for it (JAdES, vc+jwt).
func formatOf(e *issuer.Entry) string {
	for _, f := range allFormats {
		p := profileOf(f)
		if p.Name == e.Profile && (p.Proof == "" || p.Proof == e.Proof || f == vci.FormatLDPVC && strings.Contains(e.Proof, "rdfc")) {
			return f
		}
	}
	return ""
}

func (s *Server) setupVP(o *oid4vc, opts Options, base string, allowHTTP bool) error {
	c := s.cfg.OpenID4VC.Verifier
	prefix := c.Prefix
	var chain []*x509.Certificate
	if k, err := s.store.Key(c.Key); err == nil && len(k.Chain) > 0 {
		chain = k.Chain
	}
	var didKey string
	var didSigner string
	if s.webDID != "" {
		if k, _, err := s.iss.SignsAs(issuer.Profile{Name: issuer.W3C}); err == nil {
			didKey, didSigner = s.webDID+"#"+k.ID, k.Name
		}
	}
	if prefix == "" {
		switch {
		case chain != nil:
			prefix = vp.PrefixX509Hash
		case didKey != "":
			prefix = vp.PrefixDID
		case allowHTTP:
			prefix = vp.PrefixRedirectURI
		default:
			o.vpOff = fmt.Sprintf("no key signs presentation requests: import a request-signing certificate as key %q (keys import), or configure openid4vc.verifier", c.Key)
			return nil
		}
	}
	var verify vp.Verifier = vpVerifier{s}
	if opts.wrapVerify != nil {
		verify = opts.wrapVerify(verify)
	}
	vo := vp.Options{Prefix: prefix, ResponseURI: base + "/vp/response", RequestURIBase: base + "/vp/request/",
		Records: s.records, Sealer: s.store, Verify: verify, Contexts: s.vopts.Contexts, ResponseMode: c.ResponseMode,
		RequestTTL: c.RequestTTL, WriteError: s.writeError, Now: s.now, AllowHTTP: allowHTTP}
	switch prefix {
	case vp.PrefixX509Hash, vp.PrefixX509SanDNS:
		if chain == nil {
			return fmt.Errorf("openid4vc.verifier: prefix %s needs key %q with a certificate chain (keys import)", prefix, c.Key)
		}
		if len(chain) == 1 && chain[0].CheckSignatureFrom(chain[0]) == nil {
			return fmt.Errorf("openid4vc.verifier: the certificate of key %q is self-signed; HAIP wants a certificate issued by a CA wallets trust", c.Key)
		}
		signer, err := s.store.Signer(c.Key)
		if err != nil {
			return fmt.Errorf("openid4vc.verifier: key %q: %w", c.Key, err)
		}
		vo.Signer, vo.Chain = signer, withoutAnchor(chain)
	case vp.PrefixDID:
		if didKey == "" {
			return errors.New("openid4vc.verifier: prefix decentralized_identifier needs the store's did:web and a key of the w3c profile")
		}
		signer, err := s.store.Signer(didSigner)
		if err != nil {
			return fmt.Errorf("openid4vc.verifier: key %q: %w", didSigner, err)
		}
		vo.Signer, vo.KeyID = signer, didKey
	case vp.PrefixRedirectURI:
		if !allowHTTP && !s.dev {
			return errors.New("openid4vc.verifier: prefix redirect_uri sends unsigned requests: for development only")
		}
	}
	var err error
	o.rp, err = vp.New(vo)
	o.prefix = prefix
	return err
}

// withoutAnchor drops a self-signed root from the end of a chain (HAIP: the
// trust anchor is not sent in x5c).
func withoutAnchor(chain []*x509.Certificate) []*x509.Certificate {
	if n := len(chain); n > 1 && chain[n-1].CheckSignatureFrom(chain[n-1]) == nil {
		return chain[:n-1]
	}
	return chain
}

// vpVerifier verifies the presentations of an OpenID4VP response with the
// service's verifier, but one without a nonce store: the presentations of
// one response share the request's nonce, and the relying party itself
// accepts a response to a request once.
type vpVerifier struct{ s *Server }

func (v vpVerifier) Verify(ctx context.Context, input []byte, req verifier.Request) (*verifier.Report, error) {
	start := time.Now()
	rep, err := v.s.vpVerifier.Load().Verify(ctx, input, req)
	if err != nil {
		return nil, err
	}
	format := formatLabel(rep.Format)
	v.s.metrics.verified.WithLabelValues(format, string(rep.Verdict)).Inc()
	v.s.metrics.verifyTime.WithLabelValues(format).Observe(time.Since(start).Seconds())
	return rep, nil
}

// offerDataset is what an offer keeps to issue from (never sent to the
// wallet): the template and the record, and for an offer of a credential
// already issued, its register id.
type offerDataset struct {
	Template string          `json:"template"`
	Record   json.RawMessage `json:"record"`
	Issued   string          `json:"issued,omitempty"`
	// By is the name of the token that made the offer: the audit log
	// names it as the actor of the issuance a wallet's collection causes.
	By string `json:"by,omitempty"`
}

// offerIssuer is the vci.CredentialIssuer over the service's issuer: the
// configuration's format picks the profile (dc+sd-jwt: eudi, jwt_vc_json:
// ebsi, ldp_vc: w3c with eddsa-rdfc-2022) and issuer.IssueTo binds one
// copy to each holder key.
type offerIssuer struct {
	s         *Server
	templates sync.Map // name → *templates.Template
	wrap      vci.CredentialIssuer
}

func (a *offerIssuer) template(name string) (*templates.Template, error) {
	if t, ok := a.templates.Load(name); ok {
		return t.(*templates.Template), nil
	}
	t, err := templates.Builtin(name)
	if err != nil {
		return nil, err
	}
	a.templates.Store(name, t)
	return t, nil
}

// read decodes a dataset into its template and record.
func (a *offerIssuer) read(b []byte) (*offerDataset, *templates.Template, templates.Record, error) {
	var ds offerDataset
	if err := json.Unmarshal(b, &ds); err != nil {
		return nil, nil, nil, fmt.Errorf("offer dataset: %w", err)
	}
	t, err := a.template(ds.Template)
	if err != nil {
		return nil, nil, nil, err
	}
	recs, err := templates.ReadJSON(ds.Record, "record")
	if err != nil {
		return nil, nil, nil, err
	}
	if len(recs) != 1 {
		return nil, nil, nil, fmt.Errorf("%w: one record is offered, not %d", issuer.ErrInvalidInput, len(recs))
	}
	return &ds, t, recs[0], nil
}

// IssueCredentials implements vci.CredentialIssuer.
func (a *offerIssuer) IssueCredentials(ctx context.Context, req vci.IssueRequest) ([]vci.Credential, error) {
	start := time.Now()
	format := req.Configuration.Format
	out, err := a.issueCredentials(ctx, req)
	result := "ok"
	if err != nil {
		result = "error"
		if errors.Is(err, vci.ErrDenied) {
			result = "denied"
		}
	}
	a.s.metrics.oid.issued.WithLabelValues(format, result).Add(float64(max(1, len(out))))
	a.s.metrics.oid.issueTime.WithLabelValues(format).Observe(time.Since(start).Seconds())
	return out, err
}

func (a *offerIssuer) issueCredentials(ctx context.Context, req vci.IssueRequest) ([]vci.Credential, error) {
	ds, t, rec, err := a.read(req.Dataset)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", vci.ErrDenied, err)
	}
	p := profileOf(req.Configuration.Format)
	if ds.Template != strings.TrimSuffix(req.ConfigurationID, suffixOf(req.Configuration.Format)) {
		return nil, fmt.Errorf("%w: the offer was made for template %s", vci.ErrDenied, ds.Template)
	}
	holders := make([]issuer.Holder, len(req.Holders))
	for i, h := range req.Holders {
		holders[i] = issuer.Holder{Key: h.Key, DID: h.DID}
	}
	// The actor is who made the offer ("cli" from the command line;
	// "openid4vci" for offers stored before offers kept it).
	audit := issuer.Audit{Op: "credentials.issue", Actor: cmp.Or(ds.By, "openid4vci"), Detail: "collected by a wallet (OpenID4VCI)"}
	ictx := ctx
	if a.s.auditInStore {
		ictx = issuer.WithAudit(ctx, audit)
	}
	issued, err := a.s.iss.IssueTo(ictx, t, rec, p, holders)
	var ie *issuer.InputError
	if errors.As(err, &ie) {
		return nil, fmt.Errorf("%w: the record no longer validates: %v", vci.ErrDenied, firstLine(err.Error()))
	}
	if err != nil {
		return nil, err
	}
	// A credential already in the register was signed again as it is
	// (IssueTo writes nothing then): never when it was revoked. An offer of
	// an issued credential was checked, when it was made, to carry the
	// record that credential was issued from; the offer keeps it unchanged.
	switch e := issued[0].Entry; {
	case e.State == issuer.StateRevoked:
		return nil, fmt.Errorf("%w: the credential %s was revoked", vci.ErrDenied, e.ID)
	case ds.Issued != "" && e.ID != ds.Issued:
		return nil, fmt.Errorf("%w: the record is not the one %s was issued from", vci.ErrDenied, ds.Issued)
	case !issued[0].Existing && !a.s.auditInStore:
		a.s.recordAudit(ctx, audit.Op, e.ID, audit.Actor, audit.Detail)
	}
	creds := make([]vci.Credential, len(issued))
	for i, o := range issued {
		if req.Configuration.Format == vci.FormatLDPVC {
			creds[i] = vci.ObjectCredential(o.Credential)
		} else {
			creds[i] = vci.BytesCredential(o.Credential)
		}
	}
	return creds, nil
}

func suffixOf(format string) string {
	switch format {
	case vci.FormatSDJWT:
		return vci.SuffixSDJWT
	case vci.FormatJWTVC:
		return vci.SuffixJWTVC
	case vci.FormatLDPVC:
		return vci.SuffixLDPVC
	}
	return ""
}

// oauthRoutes are the routes whose errors are OAuth / OpenID4VC error
// responses ({"error": …}) rather than problem details.
var oauthRoutes = map[string]bool{
	"GET /.well-known/openid-credential-issuer": true, "GET /.well-known/oauth-authorization-server": true,
	"GET /credential-offer/{id}": true, "POST /token": true, "POST /nonce": true, "POST /credential": true,
	"POST /notification": true, "POST /par": true, "/authorize": true,
	"GET /vp/request/{state}": true, "POST /vp/request/{state}": true, "POST /vp/response": true,
}

// writeOAuthError answers an error of an OpenID4VCI/VP endpoint as the
// specifications say, counting its code; a failure of the service is
// logged with the request id and answered server_error without detail.
func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var e *openid4vc.Error
	if !errors.As(err, &e) {
		var he *httpError
		if errors.As(err, &he) && he.status < 500 {
			// The service's own refusals (rate limit, body size) keep their
			// status, with an OAuth code.
			for k, vs := range he.header {
				for _, v := range vs {
					w.Header().Add(k, v)
				}
			}
			e = &openid4vc.Error{Code: openid4vc.CodeInvalidRequest, Description: he.detail, Status: he.status}
		} else {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				e = &openid4vc.Error{Code: openid4vc.CodeInvalidRequest, Description: fmt.Sprintf("the body is larger than %d bytes", mbe.Limit), Status: http.StatusRequestEntityTooLarge}
			}
		}
	}
	if e == nil {
		e = openid4vc.As(err)
	}
	if e.HTTPStatus() >= 500 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("request", requestID(r)),
			slog.String("route", routeOf(r)), slog.String("error", err.Error()))
	}
	s.metrics.oid.errors.WithLabelValues(routeOf(r), codeLabel(e.Code)).Inc()
	openid4vc.WriteError(w, e)
}

// codeLabel bounds the code label to the codes the specifications define.
func codeLabel(code string) string {
	switch code {
	case openid4vc.CodeInvalidRequest, openid4vc.CodeInvalidClient, openid4vc.CodeInvalidGrant, openid4vc.CodeUnauthorizedClient,
		openid4vc.CodeUnsupportedGrantType, openid4vc.CodeInvalidScope, openid4vc.CodeAccessDenied, openid4vc.CodeUnsupportedResponse,
		openid4vc.CodeServerError, openid4vc.CodeInvalidAuthorizationDetails, openid4vc.CodeInvalidToken, openid4vc.CodeInsufficientScope,
		openid4vc.CodeInvalidDPoPProof, openid4vc.CodeUseDPoPNonce, openid4vc.CodeInvalidCredentialRequest,
		openid4vc.CodeUnknownCredentialConfiguration, openid4vc.CodeUnknownCredentialIdentifier, openid4vc.CodeInvalidProof,
		openid4vc.CodeInvalidNonce, openid4vc.CodeInvalidEncryptionParameters, openid4vc.CodeCredentialRequestDenied,
		openid4vc.CodeInvalidNotificationID, openid4vc.CodeInvalidNotificationRequest, openid4vc.CodeVPFormatsNotSupported,
		openid4vc.CodeInvalidRequestURIMethod, openid4vc.CodeInvalidTransactionData, openid4vc.CodeWalletUnavailable,
		openid4vc.CodeInvalidRequestObject, openid4vc.CodeRequestURINotSupported:
		return code
	}
	return "other"
}

func notificationLabel(event string) string {
	switch event {
	case vci.EventAccepted, vci.EventFailure, vci.EventDeleted:
		return event
	}
	return "other"
}

// OpenID4VCStatus says whether the OpenID4VCI issuer and the OpenID4VP
// verifier are served (with what) or why not, for the start-up message.
func (s *Server) OpenID4VCStatus() (issuing, presenting string) {
	if s.oid == nil {
		return "not set up", "not set up"
	}
	issuing, presenting = "served", "served ("+s.oid.prefix+")"
	if s.oid.vci == nil {
		issuing = "off: " + s.oid.vciOff
	} else {
		issuing += " (" + strings.Join(s.oid.formats, ", ") + ")"
		for _, n := range s.oid.notOffered {
			issuing += "; " + n
		}
	}
	if s.oid.rp == nil {
		presenting = "off: " + s.oid.vpOff
	}
	return issuing, presenting
}
