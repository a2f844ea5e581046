package verifier

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/keys"
)

// The cases below are about what binds a signature to its signer over
// time and across documents: a seal's claimed signing time (sigT, iat),
// the signer of a status list, and the relationship a DID document lists
// a key under.

// testCA is a certificate authority of a test, with its key.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newTestCA(t *testing.T, cn string, notBefore, notAfter time.Time) *testCA {
	t.Helper()
	k := p256Signer(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Country: []string{"BE"}},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: k}
}

// seal issues a seal certificate for subject cn, valid between the
// times given, with the given URI subject alternative names.
func (ca *testCA) seal(t *testing.T, cn string, notBefore, notAfter time.Time, uris ...string) credentials.SigningKey {
	t.Helper()
	k := p256Signer(t)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{cn}, Country: []string{"BE"}},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, u)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, k.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return credentials.SigningKey{Signer: k, Chain: []*x509.Certificate{c, ca.cert}}
}

func (w *world) trustCA(t *testing.T, ca *testCA, notAfter *time.Time) {
	t.Helper()
	if _, err := w.store.AddTrust(keys.TrustEntry{Certificate: string(pemCert(ca.cert)), Name: ca.cert.Subject.CommonName, Country: "BE", NotAfter: notAfter}); err != nil {
		t.Fatal(err)
	}
}

// sealAt seals doc with JAdES, claiming the signing time at.
func sealAt(t *testing.T, doc []byte, key credentials.SigningKey, at time.Time) []byte {
	t.Helper()
	out, err := (&jades.Mechanism{}).Sign(context.Background(), doc, key, credentials.SignOptions{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// timestamped is the JAdES mechanism as if every signature carried a
// verified time-stamp (from a TSA other than the signer) of the time at.
type timestamped struct {
	jades.Mechanism
	at  time.Time
	tsa []*x509.Certificate // the time-stamping authority's chain
}

func (m *timestamped) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	vd, err := m.Mechanism.Verify(ctx, secured, r, opts)
	if vd != nil {
		vd.Timestamped, vd.TimestampChain = m.at, m.tsa
	}
	return vd, err
}

// tsaOf is the certificate chain of a time-stamping authority issued by ca:
// its certificate names the timeStamping extended key usage, as RFC 3161
// requires.
func tsaOf(t *testing.T, ca *testCA) []*x509.Certificate {
	tsa := issueUnder(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test TSA", Country: []string{"BE"}},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}, ca, nil)
	return []*x509.Certificate{tsa.cert, ca.cert}
}

// Finding 1: a seal's claimed signing time proves nothing.

func TestBackdatedSigTDoesNotRescueAnExpiredSeal(t *testing.T) {
	w := newWorld(t)
	ca := newTestCA(t, "Old CA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0))
	w.trustCA(t, ca, nil)
	// The seal expired a month ago; whoever still holds its key seals now,
	// claiming a sigT two months back, inside its validity.
	key := ca.seal(t, "Expired seal", testNow.AddDate(-3, 0, 0), testNow.AddDate(0, -1, 0))
	claimed := testNow.AddDate(0, -2, 0)
	out := sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), key, claimed)

	// Its signature is good, but nothing proves it was made before the
	// expiry: not verified (indeterminate, reported as untrusted).
	rep := verifyWith(t, w, out, Request{}, nil)
	assertReport(t, rep, Untrusted, CheckCertificate, ProblemInvalidChain)
	if msg := rep.Check(CheckCertificate).Message; !strings.Contains(msg, testNow.Format(time.RFC3339)) || !strings.Contains(msg, "indeterminate") {
		t.Errorf("certificate message %q does not name the verification time and say indeterminate", msg)
	}
	if !rep.Signed.Equal(claimed) {
		t.Errorf("report shows the claimed signing time %s, want %s", rep.Signed, claimed)
	}
	if !rep.Timestamped.IsZero() {
		t.Errorf("report shows a time-stamp %s for a signature that has none", rep.Timestamped)
	}

	// With a verified time-stamp from before the expiry, by a trusted
	// time-stamping authority, the same seal is judged at the time-stamp.
	rep = verifyWith(t, w, out, Request{}, func(o *Options) {
		o.Mechanisms = append(o.Mechanisms, &timestamped{at: claimed, tsa: tsaOf(t, ca)})
	})
	assertReport(t, rep, Verified, "", "")
	if msg := rep.Check(CheckCertificate).Message; !strings.Contains(msg, claimed.Format(time.RFC3339)) || !strings.Contains(msg, "time-stamp") {
		t.Errorf("certificate message %q does not say it was judged at the time-stamp", msg)
	}

	// A time-stamp whose authority no trust source vouches for proves no
	// time: anyone can make a TSA certificate.
	rogue := newTestCA(t, "Rogue CA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0))
	rep = verifyWith(t, w, out, Request{}, func(o *Options) {
		o.Mechanisms = append(o.Mechanisms, &timestamped{at: claimed, tsa: tsaOf(t, rogue)})
	})
	assertReport(t, rep, Untrusted, CheckCertificate, ProblemInvalidChain)
	if msg := rep.Check(CheckCertificate).Message; !strings.Contains(msg, "no trust source vouches for its time-stamping authority") {
		t.Errorf("certificate message %q does not say why the time-stamp was not used", msg)
	}
	if !rep.Timestamped.IsZero() {
		t.Errorf("report shows the untrusted time-stamp %s", rep.Timestamped)
	}
}

func TestWithdrawnSealIsNotTrustedOnItsClaimedSigningTime(t *testing.T) {
	w := newWorld(t)
	ca := newTestCA(t, "Closed CA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0))
	ended := testNow.AddDate(0, -1, 0)
	w.trustCA(t, ca, &ended) // the CA's trust entry ended a month ago
	key := ca.seal(t, "Seal", testNow.AddDate(-2, 0, 0), testNow.AddDate(2, 0, 0))
	claimed := testNow.AddDate(0, -2, 0)
	out := sealAt(t, w.elmDoc("urn:epass:org:1", false, nil), key, claimed)

	rep := verifyWith(t, w, out, Request{}, nil)
	assertReport(t, rep, Untrusted, CheckTrust, "")
	if msg := rep.Check(CheckTrust).Message; !strings.Contains(msg, testNow.Format("2006-01-02")) {
		t.Errorf("trust message %q is not about the verification date", msg)
	}

	// A time-stamp from when the entry was in force: trusted.
	rep = verifyWith(t, w, out, Request{}, func(o *Options) {
		o.Mechanisms = append(o.Mechanisms, &timestamped{at: claimed, tsa: tsaOf(t, ca)})
	})
	assertReport(t, rep, Verified, "", "")

	// A time-stamp the verifier's clock has not reached yet is not used.
	rep = verifyWith(t, w, out, Request{}, func(o *Options) {
		o.Mechanisms = append(o.Mechanisms, &timestamped{at: testNow.AddDate(1, 0, 0), tsa: tsaOf(t, ca)})
	})
	assertReport(t, rep, Untrusted, CheckTrust, "")
}

// Finding 2: a status list counts only when its signer is the
// credential's.

// sealedStatusList is a Bitstring Status List credential for path, naming
// issuer, sealed with JAdES by key, with the given bits set.
func (w *world) sealedStatusList(t *testing.T, path, issuer string, key credentials.SigningKey, set ...int) []byte {
	t.Helper()
	return sealAt(t, w.statusListDoc(t, path, issuer, set...), key, testNow.Add(-time.Hour))
}

func (w *world) statusListDoc(t *testing.T, path, issuer string, set ...int) []byte {
	t.Helper()
	bits, _ := status.New(0)
	for _, i := range set {
		_ = bits.Set(i, true)
	}
	enc, err := bits.Encode()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{
		"@context": []any{credentials.ContextV2}, "id": w.url(path), "issuer": issuer,
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"validFrom": testNow.AddDate(0, -1, 0).Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": w.url(path) + "#list", "type": "BitstringStatusList",
			"statusPurpose": "revocation", "encodedList": enc},
	})
	return doc
}

func TestStatusListSignedByAnyX5cNamingTheIssuerIsRefused(t *testing.T) {
	w := newWorld(t)
	input := w.vcJWT(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/revocation", "revocation", 10) })
	assertReport(t, verifyWith(t, w, input, Request{}, nil), Revoked, CheckStatus, ProblemRevoked)

	// The attacker serves a list with no bit set, sealed by a self-signed
	// certificate whose URI SAN names the issuer's DID.
	evil := selfSignedSeal(t, "Evil", w.web.did)
	forged, err := jose.VCJWT{}.Sign(context.Background(), w.statusListDoc(t, "/status/revocation", w.web.did), evil, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.serve("/status/revocation", forged)
	rep := verifyWith(t, w, input, Request{}, nil)
	assertReport(t, rep, Invalid, CheckStatus, ProblemStatusListInvalid)
	if msg := rep.Check(CheckStatus).Message; !strings.Contains(msg, "certificate") {
		t.Errorf("status message %q does not say the list is sealed by a certificate", msg)
	}
}

func TestStatusListOfASealedCredentialMustShareItsCertificatePath(t *testing.T) {
	w := newWorld(t)
	ca := newTestCA(t, "Seal CA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0))
	w.trustCA(t, ca, nil)
	other := newTestCA(t, "Seal CA", testNow.AddDate(-5, 0, 0), testNow.AddDate(5, 0, 0)) // same name, other key
	from, until := testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0)
	seal := ca.seal(t, "University of Zed", from, until)
	const issuer = "urn:epass:org:1"
	cred := sealAt(t, w.elmDoc(issuer, false, func(m map[string]any) {
		m["credentialStatus"] = w.statusEntry("/status/sealed", "revocation", 10)
	}), seal, testNow.Add(-time.Hour))
	cases := []struct {
		name    string
		list    func() []byte
		verdict Verdict
		problem string
	}{
		{"the same seal", func() []byte { return w.sealedStatusList(t, "/status/sealed", issuer, seal, 10) }, Revoked, ProblemRevoked},
		{"a renewed seal of the same subject from the same CA", func() []byte {
			return w.sealedStatusList(t, "/status/sealed", issuer, ca.seal(t, "University of Zed", from, until), 10)
		}, Revoked, ProblemRevoked},
		{"a seal of another subject from the same CA", func() []byte {
			return w.sealedStatusList(t, "/status/sealed", issuer, ca.seal(t, "Other College", from, until), 10)
		}, Invalid, ProblemStatusListInvalid},
		{"a seal of the same subject from a CA of the same name", func() []byte {
			return w.sealedStatusList(t, "/status/sealed", issuer, other.seal(t, "University of Zed", from, until), 10)
		}, Invalid, ProblemStatusListInvalid},
		{"a seal of the same subject that expired", func() []byte {
			return w.sealedStatusList(t, "/status/sealed", issuer, ca.seal(t, "University of Zed", testNow.AddDate(-3, 0, 0), testNow.AddDate(0, 0, -1)), 10)
		}, Invalid, ProblemStatusListInvalid},
		{"a self-signed seal of the same subject", func() []byte {
			return w.sealedStatusList(t, "/status/sealed", issuer, selfSignedSeal(t, "University of Zed"), 10)
		}, Invalid, ProblemStatusListInvalid},
		{"a DID naming the issuer", func() []byte {
			return w.sign(jose.VCJWT{}, w.statusListDoc(t, "/status/sealed", w.web.did, 10), w.web.key())
		}, Invalid, ProblemStatusListInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w.serve("/status/sealed", c.list())
			// A fresh verifier each time: no list is cached.
			rep := verifyWith(t, w, cred, Request{}, nil)
			if rep.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s:\n%s", rep.Verdict, c.verdict, dump(rep))
			}
			if s := rep.Check(CheckStatus); s == nil || s.Problem() != c.problem {
				t.Fatalf("status check %+v, want problem %s:\n%s", s, c.problem, dump(rep))
			}
		})
	}
}

// Finding 4: a key signs only for the relationships its DID document
// lists it under.

// relResolver resolves with r (did:key only when nil), giving a method
// the relationships ids names for its id, else for its DID, else nil.
type relResolver struct {
	r   credentials.KeyResolver
	ids map[string][]string
}

func rels(ids map[string][]string) relResolver { return relResolver{ids: ids} }

func (r relResolver) ResolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	var res credentials.KeyResolver = did.Resolver{}
	if r.r != nil {
		res = r.r
	}
	vm, err := res.ResolveKey(ctx, id)
	if err != nil {
		return nil, err
	}
	base, _, _ := strings.Cut(id, "#")
	vm.Relationships = r.ids[base]
	if l, ok := r.ids[id]; ok {
		vm.Relationships = l
	}
	return vm, nil
}

func TestKeyMustBeListedForThePurposeItSignsFor(t *testing.T) {
	w := newWorld(t)
	issuer := w.addParty(t, keys.TrustEntry{Name: "Academy", Country: "NL"})
	cred := w.sign(jose.VCJWT{}, w.smallVC(issuer.did), issuer.key())
	vp := w.vpJWT(w.holder, "n-1", "https://verifier.example", cred)
	req := Request{Challenge: "n-1", Domain: "https://verifier.example"}
	cases := []struct {
		name    string
		rels    map[string][]string
		input   []byte
		req     Request
		verdict Verdict
	}{
		{"credential, key not from a DID document", nil, cred, Request{}, Verified},
		{"credential, assertionMethod key", map[string][]string{issuer.did: {"assertionMethod"}}, cred, Request{}, Verified},
		{"credential, authentication-only key", map[string][]string{issuer.did: {"authentication"}}, cred, Request{}, Invalid},
		{"credential, key in no relationship", map[string][]string{issuer.did: {}}, cred, Request{}, Invalid},
		{"presentation, authentication key", map[string][]string{w.holder.did: {"authentication"}, issuer.did: {"assertionMethod"}}, vp, req, Verified},
		{"presentation, assertion-only holder key", map[string][]string{w.holder.did: {"assertionMethod"}, issuer.did: {"assertionMethod"}}, vp, req, Invalid},
		{"presentation, credential by an authentication-only key", map[string][]string{w.holder.did: {"authentication"}, issuer.did: {"authentication"}}, vp, req, Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verifyWith(t, w, c.input, c.req, func(o *Options) { o.Resolver = rels(c.rels); o.Nonces = nil })
			if rep.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s:\n%s", rep.Verdict, c.verdict, dump(rep))
			}
			if c.verdict != Invalid {
				return
			}
			k := rep.Check(CheckKey)
			if len(rep.Credentials) > 0 && (k == nil || k.Result == Passed) {
				k = rep.Credentials[0].Check(CheckKey)
			}
			if k == nil || k.Problem() != ProblemUnknownKey || !strings.Contains(k.Message, "listed") {
				t.Fatalf("key check %+v does not say the key is not listed for the purpose:\n%s", k, dump(rep))
			}
		})
	}
}

func TestStatusListByAKeyNotForAssertionsIsRefused(t *testing.T) {
	w := newWorld(t)
	// The did:web issuer gets a second key, for authentication only, and
	// the list at /status/revocation (bit 10 set) is replaced by one with
	// no bit set, signed with that key.
	auth := &party{signer: ed25519Signer(t), did: w.web.did, kid: w.web.did + "#key-2"}
	w.serve("/status/revocation", w.statusList(auth, "/status/revocation", "revocation", "BitstringStatusList"))
	input := w.vcJWT(func(m map[string]any) { m["credentialStatus"] = w.statusEntry("/status/revocation", "revocation", 10) })
	web := did.Resolver{Web: NewHTTPFetcher(FetchLimits{AllowPrivateNetworks: true}, w.pool).Fetch}
	doc := &did.Document{Context: []string{did.ContextDID}, ID: w.web.did}
	for k, rel := range map[*party]did.Relationship{w.web: did.AssertionMethod, auth: did.Authentication} {
		vm, err := did.NewJWKMethod(k.kid, k.did, k.signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		doc.AddMethod(vm, rel)
	}
	w.serveJSON("/.well-known/did.json", doc)

	// Keys whose relationships are not known (nil): the list counts.
	rr := relResolver{r: web}
	assertReport(t, verifyWith(t, w, input, Request{}, func(o *Options) { o.Resolver = rr }), Verified, "", "")

	// key-2 may only authenticate: its list does not count.
	rr.ids = map[string][]string{w.web.kid: {"assertionMethod"}, auth.kid: {"authentication"}}
	rep := verifyWith(t, w, input, Request{}, func(o *Options) { o.Resolver = rr })
	assertReport(t, rep, Invalid, CheckStatus, ProblemStatusListInvalid)
	if msg := rep.Check(CheckStatus).Message; !strings.Contains(msg, "assertionMethod") {
		t.Errorf("status message %q does not name the relationship", msg)
	}
}

// A did:web document served by the test's server lists a key under no
// relationship: it cannot sign a credential. This needs the did resolver
// to fill VerificationMethod.Relationships from the document.
func TestDIDWebKeyInNoRelationshipCannotSign(t *testing.T) {
	w := newWorld(t)
	host := strings.TrimPrefix(w.srv.URL, "https://")
	id := did.WebDID(host, "loose")
	signer := ed25519Signer(t)
	p := &party{signer: signer, did: id, kid: id + "#key-0"}
	doc := &did.Document{Context: []string{did.ContextDID}, ID: id}
	listed, err := did.NewJWKMethod(id+"#key-1", id, ed25519Signer(t).Public())
	if err != nil {
		t.Fatal(err)
	}
	doc.AddMethod(listed, did.AssertionMethod, did.Authentication)
	loose, err := did.NewJWKMethod(p.kid, id, signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	doc.AddMethod(loose) // in verificationMethod, in no relationship
	w.serveJSON("/loose/did.json", doc)
	if _, err := w.store.AddTrust(keys.TrustEntry{DID: id, Name: "Loose Keys College", Country: "IE"}); err != nil {
		t.Fatal(err)
	}

	rep := verifyWith(t, w, w.sign(jose.VCJWT{}, w.smallVC(id), p.key()), Request{}, nil)
	assertReport(t, rep, Invalid, CheckKey, ProblemUnknownKey)
	if msg := rep.Check(CheckKey).Message; !strings.Contains(msg, "assertionMethod") {
		t.Errorf("key message %q does not name the relationship", msg)
	}
}
