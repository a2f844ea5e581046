package vp_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
	"github.com/diplomat-edu/diplomat/openid4vc/storetest"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

func errCode(err error) string {
	var e *openid4vc.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "not an *openid4vc.Error: " + err.Error()
}

// postForm posts a raw response to the verifier's response endpoint.
func postForm(t *testing.T, e *testenv.Env, form url.Values) (int, string) {
	t.Helper()
	resp, err := e.Client.PostForm(e.URL+"/vp/response", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var oe struct {
		Error string `json:"error"`
	}
	json.Unmarshal(b, &oe)
	return resp.StatusCode, oe.Error + " " + string(b)
}

func encryptedForm(t *testing.T, req *vp.Request, tok map[string][]any, state string, to *openid4vc.Recipient) url.Values {
	t.Helper()
	tb, _ := json.Marshal(tok)
	payload, _ := json.Marshal(map[string]any{"vp_token": json.RawMessage(tb), "state": state})
	jwe, err := openid4vc.Encrypt(payload, to, openid4vc.EncA256GCM, nil)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"response": {jwe}}
}

func TestResponseRejections(t *testing.T) {
	c := storetest.NewClock(time.Now())
	e := testenv.New(t, testenv.Options{Now: c.Now})
	ctx := context.Background()
	_, wallet := e.Wallet()
	holder := p256(t)
	raw := receive(t, e, testenv.ConfigSDJWT, holder)
	held := []vp.Held{{Format: dcql.FormatSDJWT, Raw: raw, Holder: holder}}
	newRequest := func(mode string) (*vp.CreatedRequest, *vp.Request) {
		cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery), ResponseMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		req, err := wallet.FetchRequest(ctx, cr.Link)
		if err != nil {
			t.Fatal(err)
		}
		return cr, req
	}
	token := func(req *vp.Request) map[string][]any {
		sel, err := wallet.Select(ctx, req, held)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := wallet.Presentations(ctx, req, sel, held)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	rejected := func(t *testing.T, cr *vp.CreatedRequest, want string) {
		t.Helper()
		res, err := e.RP.Result(ctx, cr.TransactionID, "")
		if err != nil || res.Status != vp.StatusRejected || !strings.Contains(res.Description, want) {
			t.Fatalf("result %+v %v, want rejected with %q", res, err, want)
		}
	}

	t.Run("a replayed vp_token: invalid_request", func(t *testing.T) {
		cr, req := newRequest(vp.ModeDirectPostJWT)
		form := encryptedForm(t, req, token(req), req.State, req.EncryptionKey)
		if st, body := postForm(t, e, form); st != 200 {
			t.Fatalf("first: %d %s", st, body)
		}
		if st, body := postForm(t, e, form); st != 400 || !strings.HasPrefix(body, openid4vc.CodeInvalidRequest) || !strings.Contains(body, "already answered") {
			t.Fatalf("replay: %d %s", st, body)
		}
		res, _ := e.RP.Result(ctx, cr.TransactionID, "")
		if res.Status != vp.StatusAnswered {
			t.Fatalf("the replay changed the result: %+v", res)
		}
	})
	t.Run("a vp_token for another request: invalid_request", func(t *testing.T) {
		_, reqA := newRequest(vp.ModeDirectPost)
		crB, reqB := newRequest(vp.ModeDirectPost)
		tb, _ := json.Marshal(token(reqA))
		st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {reqB.State}})
		if st != 400 || !strings.HasPrefix(body, openid4vc.CodeInvalidRequest) || !strings.Contains(body, "challenge") {
			t.Fatalf("%d %s", st, body)
		}
		rejected(t, crB, "challenge")
	})
	t.Run("a presentation missing a required claim: invalid_request", func(t *testing.T) {
		cr, req := newRequest(vp.ModeDirectPost)
		bare, err := sdjwt.Present(string(raw), sdjwt.PresentOptions{Holder: holder, Nonce: req.Nonce, Audience: req.ClientID})
		if err != nil {
			t.Fatal(err)
		}
		tb, _ := json.Marshal(map[string][]any{"diploma": {bare}})
		st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {req.State}})
		if st != 400 || !strings.Contains(body, "familyName") {
			t.Fatalf("%d %s", st, body)
		}
		rejected(t, cr, "familyName")
	})
	t.Run("a presentation disclosing what was not asked: invalid_request", func(t *testing.T) {
		cr, req := newRequest(vp.ModeDirectPost)
		all, err := sdjwt.Present(string(raw), sdjwt.PresentOptions{Disclose: []sdjwt.Path{{"elm"}}, Holder: holder, Nonce: req.Nonce, Audience: req.ClientID})
		if err != nil {
			t.Fatal(err)
		}
		tb, _ := json.Marshal(map[string][]any{"diploma": {all}})
		st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {req.State}})
		if st != 400 || !strings.Contains(body, "did not ask for") {
			t.Fatalf("%d %s", st, body)
		}
		rejected(t, cr, "did not ask for")
	})
	t.Run("a presentation without key binding: invalid_request", func(t *testing.T) {
		_, req := newRequest(vp.ModeDirectPost)
		noKB, _ := sdjwt.Present(string(raw), sdjwt.PresentOptions{Disclose: []sdjwt.Path{{"elm", "credentialSubject", "familyName"}}})
		tb, _ := json.Marshal(map[string][]any{"diploma": {noKB}})
		if st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {req.State}}); st != 400 {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("an entry the query did not ask for: invalid_request", func(t *testing.T) {
		_, req := newRequest(vp.ModeDirectPost)
		tok := token(req)
		tok["extra"] = tok["diploma"]
		tb, _ := json.Marshal(tok)
		if st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {req.State}}); st != 400 || !strings.Contains(body, "extra") {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("a response encrypted to another key: invalid_request", func(t *testing.T) {
		cr, req := newRequest(vp.ModeDirectPostJWT)
		other, _ := openid4vc.NewEncryptionKey()
		to := &openid4vc.Recipient{Key: &other.PublicKey, Kid: req.EncryptionKey.Kid}
		st, body := postForm(t, e, encryptedForm(t, req, token(req), req.State, to))
		if st != 400 || !strings.HasPrefix(body, openid4vc.CodeInvalidRequest) {
			t.Fatalf("%d %s", st, body)
		}
		rejected(t, cr, "not encrypted to this key")
	})
	t.Run("a plain answer to a direct_post.jwt request: invalid_request", func(t *testing.T) {
		_, req := newRequest(vp.ModeDirectPostJWT)
		tb, _ := json.Marshal(token(req))
		if st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {req.State}}); st != 400 || !strings.Contains(body, "encrypted") {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("an unknown state: invalid_request", func(t *testing.T) {
		if st, body := postForm(t, e, url.Values{"vp_token": {"{}"}, "state": {"nope"}}); st != 400 || !strings.HasPrefix(body, openid4vc.CodeInvalidRequest) {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("an expired request: invalid_request", func(t *testing.T) {
		_, req := newRequest(vp.ModeDirectPost)
		tb, _ := json.Marshal(token(req))
		c.Advance(11 * time.Minute)
		defer c.Advance(-11 * time.Minute)
		if st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {req.State}}); st != 400 || !strings.Contains(body, "expired") {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("the request object is gone once answered", func(t *testing.T) {
		cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := present(t, wallet, cr.Link, held); err != nil {
			t.Fatal(err)
		}
		resp, err := e.Client.Get(cr.RequestURI)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("request object after the answer: %d", resp.StatusCode)
		}
	})
}

// signedRequest signs request object claims with the verifier's key and
// certificate, as an attacker holding that certificate could.
func signedRequest(t *testing.T, e *testenv.Env, header map[string]any, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"typ": vp.TypRequestObject, "x5c": jwt.X5CStrings(e.VerifierChain)}
	for k, v := range header {
		h[k] = v
	}
	tok, err := jwt.Sign(e.VerifierKey, jwt.AllAlgs, h, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestWalletRefusesBadRequests(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	_, wallet := e.Wallet()
	q := json.RawMessage(sdjwtQuery)
	claims := func(clientID string) map[string]any {
		return map[string]any{"client_id": clientID, "response_type": "vp_token", "response_mode": "direct_post",
			"response_uri": e.Local + "/vp/response", "nonce": "n-0S6_WzA2Mj", "state": "s", "dcql_query": q, "aud": vp.AudSelfIssued}
	}
	byValue := func(clientID, tok string) string {
		return "openid4vp://?" + url.Values{"client_id": {clientID}, "request": {tok}}.Encode()
	}
	otherHash := "x509_hash:" + vp.X509Hash(e.CA)
	sanOther := "x509_san_dns:registrar.evil.example"
	cases := []struct {
		name, link, code, want string
	}{
		{"a certificate that does not match x509_hash", byValue(otherHash, signedRequest(t, e, nil, claims(otherHash))), openid4vc.CodeInvalidRequest, "SHA-256 of the leaf"},
		{"an x509_san_dns request whose certificate names another host", byValue(sanOther, signedRequest(t, e, nil, claims(sanOther))), openid4vc.CodeInvalidRequest, "not a dNSName"},
		{"a tampered request object", func() string {
			id := "x509_hash:" + vp.X509Hash(e.VerifierChain[0])
			tok := signedRequest(t, e, nil, claims(id))
			parts := strings.Split(tok, ".")
			evil := claims(id)
			evil["response_uri"] = "https://evil.example/collect"
			b, _ := json.Marshal(evil)
			return byValue(id, parts[0]+"."+jwt.B64.EncodeToString(b)+"."+parts[2])
		}(), openid4vc.CodeInvalidRequestObject, "does not verify"},
		{"a request object of another typ", func() string {
			id := "x509_hash:" + vp.X509Hash(e.VerifierChain[0])
			return byValue(id, signedRequest(t, e, map[string]any{"typ": "JWT"}, claims(id)))
		}(), openid4vc.CodeInvalidRequestObject, "typ"},
		{"a client_id in the link other than the object's", func() string {
			id := "x509_hash:" + vp.X509Hash(e.VerifierChain[0])
			return byValue(otherHash, signedRequest(t, e, nil, claims(id)))
		}(), openid4vc.CodeInvalidRequest, ""},
		{"an unsigned x509_hash request", "openid4vp://?" + url.Values{"client_id": {"x509_hash:abc"}, "response_type": {"vp_token"}}.Encode(), openid4vc.CodeInvalidRequest, "signed"},
		{"an unsupported prefix", "openid4vp://?client_id=verifier_attestation%3Ax&request_uri=https%3A%2F%2Fx.example%2Fr", openid4vc.CodeInvalidRequest, "not supported"},
		{"request_uri_method put", "openid4vp://?client_id=x509_hash%3Ax&request_uri=https%3A%2F%2Fx.example%2Fr&request_uri_method=put", openid4vc.CodeInvalidRequestURIMethod, ""},
		{"redirect_uri with response_mode direct_post", func() string {
			id := "x509_hash:" + vp.X509Hash(e.VerifierChain[0])
			c := claims(id)
			c["redirect_uri"] = "https://evil.example"
			return byValue(id, signedRequest(t, e, nil, c))
		}(), openid4vc.CodeInvalidRequest, "redirect_uri"},
		{"transaction_data", func() string {
			id := "x509_hash:" + vp.X509Hash(e.VerifierChain[0])
			c := claims(id)
			c["transaction_data"] = []string{"eyJ0eXBlIjoieCJ9"}
			return byValue(id, signedRequest(t, e, nil, c))
		}(), openid4vc.CodeInvalidTransactionData, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wallet.FetchRequest(ctx, tc.link)
			if err == nil || errCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %s (%s)", err, tc.code, tc.want)
			}
		})
	}
	t.Run("a verifier the wallet's roots do not know is untrusted", func(t *testing.T) {
		cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery)})
		if err != nil {
			t.Fatal(err)
		}
		w2 := *wallet
		w2.Roots = x509.NewCertPool()
		req, err := w2.FetchRequest(ctx, cr.Link)
		if err != nil || req.Trusted {
			t.Fatalf("%+v %v", req, err)
		}
	})
}

// A query that does not require holder binding accepts an SD-JWT without a
// KB-JWT (bound to the request by its state); the default query refuses it.
func TestPresentationWithoutHolderBinding(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	holder := p256(t)
	raw := receive(t, e, testenv.ConfigSDJWT, holder)
	q := query(t, `{"credentials":[{"id":"diploma","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},"require_cryptographic_holder_binding":false,
	  "claims":[{"path":["elm","credentialSubject","hasClaim",null,"title"]}]}]}`)
	cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: q, ResponseMode: vp.ModeDirectPost})
	if err != nil {
		t.Fatal(err)
	}
	_, wallet := e.Wallet()
	req, err := wallet.FetchRequest(ctx, cr.Link)
	if err != nil {
		t.Fatal(err)
	}
	noKB, _ := sdjwt.Present(string(raw), sdjwt.PresentOptions{})
	tb, _ := json.Marshal(map[string][]any{"diploma": {noKB}})
	if st, body := postForm(t, e, url.Values{"vp_token": {string(tb)}, "state": {req.State}}); st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	res, _ := e.RP.Result(ctx, cr.TransactionID, "")
	if res.Status != vp.StatusAnswered {
		t.Fatalf("%+v", res)
	}
}
