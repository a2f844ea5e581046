package jose

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
)

// mapResolver is a KeyResolver over a fixed table, standing in for
// credentials/did in these tests.
type mapResolver map[string]*credentials.VerificationMethod

func (m mapResolver) ResolveKey(_ context.Context, id string) (*credentials.VerificationMethod, error) {
	if vm, ok := m[id]; ok {
		return vm, nil
	}
	return nil, fmt.Errorf("%w: %q is not in the test resolver", credentials.ErrUnknownKey, id)
}

// add registers pub as the key id of controller.
func (m mapResolver) add(id, controller string, pub crypto.PublicKey) {
	m[id] = &credentials.VerificationMethod{ID: id, Controller: controller, Key: pub}
}

// testKey is a private key with the DID URL it is registered under.
type testKey struct {
	signer crypto.Signer
	did    string
	id     string
}

func (k testKey) signing() credentials.SigningKey {
	return credentials.SigningKey{Signer: k.signer, ID: k.id}
}

// newKey makes a key of the given kind ("ed25519", "p256", "p384", "p521",
// "secp256k1", "rsa") for did and registers it in r as did#key-1.
func newKey(t testing.TB, kind, did string, r mapResolver) testKey {
	t.Helper()
	var s crypto.Signer
	var err error
	switch kind {
	case "ed25519":
		_, s, err = ed25519.GenerateKey(rand.Reader)
	case "p256":
		s, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		s, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "p521":
		s, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "secp256k1":
		s = newSecp256k1(t)
	case "rsa":
		s, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	k := testKey{signer: s, did: did, id: did + "#key-1"}
	if r != nil {
		r.add(k.id, did, s.Public())
	}
	return k
}

// privateFromJWK reads a private JWK (test fixtures only) as a signer.
func privateFromJWK(t testing.TB, data []byte) crypto.Signer {
	t.Helper()
	k, err := jwk.ParseKey(data)
	if err != nil {
		t.Fatal(err)
	}
	var raw any
	if err := k.Raw(&raw); err != nil {
		t.Fatal(err)
	}
	switch v := raw.(type) {
	case *ecdsa.PrivateKey:
		return v
	case ed25519.PrivateKey:
		return v
	case *rsa.PrivateKey:
		return v
	}
	t.Fatalf("jwk is a %T, not a private key", raw)
	return nil
}

// forge builds a compact JWS with any header, signing the signing input
// with sign (nil: an empty signature). It lets tests make tokens the
// mechanisms would never produce.
func forge(t testing.TB, header map[string]any, payload []byte, sign func(input []byte) []byte) []byte {
	t.Helper()
	hj, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	input := b64.EncodeToString(hj) + "." + b64.EncodeToString(payload)
	var sig []byte
	if sign != nil {
		sig = sign([]byte(input))
	}
	return []byte(input + "." + b64.EncodeToString(sig))
}

// rawSign signs input with s as alg would, whatever alg the header claims:
// with the key's own algorithm when alg does not fit it.
func rawSign(t testing.TB, s crypto.Signer, alg string) func([]byte) []byte {
	return func(input []byte) []byte {
		t.Helper()
		sig, err := jwa.Sign(alg, s, input)
		if errors.Is(err, jwa.ErrKeyMismatch) {
			sig, err = jwa.Sign(jwa.KeyAlg(s.Public()), s, input)
		}
		if err != nil {
			t.Fatalf("rawSign: %T: %v", s, err)
		}
		return sig
	}
}

// wantErr checks err against the expected sentinel and message fragment.
func wantErr(t testing.TB, err, sentinel error, fragment string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v containing %q", sentinel, fragment)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Fatalf("error %q does not wrap %q", err, sentinel)
	}
	if !strings.Contains(err.Error(), fragment) {
		t.Fatalf("error %q does not say %q", err, fragment)
	}
}

// decodePart decodes part i (0 header, 1 payload) of a compact token.
func decodePart(t testing.TB, tok []byte, i int) map[string]any {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(string(tok)), ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := b64.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
