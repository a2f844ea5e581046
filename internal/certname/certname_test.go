package certname

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
)

// parsed returns the subject of a real certificate made with sub, as a
// parser reads it back (Names filled, ExtraNames empty).
func parsed(t *testing.T, sub pkix.Name) pkix.Name {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: sub, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c.Subject
}

func TestStringSpellsOutOrganizationIdentifier(t *testing.T) {
	n := parsed(t, pkix.Name{CommonName: "Exemple diplomas", Organization: []string{"Université Exemple"}, Country: []string{"FR"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: OIDOrganizationIdentifier, Value: "VATFR-12345678901"}}})
	if raw := n.String(); !strings.Contains(raw, "2.5.4.97=#") {
		t.Fatalf("the standard library now names the attribute (%s): this package may be simpler", raw)
	}
	got := String(n)
	if !strings.Contains(got, "organizationIdentifier=VATFR-12345678901") || strings.Contains(got, "2.5.4.97") || !strings.Contains(got, "CN=Exemple diplomas") {
		t.Errorf("String = %q", got)
	}
	if got := Organisation(n); got != "Université Exemple (FR, VATFR-12345678901)" {
		t.Errorf("Organisation = %q", got)
	}
	if got := Organisation(parsed(t, pkix.Name{CommonName: "Seal"})); got != "Seal" {
		t.Errorf("Organisation without O = %q", got)
	}
	plain := parsed(t, pkix.Name{CommonName: "x", Country: []string{"BE"}})
	if String(plain) != plain.String() {
		t.Errorf("String of a plain name = %q, want %q", String(plain), plain.String())
	}
}
