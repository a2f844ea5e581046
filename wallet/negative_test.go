package wallet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/cert"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/verifier"
)

// nothingStored fails unless the wallet holds no credential and no key.
func nothingStored(t *testing.T, w *Wallet) {
	t.Helper()
	list, err := w.List()
	ks, _ := w.Store().Keys()
	if err != nil || len(list) != 0 || len(ks) != 0 {
		t.Fatalf("something was stored: %d credentials, %d keys (%v)", len(list), len(ks), err)
	}
}

// nothingSent fails unless the verifier's request is still unanswered.
func nothingSent(t *testing.T, e *testenv.Env, req *vp.CreatedRequest) {
	t.Helper()
	res, err := e.RP.Result(context.Background(), req.TransactionID, "")
	if err != nil || res.Status != vp.StatusPending {
		t.Fatalf("the verifier received something: %+v %v", res, err)
	}
}

func TestReceiveFailuresStoreNothing(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	e := testenv.New(t, testenv.Options{Now: now})
	ctx := context.Background()
	redeem := func(w *Wallet, link, code string) error {
		in, err := w.Receive(ctx, link)
		if err != nil {
			return err
		}
		return in.Redeem(ctx, code)
	}
	t.Run("a wrong transaction code", func(t *testing.T) {
		w := newWallet(t, e, walletOptions{})
		o := offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, TxCode: &vci.TxCodeRequest{}})
		wrong := "000000"
		if o.TxCode == wrong {
			wrong = "111111"
		}
		err := redeem(w, o.Link, wrong)
		if err == nil || !strings.Contains(err.Error(), "wrong transaction code (1 of 5 attempts used)") {
			t.Fatalf("wrong code: %v", err)
		}
		if err := redeem(w, o.Link, "12"); err == nil || !strings.Contains(err.Error(), "has 2 characters; the offer says 6") {
			t.Fatalf("short code: %v", err)
		}
		nothingStored(t, w)
		// The right code still works.
		if err := redeem(w, o.Link, o.TxCode); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a reused offer", func(t *testing.T) {
		w := newWallet(t, e, walletOptions{})
		o := offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigJWTVC}})
		receive(t, w, o, FetchOptions{})
		w2 := newWallet(t, e, walletOptions{})
		err := redeem(w2, o.Link, "")
		if err == nil || !strings.Contains(err.Error(), "invalid_grant: the pre-authorized code is unknown, already used or expired") {
			t.Fatalf("reused offer: %v", err)
		}
		nothingStored(t, w2)
	})
	t.Run("an expired offer", func(t *testing.T) {
		w := newWallet(t, e, walletOptions{opts: Options{Now: now}})
		byValue := offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, TTL: time.Minute})
		byRef := offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, TTL: time.Minute, ByReference: true})
		clock.Add(int64(2 * time.Minute))
		defer clock.Add(-int64(2 * time.Minute))
		if err := redeem(w, byValue.Link, ""); err == nil || !strings.Contains(err.Error(), "unknown, already used or expired") {
			t.Fatalf("expired offer by value: %v", err)
		}
		if _, err := w.Receive(ctx, byRef.Link); err == nil || !strings.Contains(err.Error(), "credential offer") {
			t.Fatalf("expired offer by reference: %v", err)
		}
		nothingStored(t, w)
	})
	t.Run("an issuer that cannot be reached", func(t *testing.T) {
		w := newWallet(t, e, walletOptions{})
		link := "openid-credential-offer://?credential_offer_uri=" + url.QueryEscape("https://127.0.0.1:"+closedPort(t)+"/credential-offer/x")
		if _, err := w.Receive(ctx, link); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("unreachable issuer: %v", err)
		}
		nothingStored(t, w)
	})
	t.Run("a revoked credential", func(t *testing.T) {
		// The registrar issued the diploma, revoked it, then offered it
		// again: the issuer signs the register's entry again, revoked.
		receive(t, newWallet(t, e, walletOptions{}), offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})
		revokeAll(t, e)
		w := newWallet(t, e, walletOptions{})
		in, got := fetch(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})
		_, err := in.Keep(ctx, true)
		if got[0].Report.Verdict != verifier.Revoked || err == nil || !strings.Contains(err.Error(), "is revoked") {
			t.Fatalf("revoked credential kept: %s %v", got[0].Report.Verdict, err)
		}
		nothingStored(t, w)
	})
}

// revokeAll revokes every credential the test issuer issued.
func revokeAll(t *testing.T, e *testenv.Env) {
	t.Helper()
	entries, err := issuer.List(e.Store, issuer.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.State != issuer.StateRevoked {
			if _, err := e.Issuer.Revoke(en.ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

// signRequest signs request object claims as key, with chain in x5c.
func signRequest(t *testing.T, key crypto.Signer, chain []*x509.Certificate, claims map[string]any) string {
	t.Helper()
	h := jws.NewHeaders()
	h.Set(jws.TypeKey, vp.TypRequestObject)
	var x5c cert.Chain
	for _, c := range chain {
		if err := x5c.AddString(base64.StdEncoding.EncodeToString(c.Raw)); err != nil {
			t.Fatal(err)
		}
	}
	h.Set(jws.X509CertChainKey, &x5c)
	payload, _ := json.Marshal(claims)
	b, err := jws.Sign(payload, jws.WithKey(jwa.ES256, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPresentFailuresSendNothing(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{})
	receive(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})
	// A genuine request of the verifier, whose parts the attacks reuse.
	genuine := request(t, e.RP, sdjwtTitleQuery, vp.RequestOptions{ByValue: true, ResponseMode: vp.ModeDirectPost})
	link, _ := url.Parse(genuine.Link)
	clientID, token := link.Query().Get("client_id"), link.Query().Get("request")
	byValue := func(clientID, tok string) string {
		return "openid4vp://?" + url.Values{"client_id": {clientID}, "request": {tok}}.Encode()
	}
	parts := strings.Split(token, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sanOther := "x509_san_dns:registrar.evil.example"
	withClient := func(id string) map[string]any {
		c := map[string]any{}
		for k, v := range claims {
			c[k] = v
		}
		c["client_id"] = id
		return c
	}
	cases := []struct{ name, link, want string }{
		{"a tampered request object", func() string {
			evil := withClient(clientID)
			evil["response_uri"] = "https://evil.example/collect"
			b, _ := json.Marshal(evil)
			return byValue(clientID, parts[0]+"."+base64.RawURLEncoding.EncodeToString(b)+"."+parts[2])
		}(), "signature does not verify"},
		{"a request object signed by another key than its certificate's", byValue(clientID, signRequest(t, other, e.VerifierChain, withClient(clientID))), "signature does not verify"},
		{"an x509_san_dns request whose certificate names another host", byValue(sanOther, signRequest(t, e.VerifierKey, e.VerifierChain, withClient(sanOther))), `"registrar.evil.example" is not a dNSName of the leaf certificate`},
		{"a verifier that cannot be reached", "openid4vp://?" + url.Values{"client_id": {clientID}, "request_uri": {"https://127.0.0.1:" + closedPort(t) + "/vp/request/x"}}.Encode(), "connection refused"},
		{"a request for a credential the student does not hold", request(t, e.RP, jwtTitleQuery, vp.RequestOptions{}).Link, "holds no credential that answers the request, which asks for a jwt_vc_json credential of type VerifiableCredential+EuropeanDigitalCredential with credentialSubject.hasClaim[*].title; nothing was sent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.Prepare(ctx, c.link, PrepareOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	nothingSent(t, e, genuine)
	t.Run("an x509_san_dns verifier answering on another host than its certificate's", func(t *testing.T) {
		// The certificate names localhost; the answer would go to 127.0.0.1.
		id := "x509_san_dns:localhost"
		link := byValue(id, signRequest(t, e.VerifierKey, e.VerifierChain, withClient(id)))
		if _, err := w.Prepare(ctx, link, PrepareOptions{}); err == nil || !strings.Contains(err.Error(), "x509_san_dns: the response_uri's host is not localhost") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a verifier that cannot be reached when the answer is sent", func(t *testing.T) {
		gone := withClient(clientID)
		gone["response_uri"] = "https://127.0.0.1:" + closedPort(t) + "/vp/response"
		gone["response_mode"] = vp.ModeDirectPost
		p, err := w.Prepare(ctx, byValue(clientID, signRequest(t, e.VerifierKey, e.VerifierChain, gone)), PrepareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Send(ctx); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("got %v", err)
		}
		list, _ := w.List()
		if list[0].Copies[0].Presented != 0 {
			t.Fatal("a presentation that did not arrive is counted")
		}
	})
	t.Run("a credential revoked since it was received", func(t *testing.T) {
		req := request(t, e.RP, sdjwtTitleQuery, vp.RequestOptions{})
		revokeAll(t, e)
		_, err := w.Prepare(ctx, req.Link, PrepareOptions{})
		var re *RefusedError
		if !errors.As(err, &re) || re.Report.Verdict != verifier.Revoked || !strings.Contains(err.Error(), "is revoked") || !strings.Contains(err.Error(), "nothing was sent") {
			t.Fatalf("got %v", err)
		}
		nothingSent(t, e, req)
		list, _ := w.List()
		if list[0].Status.Verdict != verifier.Revoked || list[0].Status.Word() != "revoked" {
			t.Fatalf("the status seen is not recorded: %+v", list[0].Status)
		}
		// A revoked credential is no longer offered to queries.
		req2 := request(t, e.RP, sdjwtTitleQuery, vp.RequestOptions{})
		var nm *NoMatchError
		if _, err := w.Prepare(ctx, req2.Link, PrepareOptions{}); !errors.As(err, &nm) {
			t.Fatalf("got %v", err)
		}
	})
}
