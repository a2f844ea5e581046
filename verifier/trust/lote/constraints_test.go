package lote

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/diplomat-edu/diplomat/internal/testcert"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// edited issues a certificate like newCert's, changed by edit.
func edited(t *testing.T, cn string, parent *tc, ca bool, edit func(*x509.Certificate)) *tc {
	t.Helper()
	var p *testcert.Cert
	if parent != nil {
		p = &testcert.Cert{Cert: parent.cert, Key: parent.key}
	}
	c := testcert.Issue(t, testcert.Like(newCert(t, cn, parent, ca).cert, edit), p, nil)
	return &tc{cert: c.Cert, key: c.Key.(*ecdsa.PrivateKey)}
}

// TestLoTEPathsKeepTheirX509Constraints: the list's signer and the paths a
// listed CA vouches for keep the X.509 constraints.
func TestLoTEPathsKeepTheirX509Constraints(t *testing.T) {
	// The list signer chains to the pinned CA but is a TLS server
	// certificate: not one to sign a list with.
	opCA := newCert(t, "Operator CA", nil, true)
	tls := edited(t, "LoTE signer for TLS", opCA, false, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })
	_, _, err := Import(signList(t, example(t, nil), tls, []*x509.Certificate{tls.cert}, "", jwa.ES256), ImportOptions{Pinned: []*x509.Certificate{opCA.cert}, Now: now})
	if !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "serverAuth") {
		t.Errorf("a list signed by a TLS certificate: err = %v", err)
	}

	// A listed CA of path length 0 vouches for what it issues directly,
	// not for what an intermediate below it issues.
	ca0 := edited(t, "PID CA pathlen 0", nil, true, func(c *x509.Certificate) { c.MaxPathLen, c.MaxPathLenZero = 0, true })
	l, _, err := Import(example(t, ca0.cert), ImportOptions{AllowUnsigned: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource([]*List{l}, Options{Now: now})
	direct := newCert(t, "PID issuer", ca0, false)
	mid := newCert(t, "Intermediate", ca0, true)
	below := newCert(t, "PID issuer below", mid, false)
	for _, c := range []struct {
		name    string
		chain   []*x509.Certificate
		trusted bool
		reason  string
	}{
		{"issued by the listed CA", []*x509.Certificate{direct.cert}, true, ""},
		{"below an intermediate", []*x509.Certificate{below.cert, mid.cert}, false, "pathLenConstraint"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, _ := src.Trust(context.Background(), verifier.TrustQuery{Chain: c.chain})
			if a.Trusted != c.trusted || !strings.Contains(a.Reason, c.reason) {
				t.Fatalf("answer %+v", a)
			}
		})
	}
}
