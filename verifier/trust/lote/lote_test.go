package lote

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/cert"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

type tc struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial int64

func newCert(t testing.TB, cn string, parent *tc, ca bool) *tc {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature, IsCA: ca, BasicConstraintsValid: true}
	if ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	issuer, signer := tmpl, crypto.Signer(k)
	if parent != nil {
		issuer, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &k.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &tc{cert: c, key: k}
}

func b64(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }

// example returns the reference example list with its service certificate
// replaced by c (when not nil).
func example(t *testing.T, c *x509.Certificate) []byte {
	data := reftest.Read(t, "trust", "other", "lote-pid-providers-example.CONSTRUCTED.json")
	if c == nil {
		return data
	}
	ref, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	old := b64(ref.Entities[0].Services[0].Certificates[0])
	return bytes.ReplaceAll(data, []byte(old), []byte(b64(c)))
}

func signList(t *testing.T, payload []byte, signer *tc, x5c []*x509.Certificate, thumb string, alg jwa.SignatureAlgorithm) []byte {
	t.Helper()
	h := jws.NewHeaders()
	if len(x5c) > 0 {
		var ch cert.Chain
		for _, c := range x5c {
			if err := ch.AddString(b64(c)); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.Set(jws.X509CertChainKey, &ch); err != nil {
			t.Fatal(err)
		}
	}
	if thumb != "" {
		_ = h.Set(jws.X509CertThumbprintS256Key, thumb)
	}
	var key any = signer.key
	if alg == jwa.HS256 {
		key = []byte("0123456789abcdef0123456789abcdef")
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func thumbOf(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(s[:])
}

func now() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }

func TestParseReferenceExample(t *testing.T) {
	l, err := Parse(example(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "EU:PID Providers List (example)" || l.Territory != "EU" || l.Sequence != 1 || len(l.Entities) != 1 {
		t.Fatalf("list %+v", l)
	}
	e := l.Entities[0]
	if e.Name != "Example PID Provider" || e.Country != "SE" || len(e.Services) != 2 || e.Services[0].Certificates[0].Subject.CommonName != "Sunet Root CA" {
		t.Fatalf("entity %+v", e)
	}
	if e.Services[0].Type != "http://uri.etsi.org/19602/SvcType/PID/Issuance" {
		t.Errorf("service type %q", e.Services[0].Type)
	}
}

func TestImportSignedList(t *testing.T) {
	pin := newCert(t, "LoTE signer", nil, false)
	opCA := newCert(t, "Operator CA", nil, true)
	chained := newCert(t, "LoTE signer under CA", opCA, false)
	stranger := newCert(t, "stranger", nil, false)
	payload := example(t, nil)
	cases := []struct {
		name   string
		data   []byte
		pinned []*x509.Certificate
		err    error
	}{
		{"x5c of the pinned certificate", signList(t, payload, pin, []*x509.Certificate{pin.cert}, "", jwa.ES256), []*x509.Certificate{pin.cert}, nil},
		{"x5t#S256 only", signList(t, payload, pin, nil, thumbOf(pin.cert), jwa.ES256), []*x509.Certificate{pin.cert}, nil},
		{"signer chains to the pinned CA", signList(t, payload, chained, []*x509.Certificate{chained.cert}, "", jwa.ES256), []*x509.Certificate{opCA.cert}, nil},
		{"wrong pinned certificate", signList(t, payload, pin, []*x509.Certificate{pin.cert}, "", jwa.ES256), []*x509.Certificate{stranger.cert}, trust.ErrSignature},
		{"x5c names another key than the signer's", signList(t, payload, stranger, []*x509.Certificate{pin.cert}, "", jwa.ES256), []*x509.Certificate{pin.cert}, trust.ErrSignature},
		{"x5t#S256 does not match x5c", signList(t, payload, pin, []*x509.Certificate{pin.cert}, thumbOf(stranger.cert), jwa.ES256), []*x509.Certificate{pin.cert}, trust.ErrSignature},
		{"HMAC refused", signList(t, payload, pin, []*x509.Certificate{pin.cert}, "", jwa.HS256), []*x509.Certificate{pin.cert}, trust.ErrSignature},
		{"nothing pinned", signList(t, payload, pin, []*x509.Certificate{pin.cert}, "", jwa.ES256), nil, trust.ErrNotPinned},
		{"plain list not allowed", payload, []*x509.Certificate{pin.cert}, trust.ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, signer, err := Import(c.data, ImportOptions{Pinned: c.pinned, Now: now})
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if signer == nil || len(l.Entities) != 1 {
				t.Fatalf("signer %v entities %d", signer, len(l.Entities))
			}
		})
	}
	t.Run("tampered payload", func(t *testing.T) {
		signed := signList(t, payload, pin, []*x509.Certificate{pin.cert}, "", jwa.ES256)
		parts := strings.Split(string(signed), ".")
		p, _ := base64.RawURLEncoding.DecodeString(parts[1])
		p = bytes.Replace(p, []byte("Example PID Provider"), []byte("Evil PID Provider!!!"), 1)
		parts[1] = base64.RawURLEncoding.EncodeToString(p)
		_, _, err := Import([]byte(strings.Join(parts, ".")), ImportOptions{Pinned: []*x509.Certificate{pin.cert}, Now: now})
		if !errors.Is(err, trust.ErrSignature) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("past NextUpdate", func(t *testing.T) {
		_, _, err := Import(payload, ImportOptions{AllowUnsigned: true, Now: func() time.Time { return time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC) }})
		if !errors.Is(err, trust.ErrExpired) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSourceDirectAndCATrust(t *testing.T) {
	ca := newCert(t, "PID CA", nil, true)
	leaf := newCert(t, "PID issuer", ca, false)
	other := newCert(t, "other", nil, false)
	l, _, err := Import(example(t, ca.cert), ImportOptions{AllowUnsigned: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource([]*List{l}, Options{Now: now})
	cases := []struct {
		name    string
		q       verifier.TrustQuery
		trusted bool
		level   string
	}{
		{"issued by the listed CA", verifier.TrustQuery{Chain: []*x509.Certificate{leaf.cert}}, true, "ca"},
		{"the listed certificate itself", verifier.TrustQuery{Chain: []*x509.Certificate{ca.cert}}, true, "direct"},
		{"the listed key without a chain", verifier.TrustQuery{Key: &ca.key.PublicKey}, true, "direct"},
		{"an unlisted certificate", verifier.TrustQuery{Chain: []*x509.Certificate{other.cert}}, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := src.Trust(context.Background(), c.q)
			if a.Trusted != c.trusted || a.Level != c.level {
				t.Fatalf("answer %+v", a)
			}
			if c.trusted && (a.Entity != "Example PID Provider" || a.Country != "SE" || a.Source != "lote:EU:PID Providers List (example)") {
				t.Errorf("answer %+v", a)
			}
		})
	}
}

func TestParseRefusesMalformedLists(t *testing.T) {
	cases := map[string]string{
		"no LoTE":          `{}`,
		"no sequence":      `{"LoTE":{"ListAndSchemeInformation":{}}}`,
		"bad date":         `{"LoTE":{"ListAndSchemeInformation":{"LoTESequenceNumber":1,"NextUpdate":"tomorrow"}}}`,
		"bad certificate":  `{"LoTE":{"ListAndSchemeInformation":{"LoTESequenceNumber":1},"TrustedEntitiesList":[{"TrustedEntityInformation":{"TEName":[{"lang":"en","value":"x"}]},"TrustedEntityServices":[{"ServiceInformation":{"ServiceDigitalIdentity":{"X509Certificates":[{"val":"AAAA"}]}}}]}]}}`,
		"duplicate member": `{"LoTE":{},"LoTE":{}}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(in)); !errors.Is(err, trust.ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
