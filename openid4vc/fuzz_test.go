package openid4vc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// FuzzCheckDPoP feeds arbitrary DPoP headers to the server's check: it
// never panics, and anything it accepts is a proof for the endpoint, with a
// thumbprint.
func FuzzCheckDPoP(f *testing.F) {
	for _, n := range []string{"rfc9449-dpop-token.jwt", "rfc9449-dpop-resource.jwt"} {
		f.Add(readSpec(f, n))
	}
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6Im5vbmUifQ.e30.")
	f.Add("a.b.c")
	check := openid4vc.DPoPCheck{Method: "POST", URL: "https://server.example.com/token", Now: time.Unix(1562262616, 0)}
	f.Fuzz(func(t *testing.T, proof string) {
		p, err := openid4vc.CheckDPoP(context.Background(), proof, check)
		if err != nil {
			var e *openid4vc.Error
			if !errors.As(err, &e) || (e.Code != openid4vc.CodeInvalidDPoPProof && e.Code != openid4vc.CodeUseDPoPNonce) {
				t.Fatalf("an error without the DPoP code: %v", err)
			}
			return
		}
		if p.Thumbprint == "" || p.Key == nil {
			t.Fatalf("accepted without a key: %+v", p)
		}
	})
}

// FuzzDecrypt feeds arbitrary JWEs to the decrypter of responses: it never
// panics and accepts only what the key opens.
func FuzzDecrypt(f *testing.F) {
	f.Add(readSpec(f, "oid4vp-encrypted-response.jwe"))
	f.Add("a.b.c.d.e")
	f.Add("eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTEyOEdDTSIsInppcCI6IkRFRiJ9....")
	key := specKeyF(f)
	f.Fuzz(func(t *testing.T, tok string) {
		plain, err := openid4vc.Decrypt(tok, key, "", nil, 1<<16)
		if err != nil && !errors.Is(err, openid4vc.ErrDecrypt) {
			// Only the key conversion may fail otherwise, which it does not.
			t.Fatalf("error outside ErrDecrypt: %v", err)
		}
		if err == nil && len(plain) > 1<<16 {
			t.Fatal("over the limit")
		}
	})
}
