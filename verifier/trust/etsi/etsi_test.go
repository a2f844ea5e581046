package etsi

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// signerOfFile returns the certificate in a reference list's KeyInfo: the one
// a test pins to accept that list.
func signerOfFile(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	root, err := readXML(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := keyInfoCert(findSig(root))
	if c == nil {
		t.Fatal("no KeyInfo certificate")
	}
	return c
}

func TestImportReferenceLists(t *testing.T) {
	cases := []struct {
		file      string
		now       string
		territory string
		seq       int64
		services  int
		xades     bool
	}{
		{"SE-TL.xml", "2025-05-01T00:00:00Z", "SE", 55, 12, true},
		{"test-trust-list-with-sig.xml", "2025-08-01T00:00:00Z", "", 0, 1, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := reftest.Read(t, "trust", "etsi", c.file)
			signer := signerOfFile(t, data)
			// A list without XAdES imports only when plain XML-DSig is
			// accepted explicitly (see TestReferenceListWithoutXAdESNeedsTheOption).
			l, sig, err := Import(data, ImportOptions{Pinned: []*x509.Certificate{signer}, Now: at(c.now), AcceptPlainXMLDSig: !c.xades})
			if err != nil {
				t.Fatal(err)
			}
			if l.Territory != c.territory || l.SequenceNumber != c.seq || l.Services() != c.services {
				t.Errorf("territory %q seq %d services %d, want %q %d %d", l.Territory, l.SequenceNumber, l.Services(), c.territory, c.seq, c.services)
			}
			if sig.SignedProperties != c.xades || !sig.Signer.Equal(signer) {
				t.Errorf("SignedProperties %v (want %v), signer %v", sig.SignedProperties, c.xades, sig.Signer.Subject)
			}
		})
	}
}

func TestSETLContent(t *testing.T) {
	l, err := Parse(reftest.Read(t, "trust", "etsi", "SE-TL.xml"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !l.IssueDate.Equal(mustTime("2025-04-10T11:16:01Z")) || !l.NextUpdate.Equal(mustTime("2025-10-10T11:16:01Z")) {
		t.Errorf("dates %v %v", l.IssueDate, l.NextUpdate)
	}
	svc := l.Providers[0].Services[0]
	if l.Providers[0].Name != "SignGuard Europe AB" || svc.Type != ServiceCAQC || len(svc.States) != 3 {
		t.Fatalf("first service %q %q with %d states", l.Providers[0].Name, svc.Type, len(svc.States))
	}
	// The status history, newest first: withdrawn 2017, granted 2016, under supervision 2008.
	if got := svc.StateAt(mustTime("2017-06-01T00:00:00Z")); StatusName(got.Status) != "withdrawn" {
		t.Errorf("2017 status %q", got.Status)
	}
	if got := svc.StateAt(mustTime("2016-12-01T00:00:00Z")); StatusName(got.Status) != "granted" || !strings.HasSuffix(got.AdditionalInfo[0], "ForeSignatures") {
		t.Errorf("2016 state %+v", got)
	}
	if got := svc.StateAt(mustTime("2010-01-01T00:00:00Z")); StatusName(got.Status) != "undersupervision" || trust.LastSegment(got.Qualifications[0].Qualifiers[0]) != "QCNoSSCD" {
		t.Errorf("2010 state %+v", got)
	}
	if svc.StateAt(mustTime("2000-01-01T00:00:00Z")) != nil {
		t.Error("a state before the first status")
	}
}

func TestImportRefusesTamperedList(t *testing.T) {
	data := reftest.Read(t, "trust", "etsi", "SE-TL.xml")
	signer := signerOfFile(t, data)
	cases := []struct {
		name, old, new string
	}{
		{"service name", "SignGuard Europe AB - qualified certificate service", "SignGuard Europe AB - qualified certificate servicf"},
		{"status", "Svcstatus/withdrawn</ServiceStatus>", "Svcstatus/granted</ServiceStatus>"},
		{"signed properties", "<xades:SigningTime>2025-04-10T11:45:50Z", "<xades:SigningTime>2025-04-10T11:45:51Z"},
		{"signing certificate digest", "GVaJstV8gsnPGLQJtJYyX", "GVaJstV8gsnPGLQJtJYyY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Contains(data, []byte(c.old)) {
				t.Fatalf("fixture lacks %q", c.old)
			}
			bad := bytes.Replace(data, []byte(c.old), []byte(c.new), 1)
			_, _, err := Import(bad, ImportOptions{Pinned: []*x509.Certificate{signer}, Now: at("2025-05-01T00:00:00Z")})
			if !errors.Is(err, trust.ErrSignature) {
				t.Fatalf("err = %v, want ErrSignature", err)
			}
		})
	}
}

func TestImportRefusesWrongPinnedCertificate(t *testing.T) {
	other := newTestCA(t, "Not PTS", nil)
	for _, f := range []string{"SE-TL.xml", "test-trust-list-with-sig.xml"} {
		t.Run(f, func(t *testing.T) {
			data := reftest.Read(t, "trust", "etsi", f)
			_, _, err := Import(data, ImportOptions{Pinned: []*x509.Certificate{other.cert}, Now: at("2025-08-01T00:00:00Z")})
			if !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "not pinned") {
				t.Fatalf("err = %v", err)
			}
			_, _, err = Import(data, ImportOptions{Now: at("2025-08-01T00:00:00Z")})
			if !errors.Is(err, trust.ErrNotPinned) {
				t.Fatalf("no pin: err = %v", err)
			}
		})
	}
}

func TestImportRefusesUnsignedList(t *testing.T) {
	data := reftest.Read(t, "trust", "etsi", "EWC-TL.xml")
	_, _, err := Import(data, ImportOptions{Pinned: []*x509.Certificate{newTestCA(t, "x", nil).cert}, Now: at("2025-06-01T00:00:00Z")})
	if !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "no ds:Signature") {
		t.Fatalf("err = %v", err)
	}
	// Parsed without its signature, its https status URIs with a trailing
	// slash read as the http ones.
	l, err := Parse(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	if l.Territory != "TT" || l.Type != "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric" {
		t.Errorf("territory %q type %q", l.Territory, l.Type)
	}
	st := l.Providers[0].Services[0].States[0]
	if st.Status != statusGranted {
		t.Errorf("status %q, want %q", st.Status, statusGranted)
	}
	if len(l.Warnings) == 0 {
		t.Error("want warnings for SKIs that are not key identifiers")
	}
}

func TestImportRefusesListPastNextUpdate(t *testing.T) {
	data := reftest.Read(t, "trust", "etsi", "SE-TL.xml")
	pin := []*x509.Certificate{signerOfFile(t, data)}
	_, _, err := Import(data, ImportOptions{Pinned: pin, Now: at("2025-11-01T00:00:00Z")})
	if !errors.Is(err, trust.ErrExpired) {
		t.Fatalf("err = %v, want ErrExpired", err)
	}
	if _, _, err := Import(data, ImportOptions{Pinned: pin, Now: at("2025-11-01T00:00:00Z"), Grace: 30 * 24 * time.Hour}); err != nil {
		t.Fatalf("with a grace period: %v", err)
	}
}

func TestParsePointersOfLOTLExcerpt(t *testing.T) {
	ps, err := ParsePointers(reftest.Read(t, "trust", "etsi", "eu-lotl-excerpt-CY-pointer.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Territory != "CY" || len(ps[0].Certificates) != 2 || ps[0].MimeType != "application/vnd.etsi.tsl+xml" || ps[0].Operator != "Department of Electronic Communications" {
		t.Fatalf("pointers %+v", ps)
	}
}

// lotlFor builds and signs a LOTL pointing to the given territories.
func lotlFor(t *testing.T, signer *testCert, ptrs ...ptrSpec) *List {
	t.Helper()
	xml := buildTL(tlSpec{territory: "EU", typ: TypeLOTL, seq: 300, issued: mustTime("2025-01-01T00:00:00Z"), next: mustTime("2035-01-01T00:00:00Z"), pointers: ptrs})
	l, _, err := Import(signTL(t, xml, signer, true), ImportOptions{Pinned: []*x509.Certificate{signer.cert}, Now: at("2025-05-01T00:00:00Z")})
	if err != nil {
		t.Fatalf("LOTL: %v", err)
	}
	if !l.IsLOTL() || len(l.Pointers) != len(ptrs) {
		t.Fatalf("LOTL read as %+v", l)
	}
	return l
}

func TestNationalListCheckedAgainstLOTLPointer(t *testing.T) {
	data := reftest.Read(t, "trust", "etsi", "SE-TL.xml")
	pts := signerOfFile(t, data)
	lotlSigner := newTestCA(t, "EU LOTL signer", nil)
	stranger := newTestCA(t, "stranger", nil)
	now := at("2025-05-01T00:00:00Z")

	t.Run("pointer certificate matches", func(t *testing.T) {
		lotl := lotlFor(t, lotlSigner, ptrSpec{"CY", []*x509.Certificate{stranger.cert}}, ptrSpec{"SE", []*x509.Certificate{stranger.cert, pts}})
		l, _, err := Import(data, ImportOptions{LOTL: lotl, Now: now})
		if err != nil || l.Territory != "SE" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("pointer certificate does not match", func(t *testing.T) {
		lotl := lotlFor(t, lotlSigner, ptrSpec{"SE", []*x509.Certificate{stranger.cert}})
		_, _, err := Import(data, ImportOptions{LOTL: lotl, Now: now, Pinned: []*x509.Certificate{pts}})
		if !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "LOTL's pointer") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no pointer for the territory", func(t *testing.T) {
		lotl := lotlFor(t, lotlSigner, ptrSpec{"CY", []*x509.Certificate{pts}})
		_, _, err := Import(data, ImportOptions{LOTL: lotl, Now: now})
		if !errors.Is(err, trust.ErrNotPinned) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("LOTL signed by another certificate than the pinned one", func(t *testing.T) {
		xml := buildTL(tlSpec{territory: "EU", typ: TypeLOTL, seq: 1, issued: mustTime("2025-01-01T00:00:00Z"), next: mustTime("2035-01-01T00:00:00Z")})
		_, _, err := Import(signTL(t, xml, stranger, true), ImportOptions{Pinned: []*x509.Certificate{lotlSigner.cert}, Now: now})
		if !errors.Is(err, trust.ErrSignature) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestImportECDSASignedListTampered(t *testing.T) {
	signer := newTestCA(t, "TL signer", nil)
	ca := newTestCA(t, "QCA", nil)
	xml := buildTL(tlSpec{territory: "SE", seq: 3, issued: mustTime("2025-01-01T00:00:00Z"), next: mustTime("2035-01-01T00:00:00Z"), tsp: "TSP", services: []svcSpec{{name: "QCA", cert: ca.cert, status: "granted", since: mustTime("2020-01-01T00:00:00Z")}}})
	signed := signTL(t, xml, signer, true)
	opts := ImportOptions{Pinned: []*x509.Certificate{signer.cert}, Now: at("2025-05-01T00:00:00Z")}
	l, sig, err := Import(signed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !sig.SignedProperties || !sig.SigningTime.Equal(mustTime("2025-01-02T03:04:05Z")) || l.Providers[0].Services[0].States[0].Status != statusGranted {
		t.Errorf("sig %+v, list %+v", sig, l)
	}
	tampered := bytes.Replace(signed, []byte("<TSLSequenceNumber>3<"), []byte("<TSLSequenceNumber>4<"), 1)
	if _, _, err := Import(tampered, opts); !errors.Is(err, trust.ErrSignature) {
		t.Fatalf("tampered: err = %v", err)
	}
	// A second signature smuggled into a service extension is refused.
	twice := bytes.Replace(signed, []byte("</TSPService>"), []byte(`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></TSPService>`), 1)
	if _, _, err := Import(twice, opts); !errors.Is(err, trust.ErrSignature) {
		t.Fatalf("two signatures: err = %v", err)
	}
}

func TestImportRefusesHostileXML(t *testing.T) {
	deep := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	cases := map[string]string{
		"doctype":    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"/>`,
		"deep":       deep,
		"wrong root": `<List xmlns="urn:x"/>`,
		"not xml":    `{"json": true}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(in), 0); !errors.Is(err, trust.ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := Parse(make([]byte, 100), 10); !errors.Is(err, trust.ErrMalformed) {
		t.Fatalf("oversized: err = %v", err)
	}
}

// sealWorld is a national list with one CA/QC service and seals under it.
type sealWorld struct {
	ca   *testCert
	list *List
}

func newSealWorld(t *testing.T, status string, since time.Time, history []histSpec) *sealWorld {
	t.Helper()
	signer := newTestCA(t, "TL signer", nil)
	ca := newTestCA(t, "Qualified Seal CA", nil)
	xml := buildTL(tlSpec{territory: "SE", seq: 7, issued: mustTime("2025-01-01T00:00:00Z"), next: mustTime("2035-01-01T00:00:00Z"), tsp: "Example TSP AB",
		services: []svcSpec{{name: "Example qualified seal CA", cert: ca.cert, status: status, since: since, info: []string{"https://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals/"}, history: history}}})
	l, _, err := Import(signTL(t, xml, signer, true), ImportOptions{Pinned: []*x509.Certificate{signer.cert}, Now: at("2025-05-01T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	return &sealWorld{ca: ca, list: l}
}

func TestClassifySeal(t *testing.T) {
	granted := newSealWorld(t, "granted", mustTime("2019-01-01T00:00:00Z"), nil)
	withdrawnBefore := newSealWorld(t, "withdrawn", mustTime("2023-01-01T00:00:00Z"), []histSpec{{"granted", mustTime("2019-01-01T00:00:00Z")}})
	withdrawnAfter := newSealWorld(t, "withdrawn", mustTime("2025-03-01T00:00:00Z"), []histSpec{{"granted", mustTime("2019-01-01T00:00:00Z")}})
	signedAt := mustTime("2024-06-01T00:00:00Z")
	qualified := &qcOpts{compliance: true, sscd: true, qcType: "eseal"}
	noSSCD := &qcOpts{compliance: true, qcType: "eseal"}
	esign := &qcOpts{compliance: true, sscd: true, qcType: "esign"}
	other := newTestCA(t, "Unlisted CA", nil)

	cases := []struct {
		name    string
		world   *sealWorld
		issuer  *testCert
		qc      *qcOpts
		accept  string
		trusted bool
		level   string
		status  string
		reason  string
	}{
		{"qualified seal under granted service", granted, nil, qualified, "", true, LevelQualified, "granted", "trusted: qualified"},
		{"seal without QcSSCD is advanced, refused by default", granted, nil, noSSCD, "", false, LevelAdvanced, "granted", "accepts qualified"},
		{"advanced seal accepted when the policy says so", granted, nil, noSSCD, LevelAdvanced, true, LevelAdvanced, "granted", "trusted: advanced"},
		{"esign certificate is not a qualified seal", granted, nil, esign, "", false, LevelAdvanced, "granted", ""},
		{"service withdrawn before signing", withdrawnBefore, nil, qualified, LevelAdvanced, false, LevelNotTrusted, "withdrawn", "withdrawn at the time judged"},
		{"service withdrawn after signing", withdrawnAfter, nil, qualified, "", true, LevelQualified, "granted", "trusted"},
		{"chain to an unlisted CA", granted, other, qualified, LevelAdvanced, false, LevelNotTrusted, "", "no certificate of the chain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			issuer := c.issuer
			if issuer == nil {
				issuer = c.world.ca
			}
			seal := newTestCert(t, "Université Exemple seal", issuer, false, c.qc)
			src := NewSource([]*List{c.world.list}, Options{Accept: c.accept, Now: at("2025-05-01T00:00:00Z")})
			a, err := src.Trust(context.Background(), verifier.TrustQuery{Chain: []*x509.Certificate{seal.cert}, IssuedAt: signedAt})
			if err != nil {
				t.Fatal(err)
			}
			if a.Trusted != c.trusted || a.Level != c.level || a.Status != c.status || !strings.Contains(a.Reason, c.reason) {
				t.Fatalf("answer %+v\nsteps:\n%s", a, strings.Join(a.Steps, "\n"))
			}
			if c.status != "" && (a.Entity != "Example TSP AB" || a.Country != "SE" || a.Source != "etsi-tl:SE") {
				t.Errorf("entity %q country %q source %q", a.Entity, a.Country, a.Source)
			}
		})
	}
}

func TestClassifySealRefusesStaleListAndNoChain(t *testing.T) {
	w := newSealWorld(t, "granted", mustTime("2019-01-01T00:00:00Z"), nil)
	seal := newTestCert(t, "seal", w.ca, false, &qcOpts{compliance: true, sscd: true, qcType: "eseal"})
	q := verifier.TrustQuery{Chain: []*x509.Certificate{seal.cert}, IssuedAt: mustTime("2024-06-01T00:00:00Z")}
	stale := NewSource([]*List{w.list}, Options{Now: at("2036-01-01T00:00:00Z")})
	if a, _ := stale.Trust(context.Background(), q); a.Trusted || !strings.Contains(a.Reason, "NextUpdate") {
		t.Fatalf("stale list: %+v", a)
	}
	if a, _ := stale.Trust(context.Background(), verifier.TrustQuery{Issuer: "did:key:z6Mk"}); a.Trusted || !strings.Contains(a.Reason, "no X.509") {
		t.Fatalf("no chain: %+v", a)
	}
}

// TestJAdESSealClassifiedQualified seals a credential with JAdES as EDC does
// and classifies what the JAdES verifier hands over: the chain and sigT.
func TestJAdESSealClassifiedQualified(t *testing.T) {
	w := newSealWorld(t, "granted", mustTime("2019-01-01T00:00:00Z"), nil)
	seal := newTestCert(t, "Université Exemple", w.ca, false, &qcOpts{compliance: true, sscd: true, qcType: "eseal"})
	cred := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"issuer":"urn:x","issuanceDate":"2024-06-01T00:00:00Z","credentialSubject":{"id":"did:example:s"}}`)
	m := &jades.Mechanism{}
	signed, err := m.Sign(context.Background(), cred, credentials.SigningKey{Signer: seal.key, Chain: []*x509.Certificate{seal.cert}}, credentials.SignOptions{Now: at("2024-06-01T10:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Verify(context.Background(), signed, nil, credentials.VerifyOptions{Now: at("2025-05-01T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource([]*List{w.list}, Options{Now: at("2025-05-01T00:00:00Z")})
	a, err := src.Trust(context.Background(), verifier.TrustQuery{Chain: v.Chain, IssuedAt: v.Signed, Key: v.Key})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Trusted || a.Level != LevelQualified || a.Entity != "Example TSP AB" {
		t.Fatalf("answer %+v", a)
	}
}

func TestQualifierCriteria(t *testing.T) {
	c := newTestCert(t, "seal", nil, false, nil) // digitalSignature + nonRepudiation
	cases := []struct {
		q    Qualification
		want bool
	}{
		{Qualification{Assert: "all", KeyUsage: []map[string]bool{{"nonRepudiation": true}}}, true},
		{Qualification{Assert: "all", KeyUsage: []map[string]bool{{"nonRepudiation": true, "keyCertSign": true}}}, false},
		{Qualification{Assert: "none", KeyUsage: []map[string]bool{{"nonRepudiation": true}}}, false},
		{Qualification{Assert: "atLeastOne", KeyUsage: []map[string]bool{{"keyCertSign": true}}, Policies: [][]string{{"1.2.3"}}}, false},
		{Qualification{Assert: "atLeastOne", KeyUsage: []map[string]bool{{"keyCertSign": true}, {"digitalSignature": true}}}, true},
	}
	for i, tc := range cases {
		if got := tc.q.matches(c.cert); got != tc.want {
			t.Errorf("case %d: matches = %v, want %v", i, got, tc.want)
		}
	}
}
