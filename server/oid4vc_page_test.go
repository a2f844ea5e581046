package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// decodeQR reads the QR code of a PNG.
func decodeQR(t testing.TB, pngData []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// The image is a clean render, not a photograph: PURE_BARCODE reads it
	// without the detector's guesswork (which misjudges about 2 % of
	// clean codes' size).
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

func TestQRCodesDecodeToTheLink(t *testing.T) {
	link := "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fregistrar.example.edu%2Fcredential-offer%2F" + strings.Repeat("x", 43)
	b, err := QRPNG(link)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, b); got != link {
		t.Fatalf("decoded %q", got)
	}
	svg, err := QRSVG(link)
	if err != nil || !bytes.HasPrefix(svg, []byte("<?xml")) || !bytes.Contains(svg, []byte(`<path fill="#000" d="M`)) {
		t.Fatalf("%v %.200s", err, svg)
	}
}

var (
	reLink = regexp.MustCompile(`id="link" type="text" readonly value="([^"]+)"`)
	reSame = regexp.MustCompile(`id="same" class="button" href="([^"]+)"`)
	reQR   = regexp.MustCompile(`id="qr" src="data:image/png;base64,([^"]+)"`)
)

// askPage posts the verification page's wallet form and returns the
// waiting page's cross-device link (checked against its QR code) and
// same-device link.
func (o *oidEnv) askPage(t *testing.T, hc *http.Client, form url.Values) (cross, same string) {
	t.Helper()
	resp, err := hc.PostForm(o.url+"/ask", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /ask: %d", resp.StatusCode)
	}
	body := o.getPage(t, hc, "/ask")
	m, s, q := reLink.FindStringSubmatch(body), reSame.FindStringSubmatch(body), reQR.FindStringSubmatch(body)
	if m == nil || s == nil || q == nil || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("no waiting page:\n%s", body)
	}
	pngData, err := base64.StdEncoding.DecodeString(html.UnescapeString(q[1]))
	if err != nil {
		t.Fatal(err)
	}
	cross, same = html.UnescapeString(m[1]), html.UnescapeString(s[1])
	if got := decodeQR(t, pngData); got != cross {
		t.Fatalf("the QR code holds %q, the page shows %q", got, cross)
	}
	return cross, same
}

func (o *oidEnv) getPage(t *testing.T, hc *http.Client, path string) string {
	t.Helper()
	resp, err := hc.Get(o.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (o *oidEnv) browserClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: o.client.HTTP.Transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// The page's preset requests are answered by the credentials they describe,
// cross-device (the page polls) and same-device (the wallet sends the
// browser back with a response_code), and show the verified report.
func TestAskTheWallet(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	ctx := context.Background()
	diploma := o.held(t, vci.FormatSDJWT, p256Key(t))
	diplomaJWT := o.held(t, vci.FormatJWTVC, p256Key(t))
	tk := p256Key(t)
	off := o.offer(t, map[string]any{"template": "transcript", "record": recordJSON(t, "transcript"), "format": vci.FormatSDJWT})
	got, _ := o.receive(t, off.Link, "", nil, tk)
	transcript := []vp.Held{{Format: vci.FormatSDJWT, Raw: got.Credential(0), Holder: tk}}
	cases := []struct {
		preset string
		held   []vp.Held
		want   string
	}{
		{"diploma", diploma, "Master of Science in Computer Science"},
		{"transcript", transcript, "Distributed systems"},
		{"eqf6", diplomaJWT, "EQF 7"},
	}
	for _, c := range cases {
		t.Run(c.preset, func(t *testing.T) {
			hc := o.browserClient(t)
			cross, _ := o.askPage(t, hc, url.Values{"preset": {c.preset}})
			if body := o.getPage(t, hc, "/ask"); !strings.Contains(body, "Waiting for the wallet") {
				t.Fatalf("not waiting:\n%s", body)
			}
			if _, _, _, err := o.answer(t, cross, c.held); err != nil {
				t.Fatal(err)
			}
			body := o.getPage(t, hc, "/ask")
			for _, want := range []string{`id="verdict">Verified`, "Presented from the student", c.want} {
				if !strings.Contains(body, want) {
					t.Fatalf("the page lacks %q:\n%s", want, body)
				}
			}
		})
	}
	t.Run("a diploma does not answer the transcript request", func(t *testing.T) {
		hc := o.browserClient(t)
		cross, _ := o.askPage(t, hc, url.Values{"preset": {"transcript"}})
		req, err := o.wallet.FetchRequest(ctx, cross)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.wallet.Select(ctx, req, diploma); err == nil {
			t.Fatal("a diploma was selected for a transcript")
		}
	})
	t.Run("same device: the wallet's redirect shows the answer in this browser only", func(t *testing.T) {
		hc := o.browserClient(t)
		_, same := o.askPage(t, hc, url.Values{"preset": {"diploma"}})
		_, _, ack, err := o.answer(t, same, diploma)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ack.RedirectURI, o.url+"/ask?response_code=") {
			t.Fatalf("redirect %q", ack.RedirectURI)
		}
		path := strings.TrimPrefix(ack.RedirectURI, o.url)
		if body := o.getPage(t, o.browserClient(t), path); strings.Contains(body, "Verified") {
			t.Fatal("another browser saw the answer")
		}
		if body := o.getPage(t, hc, path); !strings.Contains(body, `id="verdict">Verified`) {
			t.Fatalf("no answer:\n%s", body)
		}
	})
	t.Run("a custom DCQL query, and a broken one", func(t *testing.T) {
		hc := o.browserClient(t)
		cross, _ := o.askPage(t, hc, url.Values{"preset": {"custom"}, "dcql": {sdjwtQuery}})
		if _, _, _, err := o.answer(t, cross, diploma); err != nil {
			t.Fatal(err)
		}
		if body := o.getPage(t, hc, "/ask"); !strings.Contains(body, `id="verdict">Verified`) {
			t.Fatalf("%s", body)
		}
		resp, err := hc.PostForm(o.url+"/ask", url.Values{"preset": {"custom"}, "dcql": {`{"credentials": []}`}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "The DCQL query cannot be used") {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("the wallet declines", func(t *testing.T) {
		hc := o.browserClient(t)
		cross, _ := o.askPage(t, hc, url.Values{"preset": {"diploma"}})
		req, err := o.wallet.FetchRequest(ctx, cross)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.wallet.Decline(ctx, req, "access_denied", "no"); err != nil {
			t.Fatal(err)
		}
		if body := o.getPage(t, hc, "/ask"); !strings.Contains(body, "declined") {
			t.Fatalf("%s", body)
		}
	})
	t.Run("no request in this browser", func(t *testing.T) {
		if body := o.getPage(t, o.browserClient(t), "/ask"); !strings.Contains(body, "No request to a wallet is waiting") {
			t.Fatalf("%s", body)
		}
	})
}

// In Chromium: the officer asks for a diploma, a Go wallet answers, and the
// page (refreshing itself, no JavaScript) shows "Verified"; the registrar
// makes an offer in the console and a Go wallet collects it with the
// transaction code the page showed.
func TestWalletFlowsInABrowser(t *testing.T) {
	ctx := browser(t, chromedp.Flag("ignore-certificate-errors", true))
	o := newOIDEnv(t, false, nil)
	held := o.held(t, vci.FormatSDJWT, p256Key(t))

	t.Run("ask the student's wallet", func(t *testing.T) {
		err := chromedp.Do(ctx, chromedp.Navigate(o.url+"/"), chromedp.WaitVisible(chromedp.CSS("form.ask button")),
			chromedp.Click(chromedp.CSS("form.ask button")), chromedp.WaitVisible(chromedp.ID("#qr")))
		if err != nil {
			t.Fatal(err)
		}
		link, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("#link")))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := o.answer(t, link, held); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.ID("#verdict"))); err != nil {
			t.Fatalf("the page did not show the answer: %v", err)
		}
		got := text(t, ctx)
		for _, want := range []string{"Verified", "Presented from the student", "Master of Science in Computer Science"} {
			if !strings.Contains(got, want) {
				t.Errorf("the page lacks %q:\n%s", want, got)
			}
		}
	})
	t.Run("offer to a student from the console", func(t *testing.T) {
		err := chromedp.Do(ctx, chromedp.Navigate(o.url+"/console"), chromedp.WaitVisible(chromedp.ID("#token")),
			chromedp.SendKeys(chromedp.ID("#token"), o.tokens["issue"]), chromedp.Click(chromedp.CSS("form.signin button")),
			chromedp.WaitVisible(chromedp.ID("#csv")),
			chromedp.Navigate(o.url+"/console/offer"), chromedp.WaitVisible(chromedp.ID("#record")),
			chromedp.SetValue(chromedp.ID("#template"), "diploma"), chromedp.SetValue(chromedp.ID("#format"), vci.FormatJWTVC),
			chromedp.SetValue(chromedp.ID("#record"), string(recordJSON(t, "diploma"))),
			chromedp.Click(chromedp.ID("#txCode")),
			chromedp.Click(chromedp.CSS("form.offer button")), chromedp.WaitVisible(chromedp.ID("#qr")))
		if err != nil {
			t.Fatal(err)
		}
		link, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("#link")))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("#txcode")))
		if err != nil {
			t.Fatal(err)
		}
		k := p256Key(t)
		got, _ := o.receive(t, link, strings.TrimSpace(tx), nil, k)
		o.verified(t, got.Credential(0))
		boundTo(t, vci.FormatJWTVC, got.Credential(0), &k.PublicKey)
	})
}
