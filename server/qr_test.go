package server

import (
	"encoding/base64"
	"math/rand/v2"
	"testing"

	"github.com/diplomat-edu/diplomat/wallet"
)

// TestQRCodesReadBack: the wallet reads back every QR code the service
// draws. Among offer links drawn from a fixed random stream, numbers 255,
// 358 and 372 are codes gozxing's detector alone misses (it locks on the
// wrong pattern): the wallet once said "no QR code could be read" to a
// student holding the registrar's own offer.png.
func TestQRCodesReadBack(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := map[int]bool{255: true, 358: true, 372: true, 0: true, 1: true, 100: true}
	for i := 0; i <= 372; i++ {
		b := make([]byte, 32+r.IntN(200))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		if !check[i] {
			continue
		}
		link := "openid-credential-offer://?credential_offer=" + base64.RawURLEncoding.EncodeToString(b)
		png, err := QRPNG(link)
		if err != nil {
			t.Fatal(err)
		}
		got, err := wallet.DecodeQR(png)
		if err != nil || got != link {
			t.Errorf("link %d (%d characters): read back %q, %v", i, len(link), got, err)
		}
	}
}
