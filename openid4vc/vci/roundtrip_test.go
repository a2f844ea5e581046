package vci_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/verifier"
)

func p256(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// verified checks that cred verifies with the real verifier into a
// "verified" report.
func verified(t testing.TB, e *testenv.Env, cred []byte) *verifier.Report {
	t.Helper()
	rep, err := e.Verifier.Verify(context.Background(), cred, verifier.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verifier.Verified {
		b, _ := json.MarshalIndent(rep.Checks, "", " ")
		t.Fatalf("verdict %s:\n%s", rep.Verdict, b)
	}
	return rep
}

// boundTo checks that a received credential is bound to the holder key.
func boundTo(t testing.TB, format string, cred []byte, holder crypto.PublicKey) {
	t.Helper()
	switch format {
	case vci.FormatSDJWT:
		sd, err := sdjwt.Parse(string(cred))
		if err != nil {
			t.Fatal(err)
		}
		k, err := sd.HolderKey()
		if err != nil || k == nil || !k.(interface{ Equal(crypto.PublicKey) bool }).Equal(holder) {
			t.Fatalf("cnf key %v is not the holder's (%v)", k, err)
		}
	default:
		want, _ := did.JWKDID(holder)
		var doc map[string]any
		if format == vci.FormatJWTVC {
			claims, err := vci.ClaimsOfJWT(string(cred))
			if err != nil {
				t.Fatal(err)
			}
			var sub string
			json.Unmarshal(claims["sub"], &sub)
			if sub != want {
				t.Fatalf("sub %s, want the holder's %s", sub, want)
			}
			json.Unmarshal(claims["vc"], &doc)
		} else {
			json.Unmarshal(cred, &doc)
		}
		cs, _ := doc["credentialSubject"].(map[string]any)
		if cs["id"] != want {
			t.Fatalf("credentialSubject.id %v, want the holder's %s", cs["id"], want)
		}
	}
}

func TestPreAuthorizedRoundTrip(t *testing.T) {
	e := testenv.New(t, testenv.Options{LDP: true})
	ctx := context.Background()
	configs := []string{testenv.ConfigSDJWT, testenv.ConfigJWTVC, testenv.ConfigLDPVC}
	for _, cfg := range configs {
		for _, tx := range []bool{false, true} {
			for _, dpop := range []bool{false, true} {
				name := fmt.Sprintf("%s tx=%v dpop=%v", cfg, tx, dpop)
				t.Run(name, func(t *testing.T) {
					req := vci.OfferRequest{Configurations: []string{cfg}, Dataset: testenv.DiplomaDataset(t), ByReference: tx}
					if tx {
						req.TxCode = &vci.TxCodeRequest{Description: "sent to your university e-mail"}
					}
					offer, err := e.VCI.CreateOffer(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					client, _ := e.Wallet()
					var dpopKey crypto.Signer
					if dpop {
						dpopKey = p256(t)
					}
					s, err := client.Start(ctx, offer.Link, dpopKey)
					if err != nil {
						t.Fatal(err)
					}
					if (s.TxCode() != nil) != tx {
						t.Fatalf("offer tx_code %+v", s.TxCode())
					}
					if err := s.PreAuthorized(ctx, offer.TxCode); err != nil {
						t.Fatal(err)
					}
					if _, typ := s.AccessToken(); dpop != (typ == "DPoP") {
						t.Fatalf("token type %s with dpop=%v", typ, dpop)
					}
					// Two keys: a batch of two copies, each bound to its key.
					k1, k2 := p256(t), p256(t)
					var h2 crypto.Signer = k2
					if cfg == testenv.ConfigLDPVC {
						_, ed, _ := ed25519.GenerateKey(rand.Reader)
						h2 = ed
					}
					got, err := s.RequestCredential(ctx, vci.CredentialOptions{ConfigurationID: cfg,
						Holders: []vci.ProofSigner{{Signer: k1}, {Signer: h2}}})
					if err != nil {
						t.Fatal(err)
					}
					if len(got.Credentials) != 2 || got.NotificationID == "" {
						t.Fatalf("%d credentials, notification %q", len(got.Credentials), got.NotificationID)
					}
					for i, holder := range []crypto.PublicKey{&k1.PublicKey, h2.Public()} {
						c := got.Credential(i)
						verified(t, e, c)
						boundTo(t, got.Format, c, holder)
					}
					if err := s.Notify(ctx, got.NotificationID, vci.EventAccepted, ""); err != nil {
						t.Fatal(err)
					}
					// The offer is single-use.
					s2, err := client.Start(ctx, offer.Link, nil)
					if err == nil {
						err = s2.PreAuthorized(ctx, offer.TxCode)
					}
					if !isCode(err, openid4vc.CodeInvalidGrant) && !strings.Contains(fmt.Sprint(err), "no pending credential offer") {
						t.Fatalf("second redemption: %v", err)
					}
				})
			}
		}
	}
}

func isCode(err error, code string) bool {
	e, ok := err.(*openid4vc.Error)
	if !ok {
		var target *openid4vc.Error
		if err != nil && asError(err, &target) {
			e, ok = target, true
		}
	}
	return ok && e.Code == code
}

func asError(err error, target **openid4vc.Error) bool {
	for err != nil {
		if e, ok := err.(*openid4vc.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func TestEncryptedRequestAndResponse(t *testing.T) {
	e := testenv.New(t, testenv.Options{EncryptionRequired: true, RequireDPoP: true})
	ctx := context.Background()
	offer, err := e.VCI.CreateOffer(ctx, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, Dataset: testenv.DiplomaDataset(t)})
	if err != nil {
		t.Fatal(err)
	}
	client, _ := e.Wallet()
	s, err := client.Start(ctx, offer.Link, p256(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, ""); err != nil {
		t.Fatal(err)
	}
	k := p256(t)
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: k}}, Encrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Encrypted {
		t.Fatal("the response was not encrypted")
	}
	verified(t, e, got.Credential(0))
	boundTo(t, got.Format, got.Credential(0), &k.PublicKey)
}

func TestAuthorizationCodeFlowWithSignIn(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	const contact = "camille.dupont@etu.univ-exemple.fr"
	offer, err := e.VCI.CreateOffer(ctx, vci.OfferRequest{Configurations: []string{testenv.ConfigJWTVC}, Dataset: testenv.DiplomaDataset(t), SignIn: contact})
	if err != nil {
		t.Fatal(err)
	}
	client, _ := e.Wallet()
	s, err := client.Start(ctx, offer.Link, p256(t))
	if err != nil {
		t.Fatal(err)
	}
	const redirect = "http://127.0.0.1:9/callback"
	authURL, err := s.Authorize(ctx, "diplomat-wallet", redirect)
	if err != nil {
		t.Fatal(err)
	}
	// The student's browser: the sign-in page, then the code from the mail.
	page := browse(t, e, "GET", authURL, nil)
	session := hidden(t, page.body, "session")
	if !strings.Contains(page.body, "c•••@etu.univ-exemple.fr") {
		t.Fatalf("the page does not show where the code went:\n%s", page.body)
	}
	wrong := browse(t, e, "POST", e.URL+"/authorize", url.Values{"session": {session}, "code": {"000000"}})
	if wrong.status != http.StatusBadRequest || !strings.Contains(wrong.body, "wrong sign-in code") {
		t.Fatalf("wrong code: %d %s", wrong.status, wrong.body)
	}
	done := browse(t, e, "POST", e.URL+"/authorize", url.Values{"session": {session}, "code": {e.SignIn.Code(contact)}})
	if done.status != http.StatusSeeOther || !strings.HasPrefix(done.location, redirect+"?") {
		t.Fatalf("after sign-in: %d %q", done.status, done.location)
	}
	if testenv.RedirectParams(done.location).Get("iss") != e.URL {
		t.Fatalf("no iss in the authorization response: %s", done.location)
	}
	if err := s.Exchange(ctx, done.location); err != nil {
		t.Fatal(err)
	}
	k := p256(t)
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: k}}})
	if err != nil {
		t.Fatal(err)
	}
	verified(t, e, got.Credential(0))
	boundTo(t, got.Format, got.Credential(0), &k.PublicKey)
	// The code is single-use.
	if err := s.Exchange(ctx, done.location); !isCode(err, openid4vc.CodeInvalidGrant) {
		t.Fatalf("code reused: %v", err)
	}
}

type page struct {
	status         int
	body, location string
}

func browse(t *testing.T, e *testenv.Env, method, u string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, string(b), resp.Header.Get("Location")}
}

func hidden(t *testing.T, html, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no %s in:\n%s", name, html)
	}
	return m[1]
}
