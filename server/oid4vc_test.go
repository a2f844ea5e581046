package server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/testdata/records"
)

// oidEnv is a real server on 127.0.0.1 with OpenID4VCI and OpenID4VP on, a
// request-signing certificate issued by a test CA, and a Go wallet (the
// library's client side) that trusts that CA.
type oidEnv struct {
	*testEnv
	roots  *x509.CertPool
	ca     *x509.Certificate
	client *vci.Client
	wallet *vp.Wallet
	box    *signInBox
}

// signInBox is the registrar's channel in tests: it keeps the last code per
// contact.
type signInBox struct{ codes map[string]string }

func (b *signInBox) SendSignInCode(_ context.Context, contact, code string) error {
	b.codes[contact] = code
	return nil
}

func newOIDEnv(t testing.TB, contexts bool, config func(*Config)) *oidEnv {
	t.Helper()
	return newOIDEnvWith(t, contexts, config, nil)
}

// newOIDEnvWith is newOIDEnv with a last say on the server's options.
func newOIDEnvWith(t testing.TB, contexts bool, config func(*Config), options func(*Options)) *oidEnv {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Diplomat test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	o := &oidEnv{roots: x509.NewCertPool(), ca: ca, box: &signInBox{codes: map[string]string{}}}
	o.roots.AddCert(ca)
	prepare := func(s *keys.Store) {
		// As issuer init does: the keys that sign are recorded, so that the
		// request-signing key imported below never takes over.
		cfg, err := issuer.LoadConfig(s)
		if err == nil {
			cfg.Keys, err = issuer.ChooseKeys(s)
		}
		if err == nil {
			err = issuer.SaveConfig(s, cfg)
		}
		if err != nil {
			t.Fatal(err)
		}
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Admissions, Test University", Organization: []string{"Test University"}, Country: []string{"FR"}},
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		kd, _ := x509.MarshalPKCS8PrivateKey(k)
		chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
		if _, err := s.ImportPEM("verifier", chain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})); err != nil {
			t.Fatal(err)
		}
	}
	// The service's TLS certificate, from the same CA.
	tk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ttmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	tder, _ := x509.CreateCertificate(rand.Reader, ttmpl, ca, &tk.PublicKey, caKey)
	tlsConf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{tder, caDER}, PrivateKey: tk}}}
	o.testEnv = newEnv(t, envOptions{contexts: contexts, prepare: prepare, config: config, tls: tlsConf, roots: o.roots,
		options: func(opts *Options) {
			opts.SignIn = o.box
			if options != nil {
				options(opts)
			}
		}})
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: o.roots}, MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	o.client = &vci.Client{HTTP: hc}
	o.wallet = &vp.Wallet{HTTP: hc, Roots: o.roots, Contexts: jsonld.New(jsonld.Options{Cache: o.store})}
	return o
}

func p256Key(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// offer makes an offer through POST /offers.
func (o *oidEnv) offer(t testing.TB, req map[string]any) *OfferResult {
	t.Helper()
	code, m := o.postJSON("/offers", "issue", req)
	if code != http.StatusCreated {
		t.Fatalf("POST /offers: %d %v", code, m)
	}
	b, _ := json.Marshal(m)
	var out OfferResult
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func recordJSON(t testing.TB, template string) json.RawMessage {
	t.Helper()
	b, err := records.JSON(template)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// receive runs the wallet's pre-authorized flow for an offer and returns
// the credentials, one per holder.
func (o *oidEnv) receive(t testing.TB, link, txCode string, dpop crypto.Signer, holders ...crypto.Signer) (*vci.Received, *vci.Session) {
	t.Helper()
	ctx := context.Background()
	s, err := o.client.Start(ctx, link, dpop)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, txCode); err != nil {
		t.Fatal(err)
	}
	var ps []vci.ProofSigner
	for _, h := range holders {
		ps = append(ps, vci.ProofSigner{Signer: h})
	}
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: ps})
	if err != nil {
		t.Fatal(err)
	}
	return got, s
}

// verified checks that the service's verifier calls cred verified.
func (o *oidEnv) verified(t testing.TB, cred []byte) {
	t.Helper()
	code, m := o.verify(cred)
	rep := reportOf(m)
	if code != http.StatusOK || rep["verdict"] != "verified" {
		b, _ := json.MarshalIndent(m, "", " ")
		t.Fatalf("verify: %d\n%.3000s", code, b)
	}
}

// boundTo checks that a credential is bound to the holder key.
func boundTo(t testing.TB, format string, cred []byte, holder crypto.PublicKey) {
	t.Helper()
	if format == vci.FormatSDJWT {
		sd, err := sdjwt.Parse(string(cred))
		if err != nil {
			t.Fatal(err)
		}
		k, err := sd.HolderKey()
		if err != nil || k == nil || !k.(interface{ Equal(crypto.PublicKey) bool }).Equal(holder) {
			t.Fatalf("cnf key %v is not the holder's (%v)", k, err)
		}
		return
	}
	want, _ := did.JWKDID(holder)
	var doc map[string]any
	if format == vci.FormatJWTVC {
		claims, err := vci.ClaimsOfJWT(string(cred))
		if err != nil {
			t.Fatal(err)
		}
		var sub string
		_ = json.Unmarshal(claims["sub"], &sub)
		if sub != want {
			t.Fatalf("sub %s, want the holder's %s", sub, want)
		}
		_ = json.Unmarshal(claims["vc"], &doc)
	} else {
		_ = json.Unmarshal(cred, &doc)
	}
	cs, _ := doc["credentialSubject"].(map[string]any)
	if cs["id"] != want {
		t.Fatalf("credentialSubject.id %v, want the holder's %s", cs["id"], want)
	}
}

func oauthCode(err error) string {
	var e *openid4vc.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return fmt.Sprint(err)
}

func TestServedMetadata(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	code, body, h := o.do("GET", "/.well-known/openid-credential-issuer", "", "", nil)
	var m vci.Metadata
	if code != 200 || h.Get("Content-Type") != "application/json" || json.Unmarshal(body, &m) != nil {
		t.Fatalf("%d %s %s", code, h.Get("Content-Type"), body)
	}
	if m.CredentialIssuer != o.url || m.NonceEndpoint != o.url+"/nonce" || m.BatchCredentialIssuance == nil {
		t.Fatalf("%+v", m)
	}
	for _, id := range []string{"diploma_sd_jwt", "diploma_jwt_vc", "transcript_sd_jwt", "microcredential_jwt_vc"} {
		c, ok := m.CredentialConfigurationsSupported[id]
		if !ok || c.Scope != id || c.ProofTypesSupported["jwt"].ProofSigningAlgValuesSupported[0] != "ES256" {
			t.Errorf("configuration %s: %+v", id, c)
		}
	}
	if m.CredentialConfigurationsSupported["diploma_sd_jwt"].VCT != "urn:eudi:elm:1" {
		t.Error("no vct")
	}
	if len(m.Display) == 0 || m.Display[0].Name != "Test University" {
		t.Errorf("display %+v", m.Display)
	}
	// Signed metadata, with the institution's eSeal.
	req, _ := http.NewRequest("GET", o.url+"/.well-known/openid-credential-issuer", nil)
	req.Header.Set("Accept", "application/jwt")
	resp, err := o.testEnv.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	jwtBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	hdr, _, _ := strings.Cut(string(jwtBody), ".")
	hb, _ := base64.RawURLEncoding.DecodeString(hdr)
	if resp.Header.Get("Content-Type") != "application/jwt" || !strings.Contains(string(hb), `"typ":"openidvci-issuer-metadata+jwt"`) || !strings.Contains(string(hb), `"x5c"`) {
		t.Fatalf("signed metadata: %s %s", resp.Header.Get("Content-Type"), hb)
	}
	code, body, _ = o.do("GET", "/.well-known/oauth-authorization-server", "", "", nil)
	var as vci.AuthServerMetadata
	if code != 200 || json.Unmarshal(body, &as) != nil || as.TokenEndpoint != o.url+"/token" || as.PushedAuthorizationRequestEndpoint != o.url+"/par" {
		t.Fatalf("%d %s", code, body)
	}
}

// Offer → token → nonce → credential for each format, with and without a
// transaction code and DPoP: each credential verifies and is bound to the
// wallet's key; the offer is single-use.
func TestOfferRoundTrips(t *testing.T) {
	o := newOIDEnv(t, true, nil)
	ctx := context.Background()
	for _, format := range []string{vci.FormatSDJWT, vci.FormatJWTVC, vci.FormatLDPVC} {
		for _, tx := range []bool{false, true} {
			for _, dpop := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s tx=%v dpop=%v", format, tx, dpop), func(t *testing.T) {
					rec := recordJSON(t, "diploma")
					var r map[string]any
					_ = json.Unmarshal(rec, &r)
					r["id"] = fmt.Sprintf("urn:schac:personalUniqueCode:int:esi:fr:%s-%v-%v", strings.ReplaceAll(format, "+", ""), tx, dpop)
					off := o.offer(t, map[string]any{"template": "diploma", "record": r, "format": format, "txCode": tx, "byReference": tx})
					if tx != (off.TxCode != "") || tx != strings.Contains(off.Link, "credential_offer_uri") {
						t.Fatalf("offer %+v", off)
					}
					var dk crypto.Signer
					if dpop {
						dk = p256Key(t)
					}
					k1 := p256Key(t)
					var k2 crypto.Signer = p256Key(t)
					if format == vci.FormatLDPVC {
						_, k2, _ = ed25519.GenerateKey(rand.Reader)
					}
					got, s := o.receive(t, off.Link, off.TxCode, dk, k1, k2)
					if _, typ := s.AccessToken(); dpop != (typ == "DPoP") {
						t.Fatalf("token type %s with dpop=%v", typ, dpop)
					}
					if len(got.Credentials) != 2 || got.Format != format {
						t.Fatalf("%d credentials of %s", len(got.Credentials), got.Format)
					}
					for i, h := range []crypto.PublicKey{&k1.PublicKey, k2.Public()} {
						o.verified(t, got.Credential(i))
						boundTo(t, format, got.Credential(i), h)
					}
					if err := s.Notify(ctx, got.NotificationID, vci.EventAccepted, ""); err != nil {
						t.Fatal(err)
					}
					s2, err := o.client.Start(ctx, off.Link, nil)
					if err == nil {
						err = s2.PreAuthorized(ctx, off.TxCode)
					}
					if oauthCode(err) != openid4vc.CodeInvalidGrant && !strings.Contains(fmt.Sprint(err), "no pending credential offer") {
						t.Fatalf("the offer was redeemed twice: %v", err)
					}
				})
			}
		}
	}
}

// An offer of a credential already in the register delivers that very
// credential (same id and status entry), bound to the wallet's key; a
// record that is not the credential's is refused.
func TestOfferOfAnIssuedCredential(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	_, id := o.issue("diploma", "eudi", nil)
	code, m := o.postJSON("/offers", "issue", map[string]any{"issued": id})
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(m["detail"]), "record") {
		t.Fatalf("without the record: %d %v", code, m)
	}
	var other map[string]any
	_ = json.Unmarshal(recordJSON(t, "diploma"), &other)
	other["familyName"] = "Martin"
	code, m = o.postJSON("/offers", "issue", map[string]any{"issued": id, "record": other})
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(m["detail"]), "not the one") {
		t.Fatalf("another record: %d %v", code, m)
	}
	code, m = o.postJSON("/offers", "issue", map[string]any{"issued": id, "record": recordJSON(t, "diploma"), "format": vci.FormatJWTVC})
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(m["detail"]), "dc+sd-jwt") {
		t.Fatalf("another format: %d %v", code, m)
	}
	off := o.offer(t, map[string]any{"issued": id, "record": recordJSON(t, "diploma")})
	if off.Format != vci.FormatSDJWT || off.Template != "diploma" {
		t.Fatalf("%+v", off)
	}
	k := p256Key(t)
	got, _ := o.receive(t, off.Link, "", nil, k)
	o.verified(t, got.Credential(0))
	boundTo(t, vci.FormatSDJWT, got.Credential(0), &k.PublicKey)
	sd, _ := sdjwt.Parse(string(got.Credential(0)))
	proc, _ := sd.Process()
	if !strings.Contains(fmt.Sprint(proc.Claims), id) {
		t.Fatalf("the wallet's credential is not %s", id)
	}
	// A revoked credential is offered no more.
	if _, err := o.srv.changeStatus(context.Background(), "revoke", id, "awarded by mistake", "test"); err != nil {
		t.Fatal(err)
	}
	code, m = o.postJSON("/offers", "issue", map[string]any{"issued": id, "record": recordJSON(t, "diploma")})
	if code != http.StatusConflict {
		t.Fatalf("a revoked credential offered: %d %v", code, m)
	}
}

// rawJWT signs a compact JWS with a P-256 key (ES256), or leaves it
// unsigned for alg none.
func rawJWT(t testing.TB, k *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	hb, _ := json.Marshal(header)
	cb, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	if header["alg"] == "none" {
		return in + "."
	}
	d := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func publicJWK(k *ecdsa.PrivateKey) map[string]any {
	b, _ := k.PublicKey.Bytes()
	return map[string]any{"kty": "EC", "crv": "P-256", "x": base64.RawURLEncoding.EncodeToString(b[1:33]), "y": base64.RawURLEncoding.EncodeToString(b[33:])}
}

// credentialCall posts a credential request with a bearer token.
func (o *oidEnv) credentialCall(t testing.TB, token string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", o.url+"/credential", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := o.testEnv.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(rb, &e)
	return resp.StatusCode, e.Error
}

func (o *oidEnv) nonce(t testing.TB) string {
	t.Helper()
	code, body, _ := o.do("POST", "/nonce", "", "", nil)
	var n struct {
		CNonce string `json:"c_nonce"`
	}
	if code != 200 || json.Unmarshal(body, &n) != nil || n.CNonce == "" {
		t.Fatalf("nonce: %d %s", code, body)
	}
	return n.CNonce
}

// tokenCall posts a token request and returns the status and error code.
func (o *oidEnv) tokenCall(t testing.TB, form url.Values) (int, string) {
	t.Helper()
	code, body, _ := o.do("POST", "/token", "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return code, e.Error
}

// A registrar withdraws an offer not yet redeemed: its link stops working
// at once; DELETE /offers needs the issue scope.
func TestRevokeOffer(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	off := o.offer(t, map[string]any{"template": "diploma", "record": recordJSON(t, "diploma"), "format": vci.FormatSDJWT, "byReference": true})
	if code, _, _ := o.do("DELETE", "/offers/"+off.ID, "status", "", nil); code != http.StatusForbidden {
		t.Fatalf("a status token withdrew an offer: %d", code)
	}
	if code, body, _ := o.do("DELETE", "/offers/"+off.ID, "issue", "", nil); code != http.StatusNoContent {
		t.Fatalf("%d %s", code, body)
	}
	if code, _, _ := o.do("GET", "/credential-offer/"+off.ID, "", "", nil); code != http.StatusNotFound {
		t.Fatalf("a withdrawn offer is served: %d", code)
	}
	if _, err := o.client.Start(context.Background(), off.Link, nil); err == nil {
		t.Fatal("a withdrawn offer was resolved")
	}
	if code, _, _ := o.do("DELETE", "/offers/"+openid4vc.NewHandle(), "issue", "", nil); code != http.StatusNotFound {
		t.Fatalf("an unknown offer: %d", code)
	}
}

// Every refusal of the issue, each with the specification's error code.
func TestOfferRefusals(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	ctx := context.Background()
	rec := recordJSON(t, "diploma")
	preAuth := func(t *testing.T, link string) string {
		t.Helper()
		off, err := o.client.ResolveOffer(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		return off.Grants.PreAuthorizedCode.PreAuthorizedCode
	}
	grant := func(code, tx string) url.Values {
		v := url.Values{"grant_type": {vci.GrantPreAuthorizedCode}, "pre-authorized_code": {code}}
		if tx != "" {
			v.Set("tx_code", tx)
		}
		return v
	}
	t.Run("a reused offer: invalid_grant", func(t *testing.T) {
		off := o.offer(t, map[string]any{"template": "diploma", "record": rec, "format": vci.FormatSDJWT})
		code := preAuth(t, off.Link)
		if st, e := o.tokenCall(t, grant(code, "")); st != 200 {
			t.Fatalf("first: %d %s", st, e)
		}
		if st, e := o.tokenCall(t, grant(code, "")); st != 400 || e != openid4vc.CodeInvalidGrant {
			t.Fatalf("reuse: %d %s", st, e)
		}
		if st, _, _ := o.do("GET", "/credential-offer/"+off.ID, "", "", nil); st != 404 {
			t.Fatalf("a redeemed offer is still served: %d", st)
		}
	})
	t.Run("an expired offer: invalid_grant", func(t *testing.T) {
		off := o.offer(t, map[string]any{"template": "diploma", "record": rec, "format": vci.FormatSDJWT, "expires": "1s"})
		code := preAuth(t, off.Link)
		time.Sleep(1100 * time.Millisecond)
		if st, e := o.tokenCall(t, grant(code, "")); st != 400 || e != openid4vc.CodeInvalidGrant {
			t.Fatalf("%d %s", st, e)
		}
	})
	t.Run("a wrong tx_code: invalid_grant, and lockout after 5", func(t *testing.T) {
		off := o.offer(t, map[string]any{"template": "diploma", "record": rec, "format": vci.FormatSDJWT, "txCode": true})
		code := preAuth(t, off.Link)
		wrong := "000000"
		if wrong == off.TxCode {
			wrong = "111111"
		}
		for i := range 5 {
			if st, e := o.tokenCall(t, grant(code, wrong)); st != 400 || e != openid4vc.CodeInvalidGrant {
				t.Fatalf("try %d: %d %s", i+1, st, e)
			}
		}
		if st, e := o.tokenCall(t, grant(code, off.TxCode)); st != 400 || e != openid4vc.CodeInvalidGrant {
			t.Fatalf("the right code after the lockout: %d %s", st, e)
		}
		if st, e := o.tokenCall(t, grant(preAuth(t, o.offer(t, map[string]any{"template": "diploma", "record": rec, "format": vci.FormatSDJWT, "txCode": true}).Link), "")); st != 400 || e != openid4vc.CodeInvalidRequest {
			t.Fatalf("a missing tx_code: %d %s", st, e)
		}
	})
	// A token and a live nonce for the proof tests.
	session := func(t *testing.T) (*vci.Session, string) {
		t.Helper()
		off := o.offer(t, map[string]any{"template": "diploma", "record": rec, "format": vci.FormatSDJWT})
		s, err := o.client.Start(ctx, off.Link, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PreAuthorized(ctx, ""); err != nil {
			t.Fatal(err)
		}
		return s, s.CredentialIdentifiers()["diploma_sd_jwt"][0]
	}
	proofCase := func(name, want string, edit func(h, c map[string]any, n string) string) {
		t.Run(name, func(t *testing.T) {
			s, ident := session(t)
			tok, _ := s.AccessToken()
			k := p256Key(t)
			h := map[string]any{"typ": vci.TypProof, "alg": "ES256", "jwk": publicJWK(k)}
			n := o.nonce(t)
			c := map[string]any{"aud": o.url, "iat": time.Now().Unix(), "nonce": n}
			n = edit(h, c, n)
			proof := rawJWT(t, k, h, c)
			st, e := o.credentialCall(t, tok, map[string]any{"credential_identifier": ident, "proofs": map[string]any{"jwt": []string{proof}}})
			if st != 400 || e != want {
				t.Fatalf("%d %s, want %s", st, e, want)
			}
		})
	}
	proofCase("a proof with a wrong nonce: invalid_nonce", openid4vc.CodeInvalidNonce, func(h, c map[string]any, n string) string {
		c["nonce"] = openid4vc.NewHandle()
		return n
	})
	proofCase("a proof for another audience: invalid_proof", openid4vc.CodeInvalidProof, func(h, c map[string]any, n string) string {
		c["aud"] = "https://other.example"
		return n
	})
	proofCase("a proof of another typ: invalid_proof", openid4vc.CodeInvalidProof, func(h, c map[string]any, n string) string {
		h["typ"] = "JWT"
		return n
	})
	proofCase("a proof with alg none: invalid_proof", openid4vc.CodeInvalidProof, func(h, c map[string]any, n string) string {
		h["alg"] = "none"
		return n
	})
	proofCase("a proof from an hour ago: invalid_proof", openid4vc.CodeInvalidProof, func(h, c map[string]any, n string) string {
		c["iat"] = time.Now().Add(-time.Hour).Unix()
		return n
	})
	t.Run("a token for another offer: unknown_credential_identifier", func(t *testing.T) {
		sA, _ := session(t)
		_, identB := session(t)
		tok, _ := sA.AccessToken()
		k := p256Key(t)
		proof := rawJWT(t, k, map[string]any{"typ": vci.TypProof, "alg": "ES256", "jwk": publicJWK(k)}, map[string]any{"aud": o.url, "iat": time.Now().Unix(), "nonce": o.nonce(t)})
		st, e := o.credentialCall(t, tok, map[string]any{"credential_identifier": identB, "proofs": map[string]any{"jwt": []string{proof}}})
		if st != 400 || e != openid4vc.CodeUnknownCredentialIdentifier {
			t.Fatalf("%d %s", st, e)
		}
	})
	t.Run("a DPoP-bound token sent as Bearer: invalid_token", func(t *testing.T) {
		off := o.offer(t, map[string]any{"template": "diploma", "record": rec, "format": vci.FormatSDJWT})
		s, err := o.client.Start(ctx, off.Link, p256Key(t))
		if err == nil {
			err = s.PreAuthorized(ctx, "")
		}
		if err != nil {
			t.Fatal(err)
		}
		tok, typ := s.AccessToken()
		st, e := o.credentialCall(t, tok, map[string]any{"credential_identifier": s.CredentialIdentifiers()["diploma_sd_jwt"][0]})
		if typ != "DPoP" || st != 401 || e != openid4vc.CodeInvalidToken {
			t.Fatalf("%s: %d %s", typ, st, e)
		}
	})
	t.Run("no token: invalid_token with a challenge", func(t *testing.T) {
		code, body, h := o.do("POST", "/credential", "", "application/json", []byte(`{}`))
		if code != 401 || !strings.Contains(h.Get("Www-Authenticate"), "invalid_token") || !strings.Contains(string(body), "invalid_token") {
			t.Fatalf("%d %s %v", code, body, h)
		}
	})
	t.Run("errors are counted by code", func(t *testing.T) {
		_, body, _ := o.do("GET", "/metrics", "", "", nil)
		if !strings.Contains(string(body), `diplomat_openid4vc_errors_total{code="invalid_proof",route="POST /credential"}`) {
			t.Fatalf("no error metric:\n%s", grepLines(string(body), "openid4vc"))
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The authorization code flow: the offer names a contact, the student signs
// in with the one-time code the registrar's channel delivered.
func TestSignInOffer(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	ctx := context.Background()
	const contact = "camille.dupont@etu.test-university.fr"
	off := o.offer(t, map[string]any{"template": "diploma", "record": recordJSON(t, "diploma"), "format": vci.FormatJWTVC, "signIn": contact})
	s, err := o.client.Start(ctx, off.Link, p256Key(t))
	if err != nil {
		t.Fatal(err)
	}
	const redirect = "http://127.0.0.1:9/callback"
	authURL, err := s.Authorize(ctx, "a-wallet", redirect)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := o.client.HTTP.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "etu.test-university.fr") || !strings.Contains(string(page), "Diplomat") ||
		strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action") {
		t.Fatalf("sign-in page %d:\n%s", resp.StatusCode, page)
	}
	i := strings.Index(string(page), `name="session" value="`)
	session := string(page)[i+len(`name="session" value="`):]
	session = session[:strings.IndexByte(session, '"')]
	resp, err = o.client.HTTP.PostForm(o.url+"/authorize", url.Values{"session": {session}, "code": {o.box.codes[contact]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, redirect+"?") {
		t.Fatalf("%d %q", resp.StatusCode, loc)
	}
	if err := s.Exchange(ctx, loc); err != nil {
		t.Fatal(err)
	}
	k := p256Key(t)
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: k}}})
	if err != nil {
		t.Fatal(err)
	}
	o.verified(t, got.Credential(0))
	boundTo(t, vci.FormatJWTVC, got.Credential(0), &k.PublicKey)
}

// The queries of the presentation tests.
const (
	sdjwtQuery = `{"credentials":[{"id":"diploma","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},
	  "claims":[{"path":["elm","credentialSubject","hasClaim",null,"title"]},{"path":["elm","credentialSubject","familyName"]}]}]}`
	jwtQuery = `{"credentials":[{"id":"diploma","format":"jwt_vc_json","meta":{"type_values":[["VerifiableCredential","EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`
	ldpQuery = `{"credentials":[{"id":"diploma","format":"ldp_vc","meta":{"type_values":[["https://www.w3.org/2018/credentials#VerifiableCredential","http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`
)

func parseQuery(t testing.TB, s string) dcql.Query {
	t.Helper()
	q, err := dcql.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return *q
}

// held receives a diploma of format through the service and returns it as
// the wallet holds it.
func (o *oidEnv) held(t testing.TB, format string, holder crypto.Signer) []vp.Held {
	t.Helper()
	off := o.offer(t, map[string]any{"template": "diploma", "record": recordJSON(t, "diploma"), "format": format})
	got, _ := o.receive(t, off.Link, "", nil, holder)
	return []vp.Held{{Format: format, Raw: got.Credential(0), Holder: holder}}
}

// answer runs the wallet's side of a request link.
func (o *oidEnv) answer(t testing.TB, link string, held []vp.Held) (*vp.Request, map[string][]any, *vp.Ack, error) {
	t.Helper()
	ctx := context.Background()
	req, err := o.wallet.FetchRequest(ctx, link)
	if err != nil {
		return nil, nil, nil, err
	}
	sel, err := o.wallet.Select(ctx, req, held)
	if err != nil {
		return req, nil, nil, err
	}
	tok, err := o.wallet.Presentations(ctx, req, sel, held)
	if err != nil {
		return req, nil, nil, err
	}
	ack, err := o.wallet.Respond(ctx, req, tok)
	return req, tok, ack, err
}

// Request → presentation → verified report, for each format.
func TestPresentationRoundTrips(t *testing.T) {
	o := newOIDEnv(t, true, nil)
	ctx := context.Background()
	rp := o.srv.oid.rp
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name, format, query string
		holder              crypto.Signer
	}{
		{"dc+sd-jwt", vci.FormatSDJWT, sdjwtQuery, p256Key(t)},
		{"jwt_vc_json in jwt_vp_json", vci.FormatJWTVC, jwtQuery, p256Key(t)},
		{"ldp_vc in ldp_vp", vci.FormatLDPVC, ldpQuery, ed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			held := o.held(t, c.format, c.holder)
			cr, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: parseQuery(t, c.query)})
			if err != nil {
				t.Fatal(err)
			}
			req, tok, _, err := o.answer(t, cr.Link, held)
			if err != nil {
				t.Fatal(err)
			}
			if !req.Signed || !req.Trusted || req.Prefix != vp.PrefixX509Hash || req.ResponseMode != vp.ModeDirectPostJWT {
				t.Fatalf("request %+v", req)
			}
			res, err := rp.Result(ctx, cr.TransactionID, "")
			if err != nil || res.Status != vp.StatusAnswered {
				t.Fatalf("%+v %v", res, err)
			}
			p := res.Presentations["diploma"][0]
			if p.Report.Verdict != "verified" {
				b, _ := json.MarshalIndent(p.Report, "", " ")
				t.Fatalf("%s", b)
			}
			for _, id := range []string{"challenge", "holder"} {
				if ch := p.Report.Check(id); ch == nil || ch.Result != "passed" {
					t.Fatalf("check %s: %+v", id, ch)
				}
			}
			if c.format == vci.FormatSDJWT {
				sd, err := sdjwt.Parse(tok["diploma"][0].(string))
				if err != nil {
					t.Fatal(err)
				}
				proc, err := sd.Process()
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(proc.DisclosedPaths(), " "); got != "$.elm.credentialSubject.familyName.en" {
					t.Fatalf("disclosed %q", got)
				}
				if !strings.Contains(tok["diploma"][0].(string), "~ey") {
					t.Fatal("no KB-JWT")
				}
				// (fullName stays visible: the DC4EU layout does not make
				// it selectively disclosable.)
				for _, withheld := range []string{"2001-04-17", "dateOfBirth"} {
					if strings.Contains(string(p.Claims), withheld) {
						t.Fatalf("%q reached the verifier", withheld)
					}
				}
				var parsed struct {
					ELM struct {
						CredentialSubject struct {
							GivenName map[string]any `json:"givenName"`
						} `json:"credentialSubject"`
					} `json:"elm"`
				}
				_ = json.Unmarshal(p.Claims, &parsed)
				if len(parsed.ELM.CredentialSubject.GivenName) != 0 {
					t.Fatalf("the given name reached the verifier: %v", parsed.ELM.CredentialSubject.GivenName)
				}
			}
		})
	}
}

// Every refusal of a presentation response, each with invalid_request, and
// the wallet's refusals of a request that does not match its identifier.
func TestPresentationRefusals(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	ctx := context.Background()
	rp := o.srv.oid.rp
	holder := p256Key(t)
	held := o.held(t, vci.FormatSDJWT, holder)
	newRequest := func(t *testing.T, mode string) (*vp.CreatedRequest, *vp.Request) {
		t.Helper()
		cr, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: parseQuery(t, sdjwtQuery), ResponseMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		req, err := o.wallet.FetchRequest(ctx, cr.Link)
		if err != nil {
			t.Fatal(err)
		}
		return cr, req
	}
	token := func(t *testing.T, req *vp.Request) map[string][]any {
		t.Helper()
		sel, err := o.wallet.Select(ctx, req, held)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := o.wallet.Presentations(ctx, req, sel, held)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	post := func(t *testing.T, form url.Values) (int, string) {
		t.Helper()
		code, body, _ := o.do("POST", "/vp/response", "", "application/x-www-form-urlencoded", []byte(form.Encode()))
		return code, string(body)
	}
	encrypted := func(t *testing.T, tok map[string][]any, state string, to *openid4vc.Recipient) url.Values {
		t.Helper()
		tb, _ := json.Marshal(tok)
		payload, _ := json.Marshal(map[string]any{"vp_token": json.RawMessage(tb), "state": state})
		jwe, err := openid4vc.Encrypt(payload, to, openid4vc.EncA256GCM, nil)
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"response": {jwe}}
	}
	rejected := func(t *testing.T, st int, body string, want string) {
		t.Helper()
		if st != 400 || !strings.Contains(body, `"error":"invalid_request"`) || !strings.Contains(body, want) {
			t.Fatalf("%d %s, want invalid_request with %q", st, body, want)
		}
	}
	t.Run("a replayed vp_token", func(t *testing.T) {
		cr, req := newRequest(t, vp.ModeDirectPostJWT)
		form := encrypted(t, token(t, req), req.State, req.EncryptionKey)
		if st, body := post(t, form); st != 200 {
			t.Fatalf("first: %d %s", st, body)
		}
		st, body := post(t, form)
		rejected(t, st, body, "already answered")
		if res, _ := rp.Result(ctx, cr.TransactionID, ""); res.Status != vp.StatusAnswered {
			t.Fatalf("the replay changed the result: %+v", res)
		}
	})
	t.Run("a vp_token for another request", func(t *testing.T) {
		_, reqA := newRequest(t, vp.ModeDirectPost)
		_, reqB := newRequest(t, vp.ModeDirectPost)
		tb, _ := json.Marshal(token(t, reqA))
		st, body := post(t, url.Values{"vp_token": {string(tb)}, "state": {reqB.State}})
		rejected(t, st, body, "challenge")
	})
	t.Run("a presentation missing a required claim", func(t *testing.T) {
		_, req := newRequest(t, vp.ModeDirectPost)
		bare, err := sdjwt.Present(string(held[0].Raw), sdjwt.PresentOptions{Holder: holder, Nonce: req.Nonce, Audience: req.ClientID})
		if err != nil {
			t.Fatal(err)
		}
		tb, _ := json.Marshal(map[string][]any{"diploma": {bare}})
		st, body := post(t, url.Values{"vp_token": {string(tb)}, "state": {req.State}})
		rejected(t, st, body, "familyName")
	})
	t.Run("a response encrypted to another key", func(t *testing.T) {
		cr, req := newRequest(t, vp.ModeDirectPostJWT)
		other, _ := openid4vc.NewEncryptionKey()
		st, body := post(t, encrypted(t, token(t, req), req.State, &openid4vc.Recipient{Key: &other.PublicKey, Kid: req.EncryptionKey.Kid}))
		rejected(t, st, body, "")
		if res, _ := rp.Result(ctx, cr.TransactionID, ""); res.Status != vp.StatusRejected {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("a signed request whose certificate does not match x509_hash", func(t *testing.T) {
		cr, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: parseQuery(t, sdjwtQuery)})
		if err != nil {
			t.Fatal(err)
		}
		other := "x509_hash:" + vp.X509Hash(o.ca)
		link := strings.Replace(cr.Link, url.QueryEscape(rp.ClientID()), url.QueryEscape(other), 1)
		if link == cr.Link {
			t.Fatal("the link did not change")
		}
		if _, err := o.wallet.FetchRequest(ctx, link); oauthCode(err) != openid4vc.CodeInvalidRequest && oauthCode(err) != openid4vc.CodeInvalidClient {
			t.Fatalf("the wallet accepted it: %v", err)
		}
	})
}
