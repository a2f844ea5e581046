package sdjwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// mapResolver is a KeyResolver over a fixed table, for tests.
type mapResolver map[string]*credentials.VerificationMethod

func (m mapResolver) ResolveKey(_ context.Context, id string) (*credentials.VerificationMethod, error) {
	if vm, ok := m[id]; ok {
		return vm, nil
	}
	return nil, fmt.Errorf("no method %q: %w", id, credentials.ErrUnknownKey)
}

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// party is a signing key with a did-like identifier and a resolver entry.
type party struct {
	signer crypto.Signer
	did    string
	kid    string
}

func newParty(t testing.TB, name string, s crypto.Signer) party {
	did := "did:example:" + name
	return party{signer: s, did: did, kid: did + "#key-1"}
}

func (p party) key() credentials.SigningKey {
	return credentials.SigningKey{Signer: p.signer, ID: p.kid}
}

func resolverFor(ps ...party) mapResolver {
	r := mapResolver{}
	for _, p := range ps {
		r[p.kid] = &credentials.VerificationMethod{ID: p.kid, Controller: p.did, Key: p.signer.Public()}
	}
	return r
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// craft signs an arbitrary header and payload with s and appends the given
// disclosures (and kb, if any): for building SD-JWTs Issue would refuse.
func craft(t testing.TB, s crypto.Signer, h jwsHeader, payload any, disclosures []string, kb string) string {
	t.Helper()
	jwt, err := signCompact(s, h, mustJSON(t, payload))
	if err != nil {
		t.Fatal(err)
	}
	return jwt + "~" + strings.Join(append(disclosures, ""), "~") + kb
}

// disclosure encodes a disclosure array.
func disclosure(t testing.TB, parts ...any) string {
	t.Helper()
	return b64.EncodeToString(mustJSON(t, parts))
}

// unsigned builds a compact JWS with the given raw header and an arbitrary
// signature, for alg none and HMAC cases.
func unsigned(t testing.TB, header string, payload any, sig string) string {
	t.Helper()
	return b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(mustJSON(t, payload)) + "." + sig
}

func ed25519Key(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func decodeMap(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return m
}

func p384(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testChain makes a CA and a P-256 leaf certificate naming uri as a URI SAN.
func testChain(t testing.TB, uri string) (*ecdsa.PrivateKey, []*x509.Certificate) {
	t.Helper()
	caKey, leafKey := newP256(t), newP256(t)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(4e9, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test issuer"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(4e9, 0), URIs: []*url.URL{u}, KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, leafKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leafCert, _ := x509.ParseCertificate(leafDER)
	return leafKey, []*x509.Certificate{leafCert, caCert}
}
