package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// issue makes a certificate for pub signed by parent/parentKey (self-signed
// when parent is nil).
func issue(t testing.TB, subject string, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer, ca bool, exts ...pkix.Extension) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: subject, Organization: []string{"Example"}, Country: []string{"FR"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		IsCA:                  ca,
		ExtraExtensions:       exts,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func certPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func TestImportPKCS12WithChain(t *testing.T) {
	s, _ := unlockedStore(t)
	caKey := newP256(t)
	ca := issue(t, "Example QTSP CA", caKey.Public(), nil, caKey, true)
	leafKey := newRSA(t, 2048)
	leaf := issue(t, "Université Exemple seal", leafKey.Public(), ca, caKey, false)
	p12, err := pkcs12.Modern.Encode(leafKey, leaf, []*x509.Certificate{ca}, "p12-secret")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ImportPKCS12("seal", p12, "not the password")
	if !errors.Is(err, ErrWrongPKCS12Password) || !strings.Contains(err.Error(), "password") {
		t.Fatalf("wrong PKCS#12 password = %v, want ErrWrongPKCS12Password", err)
	}
	if _, err := s.Key("seal"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a key was stored after a wrong password: %v", err)
	}
	k, err := s.ImportPKCS12("seal", p12, "p12-secret")
	if err != nil {
		t.Fatal(err)
	}
	if k.Type != RSA || k.Test || !k.Imported {
		t.Fatalf("imported seal %+v", k)
	}
	chain, err := s.Chain("seal")
	if err != nil || len(chain) != 2 || !chain[0].Equal(leaf) || !chain[1].Equal(ca) {
		t.Fatalf("Chain = %v, %v; want leaf then CA", chain, err)
	}
	sg, err := s.Signer("seal")
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.CheckSignature(x509.SHA256WithRSA, []byte("x"), mustSign(t, sg, []byte("x"))); err != nil {
		t.Fatalf("eSeal signer does not sign for its certificate: %v", err)
	}
	// eSeals are not DID keys.
	set, _ := s.JWKS("")
	if len(set.Keys) != 0 {
		t.Fatalf("JWKS lists the eSeal: %+v", set.Keys)
	}
}

func mustSign(t *testing.T, sg crypto.Signer, msg []byte) []byte {
	t.Helper()
	h := crypto.SHA256.New()
	h.Write(msg)
	sig, err := sg.Sign(rand.Reader, h.Sum(nil), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestImportPEMRefusesAKeyThatDoesNotMatchTheCertificate(t *testing.T) {
	s, _ := unlockedStore(t)
	key, other := newP256(t), newP256(t)
	cert := issue(t, "seal", key.Public(), nil, key, false)
	_, err := s.ImportPEM("seal", certPEM(cert), pemPKCS8(t, other))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "does not match the leaf certificate") {
		t.Fatalf("mismatched PEM key = %v, want ErrInvalid saying it does not match", err)
	}
	if ks, _ := s.Keys(); len(ks) != 0 {
		t.Fatalf("something was stored: %+v", ks)
	}
	small := newRSA(t, 1024)
	_, err = s.ImportPEM("small", certPEM(issue(t, "small", small.Public(), nil, small, false)), pemPKCS8(t, small))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "2048") {
		t.Fatalf("RSA-1024 seal = %v, want ErrInvalid naming 2048", err)
	}
	k, err := s.ImportPEM("seal", certPEM(cert), pemPKCS8(t, key))
	if err != nil || k.Type != P256 || len(k.Chain) != 1 {
		t.Fatalf("matching PEM import = %+v, %v", k, err)
	}
}

func TestCSRCarriesTheOrganizationIdentifier(t *testing.T) {
	s, _ := unlockedStore(t)
	if _, err := s.Create("seal", P256, Assertion); err != nil {
		t.Fatal(err)
	}
	sub := SealSubject{CommonName: "Université Exemple diplomas", Organization: "Université Exemple", OrganizationIdentifier: "VATFR-12345678901", Country: "FR"}
	out, err := s.CSR("seal", sub)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(out)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("CSR is not PEM: %q", out)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("CSR signature: %v", err)
	}
	var orgID string
	for _, a := range csr.Subject.Names {
		if a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 97}) {
			orgID, _ = a.Value.(string)
		}
	}
	if orgID != "VATFR-12345678901" || csr.Subject.CommonName != sub.CommonName ||
		!slices.Equal(csr.Subject.Organization, []string{"Université Exemple"}) || !slices.Equal(csr.Subject.Country, []string{"FR"}) {
		t.Fatalf("CSR subject %v (organizationIdentifier %q)", csr.Subject, orgID)
	}
	k, _ := s.Key("seal")
	if !k.Public.(interface{ Equal(crypto.PublicKey) bool }).Equal(csr.PublicKey) {
		t.Fatal("CSR is not for the key")
	}
	if !k.AwaitingCertificate {
		t.Fatal("after its CSR the key is not awaiting its certificate")
	}
	for _, bad := range []SealSubject{
		{CommonName: "x", Organization: "x", OrganizationIdentifier: "12345678901", Country: "FR"},
		{CommonName: "x", Organization: "x", OrganizationIdentifier: "VATFR-1", Country: "ZZ"},
		{CommonName: "x", Organization: "", OrganizationIdentifier: "VATFR-1", Country: "FR"},
	} {
		if _, err := s.CSR("seal", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CSR(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	// The TSP's certificate is then attached to the key.
	caKey := newP256(t)
	ca := issue(t, "QTSP CA", caKey.Public(), nil, caKey, true)
	leaf := issue(t, sub.CommonName, csr.PublicKey, ca, caKey, false)
	if _, err := s.AttachChain("seal", certPEM(ca)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("attaching a certificate for another key = %v, want ErrInvalid", err)
	}
	k, err = s.AttachChain("seal", certPEM(leaf, ca))
	if err != nil || len(k.Chain) != 2 || !k.Chain[0].Equal(leaf) {
		t.Fatalf("AttachChain = %+v, %v", k, err)
	}
	if k, _ := s.Key("seal"); k.AwaitingCertificate {
		t.Fatal("with its certificate attached the key is still awaiting one")
	}
}

func TestTestSealIsMarkedEverywhere(t *testing.T) {
	s, _ := unlockedStore(t)
	k, err := s.CreateTestSeal("demo", TestSealOptions{Subject: SealSubject{Organization: "Université Exemple", Country: "FR", OrganizationIdentifier: "VATFR-12345678901"}})
	if err != nil {
		t.Fatal(err)
	}
	if !k.Test || len(k.Chain) != 1 {
		t.Fatalf("test seal %+v", k)
	}
	info := Describe(k.Chain[0])
	if !info.Test || !info.SelfSigned || info.QC != nil || !strings.Contains(info.Subject, "(TEST)") || !strings.Contains(info.Subject, TestSealMarker) {
		t.Fatalf("Describe(test seal) = %+v", info)
	}
	if info.OrganizationIdentifier != "VATFR-12345678901" || info.KeyType != "ECDSA P-256" {
		t.Fatalf("Describe(test seal) = %+v", info)
	}
	k2, _ := s.Key("demo")
	if !k2.Test {
		t.Fatal("the test flag is not stored")
	}
	if _, err := s.Signer("demo"); err != nil {
		t.Fatal(err)
	}
}

func qcExtension(t *testing.T) pkix.Extension {
	t.Helper()
	type stmt struct {
		ID   asn1.ObjectIdentifier
		Info asn1.RawValue `asn1:"optional"`
	}
	raw := func(v any) asn1.RawValue {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	type pds struct {
		URL  string `asn1:"ia5"`
		Lang string `asn1:"printable"`
	}
	type sem struct{ ID asn1.ObjectIdentifier }
	val, err := asn1.Marshal([]stmt{
		{ID: oidQcCompliance},
		{ID: oidQcSSCD},
		{ID: oidQcType, Info: raw([]asn1.ObjectIdentifier{{0, 4, 0, 1862, 1, 6, 2}})},
		{ID: oidQcRetentionPeriod, Info: raw(15)},
		{ID: oidQcPDS, Info: raw([]pds{{"https://tsp.example/pds_en.pdf", "en"}})},
		{ID: oidPKIXQCSyntaxV2, Info: raw(sem{asn1.ObjectIdentifier{0, 4, 0, 194121, 1, 2}})},
		{ID: asn1.ObjectIdentifier{0, 4, 0, 19495, 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidQCStatements, Value: val}
}

func TestDescribeReadsQCStatements(t *testing.T) {
	key := newP256(t)
	cert := issue(t, "Qualified seal", key.Public(), nil, key, false, qcExtension(t))
	info := Describe(cert)
	want := QCStatements{Compliance: true, SSCD: true, Types: []string{"eseal"}, RetentionYears: 15,
		PDS: []PDSLocation{{"https://tsp.example/pds_en.pdf", "en"}}, Semantics: []string{"0.4.0.194121.1.2"}, Other: []string{"0.4.0.19495.2"}}
	if info.QC == nil || info.QC.Compliance != want.Compliance || !info.QC.SSCD || !slices.Equal(info.QC.Types, want.Types) ||
		info.QC.RetentionYears != 15 || !slices.Equal(info.QC.PDS, want.PDS) || !slices.Equal(info.QC.Semantics, want.Semantics) ||
		!slices.Equal(info.QC.Other, want.Other) || len(info.Warnings) != 0 {
		t.Fatalf("QC = %+v, warnings %v; want %+v", info.QC, info.Warnings, want)
	}
	if info.Test || !slices.Equal(info.KeyUsage, []string{"digitalSignature", "contentCommitment"}) {
		t.Fatalf("Describe = %+v", info)
	}
	broken := issue(t, "broken", key.Public(), nil, key, false, pkix.Extension{Id: oidQCStatements, Value: []byte{0x30, 0x03, 0x06, 0x01}})
	if info := Describe(broken); len(info.Warnings) == 0 {
		t.Fatal("a malformed qcStatements extension gave no warning")
	}
}
