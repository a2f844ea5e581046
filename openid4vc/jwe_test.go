package openid4vc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

func specKey(t *testing.T) *ecdsa.PrivateKey { return specKeyF(t) }

func specKeyF(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	var j struct{ X, Y, D string }
	b, err := os.ReadFile("testdata/spec/oid4vp-encrypted-response-key.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	n := func(s string) *big.Int {
		raw, err := jwt.B64.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).SetBytes(raw)
	}
	return &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: elliptic.P256(), X: n(j.X), Y: n(j.Y)}, D: n(j.D)}
}

func TestDecryptOpenID4VPSpecExample(t *testing.T) {
	tok, err := os.ReadFile("testdata/spec/oid4vp-encrypted-response.jwe")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := openid4vc.Decrypt(string(tok), specKey(t), "ac", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		VPToken map[string][]string `json:"vp_token"`
	}
	if err := json.Unmarshal(plain, &resp); err != nil || len(resp.VPToken["example_credential_id"]) != 1 {
		t.Fatalf("payload %s: %v", plain, err)
	}
	if _, err := openid4vc.Decrypt(string(tok), specKey(t), "another-kid", nil, 0); !errors.Is(err, openid4vc.ErrDecrypt) {
		t.Fatalf("kid mismatch: %v", err)
	}
	if _, err := openid4vc.Decrypt(string(tok), specKey(t), "ac", []string{openid4vc.EncA256GCM}, 0); err == nil || !strings.Contains(err.Error(), "A128GCM") {
		t.Fatalf("enc not accepted: %v", err)
	}
}

func TestEncryptRoundTripAndWrongKey(t *testing.T) {
	k, _ := openid4vc.NewEncryptionKey()
	other, _ := openid4vc.NewEncryptionKey()
	pub, err := openid4vc.PublicEncryptionJWK(k, "k1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(pub)
	r, err := openid4vc.ParseRecipient(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range openid4vc.EncValues {
		tok, err := openid4vc.Encrypt([]byte(`{"a":1}`), r, enc, nil)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := openid4vc.Decrypt(tok, k, "k1", nil, 0)
		if err != nil || string(plain) != `{"a":1}` {
			t.Fatalf("%s: %s %v", enc, plain, err)
		}
		if _, err := openid4vc.Decrypt(tok, other, "", nil, 0); !errors.Is(err, openid4vc.ErrDecrypt) {
			t.Fatalf("decrypted with another key: %v", err)
		}
	}
	if _, err := openid4vc.ParseRecipient([]byte(`{"kty":"EC","crv":"P-256","x":"` + pub.X + `","y":"` + pub.Y + `","d":"AAAA"}`)); err == nil {
		t.Fatal("a JWK with a private member was accepted as a recipient")
	}
	if _, err := openid4vc.ParseRecipient([]byte(`{"kty":"EC","crv":"P-256","alg":"RSA-OAEP","x":"` + pub.X + `","y":"` + pub.Y + `"}`)); err == nil {
		t.Fatal("alg RSA-OAEP accepted")
	}
}
