package etsi

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// testCert is a certificate and its key, made for a test.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial int64 = 1000

// newTestCA makes a CA certificate, self-signed when parent is nil.
func newTestCA(t testing.TB, cn string, parent *testCert) *testCert {
	t.Helper()
	return newTestCert(t, cn, parent, true, nil)
}

// qcOpts are the QC statements a test seal carries.
type qcOpts struct {
	compliance, sscd bool
	qcType           string // "eseal", "esign" or ""
}

func newTestCert(t testing.TB, cn string, parent *testCert, ca bool, qc *qcOpts) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{cn + " org"}, Country: []string{"SE"}},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	if ca {
		tmpl.IsCA = true
		tmpl.BasicConstraintsValid = true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if qc != nil {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, qcExtension(t, *qc))
	}
	signer, issuer := key, tmpl
	if parent != nil {
		signer, issuer = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCert{cert: c, key: key}
}

func qcExtension(t testing.TB, o qcOpts) pkix.Extension {
	type stmt struct {
		ID   asn1.ObjectIdentifier
		Info asn1.RawValue `asn1:"optional"`
	}
	var stmts []stmt
	if o.compliance {
		stmts = append(stmts, stmt{ID: asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}})
	}
	if o.sscd {
		stmts = append(stmts, stmt{ID: asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}})
	}
	if o.qcType != "" {
		n := map[string]int{"esign": 1, "eseal": 2, "web": 3}[o.qcType]
		info, err := asn1.Marshal([]asn1.ObjectIdentifier{{0, 4, 0, 1862, 1, 6, n}})
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, stmt{ID: asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}, Info: asn1.RawValue{FullBytes: info}})
	}
	val, err := asn1.Marshal(stmts)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}, Value: val}
}

func b64(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }

// svcSpec describes one service of a synthetic list.
type svcSpec struct {
	name    string
	typ     string // full URI; ServiceCAQC when empty
	cert    *x509.Certificate
	status  string // last segment, e.g. "granted"
	since   time.Time
	info    []string // additional service information URIs
	history []histSpec
	quals   string // raw Qualifications XML, optional
}

type histSpec struct {
	status string
	since  time.Time
}

type tlSpec struct {
	territory string
	typ       string // TSLType; EUgeneric when empty
	seq       int
	issued    time.Time
	next      time.Time
	pointers  []ptrSpec
	tsp       string
	services  []svcSpec
}

type ptrSpec struct {
	territory string
	certs     []*x509.Certificate
}

// buildTL writes a synthetic trusted list (unsigned).
func buildTL(s tlSpec) string {
	var b strings.Builder
	typ := s.typ
	if typ == "" {
		typ = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
	}
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#" xmlns:ns3="http://uri.etsi.org/02231/v2/additionaltypes#" xmlns:ns5="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#" Id="tsl" TSLTag="http://uri.etsi.org/19612/TSLTag">`+"\n")
	fmt.Fprintf(&b, "<SchemeInformation><TSLVersionIdentifier>5</TSLVersionIdentifier><TSLSequenceNumber>%d</TSLSequenceNumber><TSLType>%s</TSLType>", s.seq, typ)
	fmt.Fprintf(&b, `<SchemeOperatorName><Name xml:lang="en">Operator %s</Name></SchemeOperatorName><SchemeTerritory>%s</SchemeTerritory>`, s.territory, s.territory)
	if len(s.pointers) > 0 {
		b.WriteString("<PointersToOtherTSL>")
		for _, p := range s.pointers {
			b.WriteString("<OtherTSLPointer><ServiceDigitalIdentities>")
			for _, c := range p.certs {
				fmt.Fprintf(&b, "<ServiceDigitalIdentity><DigitalId><X509Certificate>%s</X509Certificate></DigitalId></ServiceDigitalIdentity>", b64(c))
			}
			fmt.Fprintf(&b, "</ServiceDigitalIdentities><TSLLocation>https://example.org/%s.xml</TSLLocation><AdditionalInformation>", p.territory)
			fmt.Fprintf(&b, "<OtherInformation><TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType></OtherInformation><OtherInformation><SchemeTerritory>%s</SchemeTerritory></OtherInformation><OtherInformation><ns3:MimeType>application/vnd.etsi.tsl+xml</ns3:MimeType></OtherInformation>", p.territory)
			b.WriteString("</AdditionalInformation></OtherTSLPointer>")
		}
		b.WriteString("</PointersToOtherTSL>")
	}
	fmt.Fprintf(&b, "<ListIssueDateTime>%s</ListIssueDateTime><NextUpdate><dateTime>%s</dateTime></NextUpdate></SchemeInformation>\n", s.issued.Format(time.RFC3339), s.next.Format(time.RFC3339))
	if len(s.services) > 0 {
		fmt.Fprintf(&b, `<TrustServiceProviderList><TrustServiceProvider><TSPInformation><TSPName><Name xml:lang="en">%s</Name></TSPName><TSPAddress><PostalAddresses><PostalAddress xml:lang="en"><StreetAddress>1 Street</StreetAddress><Locality>Town</Locality><CountryName>%s</CountryName></PostalAddress></PostalAddresses></TSPAddress></TSPInformation><TSPServices>`, s.tsp, s.territory)
		for _, sv := range s.services {
			typ := sv.typ
			if typ == "" {
				typ = ServiceCAQC
			}
			state := func(status string, since time.Time, tag string) {
				fmt.Fprintf(&b, "<%s><ServiceTypeIdentifier>%s</ServiceTypeIdentifier><ServiceName><Name xml:lang=\"en\">%s</Name></ServiceName>", tag, typ, sv.name)
				fmt.Fprintf(&b, "<ServiceDigitalIdentity><DigitalId><X509Certificate>%s</X509Certificate></DigitalId></ServiceDigitalIdentity>", b64(sv.cert))
				fmt.Fprintf(&b, "<ServiceStatus>https://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/%s/</ServiceStatus><StatusStartingTime>%s</StatusStartingTime>", status, since.Format(time.RFC3339))
				if len(sv.info) > 0 || sv.quals != "" {
					b.WriteString("<ServiceInformationExtensions>")
					for _, u := range sv.info {
						fmt.Fprintf(&b, `<Extension Critical="false"><AdditionalServiceInformation><URI xml:lang="en">%s</URI></AdditionalServiceInformation></Extension>`, u)
					}
					if sv.quals != "" {
						fmt.Fprintf(&b, `<Extension Critical="true">%s</Extension>`, sv.quals)
					}
					b.WriteString("</ServiceInformationExtensions>")
				}
				fmt.Fprintf(&b, "</%s>", tag)
			}
			b.WriteString("<TSPService>")
			state(sv.status, sv.since, "ServiceInformation")
			if len(sv.history) > 0 {
				b.WriteString("<ServiceHistory>")
				for _, h := range sv.history {
					state(h.status, h.since, "ServiceHistoryInstance")
				}
				b.WriteString("</ServiceHistory>")
			}
			b.WriteString("</TSPService>")
		}
		b.WriteString("</TSPServices></TrustServiceProvider></TrustServiceProviderList>\n")
	}
	b.WriteString("</TrustServiceStatusList>\n")
	return b.String()
}

// signTL signs a list as trusted-list tools do: an enveloped XML-DSig with
// exclusive C14N, ECDSA-SHA256 with an r‖s SignatureValue, and (xades true)
// a XAdES SignedProperties reference with SigningTime and SigningCertificate.
func signTL(t testing.TB, xml string, signer *testCert, xades bool) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	exc := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	canon, err := exc.Canonicalize(root.Copy())
	if err != nil {
		t.Fatal(err)
	}
	docDigest := sha256.Sum256(canon)

	sig := root.CreateElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", nsDSig)
	sig.CreateAttr("Id", "sig-1")
	si := sig.CreateElement("ds:SignedInfo")
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", algExcC14N)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")
	ref := si.CreateElement("ds:Reference")
	ref.CreateAttr("URI", "")
	ts := ref.CreateElement("ds:Transforms")
	ts.CreateElement("ds:Transform").CreateAttr("Algorithm", algEnveloped)
	ts.CreateElement("ds:Transform").CreateAttr("Algorithm", algExcC14N)
	ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestSHA256URI)
	ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(docDigest[:]))
	sv := sig.CreateElement("ds:SignatureValue")
	ki := sig.CreateElement("ds:KeyInfo")
	ki.CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").SetText(b64(signer.cert))
	if xades {
		obj := sig.CreateElement("ds:Object")
		qp := obj.CreateElement("xades:QualifyingProperties")
		qp.CreateAttr("xmlns:xades", nsXAdES132)
		qp.CreateAttr("Target", "#sig-1")
		sp := qp.CreateElement("xades:SignedProperties")
		sp.CreateAttr("Id", "xades-sig-1")
		ssp := sp.CreateElement("xades:SignedSignatureProperties")
		ssp.CreateElement("xades:SigningTime").SetText("2025-01-02T03:04:05Z")
		cd := ssp.CreateElement("xades:SigningCertificate").CreateElement("xades:Cert").CreateElement("xades:CertDigest")
		cd.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestSHA256URI)
		certDigest := sha256.Sum256(signer.cert.Raw)
		cd.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(certDigest[:]))
		spDigest := sha256.Sum256(canonicalOf(t, sp))
		ref := si.CreateElement("ds:Reference")
		ref.CreateAttr("Type", refSignedProps)
		ref.CreateAttr("URI", "#xades-sig-1")
		ref.CreateElement("ds:Transforms").CreateElement("ds:Transform").CreateAttr("Algorithm", algExcC14N)
		ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestSHA256URI)
		ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(spDigest[:]))
	}
	siDigest := sha256.Sum256(canonicalOf(t, si))
	der, err := signer.key.Sign(rand.Reader, siDigest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 64)
	rs.R.FillBytes(raw[:32])
	rs.S.FillBytes(raw[32:])
	sv.SetText(base64.StdEncoding.EncodeToString(raw))
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func canonicalOf(t testing.TB, el *etree.Element) []byte {
	t.Helper()
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		t.Fatal(err)
	}
	d, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		t.Fatal(err)
	}
	out, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func at(s string) func() time.Time {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return tm }
}

func mustTime(s string) time.Time { return at(s)() }
