package sdjwt

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
)

// rsaToken signs payload under header alg with k: RS256 (PKCS #1 v1.5) or
// PS256 (PSS); pss picks the padding independently of alg, to forge
// mismatches.
func rsaToken(t *testing.T, k *rsa.PrivateKey, alg string, pss bool, h jwsHeader, payload any) string {
	t.Helper()
	h.Alg = alg
	input := b64.EncodeToString(mustJSON(t, h)) + "." + b64.EncodeToString(mustJSON(t, payload))
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	if pss {
		sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig) + "~"
}

// RSA keys (an eSeal certificate's, typically) verify RS256 and PS256 when
// they have 2048 bits or more; they never sign here.
func TestVerifyRSASignatures(t *testing.T) {
	k2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	const did, kid = "did:example:seal", "did:example:seal#key-1"
	resolver := func(k *rsa.PrivateKey) mapResolver {
		return mapResolver{kid: {ID: kid, Controller: did, Key: &k.PublicKey}}
	}
	hdr := jwsHeader{Typ: TypSDJWTVC, Kid: kid}
	claims := map[string]any{"iss": did, "vct": "urn:x", "iat": t0.Unix()}
	tests := []struct {
		name   string
		key    *rsa.PrivateKey
		token  string
		sentry error
		want   string
	}{
		{"RS256", k2048, rsaToken(t, k2048, "RS256", false, hdr, claims), nil, ""},
		{"PS256", k2048, rsaToken(t, k2048, "PS256", true, hdr, claims), nil, ""},
		{"PS256 header over a PKCS1 signature", k2048, rsaToken(t, k2048, "PS256", false, hdr, claims), credentials.ErrInvalidProof, "signature does not verify"},
		{"ES256 header with an RSA key", k2048, rsaToken(t, k2048, "ES256", false, hdr, claims), credentials.ErrInvalidProof, "an RSA key verifies RS256 or PS256"},
		{"1024-bit key", k1024, rsaToken(t, k1024, "RS256", false, hdr, claims), credentials.ErrUnsupportedKey, "RSA key of 1024 bits"},
		{"RS384 not accepted", k2048, rsaToken(t, k2048, "RS384", false, hdr, claims), credentials.ErrInvalidProof, `unsupported alg "RS384"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Mechanism{}.Verify(context.Background(), []byte(tc.token), resolver(tc.key), credentials.VerifyOptions{Now: clock(t0)})
			if tc.sentry == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !v.Key.(*rsa.PublicKey).Equal(&tc.key.PublicKey) {
					t.Error("verified with another key")
				}
				return
			}
			if !errors.Is(err, tc.sentry) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %v saying %q", err, tc.sentry, tc.want)
			}
		})
	}
	if _, err := (VC{}).Sign(context.Background(), []byte(`{}`), credentials.SigningKey{Signer: k2048}, credentials.SignOptions{}); !errors.Is(err, credentials.ErrUnsupportedKey) {
		t.Errorf("signing with RSA: got %v, want ErrUnsupportedKey", err)
	}
}
