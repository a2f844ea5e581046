package jades

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

// signedAt is the signing time the tests use.
var signedAt = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return signedAt }

// newSeal makes a self-signed test eSeal certificate for a fresh key of the
// given kind: "rsa" (2048), "rsa1024", "p256", "p384" or "p521".
func newSeal(t testing.TB, kind string) credentials.SigningKey {
	t.Helper()
	var signer crypto.Signer
	var err error
	switch kind {
	case "rsa":
		signer, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa1024":
		signer, err = rsa.GenerateKey(rand.Reader, 1024)
	case "p256":
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		signer, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "p521":
		signer, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{
		CommonName:   "Diplomat Test University eSeal",
		Organization: []string{"Diplomat Test University"},
		Country:      []string{"BE"},
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4242),
		Subject:      name,
		Issuer:       name,
		NotBefore:    signedAt.Add(-24 * time.Hour),
		NotAfter:     signedAt.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return credentials.SigningKey{Signer: signer, Chain: []*x509.Certificate{cert}}
}

// testHeader returns the protected header Sign would write for key, as a
// map the bad-input tests alter.
func testHeader(t testing.TB, key credentials.SigningKey, alg string) map[string]any {
	t.Helper()
	leaf := key.Chain[0]
	kid, err := issuerSerial(leaf)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(leaf.Raw)
	return map[string]any{
		"alg":      alg,
		"cty":      "octet-stream",
		"kid":      kid,
		"x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:]),
		"x5c":      []string{base64.StdEncoding.EncodeToString(leaf.Raw)},
		"typ":      "jose+json",
		"b64":      false,
		"sigT":     signedAt.Format(sigTLayout),
		"crit":     []string{"b64", "sigT"},
	}
}

// signWithHeader builds a general JWS JSON serialization of doc under an
// arbitrary protected header, signed with key using signAlg (which may
// differ from the header's alg, to test mismatches). With b64 true in the
// header the payload is base64url-encoded.
func signWithHeader(t testing.TB, key credentials.SigningKey, signAlg string, header map[string]any, doc []byte) []byte {
	t.Helper()
	hb, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	protected := base64.RawURLEncoding.EncodeToString(hb)
	payload := string(doc)
	if b, ok := header["b64"].(bool); !ok || b {
		payload = base64.RawURLEncoding.EncodeToString(doc)
	}
	input := []byte(protected + "." + payload)
	sig, err := jwa.Sign(signAlg, key.Signer, input)
	if errors.Is(err, jwa.ErrWeakKey) { // jwa refuses to sign with it; Verify must refuse it too
		sig, err = key.Signer.Sign(rand.Reader, digest(crypto.SHA256, input), crypto.SHA256)
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(map[string]any{
		"payload": payload,
		"signatures": []map[string]any{{
			"protected": protected,
			"signature": base64.RawURLEncoding.EncodeToString(sig),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// envelope decodes a general JWS JSON serialization into maps for tests
// that alter it.
func envelope(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64urlJSON(t testing.TB, data string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func stdB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
