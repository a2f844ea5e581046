package jose

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

func vc11(issuer, extra string) []byte {
	return []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],` +
		`"issuer":"` + issuer + `",` + extra + `"issuanceDate":"2024-09-01T10:00:00Z","credentialSubject":{"id":"did:example:student","name":"Ada"}}`)
}

// generatedVectors reads vc-jwt-1.1/generated/vectors.json and a resolver
// for its did:key.
func generatedVectors(t *testing.T) (map[string]json.RawMessage, mapResolver) {
	t.Helper()
	var v map[string]json.RawMessage
	if err := json.Unmarshal(reftest.Read(t, "vectors/vc-jwt-1.1/generated/vectors.json"), &v); err != nil {
		t.Fatal(err)
	}
	var key struct {
		PublicJWK json.RawMessage `json:"publicJwk"`
		DID       string          `json:"did"`
		Kid       string          `json:"kid"`
	}
	if err := json.Unmarshal(v["key"], &key); err != nil {
		t.Fatal(err)
	}
	pub, err := PublicKeyFromJWK(key.PublicJWK)
	if err != nil {
		t.Fatal(err)
	}
	r := mapResolver{}
	r.add(key.Kid, key.DID, pub)
	return v, r
}

func TestJWTVCGeneratedVectorsVerify(t *testing.T) {
	vectors, r := generatedVectors(t)
	const did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	now := at(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	t.Run("vc.jwt", func(t *testing.T) {
		v, err := JWTVCJSON{}.Verify(context.Background(), reftest.Read(t, "vectors/vc-jwt-1.1/generated/vc.jwt"), r, credentials.VerifyOptions{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if v.Issuer != did || v.KeyID != did+"#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2" || v.Details["alg"] != EdDSA {
			t.Errorf("verified = %+v", v)
		}
		// Our §6.3.1 decoding against did-jwt-vc's, property by property.
		var got, want map[string]any
		_ = json.Unmarshal(v.Document, &got)
		_ = json.Unmarshal(vectors["didJwtVcVerifiedCredential"], &want)
		if got["issuer"] != want["issuer"].(map[string]any)["id"] {
			t.Errorf("issuer = %v, did-jwt-vc says %v", got["issuer"], want["issuer"])
		}
		for _, p := range []string{"issuanceDate", "expirationDate"} {
			g, _ := time.Parse(time.RFC3339, got[p].(string))
			w, _ := time.Parse(time.RFC3339, want[p].(string))
			if !g.Equal(w) {
				t.Errorf("%s = %v, did-jwt-vc says %v", p, got[p], want[p])
			}
		}
		if got["id"] != want["id"] || got["credentialSubject"].(map[string]any)["id"] != want["credentialSubject"].(map[string]any)["id"] {
			t.Errorf("id/credentialSubject.id = %v/%v, want %v/%v", got["id"], got["credentialSubject"], want["id"], want["credentialSubject"])
		}
	})
	t.Run("vp.jwt", func(t *testing.T) {
		tok := reftest.Read(t, "vectors/vc-jwt-1.1/generated/vp.jwt")
		opts := credentials.VerifyOptions{Now: now, Challenge: "660!6345FSer", Domain: "did:example:verifier"}
		v, err := JWTVPJSON{}.Verify(context.Background(), tok, r, opts)
		if err != nil {
			t.Fatal(err)
		}
		var vp struct {
			Holder string   `json:"holder"`
			VCs    []string `json:"verifiableCredential"`
		}
		if err := json.Unmarshal(v.Document, &vp); err != nil {
			t.Fatal(err)
		}
		if vp.Holder != did || len(vp.VCs) != 1 || !v.Signed.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("presentation = %s", v.Document)
		}
		if _, err := (JWTVCJSON{}).Verify(context.Background(), []byte(vp.VCs[0]), r, credentials.VerifyOptions{Now: now}); err != nil {
			t.Errorf("the credential inside: %v", err)
		}
		opts.Challenge = "replayed"
		_, err = JWTVPJSON{}.Verify(context.Background(), tok, r, opts)
		wantErr(t, err, credentials.ErrInvalidProof, `nonce "660!6345FSer" is not the challenge "replayed"`)
	})
}

// The VC 1.1 spec examples and the vc-test-suite's JWT are signed with
// keys nobody published: they must parse, and fail only for want of the
// key (or because their kid is not the issuer's).
func TestJWTVCSpecExamplesParse(t *testing.T) {
	ws := regexp.MustCompile(`\s+`)
	for _, c := range []struct {
		file     string
		vp       bool
		sentinel error
	}{
		{"vcdm-1.1-spec-examples/ex29-verifiable-credential-using-jwt-compact-serialization-non-normative.txt", false, credentials.ErrInvalidProof},
		{"vcdm-1.1-spec-examples/ex32-verifiable-presentation-using-jwt-compact-serialization-non-normative.txt", true, credentials.ErrInvalidProof},
		{"vc-test-suite/test/vc-data-model-1.0/input/example-016-jwt.jwt", false, credentials.ErrUnknownKey},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			tok := ws.ReplaceAll(reftest.Read(t, "vectors/vc-jwt-1.1", c.file), nil)
			h, err := ParseHeader(tok, Limits{})
			if err != nil || h.Alg != RS256 || h.Typ != "JWT" || !strings.HasPrefix(h.Kid, "did:example:") {
				t.Fatalf("header = %+v, %v", h, err)
			}
			parsed, err := parseCompact(tok, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			claims, err := claimsOf(parsed.payload)
			if err != nil {
				t.Fatal(err)
			}
			claim := map[bool]string{false: "vc", true: "vp"}[c.vp]
			if _, err := objectClaim(claims, claim); err != nil {
				t.Fatal(err)
			}
			var m credentials.Mechanism = JWTVCJSON{}
			if c.vp {
				m = JWTVPJSON{}
			}
			_, err = m.Verify(context.Background(), tok, mapResolver{}, credentials.VerifyOptions{})
			if errors.Is(err, credentials.ErrMalformed) || !errors.Is(err, c.sentinel) {
				t.Fatalf("verify = %v, want only %v", err, c.sentinel)
			}
		})
	}
	t.Run("header-and-payload-examples", func(t *testing.T) {
		for _, f := range []string{"ex27-jwt-header-of-a-jwt-based-verifiable-credential-using-jws-as-a-proof-n.json", "ex30-jwt-header-of-a-jwt-based-verifiable-presentation-non-normative.json"} {
			raw := reftest.Read(t, "vectors/vc-jwt-1.1/vcdm-1.1-spec-examples", f)
			h, err := ParseHeader([]byte(b64.EncodeToString(raw)+"."), Limits{})
			if err != nil || h.Alg != RS256 {
				t.Errorf("%s: %+v, %v", f, h, err)
			}
		}
		raw := reftest.Read(t, "vectors/vc-jwt-1.1/vcdm-1.1-spec-examples", "ex28-jwt-payload-of-a-jwt-based-verifiable-credential-using-jws-as-a-proof-.json")
		claims, err := claimsOf(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkTimes(claims, credentials.VerifyOptions{Now: at(time.Unix(1541493800, 0))}); err != nil {
			t.Errorf("ex28 times: %v", err)
		}
	})
}

// The vc-test-suite's inputs, issued as its generator would (with its
// published ES256K key), must carry the claims its 50-jwt.js checks, and
// decode back to the same properties.
func TestJWTVCEncodesVCTestSuiteInputs(t *testing.T) {
	var cfg struct {
		JWT struct {
			Key json.RawMessage `json:"es256kPrivateKeyJwk"`
		} `json:"jwt"`
	}
	if err := json.Unmarshal(reftest.Read(t, "vectors/vc-jwt-1.1/vc-test-suite/config.json.jwt.example"), &cfg); err != nil {
		t.Fatal(err)
	}
	var j struct{ D string }
	_ = json.Unmarshal(cfg.JWT.Key, &j)
	d, _ := b64.DecodeString(j.D)
	signer := NewSecp256k1Signer(secp256kFromBytes(d))
	const issuer, holder = "https://example.edu/issuers/14", "did:example:ebfeb1f712ebc6f1c276e12ec21"
	r := mapResolver{}
	r.add(issuer+"#verikey-1", issuer, signer.Public())
	r.add(holder+"#verikey-1", holder, signer.Public())
	now := at(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))
	dir := "vectors/vc-jwt-1.1/vc-test-suite/test/vc-data-model-1.0/input"
	for _, f := range []string{"example-016-jwt.jsonld", "example-016-jwt-no-exp.jsonld", "example-016-jwt-no-jti.jsonld", "example-016-jwt-with-embedded-proof.jsonld",
		"example-016-jwt-presentation.jsonld", "example-016-jwt-presentation-no-jti.jsonld", "example-016-jwt-presentation-no-iss.jsonld"} {
		t.Run(f, func(t *testing.T) {
			input := reftest.Read(t, dir, f)
			var in map[string]any
			_ = json.Unmarshal(input, &in)
			vp := strings.Contains(f, "presentation")
			var m credentials.Mechanism = JWTVCJSON{}
			id := issuer + "#verikey-1"
			if vp {
				m, id = JWTVPJSON{}, holder+"#verikey-1"
			}
			tok, err := m.Sign(context.Background(), input, credentials.SigningKey{Signer: signer, ID: id}, credentials.SignOptions{Now: now, Domain: "did:example:0xcafe"})
			if err != nil {
				t.Fatal(err)
			}
			claims := decodePart(t, tok, 1)
			if in["id"] != nil && claims["jti"] != in["id"] || in["id"] == nil && claims["jti"] != nil {
				t.Errorf("jti = %v, id = %v", claims["jti"], in["id"])
			}
			if vp {
				if claims["iss"] != holder || claims["aud"] != "did:example:0xcafe" || claims["vp"] == nil || claims["vc"] != nil {
					t.Errorf("claims = %v", claims)
				}
			} else {
				sub := in["credentialSubject"].(map[string]any)["id"]
				nbf, _ := time.Parse(time.RFC3339, in["issuanceDate"].(string))
				if claims["iss"] != issuer || claims["sub"] != sub || claims["nbf"] != float64(nbf.Unix()) || claims["vc"] == nil {
					t.Errorf("claims = %v", claims)
				}
				if exp, ok := in["expirationDate"].(string); ok {
					e, _ := time.Parse(time.RFC3339, exp)
					if claims["exp"] != float64(e.Unix()) {
						t.Errorf("exp = %v, expirationDate %v", claims["exp"], exp)
					}
				} else if claims["exp"] != nil {
					t.Errorf("exp = %v without expirationDate", claims["exp"])
				}
			}
			v, err := m.Verify(context.Background(), tok, r, credentials.VerifyOptions{Now: now, Domain: "did:example:0xcafe"})
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			_ = json.Unmarshal(v.Document, &out)
			for _, p := range []string{"id", "issuer", "issuanceDate", "expirationDate", "holder"} {
				if in[p] != nil && out[p] != in[p] {
					t.Errorf("decoded %s = %v, input %v", p, out[p], in[p])
				}
			}
			if f == "example-016-jwt-presentation-no-iss.jsonld" && out["holder"] != holder {
				t.Errorf("holder = %v, want the key's DID", out["holder"])
			}
		})
	}
}

func TestJWTVCClaimMappingBothWays(t *testing.T) {
	r := mapResolver{}
	k := newKey(t, "p256", "did:example:ebsi-issuer", r)
	doc := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"id":"urn:uuid:42","type":["VerifiableCredential","VerifiableAttestation"],` +
		`"issuer":{"id":"did:example:ebsi-issuer","name":"Uni"},"issuanceDate":"2024-09-01T10:00:00Z","expirationDate":"2034-09-01T10:00:00Z",` +
		`"credentialSubject":{"id":"did:example:student","achieved":"MSc"}}`)
	issuedAt := time.Date(2024, 9, 1, 10, 0, 5, 0, time.UTC)
	tok, err := JWTVCJSON{}.Sign(context.Background(), doc, k.signing(), credentials.SignOptions{Now: at(issuedAt)})
	if err != nil {
		t.Fatal(err)
	}
	h, c := decodePart(t, tok, 0), decodePart(t, tok, 1)
	if h["alg"] != ES256 || h["typ"] != "JWT" || h["kid"] != k.id {
		t.Errorf("header = %v", h)
	}
	want := map[string]any{"iss": "did:example:ebsi-issuer", "sub": "did:example:student", "jti": "urn:uuid:42",
		"nbf": float64(1725184800), "exp": float64(2040717600), "iat": float64(issuedAt.Unix())}
	for name, w := range want {
		if c[name] != w {
			t.Errorf("claim %s = %v, want %v", name, c[name], w)
		}
	}
	if vc, _ := c["vc"].(map[string]any); vc["issuanceDate"] != "2024-09-01T10:00:00Z" {
		t.Errorf("vc claim = %v, want the whole credential", c["vc"])
	}
	v, err := JWTVCJSON{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{Now: at(issuedAt)})
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal(v.Document, &out)
	if out["issuer"].(map[string]any)["name"] != "Uni" || out["issuer"].(map[string]any)["id"] != "did:example:ebsi-issuer" ||
		out["issuanceDate"] != "2024-09-01T10:00:00Z" || out["expirationDate"] != "2034-09-01T10:00:00Z" || out["id"] != "urn:uuid:42" {
		t.Errorf("decoded = %s", v.Document)
	}
	if !v.Signed.Equal(issuedAt) || v.Issuer != "did:example:ebsi-issuer" {
		t.Errorf("Signed = %v, Issuer = %q", v.Signed, v.Issuer)
	}
}

// A JWT whose claims carry what the vc claim leaves out decodes into the
// full credential (§6.3.1 decoding), VC 2.0 dates included.
func TestJWTVCDecodesClaimsIntoTheCredential(t *testing.T) {
	r := mapResolver{}
	k := newKey(t, "ed25519", "did:example:i", r)
	for _, c := range []struct{ name, vc, from, until string }{
		{"vc11", `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"credentialSubject":[{"name":"Ada"}]}`, "issuanceDate", "expirationDate"},
		{"vc20", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"credentialSubject":[{"name":"Ada"}]}`, "validFrom", "validUntil"},
	} {
		t.Run(c.name, func(t *testing.T) {
			payload := `{"iss":"did:example:i","sub":"did:example:s","jti":"urn:x","nbf":1700000000,"exp":1900000000,"vc":` + c.vc + `}`
			tok := forge(t, map[string]any{"alg": EdDSA, "typ": "JWT", "kid": k.id}, []byte(payload), rawSign(t, k.signer, EdDSA))
			v, err := JWTVCJSON{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{Now: at(fixedNow)})
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			_ = json.Unmarshal(v.Document, &out)
			subj := out["credentialSubject"].([]any)[0].(map[string]any)
			if out["issuer"] != "did:example:i" || out["id"] != "urn:x" || subj["id"] != "did:example:s" ||
				out[c.from] != "2023-11-14T22:13:20Z" || out[c.until] != "2030-03-17T17:46:40Z" {
				t.Errorf("decoded = %s", v.Document)
			}
		})
	}
}

func TestJWTVCSigningAlgorithms(t *testing.T) {
	for _, c := range []struct{ kind, alg string }{{"p256", ES256}, {"secp256k1", ES256K}, {"ed25519", EdDSA}} {
		t.Run(c.kind, func(t *testing.T) {
			r := mapResolver{}
			k := newKey(t, c.kind, "did:example:i", r)
			tok, err := JWTVCJSON{}.Sign(context.Background(), vc11("did:example:i", ""), k.signing(), credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if h := decodePart(t, tok, 0); h["alg"] != c.alg {
				t.Errorf("alg = %v", h["alg"])
			}
			if _, err := (JWTVCJSON{}).Verify(context.Background(), tok, r, credentials.VerifyOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, kind := range []string{"rsa", "p384"} {
		t.Run("refuses-"+kind, func(t *testing.T) {
			k := newKey(t, kind, "did:example:i", nil)
			_, err := JWTVCJSON{}.Sign(context.Background(), vc11("did:example:i", ""), k.signing(), credentials.SignOptions{})
			wantErr(t, err, credentials.ErrUnsupportedKey, "jwt_vc_json")
		})
	}
}

// RS256 and PS256 tokens of other issuers verify; an RS256 header over an
// EC key, or an RSA key under 2048 bits, do not.
func TestJWTVCVerifiesRSA(t *testing.T) {
	r := mapResolver{}
	rk := newKey(t, "rsa", "did:example:rsa", r)
	ec := newKey(t, "p256", "did:example:ec", r)
	payload := func(iss string) []byte {
		return []byte(`{"iss":"` + iss + `","vc":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"credentialSubject":{}}}`)
	}
	for _, alg := range []string{RS256, PS256} {
		tok := forge(t, map[string]any{"alg": alg, "typ": "JWT", "kid": rk.id}, payload("did:example:rsa"), rawSign(t, rk.signer, alg))
		v, err := JWTVCJSON{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{})
		if err != nil || v.Details["alg"] != alg {
			t.Errorf("%s: %v", alg, err)
		}
	}
	tok := forge(t, map[string]any{"alg": RS256, "typ": "JWT", "kid": ec.id}, payload("did:example:ec"), rawSign(t, ec.signer, ES256))
	_, err := JWTVCJSON{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{})
	wantErr(t, err, credentials.ErrInvalidProof, "header alg RS256 does not match the key of kid or x5c, which is P-256")
	tok = forge(t, map[string]any{"alg": PS256, "typ": "JWT", "kid": rk.id}, payload("did:example:rsa"), rawSign(t, rk.signer, RS256))
	_, err = JWTVCJSON{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{})
	wantErr(t, err, credentials.ErrInvalidProof, "PS256 signature does not verify")
}

func TestJWTVCRejectsBadInput(t *testing.T) {
	r := mapResolver{}
	k := newKey(t, "p256", "did:example:i", r)
	otherKey := newKey(t, "p256", "did:example:o", r)
	sign := func(header map[string]any, payload string) []byte {
		return forge(t, header, []byte(payload), rawSign(t, k.signer, ES256))
	}
	jwt := map[string]any{"alg": ES256, "typ": "JWT", "kid": k.id}
	vcOK := `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:s"}}`
	cases := []struct {
		name     string
		m        credentials.Mechanism
		token    []byte
		opts     credentials.VerifyOptions
		sentinel error
		reason   string
	}{
		{"typ vc+jwt", JWTVCJSON{}, sign(map[string]any{"alg": ES256, "typ": "vc+jwt", "kid": k.id}, `{"iss":"did:example:i","vc":`+vcOK+`}`), credentials.VerifyOptions{}, credentials.ErrMalformed, `header typ "vc+jwt", want "JWT" or none`},
		{"no vc claim", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i"}`), credentials.VerifyOptions{}, credentials.ErrMalformed, "payload has no vc claim"},
		{"vc not an object", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i","vc":"x"}`), credentials.VerifyOptions{}, credentials.ErrMalformed, "claim vc is not a JSON object"},
		{"vp claim in a credential", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i","vc":`+vcOK+`,"vp":{}}`), credentials.VerifyOptions{}, credentials.ErrMalformed, "has a vp claim"},
		{"no issuer", JWTVCJSON{}, sign(jwt, `{"vc":`+vcOK+`}`), credentials.VerifyOptions{}, credentials.ErrMalformed, "neither iss nor vc.issuer"},
		{"iss and vc.issuer differ", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i","vc":{"issuer":"did:example:o","credentialSubject":{}}}`), credentials.VerifyOptions{}, credentials.ErrMalformed, `iss "did:example:i" does not match vc.issuer "did:example:o"`},
		{"sub and subject differ", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i","sub":"did:example:x","vc":`+vcOK+`}`), credentials.VerifyOptions{}, credentials.ErrMalformed, `sub "did:example:x" does not match`},
		{"jti and id differ", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i","jti":"urn:a","vc":{"id":"urn:b","credentialSubject":{}}}`), credentials.VerifyOptions{}, credentials.ErrMalformed, `jti "urn:a" does not match vc.id "urn:b"`},
		{"key of another issuer", JWTVCJSON{}, forge(t, map[string]any{"alg": ES256, "kid": otherKey.id}, []byte(`{"iss":"did:example:i","vc":`+vcOK+`}`), rawSign(t, otherKey.signer, ES256)), credentials.VerifyOptions{}, credentials.ErrInvalidProof, `is not a key of "did:example:i"`},
		{"expired", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i","exp":1700000000,"vc":`+vcOK+`}`), credentials.VerifyOptions{Now: at(fixedNow)}, credentials.ErrExpired, "exp 2023-11-14T22:13:20Z"},
		{"not yet valid", JWTVCJSON{}, sign(jwt, `{"iss":"did:example:i","nbf":1900000000,"vc":`+vcOK+`}`), credentials.VerifyOptions{Now: at(fixedNow), Skew: time.Hour}, credentials.ErrNotYetValid, "nbf 2030-03-17T17:46:40Z"},
		{"alg none", JWTVCJSON{}, forge(t, map[string]any{"alg": "none"}, []byte(`{"iss":"did:example:i","vc":`+vcOK+`}`), func([]byte) []byte { return []byte{0} }), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "unsecured"},
		{"HS256", JWTVCJSON{}, forge(t, map[string]any{"alg": "HS256", "kid": k.id}, []byte(`{"iss":"did:example:i","vc":`+vcOK+`}`), func([]byte) []byte { return make([]byte, 32) }), credentials.VerifyOptions{}, credentials.ErrInvalidProof, "HMAC"},
		{"ES384 not accepted", JWTVCJSON{}, sign(map[string]any{"alg": ES384, "kid": k.id}, `{"iss":"did:example:i","vc":`+vcOK+`}`), credentials.VerifyOptions{}, credentials.ErrInvalidProof, `alg "ES384" is not accepted for jwt_vc_json`},
		{"vp without nonce", JWTVPJSON{}, sign(jwt, `{"iss":"did:example:i","vp":{"type":["VerifiablePresentation"]}}`), credentials.VerifyOptions{Challenge: "c"}, credentials.ErrInvalidProof, "nonce is absent"},
		{"vp wrong aud", JWTVPJSON{}, sign(jwt, `{"iss":"did:example:i","aud":["did:example:a","did:example:b"],"vp":{"type":["VerifiablePresentation"]}}`), credentials.VerifyOptions{Domain: "did:example:c"}, credentials.ErrInvalidProof, `does not include the domain "did:example:c"`},
		{"vp holder differs", JWTVPJSON{}, sign(jwt, `{"iss":"did:example:i","vp":{"holder":"did:example:o"}}`), credentials.VerifyOptions{}, credentials.ErrMalformed, `does not match vp.holder`},
		{"vp unsecured credential", JWTVPJSON{}, sign(jwt, `{"iss":"did:example:i","vp":{"verifiableCredential":[{"type":"VerifiableCredential"}]}}`), credentials.VerifyOptions{}, credentials.ErrMalformed, "verifiableCredential[0] is not secured"},
		{"credential given as presentation", JWTVPJSON{}, sign(jwt, `{"iss":"did:example:i","vc":`+vcOK+`}`), credentials.VerifyOptions{}, credentials.ErrMalformed, "has a vc claim"},
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
