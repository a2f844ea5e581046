// Package oid4vctest wires a real issuing and verifying service for the
// OpenID4VC tests and benchmarks: a temporary bbolt store with real keys, the
// real issuer and verifier, vci and vp mounted on an HTTPS server on
// 127.0.0.1 exactly as the service's routes.go is expected to mount them,
// status lists served from the issuer, and a test CA for TLS and for the
// verifier's request-signing certificate. It is for tests only.
package oid4vctest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/flowtime"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/memstore"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/verifier"
)

const passphrase = "correct-horse-battery-staple"

// Options choose what the environment offers.
type Options struct {
	// LDP imports the reference JSON-LD contexts so that ldp_vc can be
	// issued and verified; the test skips without the reference folder.
	LDP bool
	// RequireDPoP, EncryptionRequired configure the issuer.
	RequireDPoP, EncryptionRequired bool
	// Prefix is the verifier's client identifier prefix (default x509_hash).
	Prefix string
	// Records replaces the in-memory protocol store.
	Records openid4vc.Records
	// Now is the clock of the protocol state (offers, tokens, nonces,
	// requests); nil: time.Now.
	Now func() time.Time
	// SignedMetadata signs the issuer metadata with the verifier's
	// certificate (a test stand-in for the issuer's own).
	SignedMetadata bool
	// SealNotifications gives the issuer a Sealer (the store), so that its
	// notification ids are sealed rather than stored.
	SealNotifications bool
	// Timers, when set, time the client's HTTP, the handlers, the protocol
	// store, the issuer and the verifier (benchmarks).
	Timers *Timers
}

// Env is one running service.
type Env struct {
	T        testing.TB
	Store    *keys.Store
	Issuer   *issuer.Issuer
	Server   *httptest.Server
	URL      string // https://127.0.0.1:port
	Local    string // https://localhost:port (names the server's certificate too)
	Client   *http.Client
	Roots    *x509.CertPool
	CA       *x509.Certificate
	caKey    crypto.Signer
	Records  openid4vc.Records
	VCI      *vci.Issuer
	RP       *vp.RelyingParty
	Verifier *verifier.Verifier
	Contexts *jsonld.Loader
	SignIn   *SignInBox
	Mux      *http.ServeMux
	// VerifierKey is the verifier's request-signing key and chain.
	VerifierKey   crypto.Signer
	VerifierChain []*x509.Certificate

	now       func() time.Time
	timers    *Timers
	publisher *issuer.Issuer
}

// New starts an environment; everything stops with t.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	e := &Env{T: t, Mux: http.NewServeMux(), SignIn: &SignInBox{}}
	e.newCA()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = e.Mux
	if ts := o.Timers; ts != nil {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ts.Server.Begin()
			defer ts.Server.End()
			e.Mux.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Listener.Close()
	srv.Listener = ln
	leafKey, leaf := e.issue(pkix.Name{CommonName: "localhost"}, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, false, x509.ExtKeyUsageServerAuth)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw, e.CA.Raw}, PrivateKey: leafKey}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e.Server = srv
	port := ln.Addr().(*net.TCPAddr).Port
	e.URL = fmt.Sprintf("https://127.0.0.1:%d", port)
	e.Local = fmt.Sprintf("https://localhost:%d", port)
	var rt http.RoundTripper = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.Roots}, MaxIdleConnsPerHost: 64}
	if o.Timers != nil {
		rt = flowtime.TimedTransport{RT: rt, T: &o.Timers.Client}
	}
	e.Client = &http.Client{Timeout: 10 * time.Second, Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	e.Store = e.newStore(t, o.LDP)
	e.Records = o.Records
	if e.Records == nil {
		e.Records = memstore.New(o.Now)
	}
	e.timers = o.Timers
	if e.timers != nil {
		e.Records = TimedRecords{R: e.Records, T: &e.timers.Records}
	}
	if e.Issuer, err = issuer.New(e.Store, nil); err != nil {
		t.Fatal(err)
	}
	// Status lists are published on demand; a registrar publishes them
	// before anyone verifies, so they are dated a minute back (a list dated
	// the very second a verifier fetches it could start after the
	// verification time the verifier took a moment earlier).
	if e.publisher, err = issuer.New(e.Store, &issuer.Options{Now: func() time.Time { return time.Now().Add(-time.Minute) }}); err != nil {
		t.Fatal(err)
	}
	e.Contexts = jsonld.New(jsonld.Options{Cache: e.Store})
	e.Verifier, err = verifier.New(verifier.Options{
		Trust:    []verifier.TrustSource{verifier.RegistrySource{Registry: e.Store}},
		Fetcher:  verifier.NewHTTPFetcher(verifier.FetchLimits{AllowPrivateNetworks: true}, e.Roots),
		Contexts: e.Contexts,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.startVCI(o)
	e.now = o.Now
	e.startVP(o.Prefix, e.URL)
	e.Mux.HandleFunc("GET /status/", e.serveStatus)
	return e
}

// newCA makes the test CA (P-256, self-signed) and its pool.
func (e *Env) newCA() {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Diplomat Test CA", Organization: []string{"Diplomat tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		SubjectKeyId: []byte{1, 2, 3, 4},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		e.T.Fatal(err)
	}
	e.CA, _ = x509.ParseCertificate(der)
	e.caKey = k
	e.Roots = x509.NewCertPool()
	e.Roots.AddCert(e.CA)
}

var serial atomic.Int64

// Leaf is a key certified by the test CA.
type Leaf struct {
	Key   *ecdsa.PrivateKey
	Chain []*x509.Certificate
}

// Now is the time to sign with.
func (Leaf) Now() time.Time { return time.Now() }

// NewLeaf returns a P-256 key and its chain (leaf, CA).
func (e *Env) NewLeaf(sub pkix.Name, eku x509.ExtKeyUsage) Leaf {
	k, c := e.issue(sub, nil, nil, true, eku)
	return Leaf{Key: k, Chain: []*x509.Certificate{c, e.CA}}
}

// issue makes a P-256 leaf signed by the CA.
func (e *Env) issue(sub pkix.Name, dns []string, ips []net.IP, sign bool, eku x509.ExtKeyUsage) (*ecdsa.PrivateKey, *x509.Certificate) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(100 + serial.Add(1)), Subject: sub, DNSNames: dns, IPAddresses: ips,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{eku}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, e.CA, &k.PublicKey, e.caKey)
	if err != nil {
		e.T.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return k, c
}

// newStore makes the issuer's store: keys "registrar" (Ed25519: w3c, eudi),
// "ebsi" (P-256: ebsi), the verifier's request-signing certificate
// "verifier" (P-256, issued by the test CA to localhost), the issuer
// configuration, trust entries for the two issuer DIDs, and (ldp) the
// reference contexts.
func (e *Env) newStore(t testing.TB, ldp bool) *keys.Store {
	s, err := keys.Open(filepath.Join(t.TempDir(), keys.DefaultFile), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Unlock([]byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name string
		typ  keys.KeyType
	}{{"registrar", keys.Ed25519}, {"ebsi", keys.P256}} {
		key, err := s.Create(k.name, k.typ, keys.Assertion)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := did.KeyDID(key.Public)
		if _, err := s.AddTrust(keys.TrustEntry{DID: d, Name: "Université Exemple", Country: "FR"}); err != nil {
			t.Fatal(err)
		}
	}
	vk, vc := e.issue(pkix.Name{CommonName: "Admissions, Universiteit Voorbeeld", Organization: []string{"Universiteit Voorbeeld"}, Country: []string{"NL"}},
		[]string{"localhost"}, nil, true, x509.ExtKeyUsageAny)
	der, _ := x509.MarshalPKCS8PrivateKey(vk)
	chainPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: vc.Raw}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.CA.Raw})...)
	if _, err := s.ImportPEM("verifier", chainPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		t.Fatal(err)
	}
	if e.VerifierKey, err = s.Signer("verifier"); err != nil {
		t.Fatal(err)
	}
	chain, _ := s.Chain("verifier")
	e.VerifierChain = chain[:1] // HAIP: no trust anchor in x5c
	if ldp {
		if _, err := jsonld.Import(reftest.Path(t, "contexts"), s); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &issuer.Config{
		Institution: issuer.Institution{
			LegalName: map[string]string{"en": "Université Exemple", "fr": "Université Exemple"}, LegalIdentifier: "VATFR-12345678901",
			Country: "FR", Homepage: "https://www.univ-exemple.fr", Email: "registrar@univ-exemple.fr",
		},
		StatusBaseURL: e.URL + "/status",
	}
	if err := issuer.SaveConfig(s, cfg); err != nil {
		t.Fatal(err)
	}
	return s
}

// Configuration ids the environment offers (the diploma template).
const (
	ConfigSDJWT = "diploma" + vci.SuffixSDJWT
	ConfigJWTVC = "diploma" + vci.SuffixJWTVC
	ConfigLDPVC = "diploma" + vci.SuffixLDPVC
)

func (e *Env) startVCI(o Options) {
	formats := []string{vci.FormatSDJWT, vci.FormatJWTVC}
	if o.LDP {
		formats = append(formats, vci.FormatLDPVC)
	}
	configs := vci.ConfigurationsFor(vci.TemplateInfo{Name: "diploma",
		Titles: map[string]string{"en": "Diploma", "fr": "Diplôme", "de": "Abschlusszeugnis"}}, formats, nil)
	encKey, _ := openid4vc.NewEncryptionKey()
	var issue vci.CredentialIssuer = &IssuerAdapter{Issuer: e.Issuer}
	if e.timers != nil {
		issue = TimedIssuer{I: issue, T: &e.timers.Issue}
	}
	var metaSigner crypto.Signer
	if o.SignedMetadata {
		metaSigner = e.VerifierKey
	}
	var err error
	var sealer openid4vc.Sealer
	if o.SealNotifications {
		sealer = e.Store
	}
	e.VCI, err = vci.New(vci.Options{
		MetadataSigner: metaSigner, MetadataChain: e.VerifierChain,
		Issuer: e.URL, Configurations: configs, Records: e.Records, Issue: issue,
		SignIn: e.SignIn, EncryptionKey: encKey, EncryptionRequired: o.EncryptionRequired, RequireDPoP: o.RequireDPoP,
		Now:     o.Now,
		Display: []vci.Display{{Name: "Université Exemple", Locale: "fr"}, {Name: "Université Exemple (Example University)", Locale: "en"}},
		Sealer:  sealer,
	})
	if err != nil {
		e.T.Fatal(err)
	}
	// The routes, as server/routes.go is expected to list them.
	m := e.Mux
	m.HandleFunc("GET /.well-known/openid-credential-issuer", e.VCI.ServeMetadata)
	m.HandleFunc("GET /.well-known/oauth-authorization-server", e.VCI.ServeAuthServerMetadata)
	m.HandleFunc("GET /credential-offer/{id}", e.VCI.ServeOffer)
	m.HandleFunc("POST /token", e.VCI.ServeToken)
	m.HandleFunc("POST /nonce", e.VCI.ServeNonce)
	m.HandleFunc("POST /credential", e.VCI.ServeCredential)
	m.HandleFunc("POST /notification", e.VCI.ServeNotification)
	m.HandleFunc("POST /par", e.VCI.ServePAR)
	m.Handle("/authorize", e.VCI.ServeAuthorize(nil))
}

// startVP mounts a relying party under /vp/ with the given prefix.
func (e *Env) startVP(prefix, base string) {
	rp, err := e.NewRP(prefix, base, "/vp/")
	if err != nil {
		e.T.Fatal(err)
	}
	e.RP = rp
	e.Mux.HandleFunc("GET /vp/request/{state}", rp.ServeRequestObject)
	e.Mux.HandleFunc("POST /vp/request/{state}", rp.ServeRequestObject)
	e.Mux.HandleFunc("POST /vp/response", rp.ServeResponse)
}

// NewRP returns a relying party with prefix whose endpoints are base +
// path + "request/" and "response" (mount them to use it).
func (e *Env) NewRP(prefix, base, path string) (*vp.RelyingParty, error) {
	if prefix == "" {
		prefix = vp.PrefixX509Hash
	}
	var v vp.Verifier = e.Verifier
	if e.timers != nil {
		v = TimedVerifier{V: v, T: &e.timers.Verify}
	}
	o := vp.Options{Prefix: prefix, ResponseURI: base + path + "response", RequestURIBase: base + path + "request/",
		Records: e.Records, Verify: v, Contexts: e.Contexts, Now: e.now}
	switch prefix {
	case vp.PrefixX509Hash, vp.PrefixX509SanDNS:
		o.Signer, o.Chain = e.VerifierKey, e.VerifierChain
	case vp.PrefixDID:
		k, err := e.Store.Signer("registrar")
		if err != nil {
			return nil, err
		}
		d, _ := did.KeyDID(k.Public())
		o.Signer, o.KeyID = k, d+"#"+strings.TrimPrefix(d, "did:key:")
	}
	return vp.New(o)
}

// serveStatus serves the issuer's status lists at their URLs.
func (e *Env) serveStatus(w http.ResponseWriter, r *http.Request) {
	pub, err := e.publisher.PublishStatus(r.Context(), time.Hour)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	want := e.URL + r.URL.Path
	for _, p := range pub {
		u := issuer.ListURL(e.URL+"/status", p.List.ID, p.List.Purpose)
		if u == want {
			w.Header().Set("Content-Type", p.MediaType)
			w.Write(p.Credential)
			return
		}
	}
	http.NotFound(w, r)
}

// SignInBox is a vci.SignInSender that keeps the last code per contact, as
// the registrar's mail would deliver it.
type SignInBox struct {
	mu    sync.Mutex
	codes map[string]string
}

// SendSignInCode implements vci.SignInSender.
func (b *SignInBox) SendSignInCode(_ context.Context, contact, code string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.codes == nil {
		b.codes = map[string]string{}
	}
	b.codes[contact] = code
	return nil
}

// Code returns the last code sent to contact.
func (b *SignInBox) Code(contact string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[contact]
}

// Dataset is what the service puts in an offer: the template and the
// record (validated by the issuer at issuance).
type Dataset struct {
	Template string          `json:"template"`
	Record   json.RawMessage `json:"record"`
}

// IssuerAdapter is the vci.CredentialIssuer over issuer.Issuer that the
// service is expected to use: the dataset names a template and a record,
// the configuration's format picks the profile (dc+sd-jwt → eudi,
// jwt_vc_json → ebsi, ldp_vc → w3c with eddsa-rdfc-2022), and IssueTo binds
// one copy to each holder.
type IssuerAdapter struct {
	Issuer *issuer.Issuer
	// templates caches parsed templates by name (parsing one takes longer
	// than issuing from it).
	templates sync.Map
}

func (a *IssuerAdapter) template(name string) (*templates.Template, error) {
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

// IssueCredentials implements vci.CredentialIssuer.
func (a *IssuerAdapter) IssueCredentials(ctx context.Context, req vci.IssueRequest) ([]vci.Credential, error) {
	var ds Dataset
	if err := json.Unmarshal(req.Dataset, &ds); err != nil {
		return nil, fmt.Errorf("offer dataset: %w", err)
	}
	t, err := a.template(ds.Template)
	if err != nil {
		return nil, err
	}
	recs, err := templates.ReadJSON(ds.Record, "offer dataset")
	if err != nil || len(recs) != 1 {
		return nil, fmt.Errorf("%w: offer dataset: one record expected: %v", vci.ErrDenied, err)
	}
	var p issuer.Profile
	switch req.Configuration.Format {
	case vci.FormatSDJWT:
		p = issuer.Profile{Name: issuer.EUDI}
	case vci.FormatJWTVC:
		p = issuer.Profile{Name: issuer.EBSI}
	case vci.FormatLDPVC:
		p = issuer.Profile{Name: issuer.W3C, Proof: issuer.ProofEdDSA}
	default:
		return nil, fmt.Errorf("%w: format %s", vci.ErrDenied, req.Configuration.Format)
	}
	holders := make([]issuer.Holder, len(req.Holders))
	for i, h := range req.Holders {
		holders[i] = issuer.Holder{Key: h.Key, DID: h.DID}
	}
	out, err := a.Issuer.IssueTo(ctx, t, recs[0], p, holders)
	var ie *issuer.InputError
	if errors.As(err, &ie) {
		return nil, fmt.Errorf("%w: %v", vci.ErrDenied, err)
	}
	if err != nil {
		return nil, err
	}
	creds := make([]vci.Credential, len(out))
	for i, o := range out {
		if req.Configuration.Format == vci.FormatLDPVC {
			creds[i] = vci.ObjectCredential(o.Credential)
		} else {
			creds[i] = vci.StringCredential(string(o.Credential))
		}
	}
	return creds, nil
}

// DiplomaDataset returns the dataset of the diploma template's example.
func DiplomaDataset(t testing.TB) []byte {
	tm, err := templates.Builtin("diploma")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := tm.Example()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := json.Marshal(rec)
	b, _ := json.Marshal(Dataset{Template: "diploma", Record: r})
	return b
}

// Wallet returns a vci client and a vp wallet that trust the test CA and
// may reach loopback.
func (e *Env) Wallet() (*vci.Client, *vp.Wallet) {
	return &vci.Client{HTTP: e.Client}, &vp.Wallet{HTTP: e.Client, Roots: e.Roots, Contexts: e.Contexts}
}

// RedirectParams reads the query of a redirect target.
func RedirectParams(raw string) url.Values {
	u, _ := url.Parse(raw)
	return u.Query()
}

// Browse plays the student's browser through the issuer's sign-in: it
// opens authURL (the link the wallet printed), sends the one-time code the
// registrar's channel delivered to contact, and returns the URL the
// browser is then sent to (the wallet's redirect URI, with the code).
func (e *Env) Browse(authURL, contact string) (string, error) {
	resp, err := e.Client.Get(authURL)
	if err != nil {
		return "", err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="session" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("no session in the sign-in page (HTTP %d)", resp.StatusCode)
	}
	resp, err = e.Client.PostForm(e.URL+"/authorize", url.Values{"session": {string(m[1])}, "code": {e.SignIn.Code(contact)}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign-in answered HTTP %d", resp.StatusCode)
	}
	return resp.Header.Get("Location"), nil
}
