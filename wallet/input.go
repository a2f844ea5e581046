package wallet

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // QR codes photographed or saved as JPEG
	_ "image/png"  // QR codes as the service renders them
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/diplomat-edu/diplomat/internal/netguard"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
)

// Limits of a QR image: its file and its decoded size. A QR code a phone
// can read fits in far less.
const (
	MaxImageBytes  = 16 << 20
	maxImagePixels = 40_000_000
)

// IsImage reports whether data starts as a PNG or JPEG file does.
func IsImage(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff})
}

// DecodeQR reads the text of the QR code in a PNG or JPEG image (a
// screenshot or a photo of the registrar's or the verifier's QR code).
func DecodeQR(data []byte) (string, error) {
	if len(data) > MaxImageBytes {
		return "", fmt.Errorf("the image has %d bytes, over the limit of %d MiB", len(data), MaxImageBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("not a PNG or JPEG image: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return "", fmt.Errorf("the %s image is %d×%d pixels: too large to be a QR code", format, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("the %s image does not decode: %v", format, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("reading the image: %v", err)
	}
	// gozxing's detector misses about one valid code in 200 (it locks on
	// the wrong finder or alignment pattern); an image that is the code
	// alone, as a saved offer.png or a tight screenshot is, then still
	// reads as a pure barcode.
	for _, hints := range []map[gozxing.DecodeHintType]any{
		{gozxing.DecodeHintType_TRY_HARDER: true},
		{gozxing.DecodeHintType_PURE_BARCODE: true},
	} {
		if res, err := qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
			return res.GetText(), nil
		}
	}
	return "", errors.New("no QR code could be read in the image (crop it to the code, or copy the link instead)")
}

// OfferLink turns what a student has of an offer into an offer link: an
// openid-credential-offer:// link (or any link with credential_offer or
// credential_offer_uri) as it is, an https URL of an offer
// (credential_offer_uri) into a link by reference, and the text of a QR
// image likewise.
// allowHTTP (Options.Local) also accepts an http credential_offer_uri.
func OfferLink(input string, allowHTTP bool) (string, error) {
	input = strings.TrimSpace(input)
	u, err := url.Parse(input)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("%q is not a link to an offer (openid-credential-offer://…, an https URL, or a QR image file)", clip(input))
	}
	q := u.Query()
	if !q.Has("credential_offer") && !q.Has("credential_offer_uri") && (u.Scheme == "https" || u.Scheme == "http") {
		input = "openid-credential-offer://?" + url.Values{"credential_offer_uri": {input}}.Encode()
	}
	if _, err := (&vci.Client{AllowHTTP: allowHTTP}).ParseOfferLink(input); err != nil {
		return "", err
	}
	return input, nil
}

// RequestLink turns what a student has of a presentation request into a
// request link: an openid4vp:// link (or any link with client_id) as it
// is; a bare https request_uri is fetched once, and the request object it
// answers is given by value, with the client_id it names (which its
// verification then holds it to).
func (w *Wallet) RequestLink(ctx context.Context, input string) (string, error) {
	input = strings.TrimSpace(input)
	u, err := url.Parse(input)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("%q is not a presentation request (openid4vp://…, an https request_uri, or a QR image file)", clip(input))
	}
	if u.Query().Has("client_id") || (u.Scheme != "https" && u.Scheme != "http") {
		return input, nil
	}
	if err := netguard.CheckURL(u, w.opts.Local && isLoopback(u.Hostname())); err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, input, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/oauth-authz-req+jwt")
	resp, err := w.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetching the request object: %w", err)
	}
	defer resp.Body.Close()
	body, err := netguard.ReadBody(resp.Body, resp.ContentLength, 1<<20)
	if err != nil {
		return "", fmt.Errorf("fetching the request object: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetching the request object: HTTP status %d (the request may have expired or been answered)", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/oauth-authz-req+jwt" && mt != "application/jwt" {
		return "", fmt.Errorf("%s answered %q, not a request object", u.Host, mt)
	}
	token := strings.TrimSpace(string(body))
	clientID, err := peekClientID(token)
	if err != nil {
		return "", err
	}
	return "openid4vp://?" + url.Values{"client_id": {clientID}, "request": {token}}.Encode(), nil
}

// peekClientID reads client_id from a request object's payload without
// verifying it: only to choose how to verify it (FetchRequest then checks
// the signature by that identifier's prefix, and the client_id again).
func peekClientID(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("the request_uri did not answer a signed request object (a compact JWS)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", errors.New("the request object's payload is not base64url")
	}
	var p struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.ClientID == "" {
		return "", errors.New("the request object names no client_id")
	}
	return p.ClientID, nil
}
