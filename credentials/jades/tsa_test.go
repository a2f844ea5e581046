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
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(77),
		Subject:      pkix.Name{CommonName: "Diplomat Test TSA"},
		NotBefore:    signedAt.Add(-time.Hour),
		NotAfter:     signedAt.Add(24 * time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
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
		{"B-T, TSA certificate nowhere", []map[string]any{sigTstNoCert}, LevelBT, "TSA signature not checked: TSA certificate not carried"},
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
