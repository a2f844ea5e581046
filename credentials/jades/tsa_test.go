package jades

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// testTSA issues RFC 3161 tokens with a P-256 key, to test the time-stamp
// paths without a network TSA.
type testTSA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newTestTSA(t testing.TB) *testTSA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return newTestTSAWith(t, key, ekuExtension(t, true, oidTimeStamping))
}

// oidTimeStamping is id-kp-timeStamping.
var oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

// ekuExtension returns an extended key usage extension naming purposes.
func ekuExtension(t testing.TB, critical bool, purposes ...asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	der, err := asn1.Marshal(purposes)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: critical, Value: der}
}

// newTestTSAWith makes a self-signed TSA certificate for key with the given
// extensions (an RFC 3161 TSA certificate has a critical extended key usage
// of id-kp-timeStamping).
func newTestTSAWith(t testing.TB, key *ecdsa.PrivateKey, exts ...pkix.Extension) *testTSA {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(77),
		Subject:         pkix.Name{CommonName: "Diplomat Test TSA"},
		NotBefore:       signedAt.Add(-time.Hour),
		NotAfter:        signedAt.Add(24 * time.Hour),
		ExtraExtensions: exts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testTSA{key: key, cert: cert}
}

// stamp returns a DER time-stamp token over data, with the TSA certificate
// inside when withCert is set.
func (a *testTSA) stamp(t testing.TB, data []byte, withCert bool) []byte {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sha := pkix.AlgorithmIdentifier{Algorithm: oidSHA256}
	var info tstInfo
	info.Version = 1
	info.Policy = asn1.ObjectIdentifier{1, 2, 3, 4}
	info.MessageImprint.HashAlgorithm = sha
	sum := sha256.Sum256(data)
	info.MessageImprint.HashedMessage = sum[:]
	info.SerialNumber = big.NewInt(1)
	info.GenTime = signedAt.Add(time.Minute)
	content := must(asn1.Marshal(info))

	set := func(elems ...[]byte) asn1.RawValue {
		var b []byte
		for _, e := range elems {
			b = append(b, e...)
		}
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: b}
	}
	ctDER := must(asn1.Marshal(oidTSTInfo))
	cd := sha256.Sum256(content)
	mdDER := must(asn1.Marshal(cd[:]))
	attrs := []byte{}
	attrs = append(attrs, must(asn1.Marshal(attribute{Type: oidContentType, Values: set(ctDER)}))...)
	attrs = append(attrs, must(asn1.Marshal(attribute{Type: oidMessageDigest, Values: set(mdDER)}))...)
	signedSet := must(asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: attrs}))
	h := sha256.Sum256(signedSet)
	sig := must(ecdsa.SignASN1(rand.Reader, a.key, h[:]))

	var sd signedData
	sd.Version = 3
	sd.DigestAlgorithms = set(must(asn1.Marshal(sha)))
	sd.EncapContentInfo.EContentType = oidTSTInfo
	sd.EncapContentInfo.EContent = content
	if withCert {
		sd.Certificates = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: a.cert.Raw}
	}
	sd.SignerInfos = []signerInfo{{
		Version:            1,
		SID:                asn1.RawValue{FullBytes: must(asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: a.cert.RawIssuer}, Serial: a.cert.SerialNumber}))},
		DigestAlgorithm:    sha,
		SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attrs},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA256},
		Signature:          sig,
	}}
	// Marshal ignores "explicit" on a RawValue, so the [0] is written here.
	return must(asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: must(asn1.Marshal(sd))}}))
}

// withEtsiU adds unsigned components, each base64url-encoded as EDC does.
func withEtsiU(t testing.TB, signed []byte, comps ...map[string]any) []byte {
	t.Helper()
	e := envelope(t, signed)
	s := e["signatures"].([]any)[0].(map[string]any)
	var u []string
	for _, c := range comps {
		u = append(u, b64url(mustJSON(t, c)))
	}
	s["header"] = map[string]any{"etsiU": u}
	return mustJSON(t, e)
}

func tstComp(name string, tok []byte) map[string]any {
	return map[string]any{name: map[string]any{"tstTokens": []any{map[string]any{"val": stdB64(tok)}}}}
}

func TestVerifyReportsLevelsFromTimestamps(t *testing.T) {
	key := newSeal(t, "p256")
	tsa := newTestTSA(t)
	_, signed := signELM(t, &Mechanism{}, key)
	j, err := Parse(signed, 0)
	if err != nil {
		t.Fatal(err)
	}
	sigTst := tstComp("sigTst", tsa.stamp(t, []byte(j.Signature), true))
	sigTstNoCert := tstComp("sigTst", tsa.stamp(t, []byte(j.Signature), false))
	xVals := map[string]any{"xVals": []any{map[string]any{"x509Cert": map[string]any{"val": stdB64(tsa.cert.Raw)}}}}
	rVals := map[string]any{"rVals": map[string]any{"crlVals": []any{}, "ocspVals": []any{}}}

	// arcTst stamps payload, protected header, signature and the etsiU
	// elements before it, as they appear.
	var arcIn strings.Builder
	arcIn.WriteString(string(j.SigningPayload) + "." + j.Protected + "." + j.Signature + ".")
	for _, c := range []map[string]any{sigTst, xVals, rVals} {
		arcIn.WriteString(b64url(mustJSON(t, c)))
	}
	arcTst := tstComp("arcTst", tsa.stamp(t, []byte(arcIn.String()), true))

	cases := []struct {
		name      string
		comps     []map[string]any
		level     string
		tsaSigned string
	}{
		{"B-T", []map[string]any{sigTst}, LevelBT, "TSA signature valid"},
		{"B-T, TSA certificate only in xVals", []map[string]any{sigTstNoCert, xVals}, LevelBT, "TSA signature valid"},
		// Not counted: nothing shows who stamped it (B-T before the second
		// review; see TestVerifyCountsOnlyIndependentTimestamps).
		{"B-B, TSA certificate nowhere", []map[string]any{sigTstNoCert}, LevelBB, "TSA signature not checked: TSA certificate not carried"},
		{"B-LT", []map[string]any{sigTst, xVals, rVals}, LevelBLT, "TSA signature valid"},
		{"B-LTA", []map[string]any{sigTst, xVals, rVals, arcTst}, LevelBLTA, "TSA signature valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := (&Mechanism{}).Verify(context.Background(), withEtsiU(t, signed, tc.comps...), nil, verifyOpts())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Details["level"] != tc.level {
				t.Errorf("level = %q, want %q", v.Details["level"], tc.level)
			}
			if d := v.Details["sigTst"]; !strings.Contains(d, "imprint matches") || !strings.Contains(d, tc.tsaSigned) || !strings.HasPrefix(d, "2026-03-01T09:31:00Z") {
				t.Errorf("sigTst = %q, want time, imprint and %q", d, tc.tsaSigned)
			}
			wantStamp := signedAt.Add(time.Minute)
			if tc.level == LevelBB {
				wantStamp = time.Time{}
			}
			if !v.Timestamped.Equal(wantStamp) {
				t.Errorf("Timestamped = %v, want %v", v.Timestamped, wantStamp)
			}
			if tc.level == LevelBLTA && !strings.Contains(v.Details["arcTst"], "imprint matches") {
				t.Errorf("arcTst = %q", v.Details["arcTst"])
			}
		})
	}

	t.Run("sigTst over something else", func(t *testing.T) {
		bad := withEtsiU(t, signed, tstComp("sigTst", tsa.stamp(t, []byte("another signature"), true)))
		_, err := (&Mechanism{}).Verify(context.Background(), bad, nil, verifyOpts())
		if !errors.Is(err, credentials.ErrInvalidProof) || !strings.Contains(err.Error(), "message imprint does not match") {
			t.Fatalf("Verify error = %v, want an imprint mismatch", err)
		}
	})
}

// A content time-stamp (adoTst, signed and critical) stamps the payload as
// signed.
func TestVerifyChecksContentTimestamp(t *testing.T) {
	key := newSeal(t, "rsa")
	tsa := newTestTSA(t)
	doc := []byte(`{"issuer":"did:example:school","type":["VerifiableCredential"]}`)
	for name, tc := range map[string]struct {
		stamped []byte
		err     error
	}{
		"over the payload":    {doc, nil},
		"over something else": {[]byte("{}"), credentials.ErrInvalidProof},
	} {
		t.Run(name, func(t *testing.T) {
			h := testHeader(t, key, "RS256")
			h["crit"] = []string{"b64", "sigT", "adoTst"}
			h["adoTst"] = map[string]any{"tstTokens": []any{map[string]any{"val": stdB64(tsa.stamp(t, tc.stamped, true))}}}
			v, err := (&Mechanism{}).Verify(context.Background(), signWithHeader(t, key, "RS256", h, doc), nil, verifyOpts())
			if !errors.Is(err, tc.err) {
				t.Fatalf("Verify error = %v, want %v", err, tc.err)
			}
			if err == nil && !strings.Contains(v.Details["adoTst"], "imprint matches; TSA signature valid") {
				t.Errorf("adoTst = %q", v.Details["adoTst"])
			}
		})
	}
}

func TestParseTimestampReadsTSTInfo(t *testing.T) {
	tsa := newTestTSA(t)
	tok := tsa.stamp(t, []byte("stamped"), true)
	ts, err := ParseTimestamp(tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("stamped"))
	if !ts.Time.Equal(signedAt.Add(time.Minute)) || string(ts.HashedMessage) != string(sum[:]) || ts.Serial.Int64() != 1 {
		t.Errorf("time %v, serial %v, imprint %x", ts.Time, ts.Serial, ts.HashedMessage)
	}
	if !ts.SignatureChecked || ts.TSA == nil || !ts.TSA.Equal(tsa.cert) {
		t.Errorf("TSA signature checked %v (%s), TSA %v", ts.SignatureChecked, ts.NotChecked, ts.TSA)
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"truncated": tok[:len(tok)/2],
		"trailing":  append(append([]byte(nil), tok...), 0),
		"not CMS":   []byte{0x30, 0x03, 0x02, 0x01, 0x01},
	} {
		if _, err := ParseTimestamp(data, nil); err == nil {
			t.Errorf("%s: ParseTimestamp accepted it", name)
		}
	}
}

// A signature time-stamp counts (level B-T or higher, Verified.Timestamped)
// only when a TSA other than the signer made it: its certificate is carried
// in the token or in xVals, has the critical id-kp-timeStamping extended key
// usage, is not the signer's certificate or key, and its CMS signature and
// imprint verify. Otherwise the signer could date its own signature.
func TestVerifyCountsOnlyIndependentTimestamps(t *testing.T) {
	key := newSeal(t, "p256")
	sealKey := key.Signer.(*ecdsa.PrivateKey)
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := newTestTSA(t)
	doc := []byte(`{"issuer":"did:example:school","type":["VerifiableCredential"]}`)
	signedByKey := func(t *testing.T, extraX5c ...*x509.Certificate) []byte {
		h := testHeader(t, key, "ES256")
		x5c := h["x5c"].([]string)
		for _, c := range extraX5c {
			x5c = append(x5c, stdB64(c.Raw))
		}
		h["x5c"] = x5c
		return signWithHeader(t, key, "ES256", h, doc)
	}
	xValsOf := func(c *x509.Certificate) map[string]any {
		return map[string]any{"xVals": []any{map[string]any{"x509Cert": map[string]any{"val": stdB64(c.Raw)}}}}
	}
	cases := []struct {
		name     string
		tsa      *testTSA
		withCert bool // the token carries the TSA certificate
		x5cTSA   bool // the signature's x5c carries it after the seal
		xVals    bool // xVals carries it
		counted  bool
		why      string
	}{
		{name: "independent TSA, certificate in the token", tsa: good, withCert: true, counted: true},
		{name: "independent TSA, certificate in xVals", tsa: good, xVals: true, counted: true},
		{name: "sealer's own certificate as TSA", tsa: &testTSA{key: sealKey, cert: key.Chain[0]}, withCert: true, why: "signer"},
		{name: "sealer's own certificate as TSA, in xVals", tsa: &testTSA{key: sealKey, cert: key.Chain[0]}, xVals: true, why: "signer"},
		{name: "sealer's key under a TSA certificate", tsa: newTestTSAWith(t, sealKey, ekuExtension(t, true, oidTimeStamping)), withCert: true, why: "signer"},
		{name: "TSA certificate without extended key usage", tsa: newTestTSAWith(t, otherKey), withCert: true, why: "id-kp-timeStamping"},
		{name: "timeStamping extended key usage not critical", tsa: newTestTSAWith(t, otherKey, ekuExtension(t, false, oidTimeStamping)), withCert: true, why: "id-kp-timeStamping"},
		{name: "TSA certificate carried nowhere", tsa: good, why: "not carried"},
		{name: "TSA certificate only in the signature's x5c", tsa: good, x5cTSA: true, why: "not carried"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var signed []byte
			if tc.x5cTSA {
				signed = signedByKey(t, tc.tsa.cert)
			} else {
				signed = signedByKey(t)
			}
			j, err := Parse(signed, 0)
			if err != nil {
				t.Fatal(err)
			}
			comps := []map[string]any{tstComp("sigTst", tc.tsa.stamp(t, []byte(j.Signature), tc.withCert))}
			if tc.xVals {
				comps = append(comps, xValsOf(tc.tsa.cert))
			}
			v, err := (&Mechanism{}).Verify(context.Background(), withEtsiU(t, signed, comps...), nil, verifyOpts())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tc.counted {
				if v.Details["level"] != LevelBT || !v.Timestamped.Equal(signedAt.Add(time.Minute)) {
					t.Errorf("level %q, Timestamped %v; want B-T at the token's genTime (details %q)", v.Details["level"], v.Timestamped, v.Details)
				}
				if len(v.TimestampChain) == 0 || !v.TimestampChain[0].Equal(tc.tsa.cert) {
					t.Errorf("TimestampChain = %v, want the TSA certificate first", v.TimestampChain)
				}
				return
			}
			if v.Details["level"] != LevelBB || !v.Timestamped.IsZero() || v.TimestampChain != nil {
				t.Errorf("level %q, Timestamped %v, TimestampChain %d; want B-B, none (sigTst %q)", v.Details["level"], v.Timestamped, len(v.TimestampChain), v.Details["sigTst"])
			}
			if note := v.Details["timestamp"]; !strings.Contains(note, "not counted") || !strings.Contains(note, tc.why) {
				t.Errorf("timestamp detail = %q, want why it was not counted (%q)", note, tc.why)
			}
			if strings.Contains(v.Details["sigTst"], "TSA signature valid") {
				t.Errorf("sigTst = %q reads as a counted time-stamp", v.Details["sigTst"])
			}
		})
	}
}
