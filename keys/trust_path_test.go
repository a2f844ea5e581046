package keys

import (
	"crypto/x509"
	"errors"
	"testing"
)

func TestLookupTrustCertificateMatchesOnlyTheSignedPath(t *testing.T) {
	s, _ := unlockedStore(t)
	caKey := newP256(t)
	ca := issue(t, "QTSP CA", caKey.Public(), nil, caKey, true)
	sealKey := newP256(t)
	seal := issue(t, "Trusted Seal", sealKey.Public(), ca, caKey, false)
	evilKey := newP256(t)
	evil := issue(t, "Evil", evilKey.Public(), nil, evilKey, false)
	evilCAKey := newP256(t)
	evilCA := issue(t, "Evil CA", evilCAKey.Public(), nil, evilCAKey, true)
	evilLeaf := issue(t, "Evil Seal", newP256(t).Public(), evilCA, evilCAKey, false)
	for _, e := range []TrustEntry{
		{Certificate: string(certPEM(ca)), Name: "QTSP", Country: "FR"},
		{Certificate: string(certPEM(seal)), Name: "Seal", Country: "FR"},
	} {
		if _, err := s.AddTrust(e); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		chain []*x509.Certificate
		want  string // entry name, "" for not found
	}{
		{"leaf and its CA", []*x509.Certificate{seal, ca}, "Seal"},
		{"trusted CA appended to a self-signed leaf", []*x509.Certificate{evil, ca}, ""},
		{"trusted seal appended to a self-signed leaf", []*x509.Certificate{evil, seal, ca}, ""},
		{"trusted CA appended above an untrusted CA", []*x509.Certificate{evilLeaf, evilCA, ca}, ""},
		{"trusted seal after the path", []*x509.Certificate{evilLeaf, evilCA, seal}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := s.LookupTrustCertificate(c.chain...)
			switch {
			case c.want == "" && !errors.Is(err, ErrNotFound):
				t.Fatalf("lookup = %+v, %v; want ErrNotFound", e, err)
			case c.want != "" && (err != nil || e.Name != c.want):
				t.Fatalf("lookup = %+v, %v; want %s", e, err, c.want)
			}
		})
	}
}
