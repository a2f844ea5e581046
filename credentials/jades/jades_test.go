package jades

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

func verifyOpts() credentials.VerifyOptions { return credentials.VerifyOptions{Now: fixedNow} }

// The three EDC signed samples verify cryptographically; their seals are test
// certificates, so trust is left to the verifier.
func TestVerifyEDCSamplesSignatureValid(t *testing.T) {
	cases := []struct {
		path          []string
		subjectCN     string
		subjectOrg    string
		issuerCN      string
		signed        time.Time
		issuer        string
		xValsCerts    int
		chainAtLeast  int
		documentStart string
	}{
		{
			path:       []string{"elm", "Sample-MC-Annex1-signed.jsonld"},
			subjectCN:  "TEST SEAL",
			subjectOrg: "ORGANIZACION TEST",
			issuerCN:   "ANF AC Qualified Certificates for eSeal",
			signed:     time.Date(2023, 9, 27, 11, 54, 17, 0, time.UTC),
			issuer:     "urn:epass:org:1f0de2587-9348-4fa9-b4d7-a77e34a9ac8a",
			xValsCerts: 4, chainAtLeast: 5,
			documentStart: `{"id":"urn:credential:1018d05f-21d5-4555-b7f0-8fabfd22ca75"`,
		},
		{
			path:       []string{"elm", "Sample-CertOfPart-signed.jsonld"},
			subjectCN:  "TEST SEAL",
			subjectOrg: "ORGANIZACION TEST",
			issuerCN:   "ANF AC Qualified Certificates for eSeal",
			signed:     time.Date(2023, 9, 27, 12, 7, 1, 0, time.UTC),
			issuer:     "urn:epass:org:193a287f8-fdb3-42a6-9da4-caf52f539992",
			xValsCerts: 4, chainAtLeast: 5,
			documentStart: `{"id":"urn:credential:43662fb0-c31c-4afb-b501-e85aea91c0a8"`,
		},
		{
			path:       []string{"elm", "edci", "credential-signed.jsonld"},
			subjectCN:  "Nombre Servicio Sellado TEST",
			subjectOrg: "Certificado TEST Sello Electronico",
			issuerCN:   "ANF Assured ID CA1",
			signed:     time.Date(2022, 12, 21, 18, 50, 21, 0, time.UTC),
			issuer:     "http://example.org/issuer565049",
			xValsCerts: 5, chainAtLeast: 6,
			documentStart: `{"id":"urn:credential:b033bfd3-0b87-4916-924b-3c81fc1dbd83"`,
		},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.path, "/"), func(t *testing.T) {
			data := reftest.Read(t, tc.path...)
			v, err := (&Mechanism{}).Verify(context.Background(), data, nil, credentials.VerifyOptions{})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			leaf := v.Chain[0]
			if leaf.Subject.CommonName != tc.subjectCN || !slices.Equal(leaf.Subject.Organization, []string{tc.subjectOrg}) {
				t.Errorf("signing certificate subject = %q, want CN=%q O=%q", leaf.Subject, tc.subjectCN, tc.subjectOrg)
			}
			if leaf.Issuer.CommonName != tc.issuerCN {
				t.Errorf("signing certificate issuer CN = %q, want %q", leaf.Issuer.CommonName, tc.issuerCN)
			}
			if _, ok := v.Key.(*rsa.PublicKey); !ok {
				t.Errorf("Key is %T, want the seal's RSA key", v.Key)
			}
			if !v.Signed.Equal(tc.signed) {
				t.Errorf("Signed = %v, want sigT %v", v.Signed, tc.signed)
			}
			if v.Issuer != tc.issuer {
				t.Errorf("Issuer = %q, want %q", v.Issuer, tc.issuer)
			}
			if v.Mechanism != "jades" {
				t.Errorf("Mechanism = %q", v.Mechanism)
			}
			if !bytes.HasPrefix(v.Document, []byte(tc.documentStart)) {
				t.Errorf("Document starts %q", v.Document[:60])
			}
			if len(v.Chain) < tc.chainAtLeast {
				t.Errorf("Chain has %d certificates, want x5c and xVals (%d or more)", len(v.Chain), tc.chainAtLeast)
			}
			d := v.Details
			if d["level"] != LevelBLTA {
				t.Errorf("level = %q, want B-LTA", d["level"])
			}
			// The sealing TSA is not the sealer: its sigTst counts, a little
			// after the claimed sigT.
			if ts := v.Timestamped; ts.Before(tc.signed) || ts.After(tc.signed.Add(time.Hour)) || len(v.TimestampChain) == 0 || v.TimestampChain[0].Equal(leaf) {
				t.Errorf("Timestamped = %v (sigT %v), TSA chain of %d", ts, tc.signed, len(v.TimestampChain))
			}
			if d["signature"] != "valid (RS256)" {
				t.Errorf("signature = %q", d["signature"])
			}
			for _, ts := range []string{"sigTst", "arcTst", "adoTst"} {
				if !strings.Contains(d[ts], "imprint matches") || !strings.Contains(d[ts], "TSA signature valid") {
					t.Errorf("%s = %q, want a checked imprint and TSA signature", ts, d[ts])
				}
			}
			if want := "certificates"; !strings.HasPrefix(d["xVals"], strconv.Itoa(tc.xValsCerts)+" "+want) {
				t.Errorf("xVals = %q, want %d certificates", d["xVals"], tc.xValsCerts)
			}
			if !strings.Contains(d["rVals"], "CRLs: 1") || !strings.Contains(d["rVals"], "OCSP responses: 1") {
				t.Errorf("rVals = %q", d["rVals"])
			}
			if !strings.Contains(d["signer.subject"], "CN="+tc.subjectCN) || !strings.Contains(d["signer.issuer"], "CN="+tc.issuerCN) {
				t.Errorf("signer details = %q / %q", d["signer.subject"], d["signer.issuer"])
			}
		})
	}
}

func signELM(t testing.TB, m *Mechanism, key credentials.SigningKey) (doc, signed []byte) {
	t.Helper()
	doc = reftest.Read(t, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	signed, err := m.Sign(context.Background(), doc, key, credentials.SignOptions{Now: fixedNow})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return doc, signed
}

func TestSignedELMVerifies(t *testing.T) {
	cases := []struct {
		kind, rsaAlg, wantAlg string
	}{
		{"rsa", "", "RS256"},
		{"rsa", "PS256", "PS256"},
		{"p256", "", "ES256"},
		{"p384", "", "ES384"},
	}
	for _, tc := range cases {
		t.Run(tc.wantAlg, func(t *testing.T) {
			key := newSeal(t, tc.kind)
			m := &Mechanism{RSAAlgorithm: tc.rsaAlg}
			doc, signed := signELM(t, m, key)
			v, err := m.Verify(context.Background(), signed, nil, verifyOpts())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !bytes.Equal(v.Document, doc) {
				t.Error("Document differs from the signed credential")
			}
			if !v.Signed.Equal(signedAt) {
				t.Errorf("Signed = %v, want %v", v.Signed, signedAt)
			}
			if !v.Chain[0].Equal(key.Chain[0]) || len(v.Chain) != 1 {
				t.Errorf("Chain = %d certificates, want the seal's", len(v.Chain))
			}
			if v.Details["level"] != LevelBB || v.Details["signature"] != "valid ("+tc.wantAlg+")" {
				t.Errorf("level %q, signature %q", v.Details["level"], v.Details["signature"])
			}
			if v.Details["signer.validAtSigT"] != "yes" {
				t.Errorf("signer.validAtSigT = %q", v.Details["signer.validAtSigT"])
			}
			if v.Issuer == "" || !strings.HasPrefix(v.Issuer, "urn:epass:org:") {
				t.Errorf("Issuer = %q", v.Issuer)
			}
			kid, _ := issuerSerial(key.Chain[0])
			if v.KeyID != kid {
				t.Errorf("KeyID = %q, want the IssuerSerial %q", v.KeyID, kid)
			}
		})
	}
}

// Our output has the members the EDC samples have: general serialization,
// the same protected header members (less adoTst, which needs a TSA) and the
// same crit (less adoTst).
func TestSignedELMHasEDCShape(t *testing.T) {
	sample := envelope(t, reftest.Read(t, "elm", "Sample-MC-Annex1-signed.jsonld"))
	_, signed := signELM(t, &Mechanism{}, newSeal(t, "rsa"))
	ours := envelope(t, signed)

	if got, want := slices.Sorted(maps.Keys(ours)), slices.Sorted(maps.Keys(sample)); !slices.Equal(got, want) {
		t.Errorf("envelope members = %v, sample has %v", got, want)
	}
	sampleSig := sample["signatures"].([]any)[0].(map[string]any)
	oursSig := ours["signatures"].([]any)[0].(map[string]any)
	if got := slices.Sorted(maps.Keys(oursSig)); !slices.Equal(got, []string{"protected", "signature"}) {
		t.Errorf("signature members = %v", got)
	}
	sh := b64urlJSON(t, sampleSig["protected"].(string))
	oh := b64urlJSON(t, oursSig["protected"].(string))
	delete(sh, "adoTst")
	if got, want := slices.Sorted(maps.Keys(oh)), slices.Sorted(maps.Keys(sh)); !slices.Equal(got, want) {
		t.Errorf("protected header members = %v, sample has %v (less adoTst)", got, want)
	}
	for _, k := range []string{"alg", "cty", "typ", "b64"} {
		if oh[k] != sh[k] {
			t.Errorf("%s = %v, sample has %v", k, oh[k], sh[k])
		}
	}
	var sampleCrit []string
	for _, c := range sh["crit"].([]any) {
		if c != "adoTst" {
			sampleCrit = append(sampleCrit, c.(string))
		}
	}
	var oursCrit []string
	for _, c := range oh["crit"].([]any) {
		oursCrit = append(oursCrit, c.(string))
	}
	if !slices.Equal(oursCrit, sampleCrit) {
		t.Errorf("crit = %v, sample has %v", oursCrit, sampleCrit)
	}
	// The payload is the credential itself, as a JSON string (b64 false).
	if p, ok := ours["payload"].(string); !ok || !strings.HasPrefix(p, "{") {
		t.Errorf("payload is not the unencoded credential")
	}
}

// A flattened serialization and a base64url payload (b64 absent) are
// accepted too.
func TestVerifyAcceptsFlattenedAndEncodedPayload(t *testing.T) {
	key := newSeal(t, "p256")
	_, signed := signELM(t, &Mechanism{}, key)
	env := envelope(t, signed)
	sig := env["signatures"].([]any)[0].(map[string]any)
	flat := mustJSON(t, map[string]any{"payload": env["payload"], "protected": sig["protected"], "signature": sig["signature"]})

	h := testHeader(t, key, "ES256")
	delete(h, "b64")
	h["crit"] = []string{"sigT"}
	encoded := signWithHeader(t, key, "ES256", h, []byte(`{"issuer":"did:example:1"}`))

	for name, data := range map[string][]byte{"flattened": flat, "b64 true": encoded} {
		t.Run(name, func(t *testing.T) {
			v, err := (&Mechanism{}).Verify(context.Background(), data, nil, verifyOpts())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Issuer == "" {
				t.Error("no issuer")
			}
		})
	}
}

func TestSignRejectsUnusableKeys(t *testing.T) {
	rsaKey := newSeal(t, "rsa")
	p256 := newSeal(t, "p256")
	cases := map[string]struct {
		key credentials.SigningKey
		m   Mechanism
		doc string
		err error
	}{
		"no certificate":         {credentials.SigningKey{Signer: rsaKey.Signer}, Mechanism{}, `{}`, credentials.ErrUnsupportedKey},
		"certificate of another": {credentials.SigningKey{Signer: rsaKey.Signer, Chain: p256.Chain}, Mechanism{}, `{}`, credentials.ErrUnsupportedKey},
		"RSA 1024":               {newSeal(t, "rsa1024"), Mechanism{}, `{}`, credentials.ErrUnsupportedKey},
		"P-521":                  {newSeal(t, "p521"), Mechanism{}, `{}`, credentials.ErrUnsupportedKey},
		"unknown RSA algorithm":  {rsaKey, Mechanism{RSAAlgorithm: "RS1"}, `{}`, credentials.ErrUnsupportedKey},
		"not JSON":               {rsaKey, Mechanism{}, `{"a":`, credentials.ErrMalformed},
		"not UTF-8":              {rsaKey, Mechanism{}, "{\"a\":\"\xff\"}", credentials.ErrMalformed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tc.m.Sign(context.Background(), []byte(tc.doc), tc.key, credentials.SignOptions{})
			if !errors.Is(err, tc.err) {
				t.Fatalf("Sign error = %v, want %v", err, tc.err)
			}
		})
	}
}

// Bad input is rejected with the sentinel a caller branches on and a reason
// naming the place.
func TestVerifyRejectsBadInput(t *testing.T) {
	key := newSeal(t, "rsa")
	doc, signed := signELM(t, &Mechanism{}, key)
	env := envelope(t, signed)
	sig0 := env["signatures"].([]any)[0].(map[string]any)

	withEnv := func(f func(env map[string]any, sig map[string]any)) []byte {
		e := envelope(t, signed)
		f(e, e["signatures"].([]any)[0].(map[string]any))
		return mustJSON(t, e)
	}
	header := func(f func(h map[string]any)) []byte {
		h := testHeader(t, key, "RS256")
		f(h)
		return signWithHeader(t, key, "RS256", h, doc)
	}
	other := newSeal(t, "rsa")
	p256 := newSeal(t, "p256")
	weak := newSeal(t, "rsa1024")

	cases := []struct {
		name  string
		data  []byte
		m     Mechanism
		err   error
		where string
	}{
		{"one payload character altered", withEnv(func(e, _ map[string]any) {
			p := e["payload"].(string)
			i := strings.Index(p, "Generic")
			e["payload"] = p[:i] + "G" + strings.ToUpper(p[i+1:i+2]) + p[i+2:]
		}), Mechanism{}, credentials.ErrInvalidProof, "signature"},
		{"protected header altered", withEnv(func(_, s map[string]any) {
			h := b64urlJSON(t, s["protected"].(string))
			h["sigT"] = "2026-03-01T09:29:59Z"
			s["protected"] = b64url(mustJSON(t, h))
		}), Mechanism{}, credentials.ErrInvalidProof, "signature"},
		{"signature altered", withEnv(func(_, s map[string]any) {
			v := []byte(s["signature"].(string))
			if v[10] == 'A' {
				v[10] = 'B'
			} else {
				v[10] = 'A'
			}
			s["signature"] = string(v)
		}), Mechanism{}, credentials.ErrInvalidProof, "signature"},
		{"unknown crit", header(func(h map[string]any) {
			h["crit"] = []string{"b64", "sigT", "exp2"}
			h["exp2"] = 1
		}), Mechanism{}, credentials.ErrMalformed, "crit"},
		{"crit names an absent parameter", header(func(h map[string]any) { h["crit"] = []string{"b64", "sigT", "adoTst"} }), Mechanism{}, credentials.ErrMalformed, "crit"},
		{"crit names a registered parameter", header(func(h map[string]any) { h["crit"] = []string{"b64", "sigT", "alg"} }), Mechanism{}, credentials.ErrMalformed, "crit"},
		{"b64 false not critical", header(func(h map[string]any) { h["crit"] = []string{"sigT"} }), Mechanism{}, credentials.ErrMalformed, "crit"},
		{"empty crit", header(func(h map[string]any) { h["crit"] = []string{} }), Mechanism{}, credentials.ErrMalformed, "crit"},
		{"x5t#S256 of another certificate", header(func(h map[string]any) {
			h["x5t#S256"] = testHeader(t, other, "RS256")["x5t#S256"]
		}), Mechanism{}, credentials.ErrInvalidProof, "x5t#S256"},
		{"kid of another certificate", header(func(h map[string]any) {
			o := newSealSerial(t, other, 99)
			h["kid"] = mustIssuerSerial(t, o)
		}), Mechanism{}, credentials.ErrInvalidProof, "kid"},
		{"ES256 with an RSA certificate", header(func(h map[string]any) { h["alg"] = "ES256" }), Mechanism{}, credentials.ErrInvalidProof, "alg"},
		{"RS256 with an EC certificate", signWithHeader(t, p256, "ES256", func() map[string]any {
			h := testHeader(t, p256, "RS256")
			return h
		}(), doc), Mechanism{}, credentials.ErrInvalidProof, "alg"},
		{"ES384 with a P-256 certificate", signWithHeader(t, p256, "ES256", testHeader(t, p256, "ES384"), doc), Mechanism{}, credentials.ErrInvalidProof, "alg"},
		{"alg none", header(func(h map[string]any) { h["alg"] = "none" }), Mechanism{}, credentials.ErrInvalidProof, "alg"},
		{"alg HS256", header(func(h map[string]any) { h["alg"] = "HS256" }), Mechanism{}, credentials.ErrInvalidProof, "alg"},
		{"alg missing", header(func(h map[string]any) { delete(h, "alg") }), Mechanism{}, credentials.ErrMalformed, "alg"},
		{"RSA key under 2048 bits", signWithHeader(t, weak, "RS256", testHeader(t, weak, "RS256"), doc), Mechanism{}, credentials.ErrUnsupportedKey, "x5c"},
		{"no x5c", header(func(h map[string]any) { delete(h, "x5c") }), Mechanism{}, credentials.ErrUnknownKey, "x5c"},
		{"x5c not base64", header(func(h map[string]any) { h["x5c"] = []string{"MII*"} }), Mechanism{}, credentials.ErrMalformed, "x5c[0]"},
		{"typ of a compact JWT", header(func(h map[string]any) { h["typ"] = "JWT" }), Mechanism{}, credentials.ErrMalformed, "typ"},
		{"sigT in the future", header(func(h map[string]any) { h["sigT"] = "2026-03-02T00:00:00Z" }), Mechanism{}, credentials.ErrNotYetValid, "sigT"},
		{"sigT not a time", header(func(h map[string]any) { h["sigT"] = "yesterday" }), Mechanism{}, credentials.ErrMalformed, "sigT"},
		{"detached sigD", header(func(h map[string]any) { h["sigD"] = map[string]any{"mId": "http://uri.etsi.org/19182/ObjectIdByURI"} }), Mechanism{}, credentials.ErrMalformed, "sigD"},
		{"crit in the unprotected header", withEnv(func(_, s map[string]any) { s["header"] = map[string]any{"crit": []string{"x"}} }), Mechanism{}, credentials.ErrMalformed, "header.crit"},
		{"header member in both", withEnv(func(_, s map[string]any) { s["header"] = map[string]any{"kid": "x"} }), Mechanism{}, credentials.ErrMalformed, "header.kid"},
		{"etsiU not an array", withEnv(func(_, s map[string]any) { s["header"] = map[string]any{"etsiU": "x"} }), Mechanism{}, credentials.ErrMalformed, "etsiU"},
		{"etsiU component not base64url", withEnv(func(_, s map[string]any) { s["header"] = map[string]any{"etsiU": []string{"e30*"}} }), Mechanism{}, credentials.ErrMalformed, "etsiU[0]"},
		{"malformed JSON", []byte(`{"payload":"{}","signatures":[`), Mechanism{}, credentials.ErrMalformed, ""},
		{"not an object", []byte(`["payload"]`), Mechanism{}, credentials.ErrMalformed, ""},
		{"duplicate member", []byte(`{"payload":"{}","payload":"{}","signatures":[]}`), Mechanism{}, credentials.ErrMalformed, ""},
		{"compact serialization", []byte(`"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"`), Mechanism{}, credentials.ErrMalformed, ""},
		{"protected not base64url", withEnv(func(_, s map[string]any) { s["protected"] = "eyJ+" }), Mechanism{}, credentials.ErrMalformed, "protected"},
		{"protected not JSON", withEnv(func(_, s map[string]any) { s["protected"] = b64url([]byte("alg")) }), Mechanism{}, credentials.ErrMalformed, "protected"},
		{"signature not base64url", withEnv(func(_, s map[string]any) { s["signature"] = "a+b/" }), Mechanism{}, credentials.ErrMalformed, "signature"},
		{"detached payload", withEnv(func(e, _ map[string]any) { delete(e, "payload") }), Mechanism{}, credentials.ErrMalformed, "payload"},
		{"two signatures", withEnv(func(e, s map[string]any) { e["signatures"] = []any{s, sig0} }), Mechanism{}, credentials.ErrMalformed, "signatures"},
		{"no signatures", withEnv(func(e, _ map[string]any) { e["signatures"] = []any{} }), Mechanism{}, credentials.ErrMalformed, "signatures"},
		{"general and flattened mixed", withEnv(func(e, s map[string]any) { e["signature"] = s["signature"] }), Mechanism{}, credentials.ErrMalformed, ""},
		{"oversized", signed, Mechanism{MaxBytes: 64 << 10}, credentials.ErrMalformed, ""},
		{"nested too deep", []byte(`{"payload":"{}","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`), Mechanism{}, credentials.ErrMalformed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.Verify(context.Background(), tc.data, nil, verifyOpts())
			if !errors.Is(err, tc.err) {
				t.Fatalf("Verify error = %v, want %v", err, tc.err)
			}
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("error %v is not a *jades.Error", err)
			}
			if !strings.Contains(je.Where, tc.where) {
				t.Errorf("error %q: where = %q, want it to name %q", err, je.Where, tc.where)
			}
			t.Log(err)
		})
	}
}

func newSealSerial(t testing.TB, key credentials.SigningKey, serial int64) *x509.Certificate {
	t.Helper()
	c := *key.Chain[0]
	c.SerialNumber = big.NewInt(serial)
	return &c
}

func mustIssuerSerial(t testing.TB, c *x509.Certificate) string {
	t.Helper()
	s, err := issuerSerial(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Time-stamps are checked: a token moved from one place to another no
// longer matches what it stamps, and a TSA signature altered does not verify.
func TestVerifyRejectsBadTimestamps(t *testing.T) {
	data := reftest.Read(t, "elm", "Sample-MC-Annex1-signed.jsonld")
	env := envelope(t, data)
	sig := env["signatures"].([]any)[0].(map[string]any)
	etsiU := sig["header"].(map[string]any)["etsiU"].([]any)
	comp := func(i int) map[string]any { return b64urlJSON(t, etsiU[i].(string)) }

	rebuild := func(f func(u []any)) []byte {
		e := envelope(t, data)
		s := e["signatures"].([]any)[0].(map[string]any)
		u := slices.Clone(s["header"].(map[string]any)["etsiU"].([]any))
		f(u)
		s["header"] = map[string]any{"etsiU": u}
		return mustJSON(t, e)
	}
	swapped := rebuild(func(u []any) {
		sigTst := comp(0)
		sigTst["sigTst"] = comp(3)["arcTst"]
		u[0] = b64url(mustJSON(t, sigTst))
	})
	corrupted := rebuild(func(u []any) {
		c := comp(0)
		tok := c["sigTst"].(map[string]any)["tstTokens"].([]any)[0].(map[string]any)
		der, err := decodeStdBase64(tok["val"].(string))
		if err != nil {
			t.Fatal(err)
		}
		der[len(der)-1] ^= 0x40 // the SignerInfo signature ends the token
		tok["val"] = stdB64(der)
		u[0] = b64url(mustJSON(t, c))
	})
	reordered := rebuild(func(u []any) { u[1], u[2] = u[2], u[1] }) // arcTst covers the order

	cases := []struct {
		name, reason string
		data         []byte
	}{
		{"sigTst token of arcTst", "etsiU[0].sigTst.tstTokens[0]: message imprint does not match", swapped},
		{"TSA signature altered", "etsiU[0].sigTst.tstTokens[0]: time-stamp token: the TSA's signature does not verify", corrupted},
		{"etsiU reordered before arcTst", "etsiU[3].arcTst.tstTokens[0]: message imprint does not match", reordered},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := (&Mechanism{}).Verify(context.Background(), tc.data, nil, credentials.VerifyOptions{})
			if !errors.Is(err, credentials.ErrInvalidProof) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("Verify error = %v, want ErrInvalidProof saying %q", err, tc.reason)
			}
		})
	}
}

func TestVerifyHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Mechanism{}).Verify(ctx, []byte(`{}`), nil, verifyOpts()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify error = %v, want context.Canceled", err)
	}
}

func TestVerifyReturnsECKeyForECSeal(t *testing.T) {
	key := newSeal(t, "p256")
	_, signed := signELM(t, &Mechanism{}, key)
	v, err := (&Mechanism{}).Verify(context.Background(), signed, nil, verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !key.Signer.Public().(*ecdsa.PublicKey).Equal(v.Key) {
		t.Error("Key is not the seal's public key")
	}
	var hdr map[string]json.RawMessage
	j, _ := Parse(signed, 0)
	hdr = j.Header.Members
	if string(hdr["b64"]) != "false" {
		t.Errorf("b64 = %s", hdr["b64"])
	}
}

// Member names of the signature object are matched exactly (RFC 8259 names
// are case-sensitive): encoding/json's case folding would let a member such
// as "PROTECTED" stand in for "protected", so that this reader and another
// disagree on what was signed. Unknown members of a signature object are
// refused; so are names at the top level that differ from a JWS member only
// by case.
func TestParseMatchesMemberNamesExactly(t *testing.T) {
	key := newSeal(t, "p256")
	_, signed := signELM(t, &Mechanism{}, key)
	e := envelope(t, signed)
	s := e["signatures"].([]any)[0].(map[string]any)
	protected, signature := s["protected"].(string), s["signature"].(string)
	payload, _ := json.Marshal(e["payload"])
	none := b64url([]byte(`{"alg":"none"}`))
	q := func(s string) string { return strconv.Quote(s) }
	general := func(sig string) []byte {
		return []byte(`{"payload":` + string(payload) + `,"signatures":[` + sig + `]}`)
	}
	cases := map[string][]byte{
		// The exact "protected" says alg none; a case-folding reader takes
		// the later "PROTECTED" and verifies the seal's signature.
		"PROTECTED after protected":      general(`{"protected":` + q(none) + `,"PROTECTED":` + q(protected) + `,"signature":` + q(signature) + `}`),
		"Protected instead of protected": general(`{"Protected":` + q(protected) + `,"signature":` + q(signature) + `}`),
		"Signature instead of signature": general(`{"protected":` + q(protected) + `,"Signature":` + q(signature) + `}`),
		"unknown member":                 general(`{"protected":` + q(protected) + `,"signature":` + q(signature) + `,"extra":1}`),
		"top-level Signatures":           []byte(`{"payload":` + string(payload) + `,"Signatures":[{"protected":` + q(protected) + `,"signature":` + q(signature) + `}],"protected":` + q(protected) + `,"signature":` + q(signature) + `}`),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := (&Mechanism{}).Verify(context.Background(), data, nil, verifyOpts())
			if !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("Verify error = %v, want ErrMalformed", err)
			}
		})
	}
	// The exact form still verifies.
	if _, err := (&Mechanism{}).Verify(context.Background(), general(`{"protected":`+q(protected)+`,"signature":`+q(signature)+`}`), nil, verifyOpts()); err != nil {
		t.Fatalf("exact members: %v", err)
	}
}
