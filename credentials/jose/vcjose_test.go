package jose

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
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
)

const (
	uni   = "did:example:university"
	other = "did:example:other"
)

func vc2(issuer string, extra string) []byte {
	return []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],` +
		`"issuer":"` + issuer + `",` + extra + `"credentialSubject":{"id":"did:example:student","name":"Ada"}}`)
}

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestVCJWTSignsAndVerifiesEachCurve(t *testing.T) {
	for _, c := range []struct{ kind, alg string }{{"ed25519", EdDSA}, {"p256", ES256}, {"p384", ES384}, {"p521", ES512}} {
		t.Run(c.kind, func(t *testing.T) {
			r := mapResolver{}
			k := newKey(t, c.kind, uni, r)
			doc := vc2(uni, "")
			tok, err := VCJWT{}.Sign(context.Background(), doc, k.signing(), credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := decodePart(t, tok, 0)
			if h["alg"] != c.alg || h["typ"] != "vc+jwt" || h["cty"] != "vc" || h["kid"] != k.id {
				t.Errorf("header = %v", h)
			}
			v, err := VCJWT{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if string(v.Document) != string(doc) || v.Issuer != uni || v.KeyID != k.id || v.Mechanism != "vc+jwt" || v.Details["alg"] != c.alg {
				t.Errorf("verified = %+v", v)
			}
		})
	}
}

func TestVCJWTRefusesKeysItDoesNotSignWith(t *testing.T) {
	for _, kind := range []string{"secp256k1", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			k := newKey(t, kind, uni, nil)
			_, err := VCJWT{}.Sign(context.Background(), vc2(uni, ""), k.signing(), credentials.SignOptions{})
			wantErr(t, err, credentials.ErrUnsupportedKey, "vc+jwt")
		})
	}
}

func TestVCJWTRefusesToSignForAnotherIssuer(t *testing.T) {
	k := newKey(t, "ed25519", other, nil)
	_, err := VCJWT{}.Sign(context.Background(), vc2(uni, ""), k.signing(), credentials.SignOptions{})
	wantErr(t, err, credentials.ErrUnsupportedKey, `key "did:example:other#key-1" is not a key of "did:example:university"`)
}

func TestVCJWTRefusesVC11Documents(t *testing.T) {
	k := newKey(t, "ed25519", uni, nil)
	doc := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"issuer":"did:example:university","issuanceDate":"2020-01-01T00:00:00Z","credentialSubject":{}}`)
	_, err := VCJWT{}.Sign(context.Background(), doc, k.signing(), credentials.SignOptions{})
	wantErr(t, err, credentials.ErrMalformed, "jwt_vc_json")
}

func TestVPJWTBindsNonceAndAudience(t *testing.T) {
	r := mapResolver{}
	k := newKey(t, "p256", "did:example:holder", r)
	vp := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"did:example:holder",` +
		`"verifiableCredential":[{"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential","id":"data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.c2ln"}]}`)
	tok, err := VPJWT{}.Sign(context.Background(), vp, k.signing(), credentials.SignOptions{Challenge: "n-0S6", Domain: "https://verifier.example"})
	if err != nil {
		t.Fatal(err)
	}
	p := decodePart(t, tok, 1)
	if p["nonce"] != "n-0S6" || p["aud"] != "https://verifier.example" || p["holder"] != "did:example:holder" {
		t.Fatalf("payload = %v", p)
	}
	ctx := context.Background()
	if _, err := (VPJWT{}).Verify(ctx, tok, r, credentials.VerifyOptions{Challenge: "n-0S6", Domain: "https://verifier.example"}); err != nil {
		t.Fatal(err)
	}
	_, err = VPJWT{}.Verify(ctx, tok, r, credentials.VerifyOptions{Challenge: "other"})
	wantErr(t, err, credentials.ErrInvalidProof, `nonce "n-0S6" is not the challenge "other"`)
	_, err = VPJWT{}.Verify(ctx, tok, r, credentials.VerifyOptions{Domain: "https://evil.example"})
	wantErr(t, err, credentials.ErrInvalidProof, `does not include the domain "https://evil.example"`)
	_, err = VPJWT{}.Verify(ctx, tok, r, credentials.VerifyOptions{Purpose: "assertionMethod"})
	wantErr(t, err, credentials.ErrInvalidProof, "proof purpose")

	plain, err := VPJWT{}.Sign(ctx, vp, k.signing(), credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = VPJWT{}.Verify(ctx, plain, r, credentials.VerifyOptions{Challenge: "n-0S6"})
	wantErr(t, err, credentials.ErrInvalidProof, "nonce is absent")
}

func TestVPJWTRefusesUnsecuredCredentials(t *testing.T) {
	k := newKey(t, "p256", "did:example:holder", nil)
	vp := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"did:example:holder",` +
		`"verifiableCredential":[{"@context":"https://www.w3.org/ns/credentials/v2","type":"VerifiableCredential","issuer":"did:example:x","credentialSubject":{}}]}`)
	_, err := VPJWT{}.Sign(context.Background(), vp, k.signing(), credentials.SignOptions{})
	wantErr(t, err, credentials.ErrMalformed, "verifiableCredential[0] is not secured")
}

// selfSigned makes a P-256 certificate naming uri as a URI SAN and dns as a
// DNS SAN.
func selfSigned(t *testing.T, uri, dns string) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Test University Seal"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	if uri != "" {
		u, _ := url.Parse(uri)
		tpl.URIs = []*url.URL{u}
	}
	if dns != "" {
		tpl.DNSNames = []string{dns}
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, c
}

func TestVCJWTWithX5cReturnsTheChain(t *testing.T) {
	const issuer = "https://university.example/issuer"
	for _, c := range []struct{ name, uri, dns string }{{"uri-san", issuer, ""}, {"dns-san", "", "university.example"}} {
		t.Run(c.name, func(t *testing.T) {
			key, crt := selfSigned(t, c.uri, c.dns)
			tok, err := VCJWT{}.Sign(context.Background(), vc2(issuer, ""), credentials.SigningKey{Signer: key, Chain: []*x509.Certificate{crt}}, credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			v, err := VCJWT{}.Verify(context.Background(), tok, nil, credentials.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Chain) != 1 || !v.Chain[0].Equal(crt) || v.KeyID != "x5c" || v.Issuer != issuer {
				t.Errorf("verified = %+v", v)
			}
		})
	}
	t.Run("leaf-names-someone-else", func(t *testing.T) {
		key, crt := selfSigned(t, "https://elsewhere.example/", "elsewhere.example")
		tok, err := VCJWT{}.Sign(context.Background(), vc2(issuer, ""), credentials.SigningKey{Signer: key, Chain: []*x509.Certificate{crt}}, credentials.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = VCJWT{}.Verify(context.Background(), tok, nil, credentials.VerifyOptions{})
		wantErr(t, err, credentials.ErrInvalidProof, `does not name "https://university.example/issuer"`)
	})
}

// TestVCJWTRejectsBadInput covers every kind of bad token, each with the
// reason it must give.
func TestVCJWTRejectsBadInput(t *testing.T) {
	r := mapResolver{}
	ed := newKey(t, "ed25519", uni, r)
	p256 := newKey(t, "p256", uni, nil)
	p256.id = uni + "#key-2"
	r.add(p256.id, uni, p256.signer.Public())
	otherKey := newKey(t, "ed25519", other, r)
	// A method listed under the university's DID but controlled by another.
	r.add(uni+"#key-9", other, otherKey.signer.Public())

	hdr := func(alg, kid string, more ...any) map[string]any {
		h := map[string]any{"alg": alg, "typ": "vc+jwt", "kid": kid}
		for i := 0; i+1 < len(more); i += 2 {
			h[more[i].(string)] = more[i+1]
		}
		return h
	}
	doc := vc2(uni, "")
	good, err := VCJWT{}.Sign(context.Background(), doc, ed.signing(), credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(good), ".")
	altered := parts[0] + "." + b64.EncodeToString([]byte(strings.Replace(string(doc), "Ada", "Eve", 1))) + "." + parts[2]
	withClaims := func(claims string) []byte {
		return forge(t, hdr(EdDSA, ed.id), vc2(uni, claims), rawSign(t, ed.signer, EdDSA))
	}
	deep := vc2(uni, `"x":`+strings.Repeat("[", 80)+strings.Repeat("]", 80)+",")
	big := vc2(uni, `"pad":"`+strings.Repeat("a", 5000)+`",`)

	cases := []struct {
		name     string
		m        credentials.Mechanism
		token    []byte
		opts     credentials.VerifyOptions
		sentinel error
		reason   string
	}{
		{"alg none", VCJWT{}, forge(t, hdr("none", ed.id), doc, func([]byte) []byte { return []byte("x") }), credentials.VerifyOptions{}, credentials.ErrInvalidProof, `alg "none": unsecured JWTs are not accepted`},
		{"alg none without signature", VCJWT{}, forge(t, hdr("none", ed.id), doc, nil), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "signature is empty"},
		{"HS256", VCJWT{}, forge(t, hdr("HS256", ed.id), doc, func([]byte) []byte { return make([]byte, 32) }), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "HMAC algorithms are not accepted"},
		{"HS512", VCJWT{}, forge(t, hdr("HS512", ed.id), doc, func([]byte) []byte { return make([]byte, 64) }), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "HMAC"},
		{"RS256 not accepted for vc+jwt", VCJWT{}, forge(t, hdr(RS256, ed.id), doc, func([]byte) []byte { return make([]byte, 256) }), credentials.VerifyOptions{}, credentials.ErrInvalidProof, `alg "RS256" is not accepted for vc+jwt`},
		{"ES256 header, Ed25519 key", VCJWT{}, forge(t, hdr(ES256, ed.id), doc, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "header alg ES256 does not match the key of kid or x5c, which is Ed25519"},
		{"ES384 header, P-256 key", VCJWT{}, forge(t, hdr(ES384, p256.id), doc, rawSign(t, p256.signer, ES384)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "header alg ES384 does not match the key of kid or x5c, which is P-256"},
		{"EdDSA header, P-256 key", VCJWT{}, forge(t, hdr(EdDSA, p256.id), doc, rawSign(t, p256.signer, ES256)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "which is P-256"},
		{"unknown crit", VCJWT{}, forge(t, hdr(EdDSA, ed.id, "crit", []string{"urn:example:policy"}, "urn:example:policy", 1), doc, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, `crit names ["urn:example:policy"]`},
		{"b64 false", VCJWT{}, forge(t, hdr(EdDSA, ed.id, "b64", false), doc, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "unencoded payloads"},
		{"kid does not resolve", VCJWT{}, forge(t, hdr(EdDSA, uni+"#missing"), doc, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrUnknownKey, `kid "did:example:university#missing"`},
		{"kid of another issuer", VCJWT{}, forge(t, hdr(EdDSA, otherKey.id), doc, rawSign(t, otherKey.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, `kid "did:example:other#key-1" is not a key of "did:example:university"`},
		{"kid controlled by another", VCJWT{}, forge(t, hdr(EdDSA, uni+"#key-9"), doc, rawSign(t, otherKey.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, `is a key of "did:example:other", not of "did:example:university"`},
		{"typ JWT", VCJWT{}, forge(t, map[string]any{"alg": EdDSA, "typ": "JWT", "kid": ed.id}, doc, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrMalformed, `header typ "JWT", want "vc+jwt"`},
		{"typ absent", VCJWT{}, forge(t, map[string]any{"alg": EdDSA, "kid": ed.id}, doc, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrMalformed, `header typ "", want "vc+jwt"`},
		{"vc+jwt given to vp+jwt", VPJWT{}, good, credentials.VerifyOptions{}, credentials.ErrMalformed, `header typ "vc+jwt", want "vp+jwt"`},
		{"vc+jwt given to jwt_vc_json", JWTVCJSON{}, good, credentials.VerifyOptions{}, credentials.ErrMalformed, `header typ "vc+jwt", want "JWT" or none`},
		{"payload altered", VCJWT{}, []byte(altered), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "EdDSA signature does not verify"},
		{"signature replaced", VCJWT{}, []byte(parts[0] + "." + parts[1] + "." + b64.EncodeToString(make([]byte, 64))), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "does not verify"},
		{"signature of wrong length", VCJWT{}, []byte(parts[0] + "." + parts[1] + "." + b64.EncodeToString(make([]byte, 63))), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "does not verify"},
		{"expired", VCJWT{}, withClaims(`"exp":1700000000,`), credentials.VerifyOptions{Now: at(fixedNow)}, credentials.ErrExpired, "exp 2023-11-14T22:13:20Z is not after now"},
		{"expired beyond skew", VCJWT{}, withClaims(`"exp":1748779000,`), credentials.VerifyOptions{Now: at(fixedNow), Skew: time.Minute}, credentials.ErrExpired, "skew 1m0s"},
		{"not yet valid", VCJWT{}, withClaims(`"nbf":1900000000,`), credentials.VerifyOptions{Now: at(fixedNow)}, credentials.ErrNotYetValid, "nbf 2030-03-17T17:46:40Z is after now"},
		{"issued in the future", VCJWT{}, withClaims(`"iat":1900000000,`), credentials.VerifyOptions{Now: at(fixedNow)}, credentials.ErrNotYetValid, "iat 2030-03-17T17:46:40Z is in the future"},
		{"exp not a date", VCJWT{}, withClaims(`"exp":true,`), credentials.VerifyOptions{}, credentials.ErrMalformed, "claim exp is not a NumericDate"},
		{"iss differs from issuer", VCJWT{}, withClaims(`"iss":"did:example:other",`), credentials.VerifyOptions{}, credentials.ErrMalformed, `iss "did:example:other" does not match issuer "did:example:university"`},
		{"vp claim", VCJWT{}, withClaims(`"vp":{},`), credentials.VerifyOptions{}, credentials.ErrMalformed, "payload has a vp claim"},
		{"duplicate member", VCJWT{}, forge(t, hdr(EdDSA, ed.id), []byte(`{"issuer":"did:example:other",`+string(doc[1:])), rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrMalformed, `duplicate member name "issuer"`},
		{"too deep", VCJWT{}, forge(t, hdr(EdDSA, ed.id), deep, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrMalformed, "nesting deeper than 64 levels"},
		{"payload over limit", VCJWT{Limits: Limits{MaxPayloadBytes: 4096}}, forge(t, hdr(EdDSA, ed.id), big, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrMalformed, "over the limit"},
		{"header over limit", VCJWT{Limits: Limits{MaxHeaderBytes: 256}}, forge(t, hdr(EdDSA, ed.id, "pad", strings.Repeat("a", 400)), doc, rawSign(t, ed.signer, EdDSA)), credentials.VerifyOptions{}, credentials.ErrMalformed, "protected header of about"},
		{"header not JSON", VCJWT{}, []byte(b64.EncodeToString([]byte("alg")) + "." + parts[1] + "." + parts[2]), credentials.VerifyOptions{}, credentials.ErrMalformed, "protected header"},
		{"payload not base64url", VCJWT{}, []byte(parts[0] + ".*." + parts[2]), credentials.VerifyOptions{}, credentials.ErrMalformed, "payload is not base64url"},
		{"JWE", VCJWT{}, []byte("a.b.c.d.e"), credentials.VerifyOptions{}, credentials.ErrMalformed, "a JWE is not accepted"},
		{"SD-JWT", VCJWT{}, append(append([]byte{}, good...), []byte("~WyJhIiwiYiIsImMiXQ~")...), credentials.VerifyOptions{}, credentials.ErrMalformed, "an SD-JWT is not a compact JWS"},
		{"unsecured JSON", VCJWT{}, doc, credentials.VerifyOptions{}, credentials.ErrMalformed, "input is JSON"},
		{"two parts", VCJWT{}, []byte(parts[0] + "." + parts[1]), credentials.VerifyOptions{}, credentials.ErrMalformed, "2 dot-separated parts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := c.m.Verify(context.Background(), c.token, r, c.opts)
			if v != nil {
				t.Errorf("got a verified result %+v", v)
			}
			wantErr(t, err, c.sentinel, c.reason)
		})
	}
}

func TestVCJWTAcceptsTimesWithinSkew(t *testing.T) {
	r := mapResolver{}
	ed := newKey(t, "ed25519", uni, r)
	// exp one minute ago, nbf and iat one minute ahead: all within a
	// two-minute skew.
	claims := `"exp":1748779140,"nbf":1748779260,"iat":"2025-06-01T12:01:00Z",`
	tok := forge(t, map[string]any{"alg": EdDSA, "typ": "vc+jwt", "kid": ed.id}, vc2(uni, claims), rawSign(t, ed.signer, EdDSA))
	v, err := VCJWT{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{Now: at(fixedNow), Skew: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Signed.Equal(time.Date(2025, 6, 1, 12, 1, 0, 0, time.UTC)) {
		t.Errorf("Signed = %v", v.Signed)
	}
	if _, err := (VCJWT{}).Verify(context.Background(), tok, r, credentials.VerifyOptions{Now: at(fixedNow)}); err == nil {
		t.Error("verified without skew")
	}
}

func TestVCJWTKidWithoutSchemeIsTheIssuers(t *testing.T) {
	r := mapResolver{}
	ed := newKey(t, "ed25519", uni, r)
	for _, kid := range []string{"key-1", "#key-1"} {
		tok := forge(t, map[string]any{"alg": EdDSA, "typ": "vc+jwt", "kid": kid}, vc2(uni, ""), rawSign(t, ed.signer, EdDSA))
		v, err := VCJWT{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{})
		if err != nil {
			t.Fatalf("kid %q: %v", kid, err)
		}
		if v.KeyID != ed.id {
			t.Errorf("kid %q resolved to %q", kid, v.KeyID)
		}
	}
}

func TestParseEnvelopedReadsDataURLs(t *testing.T) {
	for _, c := range []struct{ id, mt, data, err string }{
		{"data:application/vc+jwt,abc.def.ghi", "application/vc+jwt", "abc.def.ghi", ""},
		{"data:application/vc+cose;base64,AAEC", "application/vc+cose", "\x00\x01\x02", ""},
		{"data:application/vc+sd-jwt,a.b.c~d~", "application/vc+sd-jwt", "a.b.c~d~", ""},
		{"data:application/vc,{}", "", "", "not a secured credential type"},
		{"https://example.com/vc", "", "", "not a data: URL"},
		{"data:application/vc+jwt,", "", "", "empty"},
	} {
		e, err := ParseEnveloped(c.id)
		if c.err != "" {
			wantErr(t, err, credentials.ErrMalformed, c.err)
			continue
		}
		if err != nil || e.MediaType != c.mt || string(e.Data) != c.data {
			t.Errorf("%s: got %+v, %v", c.id, e, err)
		}
	}
}

var _ = json.Marshal
