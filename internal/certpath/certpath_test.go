package certpath

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/testcert"
)

type node = testcert.Cert

func issue(t *testing.T, tmpl *x509.Certificate, parent *node, key crypto.Signer) *node {
	t.Helper()
	return testcert.Issue(t, tmpl, parent, key)
}

var ca, seal = testcert.CA, testcert.Seal

func chain(ns ...*node) []*x509.Certificate {
	var out []*x509.Certificate
	for _, n := range ns {
		out = append(out, n.Cert)
	}
	return out
}

func TestCheckEnforcesEveryConstraintOfThePath(t *testing.T) {
	root := issue(t, ca("Root", -1), nil, nil)
	root0 := issue(t, ca("Root pathlen 0", 0), nil, nil)
	mid := issue(t, ca("Intermediate", -1), root, nil)
	mid0 := issue(t, ca("Intermediate under pathlen 0", -1), root0, nil)
	leafOf := func(parent *node, edit func(*x509.Certificate)) *node {
		tmpl := seal("Seal")
		if edit != nil {
			edit(tmpl)
		}
		return issue(t, tmpl, parent, nil)
	}
	notCA := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Not a CA"}, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature}, root, nil)
	// crypto/x509 refuses to sign with a template that is not a CA? It
	// does not: the template of the parent is only read for its names.
	underNotCA := issue(t, seal("Under not a CA"), notCA, nil)
	caNoCertSign := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "CA without keyCertSign"}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCRLSign}, root, nil)
	caTLS := issue(t, func() *x509.Certificate {
		c := ca("TLS-only CA", -1)
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		return c
	}(), root, nil)
	critical := pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5}, Critical: true, Value: []byte{0x05, 0x00}}
	caCritical := issue(t, func() *x509.Certificate {
		c := ca("CA with an unknown critical extension", -1)
		c.ExtraExtensions = []pkix.Extension{critical}
		return c
	}(), root, nil)
	selfIssued := issue(t, &x509.Certificate{Subject: root0.Cert.Subject, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, MaxPathLen: -1}, root0, nil)

	for _, tc := range []struct {
		name    string
		path    []*x509.Certificate
		purpose Purpose
		want    string // "" passes
	}{
		{"seal, intermediate, root", chain(leafOf(mid, nil), mid, root), Signing, ""},
		{"seal under root pathlen 0", chain(leafOf(root0, nil), root0), Signing, ""},
		{"intermediate under root pathlen 0", chain(leafOf(mid0, nil), mid0, root0), Signing, "pathLenConstraint"},
		{"self-issued intermediate is not counted", chain(leafOf(selfIssued, nil), selfIssued, root0), Signing, ""},
		{"issuer not a CA", chain(underNotCA, notCA, root), Signing, "not a CA"},
		{"CA without keyCertSign", chain(leafOf(caNoCertSign, nil), caNoCertSign, root), Signing, "keyCertSign"},
		{"leaf for key encipherment only", chain(leafOf(mid, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment }), mid, root), Signing, "neither digitalSignature nor nonRepudiation"},
		{"leaf without key usage", chain(leafOf(mid, func(c *x509.Certificate) { c.KeyUsage = 0 }), mid, root), Signing, ""},
		{"leaf nonRepudiation only", chain(leafOf(mid, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageContentCommitment }), mid, root), Signing, ""},
		{"leaf for TLS servers only", chain(leafOf(mid, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }), mid, root), Signing, "serverAuth"},
		{"leaf for time-stamping only", chain(leafOf(mid, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping} }), mid, root), Signing, "timeStamping"},
		{"leaf for clientAuth and emailProtection (eIDAS seals)", chain(leafOf(mid, func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}
		}), mid, root), Signing, ""},
		{"leaf for document signing (RFC 9336)", chain(leafOf(mid, func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{oidDocumentSigning} }), mid, root), Signing, ""},
		{"CA for TLS only", chain(leafOf(caTLS, nil), caTLS, root), Signing, "extended key usage"},
		{"leaf with an unknown critical extension", chain(leafOf(mid, func(c *x509.Certificate) { c.ExtraExtensions = []pkix.Extension{critical} }), mid, root), Signing, "critical extension"},
		{"CA with an unknown critical extension", chain(leafOf(caCritical, nil), caCritical, root), Signing, "critical extension"},
		{"TSA without timeStamping", chain(leafOf(mid, nil), mid, root), TimeStamping, "timeStamping"},
		{"TSA", chain(leafOf(mid, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping} }), mid, root), TimeStamping, ""},
		{"TSA under a TLS-only CA", chain(leafOf(caTLS, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping} }), caTLS, root), TimeStamping, "extended key usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.path, tc.purpose)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Check = %v, want nil", err)
			case tc.want != "" && err == nil:
				t.Fatalf("Check passed, want an error about %s", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("Check = %v, want it to say %s", err, tc.want)
			}
			var ce *Error
			if err != nil && !errors.As(err, &ce) {
				t.Errorf("error %T is not a *certpath.Error", err)
			}
		})
	}
}

func TestLinkSaysTheRealReason(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	root := issue(t, ca("RSA Root", -1), nil, rk)
	sha1Tmpl := ca("SHA-1 Intermediate", -1)
	sha1Tmpl.SignatureAlgorithm = x509.SHA1WithRSA
	sha1Mid := issue(t, sha1Tmpl, root, nil)
	good := issue(t, ca("Good Intermediate", -1), root, nil)
	other := issue(t, ca("RSA Root", -1), nil, nil) // same name, another key
	notCA := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Leaf"}, BasicConstraintsValid: true}, root, nil)
	under := issue(t, seal("Under a leaf"), notCA, nil)

	for _, tc := range []struct {
		name          string
		child, parent *x509.Certificate
		want          string
	}{
		{"good", good.Cert, root.Cert, ""},
		{"SHA-1", sha1Mid.Cert, root.Cert, "SHA1-RSA, an algorithm no longer accepted"},
		{"another key under the same name", good.Cert, other.Cert, "the signature does not verify"},
		{"issuer not a CA", under.Cert, notCA.Cert, "not a CA"},
		{"another name", under.Cert, root.Cert, "names the issuer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Link(tc.child, tc.parent)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Link = %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Link = %v, want it to say %q", err, tc.want)
			}
			if tc.want != "" && tc.want != "the signature does not verify" && strings.Contains(err.Error(), "does not verify") {
				t.Errorf("Link = %v: a %s is not a bad signature", err, tc.name)
			}
		})
	}
}
