package verifier

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/testcert"
)

// The cases below are certificate paths whose every link verifies but
// which break a constraint of X.509 (RFC 5280): every one is an invalid
// seal, reported as such, and never as a question of time.

// issueUnder issues tmpl by parent (self-signed when nil) with a new
// P-256 key, or with key (testcert.Issue).
func issueUnder(t *testing.T, tmpl *x509.Certificate, parent *testCA, key crypto.Signer) *testCA {
	t.Helper()
	var p *testcert.Cert
	if parent != nil {
		p = &testcert.Cert{Cert: parent.cert, Key: parent.key}
	}
	c := testcert.Issue(t, tmpl, p, key)
	return &testCA{cert: c.Cert, key: c.Key}
}

var caTemplate, sealTemplate = testcert.CA, testcert.Seal

// sealKey is the signing key of seal with the carried chain up.
func sealKey(seal *testCA, up ...*testCA) credentials.SigningKey {
	k := credentials.SigningKey{Signer: seal.key, Chain: []*x509.Certificate{seal.cert}}
	for _, c := range up {
		k.Chain = append(k.Chain, c.cert)
	}
	return k
}

func TestSealPathBreakingAnX509ConstraintIsInvalid(t *testing.T) {
	w := newWorld(t)
	root := issueUnder(t, caTemplate("Root CA", -1), nil, nil)
	root0 := issueUnder(t, caTemplate("Root CA pathlen 0", 0), nil, nil)
	w.trustCA(t, root, nil)
	w.trustCA(t, root0, nil)
	mid := issueUnder(t, caTemplate("Issuing CA", -1), root, nil)
	midUnder0 := issueUnder(t, caTemplate("Issuing CA under pathlen 0", -1), root0, nil)
	noCertSign := issueUnder(t, func() *x509.Certificate {
		c := caTemplate("CA without keyCertSign", -1)
		c.KeyUsage = x509.KeyUsageCRLSign
		return c
	}(), root, nil)
	sealOf := func(parent *testCA, edit func(*x509.Certificate)) *testCA {
		tmpl := sealTemplate("Seal")
		if edit != nil {
			edit(tmpl)
		}
		return issueUnder(t, tmpl, parent, nil)
	}
	critical := pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{0x05, 0x00}}

	// The control: a sound path verifies.
	good := sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), sealKey(sealOf(mid, nil), mid, root), testNow.Add(-time.Hour))
	assertReport(t, verifyWith(t, w, good, Request{}, nil), Verified, "", "")

	for _, tc := range []struct {
		name string
		key  credentials.SigningKey
		want string
	}{
		{"an intermediate below a root of pathLenConstraint 0", sealKey(sealOf(midUnder0, nil), midUnder0, root0), "pathLenConstraint"},
		{"a seal for key encipherment only", sealKey(sealOf(mid, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment }), mid, root), "neither digitalSignature nor nonRepudiation"},
		{"a TLS server certificate", sealKey(sealOf(mid, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }), mid, root), "serverAuth"},
		{"a seal with an unknown critical extension", sealKey(sealOf(mid, func(c *x509.Certificate) { c.ExtraExtensions = []pkix.Extension{critical} }), mid, root), "critical extension"},
		{"a CA that may not sign certificates", sealKey(sealOf(noCertSign, nil), noCertSign, root), "keyCertSign"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), tc.key, testNow.Add(-time.Hour))
			rep := verifyWith(t, w, out, Request{}, nil)
			assertReport(t, rep, Invalid, CheckCertificate, ProblemInvalidChain)
			msg := rep.Check(CheckCertificate).Message
			if !strings.Contains(msg, tc.want) {
				t.Errorf("certificate message %q does not say %s", msg, tc.want)
			}
			if strings.Contains(msg, "indeterminate") || strings.Contains(msg, "judged at") {
				t.Errorf("certificate message %q makes a broken path a question of time", msg)
			}
		})
	}
}

// A chain link signed with SHA-1 is an algorithm no longer accepted, not a
// forged signature, and not a question of time (issue 10, item 8).
func TestSHA1LinkIsReportedForWhatItIs(t *testing.T) {
	w := newWorld(t)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	root := issueUnder(t, caTemplate("RSA Root CA", -1), nil, rk)
	w.trustCA(t, root, nil)
	tmpl := caTemplate("SHA-1 Issuing CA", -1)
	tmpl.SignatureAlgorithm = x509.SHA1WithRSA
	mid := issueUnder(t, tmpl, root, nil)
	seal := issueUnder(t, sealTemplate("Seal"), mid, nil)
	out := sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), sealKey(seal, mid, root), testNow.Add(-time.Hour))

	rep := verifyWith(t, w, out, Request{}, nil)
	assertReport(t, rep, Invalid, CheckCertificate, ProblemInvalidChain)
	msg := rep.Check(CheckCertificate).Message
	if !strings.Contains(msg, "SHA1-RSA") || !strings.Contains(msg, "no longer accepted") {
		t.Errorf("certificate message %q does not name SHA-1", msg)
	}
	for _, wrong := range []string{"not signed by its issuer", "indeterminate", "judged at"} {
		if strings.Contains(msg, wrong) {
			t.Errorf("certificate message %q says %q", msg, wrong)
		}
	}
}

// A path whose trust anchor is a registry entry, not carried, is checked up
// to that anchor too.
func TestRegistryCAAnchorsOnlyPathsWithinItsPathLength(t *testing.T) {
	w := newWorld(t)
	root0 := issueUnder(t, caTemplate("Root CA pathlen 0", 0), nil, nil)
	w.trustCA(t, root0, nil)
	mid := issueUnder(t, caTemplate("Issuing CA", -1), root0, nil)
	seal := issueUnder(t, sealTemplate("Seal"), mid, nil)
	// The root is not carried: only the registry entry knows its limit.
	out := sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), sealKey(seal, mid), testNow.Add(-time.Hour))
	rep := verifyWith(t, w, out, Request{}, nil)
	assertReport(t, rep, Untrusted, CheckTrust, "")
	if msg := rep.Check(CheckTrust).Message; !strings.Contains(msg, "pathLenConstraint") {
		t.Errorf("trust message %q does not say why the CA entry does not anchor the path", msg)
	}

	// Directly under the root, the same seal is within the limit.
	seal0 := issueUnder(t, sealTemplate("Seal under the root"), root0, nil)
	out = sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), sealKey(seal0), testNow.Add(-time.Hour))
	assertReport(t, verifyWith(t, w, out, Request{}, nil), Verified, "", "")
}

// A status list sealed by a certificate that breaks a constraint does not
// count, even from the CA and subject of the credential's seal.
func TestStatusListSealBreakingAConstraintIsRefused(t *testing.T) {
	w := newWorld(t)
	ca := newTestCA(t, "Seal CA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0))
	w.trustCA(t, ca, nil)
	key := ca.seal(t, "University", testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0))
	doc := w.elmDoc("urn:epass:org:1", false, func(m map[string]any) {
		m["@context"] = append(m["@context"].([]any), "https://www.w3.org/ns/credentials/status/v1")
		m["credentialStatus"] = w.statusEntry("/status/1", "revocation", 7)
	})
	cred := sealAt(t, doc, key, testNow.Add(-time.Hour))

	// The same subject, issued by the same CA, for key encipherment only.
	bad := issueUnder(t, func() *x509.Certificate {
		c := sealTemplate("University")
		c.Subject = key.Chain[0].Subject
		c.KeyUsage = x509.KeyUsageKeyEncipherment
		return c
	}(), ca, nil)
	w.serve("/status/1", w.sealedStatusList(t, "/status/1", "urn:epass:org:1", sealKey(bad, ca)))
	rep := verifyWith(t, w, cred, Request{}, nil)
	assertReport(t, rep, Invalid, CheckStatus, ProblemStatusListInvalid)
	if msg := rep.Check(CheckStatus).Message; !strings.Contains(msg, "nonRepudiation") {
		t.Errorf("status message %q does not say why the list's seal is refused", msg)
	}

	// The credential's own seal signs a list that counts.
	w.serve("/status/1", w.sealedStatusList(t, "/status/1", "urn:epass:org:1", key))
	assertReport(t, verifyWith(t, w, cred, Request{}, nil), Verified, "", "")
}

// A time-stamp counts only from a certificate made for time-stamping: one
// from any other certificate of a trusted CA proves no time.
func TestTimeStampFromACertificateNotForTimeStampingIsNotUsed(t *testing.T) {
	w := newWorld(t)
	ca := newTestCA(t, "CA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0))
	w.trustCA(t, ca, nil)
	key := ca.seal(t, "Expired seal", testNow.AddDate(-3, 0, 0), testNow.AddDate(0, -1, 0))
	claimed := testNow.AddDate(0, -2, 0)
	out := sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), key, claimed)

	notTSA := ca.seal(t, "Not a TSA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0)).Chain
	rep := verifyWith(t, w, out, Request{}, func(o *Options) {
		o.Mechanisms = append(o.Mechanisms, &timestamped{at: claimed, tsa: notTSA})
	})
	assertReport(t, rep, Untrusted, CheckCertificate, ProblemInvalidChain)
	if msg := rep.Check(CheckCertificate).Message; !strings.Contains(msg, "timeStamping") {
		t.Errorf("certificate message %q does not say why the time-stamp was not used", msg)
	}
	rep = verifyWith(t, w, out, Request{}, func(o *Options) {
		o.Mechanisms = append(o.Mechanisms, &timestamped{at: claimed, tsa: tsaOf(t, ca)})
	})
	assertReport(t, rep, Verified, "", "")
}
