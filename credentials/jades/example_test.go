package jades_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jades"
)

// An institution seals a credential with its eSeal (here a throwaway
// self-signed P-256 certificate) and a receiving university verifies it. The
// chain in the result is for the trust layer to judge.
func ExampleMechanism() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Example University eSeal", Country: []string{"BE"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)

	credential := []byte(`{"type":["VerifiableCredential","EuropeanDigitalCredential"],"issuer":{"id":"urn:epass:org:example"}}`)
	m := &jades.Mechanism{}
	sealed, err := m.Sign(context.Background(), credential,
		credentials.SigningKey{Signer: key, Chain: []*x509.Certificate{cert}},
		credentials.SignOptions{Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}

	v, err := m.Verify(context.Background(), sealed, nil, credentials.VerifyOptions{Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signature:", v.Details["signature"])
	fmt.Println("level:", v.Details["level"])
	fmt.Println("issuer:", v.Issuer)
	fmt.Println("sealed by:", v.Chain[0].Subject.CommonName)
	fmt.Println("signed at:", v.Signed.Format(time.RFC3339))
	// Output:
	// signature: valid (ES256)
	// level: B-B
	// issuer: urn:epass:org:example
	// sealed by: Example University eSeal
	// signed at: 2026-03-01T09:30:00Z
}
