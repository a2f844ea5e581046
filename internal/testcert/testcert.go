// Package testcert issues X.509 certificates for tests: a template signed by
// a parent certificate, or by its own key, with a new P-256 key unless one
// is given. Tests of every package that reads certificate paths (certpath,
// the verifier, the trust sources) build their CAs, seals and broken paths
// with it. It is for tests only: nothing here is fit to issue a real
// certificate.
package testcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// Cert is a certificate and its private key.
type Cert struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Issue signs tmpl with parent's key (itself when parent is nil) for key (a
// new P-256 key when nil). A zero serial number is made random, and a zero
// validity becomes 2020-01-01 to 2040-01-01.
func Issue(t testing.TB, tmpl *x509.Certificate, parent *Cert, key crypto.Signer) *Cert {
	t.Helper()
	if key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	if tmpl.SerialNumber == nil {
		serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
		if err != nil {
			t.Fatal(err)
		}
		tmpl.SerialNumber = serial
	}
	if tmpl.NotBefore.IsZero() && tmpl.NotAfter.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	tmpl.PublicKey = nil
	issuer, signer := tmpl, key
	if parent != nil {
		issuer, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{Cert: c, Key: key}
}

// CA is the template of a CA certificate for cn: basic constraints with cA,
// keyCertSign and cRLSign, and a pathLenConstraint of pathLen (none when
// negative).
func CA(cn string, pathLen int) *x509.Certificate {
	c := &x509.Certificate{Subject: pkix.Name{CommonName: cn, Country: []string{"BE"}}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, MaxPathLen: pathLen, MaxPathLenZero: pathLen == 0}
	if pathLen < 0 {
		c.MaxPathLen = -1
	}
	return c
}

// Seal is the template of a seal certificate for the organisation cn:
// digitalSignature and nonRepudiation, no extended key usage.
func Seal(cn string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: []string{cn}, Country: []string{"BE"}},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
}

// Like returns a copy of c's template, changed by edit, ready for Issue: a
// certificate like c but for another key and serial number.
func Like(c *x509.Certificate, edit func(*x509.Certificate)) *x509.Certificate {
	tmpl := *c
	tmpl.SerialNumber, tmpl.PublicKey = nil, nil
	tmpl.ExtraExtensions, tmpl.Extensions = nil, nil
	if edit != nil {
		edit(&tmpl)
	}
	return &tmpl
}
