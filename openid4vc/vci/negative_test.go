package vci_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
	"github.com/diplomat-edu/diplomat/openid4vc/storetest"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
)

// answer is one raw HTTP exchange.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) code() string {
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(a.body, &e)
	return e.Error
}

func post(t *testing.T, e *testenv.Env, path string, header http.Header, body string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

func tokenForm(t *testing.T, e *testenv.Env, form url.Values, dpop string) answer {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if dpop != "" {
		h.Set("DPoP", dpop)
	}
	return post(t, e, "/token", h, form.Encode())
}

func newOffer(t *testing.T, e *testenv.Env, req vci.OfferRequest) *vci.CreatedOffer {
	t.Helper()
	if req.Configurations == nil {
		req.Configurations = []string{testenv.ConfigSDJWT}
	}
	if req.Dataset == nil {
		req.Dataset = testenv.DiplomaDataset(t)
	}
	o, err := e.VCI.CreateOffer(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func preAuthForm(o *vci.CreatedOffer) url.Values {
	return url.Values{"grant_type": {vci.GrantPreAuthorizedCode}, "pre-authorized_code": {o.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode}}
}

func TestTokenEndpointRejections(t *testing.T) {
	c := storetest.NewClock(time.Now())
	e := testenv.New(t, testenv.Options{Now: c.Now})

	t.Run("reused offer: invalid_grant", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{})
		if a := tokenForm(t, e, preAuthForm(o), ""); a.status != 200 {
			t.Fatalf("first use: %d %s", a.status, a.body)
		}
		if a := tokenForm(t, e, preAuthForm(o), ""); a.code() != openid4vc.CodeInvalidGrant || a.status != 400 {
			t.Fatalf("second use: %d %s", a.status, a.body)
		}
	})
	t.Run("expired offer: invalid_grant", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{TTL: time.Hour})
		c.Advance(time.Hour)
		if a := tokenForm(t, e, preAuthForm(o), ""); a.code() != openid4vc.CodeInvalidGrant {
			t.Fatalf("%d %s", a.status, a.body)
		}
		// and the credential_offer_uri is gone
		resp, _ := e.Client.Get(o.URI)
		if resp.StatusCode != 404 {
			t.Fatalf("offer URI of an expired offer: %d", resp.StatusCode)
		}
	})
	t.Run("offer expires after 7 days by default", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{})
		if d := o.Expires.Sub(c.Now()); d != 7*24*time.Hour {
			t.Fatalf("expires in %s", d)
		}
		c.Advance(7*24*time.Hour - time.Second)
		if a := tokenForm(t, e, preAuthForm(o), ""); a.status != 200 {
			t.Fatalf("just before expiry: %d %s", a.status, a.body)
		}
	})
	t.Run("revoked offer: invalid_grant", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{})
		if err := e.VCI.RevokeOffer(context.Background(), o.ID); err != nil {
			t.Fatal(err)
		}
		if a := tokenForm(t, e, preAuthForm(o), ""); a.code() != openid4vc.CodeInvalidGrant {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("unknown pre-authorized code: invalid_grant", func(t *testing.T) {
		f := url.Values{"grant_type": {vci.GrantPreAuthorizedCode}, "pre-authorized_code": {openid4vc.NewHandle()}}
		if a := tokenForm(t, e, f, ""); a.code() != openid4vc.CodeInvalidGrant {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("missing tx_code: invalid_request", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{TxCode: &vci.TxCodeRequest{}})
		if a := tokenForm(t, e, preAuthForm(o), ""); a.code() != openid4vc.CodeInvalidRequest {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("unexpected tx_code: invalid_request", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{})
		f := preAuthForm(o)
		f.Set("tx_code", "123456")
		if a := tokenForm(t, e, f, ""); a.code() != openid4vc.CodeInvalidRequest {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("wrong tx_code and lockout: invalid_grant", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{TxCode: &vci.TxCodeRequest{Length: 6}})
		wrong := "000000"
		if wrong == o.TxCode {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			f := preAuthForm(o)
			f.Set("tx_code", wrong)
			a := tokenForm(t, e, f, "")
			if a.code() != openid4vc.CodeInvalidGrant {
				t.Fatalf("attempt %d: %d %s", i, a.status, a.body)
			}
			if i == 5 && !strings.Contains(string(a.body), "locked") {
				t.Fatalf("5th wrong code does not lock: %s", a.body)
			}
		}
		f := preAuthForm(o)
		f.Set("tx_code", o.TxCode)
		if a := tokenForm(t, e, f, ""); a.code() != openid4vc.CodeInvalidGrant {
			t.Fatalf("the right code after lockout: %d %s", a.status, a.body)
		}
	})
	t.Run("unsupported grant type", func(t *testing.T) {
		if a := tokenForm(t, e, url.Values{"grant_type": {"password"}}, ""); a.code() != openid4vc.CodeUnsupportedGrantType {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("repeated parameter: invalid_request", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{})
		f := preAuthForm(o)
		f.Add("pre-authorized_code", "other")
		if a := tokenForm(t, e, f, ""); a.code() != openid4vc.CodeInvalidRequest {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("authorization_details for a configuration not offered", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{})
		f := preAuthForm(o)
		f.Set("authorization_details", `[{"type":"openid_credential","credential_configuration_id":"`+testenv.ConfigJWTVC+`"}]`)
		if a := tokenForm(t, e, f, ""); a.code() != openid4vc.CodeInvalidAuthorizationDetails {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("invalid DPoP proof at the token endpoint", func(t *testing.T) {
		o := newOffer(t, e, vci.OfferRequest{})
		k := p256(t)
		p, _ := openid4vc.DPoPSigner{Signer: k}.Proof("POST", e.URL+"/elsewhere", "", "", c.Now())
		if a := tokenForm(t, e, preAuthForm(o), p); a.code() != openid4vc.CodeInvalidDPoPProof || a.status != 400 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		// The code was not burnt by the bad proof.
		if a := tokenForm(t, e, preAuthForm(o), ""); a.status != 200 {
			t.Fatalf("after a refused proof: %d %s", a.status, a.body)
		}
	})
}

func TestDPoPRequired(t *testing.T) {
	e := testenv.New(t, testenv.Options{RequireDPoP: true})
	o := newOffer(t, e, vci.OfferRequest{})
	if a := tokenForm(t, e, preAuthForm(o), ""); a.code() != openid4vc.CodeInvalidDPoPProof {
		t.Fatalf("%d %s", a.status, a.body)
	}
	var md struct {
		DPoPAlgs []string `json:"dpop_signing_alg_values_supported"`
	}
	json.Unmarshal(e.VCI.AuthServerMetadataJSON(), &md)
	if len(md.DPoPAlgs) == 0 || md.DPoPAlgs[0] != "ES256" {
		t.Fatalf("dpop algs %v", md.DPoPAlgs)
	}
}

// issued is a token and a nonce ready for credential requests.
type issued struct {
	token, identifier string
	dpop              *ecdsa.PrivateKey
}

func getToken(t *testing.T, e *testenv.Env, cfg string, dpop bool) issued {
	t.Helper()
	o := newOffer(t, e, vci.OfferRequest{Configurations: []string{cfg}})
	client, _ := e.Wallet()
	var k *ecdsa.PrivateKey
	var s *vci.Session
	var err error
	if dpop {
		k = p256(t)
		s, err = client.Start(context.Background(), o.Link, k)
	} else {
		s, err = client.Start(context.Background(), o.Link, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	tok, _ := s.AccessToken()
	return issued{token: tok, identifier: s.CredentialIdentifiers()[cfg][0], dpop: k}
}

func nonce(t *testing.T, e *testenv.Env) string {
	t.Helper()
	a := post(t, e, "/nonce", nil, "")
	var n struct {
		CNonce string `json:"c_nonce"`
	}
	json.Unmarshal(a.body, &n)
	if a.status != 200 || n.CNonce == "" || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("nonce: %d %s %v", a.status, a.body, a.header)
	}
	return n.CNonce
}

func credentialCall(t *testing.T, e *testenv.Env, is issued, body any) answer {
	t.Helper()
	b, _ := json.Marshal(body)
	h := http.Header{"Content-Type": {"application/json"}}
	if is.dpop != nil {
		p, _ := openid4vc.DPoPSigner{Signer: is.dpop}.Proof("POST", e.URL+"/credential", is.token, "", time.Now())
		h.Set("DPoP", p)
		h.Set("Authorization", "DPoP "+is.token)
	} else {
		h.Set("Authorization", "Bearer "+is.token)
	}
	return post(t, e, "/credential", h, string(b))
}

// proofJWT signs a key proof with header and claim overrides (nil deletes).
func proofJWT(t *testing.T, k *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	jwk, _ := jwt.PublicJWK(&k.PublicKey)
	h := map[string]any{"typ": vci.TypProof, "jwk": jwk}
	for n, v := range header {
		if v == nil {
			delete(h, n)
		} else {
			h[n] = v
		}
	}
	c := map[string]any{"iat": time.Now().Unix()}
	for n, v := range claims {
		if v == nil {
			delete(c, n)
		} else {
			c[n] = v
		}
	}
	tok, err := jwt.Sign(k, jwt.AllAlgs, h, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestCredentialEndpointRejections(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	k := p256(t)
	req := func(is issued, proofs ...string) map[string]any {
		return map[string]any{"credential_identifier": is.identifier, "proofs": map[string]any{"jwt": proofs}}
	}
	good := func(n string) string { return proofJWT(t, k, nil, map[string]any{"aud": e.URL, "nonce": n}) }
	cases := []struct {
		name  string
		dpop  bool
		call  func(is issued) answer
		code  string
		check func(t *testing.T, a answer)
	}{
		{name: "proof with the wrong nonce: invalid_nonce", code: openid4vc.CodeInvalidNonce,
			call: func(is issued) answer { return credentialCall(t, e, is, req(is, good(openid4vc.NewHandle()))) }},
		{name: "proof without nonce: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				return credentialCall(t, e, is, req(is, proofJWT(t, k, nil, map[string]any{"aud": e.URL})))
			}},
		{name: "proof for another audience: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				return credentialCall(t, e, is, req(is, proofJWT(t, k, nil, map[string]any{"aud": "https://evil.example", "nonce": nonce(t, e)})))
			}},
		{name: "proof typ JWT: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				return credentialCall(t, e, is, req(is, proofJWT(t, k, map[string]any{"typ": "JWT"}, map[string]any{"aud": e.URL, "nonce": nonce(t, e)})))
			}},
		{name: "proof alg none: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				jwk, _ := jwt.PublicJWK(&k.PublicKey)
				h, _ := json.Marshal(map[string]any{"typ": vci.TypProof, "alg": "none", "jwk": jwk})
				c, _ := json.Marshal(map[string]any{"aud": e.URL, "nonce": nonce(t, e), "iat": time.Now().Unix()})
				return credentialCall(t, e, is, req(is, jwt.B64.EncodeToString(h)+"."+jwt.B64.EncodeToString(c)+"."))
			}},
		{name: "proof iat too old: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				return credentialCall(t, e, is, req(is, proofJWT(t, k, nil, map[string]any{"aud": e.URL, "nonce": nonce(t, e), "iat": time.Now().Add(-time.Hour).Unix()})))
			}},
		{name: "proof signed by another key than its jwk: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				other := p256(t)
				jwk, _ := jwt.PublicJWK(&k.PublicKey)
				tok, _ := jwt.Sign(other, jwt.AllAlgs, map[string]any{"typ": vci.TypProof, "jwk": jwk}, map[string]any{"aud": e.URL, "nonce": nonce(t, e), "iat": time.Now().Unix()})
				return credentialCall(t, e, is, req(is, tok))
			}},
		{name: "proof with both kid and jwk: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				return credentialCall(t, e, is, req(is, proofJWT(t, k, map[string]any{"kid": "did:example:1#k"}, map[string]any{"aud": e.URL, "nonce": nonce(t, e)})))
			}},
		{name: "proof with a private jwk: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				jwk, _ := jwt.PublicJWK(&k.PublicKey)
				jwk["d"] = jwt.B64.EncodeToString(k.D.Bytes())
				return credentialCall(t, e, is, req(is, proofJWT(t, k, map[string]any{"jwk": jwk}, map[string]any{"aud": e.URL, "nonce": nonce(t, e)})))
			}},
		{name: "proof of a kid that does not resolve: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				return credentialCall(t, e, is, req(is, proofJWT(t, k, map[string]any{"jwk": nil, "kid": "did:web:nowhere.example#k"}, map[string]any{"aud": e.URL, "nonce": nonce(t, e)})))
			}},
		{name: "the same key twice in a batch: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer { n := nonce(t, e); return credentialCall(t, e, is, req(is, good(n), good(n))) }},
		{name: "no proofs: invalid_proof", code: openid4vc.CodeInvalidProof,
			call: func(is issued) answer {
				return credentialCall(t, e, is, map[string]any{"credential_identifier": is.identifier})
			}},
		{name: "a used c_nonce: invalid_nonce", code: openid4vc.CodeInvalidNonce,
			call: func(is issued) answer {
				n := nonce(t, e)
				if a := credentialCall(t, e, is, req(is, good(n))); a.status != 200 {
					t.Fatalf("first use: %d %s", a.status, a.body)
				}
				return credentialCall(t, e, is, req(is, good(n)))
			}},
		{name: "a token for another offer: unknown_credential_identifier", code: openid4vc.CodeUnknownCredentialIdentifier,
			call: func(is issued) answer {
				other := getToken(t, e, testenv.ConfigJWTVC, false)
				r := req(is, good(nonce(t, e)))
				r["credential_identifier"] = other.identifier
				return credentialCall(t, e, is, r)
			}},
		{name: "credential_configuration_id when identifiers were given", code: openid4vc.CodeInvalidCredentialRequest,
			call: func(is issued) answer {
				return credentialCall(t, e, is, map[string]any{"credential_configuration_id": testenv.ConfigSDJWT, "proofs": map[string]any{"jwt": []string{good(nonce(t, e))}}})
			}},
		{name: "unknown configuration", code: openid4vc.CodeUnknownCredentialConfiguration,
			call: func(is issued) answer {
				return credentialCall(t, e, is, map[string]any{"credential_configuration_id": "nope", "proofs": map[string]any{"jwt": []string{good(nonce(t, e))}}})
			}},
		{name: "response encryption over a plain request: invalid_encryption_parameters", code: openid4vc.CodeInvalidEncryptionParameters,
			call: func(is issued) answer {
				r := req(is, good(nonce(t, e)))
				ek, _ := openid4vc.NewEncryptionKey()
				jwk, _ := openid4vc.PublicEncryptionJWK(ek, "w")
				r["credential_response_encryption"] = map[string]any{"jwk": jwk, "enc": "A256GCM"}
				return credentialCall(t, e, is, r)
			}},
		{name: "member name in another case: invalid_credential_request", code: openid4vc.CodeInvalidCredentialRequest,
			call: func(is issued) answer {
				return credentialCall(t, e, is, map[string]any{"Credential_Identifier": is.identifier, "proofs": map[string]any{"jwt": []string{good(nonce(t, e))}}})
			}},
		{name: "unknown access token: invalid_token 401", code: openid4vc.CodeInvalidToken,
			call: func(is issued) answer {
				is.token = openid4vc.NewHandle()
				return credentialCall(t, e, is, req(is, good(nonce(t, e))))
			},
			check: func(t *testing.T, a answer) {
				if a.status != 401 || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
					t.Fatalf("%d %v", a.status, a.header)
				}
			}},
		{name: "a DPoP-bound token as Bearer: invalid_token", code: openid4vc.CodeInvalidToken, dpop: true,
			call: func(is issued) answer {
				b, _ := json.Marshal(req(is, good(nonce(t, e))))
				return post(t, e, "/credential", http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + is.token}}, string(b))
			}},
		{name: "a DPoP proof by another key: invalid_dpop_proof 401", code: openid4vc.CodeInvalidDPoPProof, dpop: true,
			call: func(is issued) answer { is.dpop = p256(t); return credentialCall(t, e, is, req(is, good(nonce(t, e)))) },
			check: func(t *testing.T, a answer) {
				if a.status != 401 || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "DPoP") {
					t.Fatalf("%d %v", a.status, a.header)
				}
			}},
		{name: "a replayed DPoP proof: invalid_dpop_proof", code: openid4vc.CodeInvalidDPoPProof, dpop: true,
			call: func(is issued) answer {
				p, _ := openid4vc.DPoPSigner{Signer: is.dpop}.Proof("POST", e.URL+"/credential", is.token, "", time.Now())
				h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"DPoP " + is.token}, "DPoP": {p}}
				b, _ := json.Marshal(req(is, good(nonce(t, e))))
				if a := post(t, e, "/credential", h, string(b)); a.status != 200 {
					t.Fatalf("first use: %d %s", a.status, a.body)
				}
				b, _ = json.Marshal(req(is, good(nonce(t, e))))
				return post(t, e, "/credential", h, string(b))
			}},
		{name: "a DPoP proof without ath: invalid_dpop_proof", code: openid4vc.CodeInvalidDPoPProof, dpop: true,
			call: func(is issued) answer {
				p, _ := openid4vc.DPoPSigner{Signer: is.dpop}.Proof("POST", e.URL+"/credential", "", "", time.Now())
				b, _ := json.Marshal(req(is, good(nonce(t, e))))
				return post(t, e, "/credential", http.Header{"Content-Type": {"application/json"}, "Authorization": {"DPoP " + is.token}, "DPoP": {p}}, string(b))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := getToken(t, e, testenv.ConfigSDJWT, tc.dpop)
			a := tc.call(is)
			if a.code() != tc.code {
				t.Fatalf("got %d %s, want %s", a.status, a.body, tc.code)
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

func TestNotificationRejections(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		t.Run(fmt.Sprintf("sealed=%v", sealed), func(t *testing.T) { testNotificationRejections(t, sealed) })
	}
}

func testNotificationRejections(t *testing.T, sealed bool) {
	e := testenv.New(t, testenv.Options{SealNotifications: sealed})
	ctx := context.Background()
	start := func() (*vci.Session, string) {
		o := newOffer(t, e, vci.OfferRequest{})
		client, _ := e.Wallet()
		s, err := client.Start(ctx, o.Link, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PreAuthorized(ctx, ""); err != nil {
			t.Fatal(err)
		}
		got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: p256(t)}}})
		if err != nil {
			t.Fatal(err)
		}
		return s, got.NotificationID
	}
	s1, _ := start()
	_, n2 := start()
	var e1 *openid4vc.Error
	if err := s1.Notify(ctx, n2, vci.EventAccepted, ""); !errors.As(err, &e1) || e1.Code != openid4vc.CodeInvalidNotificationID {
		t.Fatalf("another issuance's notification_id: %v", err)
	}
	if err := s1.Notify(ctx, n2, "credential_stolen", ""); !errors.As(err, &e1) || e1.Code != openid4vc.CodeInvalidNotificationRequest {
		t.Fatalf("bad event: %v", err)
	}
}

func TestPKCERejections(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	const contact = "s@u.example"
	o := newOffer(t, e, vci.OfferRequest{SignIn: contact})
	state := o.Offer.Grants.AuthorizationCode.IssuerState
	verifier := openid4vc.NewHandle()
	base := url.Values{"response_type": {"code"}, "client_id": {"w"}, "redirect_uri": {"https://wallet.example/cb"},
		"code_challenge": {vci.S256(verifier)}, "code_challenge_method": {"S256"}, "issuer_state": {state},
		"scope": {testenv.ConfigSDJWT}}
	par := func(f url.Values) answer {
		return post(t, e, "/par", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, f.Encode())
	}
	for name, mod := range map[string]func(url.Values){
		"plain PKCE":                 func(f url.Values) { f.Set("code_challenge_method", "plain") },
		"no PKCE":                    func(f url.Values) { f.Del("code_challenge"); f.Del("code_challenge_method") },
		"javascript redirect":        func(f url.Values) { f.Set("redirect_uri", "javascript:alert(1)") },
		"http redirect not loopback": func(f url.Values) { f.Set("redirect_uri", "http://wallet.example/cb") },
		"unknown issuer_state":       func(f url.Values) { f.Set("issuer_state", "nope") },
	} {
		f := url.Values{}
		for k, v := range base {
			f[k] = append([]string(nil), v...)
		}
		mod(f)
		if a := par(f); a.status != 400 || a.code() != openid4vc.CodeInvalidRequest {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	a := par(base)
	if a.status != 201 {
		t.Fatalf("PAR: %d %s", a.status, a.body)
	}
	var pr vci.PARResponse
	json.Unmarshal(a.body, &pr)
	pg := browse(t, e, "GET", e.URL+"/authorize?client_id=w&request_uri="+url.QueryEscape(pr.RequestURI), nil)
	session := hidden(t, pg.body, "session")
	done := browse(t, e, "POST", e.URL+"/authorize", url.Values{"session": {session}, "code": {e.SignIn.Code(contact)}})
	code := testenv.RedirectParams(done.location).Get("code")
	if code == "" {
		t.Fatalf("no code: %d %s", done.status, done.location)
	}
	tok := func(v string) answer {
		return tokenForm(t, e, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {v},
			"redirect_uri": {"https://wallet.example/cb"}, "client_id": {"w"}}, "")
	}
	if a := tok(openid4vc.NewHandle()); a.code() != openid4vc.CodeInvalidGrant {
		t.Fatalf("wrong verifier: %d %s", a.status, a.body)
	}
	if a := tok(verifier); a.code() != openid4vc.CodeInvalidGrant {
		t.Fatalf("the code survived a wrong verifier: %d %s", a.status, a.body)
	}
	// The request_uri was single-use.
	if pg := browse(t, e, "GET", e.URL+"/authorize?client_id=w&request_uri="+url.QueryEscape(pr.RequestURI), nil); pg.status != 400 {
		t.Fatalf("request_uri reused: %d", pg.status)
	}
}

// Whoever holds an authorization code offer cannot flood the student with
// sign-in codes: after 10 the offer refuses to send more.
func TestSignInCodesAreLimited(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	o := newOffer(t, e, vci.OfferRequest{SignIn: "s@u.example"})
	verifier := openid4vc.NewHandle()
	q := url.Values{"response_type": {"code"}, "client_id": {"w"}, "redirect_uri": {"https://wallet.example/cb"},
		"code_challenge": {vci.S256(verifier)}, "code_challenge_method": {"S256"},
		"issuer_state": {o.Offer.Grants.AuthorizationCode.IssuerState}, "scope": {testenv.ConfigSDJWT}}
	for i := 1; i <= 11; i++ {
		pg := browse(t, e, "GET", e.URL+"/authorize?"+q.Encode(), nil)
		if i <= 10 && pg.status != 200 {
			t.Fatalf("sign-in %d: %d", i, pg.status)
		}
		if i == 11 && (pg.status != 400 || !strings.Contains(pg.body, "too many sign-in codes")) {
			t.Fatalf("sign-in %d: %d %s", i, pg.status, pg.body)
		}
	}
}

// TestSealedNotificationIDs: with a Sealer, the credential endpoint stores
// nothing for a notification id; the id opens only to its own issuance,
// until it expires; altered, it is unknown; its first notification makes
// its record, and later ones add their events to it.
func TestSealedNotificationIDs(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := testenv.New(t, testenv.Options{SealNotifications: true, Now: clock})
	ctx := context.Background()
	o := newOffer(t, e, vci.OfferRequest{})
	client, _ := e.Wallet()
	s, err := client.Start(ctx, o.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: p256(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	nid := got.NotificationID
	if _, err := e.Records.Get(ctx, openid4vc.KindNotification, openid4vc.Key(nid)); !errors.Is(err, openid4vc.ErrNotFound) {
		t.Fatalf("a record was stored for a sealed notification id at issuance: %v", err)
	}
	code := func(err error) string {
		var oe *openid4vc.Error
		if errors.As(err, &oe) {
			return oe.Code
		}
		return fmt.Sprint(err)
	}
	altered := []byte(nid)
	altered[len(altered)/2] ^= 1
	if altered[len(altered)/2] == '-' || altered[len(altered)/2] == '_' {
		altered[len(altered)/2] = 'A'
	}
	if err := s.Notify(ctx, string(altered), vci.EventAccepted, ""); code(err) != openid4vc.CodeInvalidNotificationID {
		t.Fatalf("an altered sealed notification id: %v, want invalid_notification_id", err)
	}
	if err := s.Notify(ctx, nid, vci.EventAccepted, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Notify(ctx, nid, vci.EventDeleted, "removed"); err != nil {
		t.Fatal(err)
	}
	r, err := e.Records.Get(ctx, openid4vc.KindNotification, openid4vc.Key(nid))
	if err != nil {
		t.Fatalf("no record after the notifications: %v", err)
	}
	var rec struct {
		Events []string `json:"events"`
	}
	if err := json.Unmarshal(r.Value, &rec); err != nil || !slices.Equal(rec.Events, []string{vci.EventAccepted, vci.EventDeleted}) {
		t.Fatalf("notification record %s, want both events", r.Value)
	}
	// Expired: the id no longer opens to a live issuance.
	o2 := newOffer(t, e, vci.OfferRequest{})
	s2, err := client.Start(ctx, o2.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.PreAuthorized(ctx, ""); err != nil {
		t.Fatal(err)
	}
	got2, err := s2.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: p256(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(8 * 24 * time.Hour)
	mu.Unlock()
	o3 := newOffer(t, e, vci.OfferRequest{})
	s3, err := client.Start(ctx, o3.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.PreAuthorized(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// s3's token is live, got2's id is not: it expired with its offer's TTL
	// (seven days), which is said before that it belongs to another
	// issuance.
	if err := s3.Notify(ctx, got2.NotificationID, vci.EventAccepted, ""); code(err) != openid4vc.CodeInvalidNotificationID || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("an expired sealed notification id: %v, want invalid_notification_id (expired)", err)
	}
}
