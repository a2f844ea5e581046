package etsi

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/testcert"
	"github.com/diplomat-edu/diplomat/verifier"
)

// listedWorld is a national list whose one CA/QC service has ca's
// certificate.
func listedWorld(t *testing.T, ca *testCert) *List {
	t.Helper()
	signer := newTestCA(t, "TL signer", nil)
	xml := buildTL(tlSpec{territory: "SE", seq: 7, issued: mustTime("2025-01-01T00:00:00Z"), next: mustTime("2035-01-01T00:00:00Z"), tsp: "Example TSP AB",
		services: []svcSpec{{name: "Example qualified seal CA", cert: ca.cert, status: "granted", since: mustTime("2019-01-01T00:00:00Z"), info: []string{"https://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals/"}}}})
	l, _, err := Import(signTL(t, xml, signer, true), ImportOptions{Pinned: []*x509.Certificate{signer.cert}, Now: at("2025-05-01T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestListedCAAnchorsOnlyPathsThatKeepItsConstraints: a listed CA vouches
// for a seal only through a path that keeps the X.509 constraints up to it,
// its own path length among them.
func TestListedCAAnchorsOnlyPathsThatKeepItsConstraints(t *testing.T) {
	qualified := &qcOpts{compliance: true, sscd: true, qcType: "eseal"}
	root := testcert.Issue(t, testcert.CA("Qualified Seal CA pathlen 0", 0), nil, nil)
	listedCA := &testCert{cert: root.Cert, key: root.Key.(*ecdsa.PrivateKey)}
	list := listedWorld(t, listedCA)
	src := NewSource([]*List{list}, Options{Now: at("2025-05-01T00:00:00Z")})
	ask := func(chain ...*testCert) *verifier.TrustAnswer {
		t.Helper()
		q := verifier.TrustQuery{IssuedAt: mustTime("2024-06-01T00:00:00Z")}
		for _, c := range chain {
			q.Chain = append(q.Chain, c.cert)
		}
		a, err := src.Trust(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	direct := newTestCert(t, "Seal", listedCA, false, qualified)
	if a := ask(direct); !a.Trusted {
		t.Fatalf("a seal issued by the listed CA is not trusted: %s", a.Reason)
	}
	mid := newTestCA(t, "Intermediate", listedCA)
	below := newTestCert(t, "Seal below an intermediate", mid, false, qualified)
	a := ask(below, mid)
	if a.Trusted || !strings.Contains(a.Reason, "pathLenConstraint") {
		t.Errorf("a seal below an intermediate of a pathlen-0 CA: trusted %v, reason %q", a.Trusted, a.Reason)
	}
	tlsTmpl := testcert.Seal("TLS server")
	tlsTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tlsTmpl.ExtraExtensions = []pkix.Extension{qcExtension(t, *qualified)}
	tls := testcert.Issue(t, tlsTmpl, &testcert.Cert{Cert: listedCA.cert, Key: listedCA.key}, nil)
	if a := ask(&testCert{cert: tls.Cert}); a.Trusted || !strings.Contains(a.Reason, "serverAuth") {
		t.Errorf("a TLS certificate of the listed CA: trusted %v, reason %q", a.Trusted, a.Reason)
	}
}
