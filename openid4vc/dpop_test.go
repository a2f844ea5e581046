package openid4vc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
	"github.com/diplomat-edu/diplomat/openid4vc/memstore"
)

func readSpec(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/spec/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func code(err error) string {
	var e *openid4vc.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "not an *Error: " + err.Error()
}

func TestDPoPRFC9449Vectors(t *testing.T) {
	ctx := context.Background()
	p, err := openid4vc.CheckDPoP(ctx, readSpec(t, "rfc9449-dpop-token.jwt"), openid4vc.DPoPCheck{
		Method: "POST", URL: "https://server.example.com/token", Now: time.Unix(1562262616, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Thumbprint != "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" || p.JTI != "-BwC3ESc6acc2lTc" {
		t.Fatalf("proof %+v", p)
	}
	const token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
	if got := openid4vc.AccessTokenHash(token); got != "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" {
		t.Fatalf("ath = %s", got)
	}
	res := readSpec(t, "rfc9449-dpop-resource.jwt")
	if _, err := openid4vc.CheckDPoP(ctx, res, openid4vc.DPoPCheck{
		Method: "GET", URL: "https://resource.example.org/protectedresource", AccessToken: token,
		Thumbprint: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", Now: time.Unix(1562262618, 0),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := openid4vc.CheckDPoP(ctx, res, openid4vc.DPoPCheck{
		Method: "GET", URL: "https://resource.example.org/protectedresource", AccessToken: "another token", Now: time.Unix(1562262618, 0),
	}); code(err) != openid4vc.CodeInvalidDPoPProof {
		t.Fatalf("ath of another token: %v", err)
	}
}

func TestDPoPRejections(t *testing.T) {
	ctx := context.Background()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const u = "https://issuer.example/token"
	signer := openid4vc.DPoPSigner{Signer: key}
	jkt, _ := signer.Thumbprint()
	good := func() string {
		p, err := signer.Proof("POST", u, "", "", now)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	craft := func(header map[string]any, claims map[string]any, s *ecdsa.PrivateKey) string {
		jwk, _ := jwt.PublicJWK(&key.PublicKey)
		h := map[string]any{"typ": "dpop+jwt", "jwk": jwk}
		for k, v := range header {
			h[k] = v
		}
		c := map[string]any{"jti": "j1", "htm": "POST", "htu": u, "iat": now.Unix()}
		for k, v := range claims {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		tok, err := jwt.Sign(s, jwt.AllAlgs, h, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	base := openid4vc.DPoPCheck{Method: "POST", URL: u, Now: now}
	with := func(f func(*openid4vc.DPoPCheck)) openid4vc.DPoPCheck { c := base; f(&c); return c }
	edKey := func() string {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		p, _ := openid4vc.DPoPSigner{Signer: priv}.Proof("POST", u, "", "", now)
		return p
	}
	cases := []struct {
		name  string
		proof string
		check openid4vc.DPoPCheck
		want  string
	}{
		{"missing", "", base, openid4vc.CodeInvalidDPoPProof},
		{"not a JWT", "abc", base, openid4vc.CodeInvalidDPoPProof},
		{"typ JWT", craft(map[string]any{"typ": "JWT"}, nil, key), base, openid4vc.CodeInvalidDPoPProof},
		{"signed by another key than its jwk", craft(nil, nil, other), base, openid4vc.CodeInvalidDPoPProof},
		{"no jwk", func() string {
			tok, _ := jwt.Sign(key, jwt.AllAlgs, map[string]any{"typ": "dpop+jwt"}, map[string]any{"jti": "j", "htm": "POST", "htu": u, "iat": now.Unix()})
			return tok
		}(), base, openid4vc.CodeInvalidDPoPProof},
		{"wrong htm", craft(nil, map[string]any{"htm": "GET"}, key), base, openid4vc.CodeInvalidDPoPProof},
		{"wrong htu", craft(nil, map[string]any{"htu": "https://evil.example/token"}, key), base, openid4vc.CodeInvalidDPoPProof},
		{"no jti", craft(nil, map[string]any{"jti": nil}, key), base, openid4vc.CodeInvalidDPoPProof},
		{"iat too old", craft(nil, map[string]any{"iat": now.Add(-2 * time.Minute).Unix()}, key), base, openid4vc.CodeInvalidDPoPProof},
		{"iat in the future", craft(nil, map[string]any{"iat": now.Add(2 * time.Minute).Unix()}, key), base, openid4vc.CodeInvalidDPoPProof},
		{"ath without token", craft(nil, map[string]any{"ath": "x"}, key), base, openid4vc.CodeInvalidDPoPProof},
		{"token without ath", good(), with(func(c *openid4vc.DPoPCheck) { c.AccessToken = "t" }), openid4vc.CodeInvalidDPoPProof},
		{"bound to another key", good(), with(func(c *openid4vc.DPoPCheck) { c.Thumbprint = "AAAA" }), openid4vc.CodeInvalidDPoPProof},
		{"server nonce expected", good(), with(func(c *openid4vc.DPoPCheck) { c.Nonce = "n1" }), openid4vc.CodeUseDPoPNonce},
		{"EdDSA not accepted by policy", edKey(), with(func(c *openid4vc.DPoPCheck) { c.Algs = []string{"ES256"} }), openid4vc.CodeInvalidDPoPProof},
		{"crit header", craft(map[string]any{"crit": []string{"x"}, "x": 1}, nil, key), base, openid4vc.CodeInvalidDPoPProof},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := openid4vc.CheckDPoP(ctx, c.proof, c.check)
			if err == nil || code(err) != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
	t.Run("alg none", func(t *testing.T) {
		jwk, _ := jwt.PublicJWK(&key.PublicKey)
		h, _ := jsonB64(map[string]any{"typ": "dpop+jwt", "alg": "none", "jwk": jwk})
		c, _ := jsonB64(map[string]any{"jti": "j", "htm": "POST", "htu": u, "iat": now.Unix()})
		_, err := openid4vc.CheckDPoP(ctx, h+"."+c+".", base)
		if code(err) != openid4vc.CodeInvalidDPoPProof || !strings.Contains(err.Error(), "none") {
			t.Fatalf("alg none: %v", err)
		}
	})
	t.Run("replay", func(t *testing.T) {
		st := memstore.New(func() time.Time { return now })
		c := with(func(c *openid4vc.DPoPCheck) { c.Replay = st; c.Thumbprint = jkt })
		p := good()
		if _, err := openid4vc.CheckDPoP(ctx, p, c); err != nil {
			t.Fatal(err)
		}
		if _, err := openid4vc.CheckDPoP(ctx, p, c); code(err) != openid4vc.CodeInvalidDPoPProof {
			t.Fatalf("replayed proof: %v", err)
		}
	})
	t.Run("htu normalisation", func(t *testing.T) {
		p, _ := signer.Proof("POST", "HTTPS://Issuer.Example:443/token?x=1#f", "", "", now)
		if _, err := openid4vc.CheckDPoP(ctx, p, base); err != nil {
			t.Fatal(err)
		}
	})
}
