package wallet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/verifier"
)

// TestAuthorizationCodeFlowWithLoopbackRedirect: an offer that asks the
// student to sign in; the wallet listens on 127.0.0.1 for the browser's
// return, exchanges the code with its PKCE verifier, and DPoP binds the
// token the issuer requires to be bound.
func TestAuthorizationCodeFlowWithLoopbackRedirect(t *testing.T) {
	e := testenv.New(t, testenv.Options{RequireDPoP: true, EncryptionRequired: true})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{})
	const contact = "camille.dupont@etu.univ-exemple.fr"
	o := offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigJWTVC}, SignIn: contact})
	in, err := w.Receive(ctx, o.Link)
	if err != nil {
		t.Fatal(err)
	}
	if in.PreAuthorized || !in.AuthorizationCode || !in.DPoP {
		t.Fatalf("incoming %+v", in)
	}
	if err := in.Redeem(ctx, ""); err == nil {
		t.Fatal("a sign-in offer redeemed as pre-authorized")
	}
	r, err := ListenRedirect()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	authURL, err := in.Authorize(ctx, r.URI)
	if err != nil {
		t.Fatal(err)
	}
	browser := make(chan error, 1)
	go func() {
		back, err := e.Browse(authURL, contact)
		if err == nil {
			var resp *http.Response
			if resp, err = e.Client.Get(back); err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "go back to the terminal") {
					err = fmt.Errorf("the redirect page: %d %s", resp.StatusCode, body)
				}
			}
		}
		browser <- err
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	back, err := r.Wait(wctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-browser; err != nil {
		t.Fatal(err)
	}
	if err := in.Exchange(ctx, back); err != nil {
		t.Fatal(err)
	}
	if tok, typ := in.s.AccessToken(); tok == "" || typ != "DPoP" {
		t.Fatalf("token type %q", typ)
	}
	got, err := in.Fetch(ctx, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Encrypted || got[0].Report.Verdict != verifier.Verified {
		t.Fatalf("received %+v", got[0])
	}
	if _, err := in.Keep(ctx, false); err != nil {
		t.Fatal(err)
	}
	// The code was used once.
	if err := in.Exchange(ctx, back); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("code reused: %v", err)
	}
}

// TestQRCodesAndBareURLs: offers and requests reach the wallet as QR
// images and bare https URLs, as well as links.
func TestQRCodesAndBareURLs(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{})
	o := offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, ByReference: true})
	text, err := DecodeQR(qrPNG(t, o.Link))
	if err != nil || text != o.Link {
		t.Fatalf("QR decoded as %q, %v", text, err)
	}
	// The offer's https URL alone.
	link, err := OfferLink(o.URI, false)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, w, &vci.CreatedOffer{Link: link}, FetchOptions{})

	req := request(t, e.RP, sdjwtTitleQuery, vp.RequestOptions{})
	text, err = DecodeQR(qrPNG(t, req.Link))
	if err != nil || text != req.Link {
		t.Fatalf("QR decoded as %q, %v", text, err)
	}
	// A photo or screenshot saved as JPEG.
	img, err := png.Decode(bytes.NewReader(qrPNG(t, req.Link)))
	if err != nil {
		t.Fatal(err)
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	if text, err := DecodeQR(jpg.Bytes()); err != nil || text != req.Link || !IsImage(jpg.Bytes()) {
		t.Fatalf("JPEG QR decoded as %q, %v", text, err)
	}
	// The request_uri alone.
	bare, err := w.RequestLink(ctx, req.RequestURI)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.Prepare(ctx, bare, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(ctx); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.RP.Result(ctx, req.TransactionID, ""); res.Status != vp.StatusAnswered {
		t.Fatalf("result %+v", res)
	}
	for name, img := range map[string][]byte{"not an image": []byte("hello"), "an image without a code": qrPNG(t, "x")[:60]} {
		if _, err := DecodeQR(img); err == nil {
			t.Errorf("%s decoded", name)
		}
	}
	if _, err := OfferLink("just words", false); err == nil {
		t.Error("words taken as an offer")
	}
}

// TestImportAndPresentForEmail: a credential that came by e-mail is
// verified and imported (bound to the wallet's key when it is), and a
// presentation for e-mail carries the verifier's challenge and domain and
// only the claims chosen.
func TestImportAndPresentForEmail(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{})
	c := receive(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})[0]
	raw, _ := w.Raw(c, 0)

	// Into the same wallet: refused, it is there.
	if _, _, err := w.Import(ctx, raw, "diploma.sd-jwt", false); !errors.Is(err, keys.ErrExists) {
		t.Fatalf("imported twice: %v", err)
	}
	// Into another wallet: stored, not presentable (no key of its own).
	w2 := newWallet(t, e, walletOptions{})
	c2, rep, err := w2.Import(ctx, append([]byte("\n"), raw...), "/mail/diploma.sd-jwt", false)
	if err != nil || rep.Verdict != verifier.Verified || c2.Copies[0].HolderKey != "" || c2.Origin != "file diploma.sd-jwt" || c2.Title != c.Title {
		t.Fatalf("import: %+v %v", c2, err)
	}
	if _, _, err := w2.PresentFile(ctx, c2, FileOptions{Challenge: "c", Domain: "d"}); err == nil || !strings.Contains(err.Error(), "bound to no key of this wallet") {
		t.Fatalf("presented without a key: %v", err)
	}
	// A presentation is not a credential to import.
	for name, bad := range map[string][]byte{"garbage": []byte("hello"), "a presentation": []byte(strings.TrimSpace(string(raw)) + "eyJhbGciOiJFUzI1NiJ9.e30.sig")} {
		if _, _, err := w2.Import(ctx, bad, name, false); err == nil {
			t.Errorf("%s imported", name)
		}
	}

	title, _ := ParsePath("elm.credentialSubject.hasClaim.*.title")
	out, sh, err := w.PresentFile(ctx, c, FileOptions{Challenge: "n-0S6_WzA2Mj", Domain: "https://admissions.uni-voorbeeld.nl", Disclose: []dcql.Path{title}})
	if err != nil {
		t.Fatal(err)
	}
	if !sh.Selective || strings.Contains(string(out), "Dupont\"") {
		t.Fatalf("share %+v", sh)
	}
	rep, err = e.Verifier.Verify(ctx, out, verifier.Request{Challenge: "n-0S6_WzA2Mj", Domain: "https://admissions.uni-voorbeeld.nl"})
	if err != nil || rep.Verdict != verifier.Verified {
		t.Fatalf("the e-mailed presentation: %v %s", err, jsonString(rep))
	}
	if rep, _ := e.Verifier.Verify(ctx, out, verifier.Request{Challenge: "other", Domain: "https://admissions.uni-voorbeeld.nl"}); rep.Verdict == verifier.Verified {
		t.Fatal("a presentation verified with another challenge")
	}
	missing, _ := ParsePath("elm.credentialSubject.shoeSize")
	if _, _, err := w.PresentFile(ctx, c, FileOptions{Challenge: "c", Domain: "d", Disclose: []dcql.Path{missing}}); err == nil || !strings.Contains(err.Error(), "has no claim elm.credentialSubject.shoeSize") {
		t.Fatalf("a claim it lacks: %v", err)
	}
	// Every claim, when none is chosen.
	all, sh, err := w.PresentFile(ctx, c, FileOptions{Challenge: "c", Domain: "d"})
	if err != nil || !strings.Contains(string(all), "") || !contains(sh.Visible, "elm.credentialSubject.givenName") {
		t.Fatalf("all claims: %v %+v", err, sh)
	}
}

func TestParsePath(t *testing.T) {
	for in, want := range map[string]string{
		"credentialSubject.hasClaim.*.title": `["credentialSubject","hasClaim",null,"title"]`,
		"$.a[0].b[*]":                        `["a",0,"b",null]`,
		"elm.credentialSubject.familyName":   `["elm","credentialSubject","familyName"]`,
	} {
		p, err := ParsePath(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePath(%q) = %s, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "*.a", "$"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted", bad)
		}
	}
}

// TestVerifierIdentifiedByItsDID: a request signed with the key of the
// verifier's DID (decentralized_identifier) is verified with that key, and
// a trust source that knows the DID makes the verifier known.
func TestVerifierIdentifiedByItsDID(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{})
	receive(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})
	rp, err := e.NewRP(vp.PrefixDID, e.URL, "/vp-did/")
	if err != nil {
		t.Fatal(err)
	}
	e.Mux.HandleFunc("GET /vp-did/request/{state}", rp.ServeRequestObject)
	e.Mux.HandleFunc("POST /vp-did/response", rp.ServeResponse)
	req := request(t, rp, sdjwtTitleQuery, vp.RequestOptions{})
	p, err := w.Prepare(ctx, req.Link, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The test verifier signs with the registrar's did:key, which the
	// student's registry trusts.
	if p.Verifier.Prefix != vp.PrefixDID || !p.Verifier.Trusted || p.Verifier.Trust == nil || p.Verifier.Name != "Université Exemple" {
		t.Fatalf("verifier %+v", p.Verifier)
	}
	if _, err := p.Send(ctx); err != nil {
		t.Fatal(err)
	}
	// Unknown to another wallet: shown as such, not refused.
	w2 := newWallet(t, e, walletOptions{untrusting: true})
	in, _ := fetch(t, w2, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})
	if _, err := in.Keep(ctx, true); err != nil {
		t.Fatal(err)
	}
	p2, err := w2.Prepare(ctx, request(t, rp, sdjwtTitleQuery, vp.RequestOptions{}).Link, PrepareOptions{})
	if err != nil || p2.Verifier.Trusted {
		t.Fatalf("verifier %+v, %v", p2, err)
	}
}
