package sdjwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

func sampleELM(t testing.TB) []byte {
	return reftest.Read(t, "elm", "Sample-MC-Annex1-unsigned.jsonld")
}

func TestMapELMSampleMicroCredential(t *testing.T) {
	m, err := MapELM(sampleELM(t))
	if err != nil {
		t.Fatal(err)
	}
	c := decodeMap(t, mustJSON(t, m.Claims))
	ach := c["achievements"].([]any)[0].(map[string]any)
	checks := []struct {
		what      string
		got, want any
	}{
		{"vct", c["vct"], VCTELM},
		{"title", c["title"], map[string]any{"en": "Micro-Credential"}},
		{"issuer name", c["issuer"].(map[string]any)["name"], map[string]any{"en": "University of Zed"}},
		{"issuer country", c["issuer"].(map[string]any)["country"], "IRL"},
		{"nbf", c["nbf"], float64(time.Date(2022, 12, 31, 23, 0, 0, 0, time.UTC).Unix())},
		{"birthdate", c["holder"].(map[string]any)["birthdate"], "1999-10-01T22:00:00Z"},
		{"email", c["holder"].(map[string]any)["email"], "ana.andromeda@email.com"},
		{"achievement title", ach["title"], map[string]any{"en": "Digital micro-credential creation"}},
		{"awarding body", ach["awarding_body"].(map[string]any)["name"], map[string]any{"en": "University of Zed"}},
		{"eqf", ach["eqf_level"], float64(6)},
		{"isced-f", ach["isced_f"], nil}, // checked below
		{"ects", ach["ects"], float64(2)},
	}
	for _, ch := range checks {
		if ch.what == "isced-f" {
			if l, _ := ch.got.([]any); len(l) == 0 || l[len(l)-1] != "0688" {
				t.Errorf("isced_f = %v, want it to end with 0688", ch.got)
			}
			continue
		}
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.what, ch.got, ch.want)
		}
	}

	iss, holder := newParty(t, "uniz", newP256(t)), newParty(t, "ana", newP256(t))
	claims := mustJSON(t, m.Claims)
	issued, err := Issue(claims, iss.key(), IssueOptions{Frame: m.Frame, Holder: holder.signer.Public(), Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := Parse(issued)
	payload := string(sd.jws.payload)
	for _, secret := range []string{"1999-10-01", "Andromeda", "LA-234218"} {
		if strings.Contains(payload, secret) {
			t.Errorf("issuer-signed payload shows %q", secret)
		}
	}
	if !strings.Contains(payload, "University of Zed") || !strings.Contains(payload, `"eqf_level":6`) {
		t.Error("always-disclosed claims missing from the payload")
	}
	// The holder shows the birth date only; ECTS and the other personal
	// data stay hidden, title, awarding body and level stay visible.
	p, err := Present(issued, PresentOptions{Disclose: []Path{{"holder", "birthdate"}}, Holder: holder.signer, Nonce: "n", Audience: "aud", Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Mechanism{}.Verify(context.Background(), []byte(p), resolverFor(iss), credentials.VerifyOptions{Challenge: "n", Domain: "aud", Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeMap(t, v.Document)
	h := doc["holder"].(map[string]any)
	a := doc["achievements"].([]any)[0].(map[string]any)
	if h["birthdate"] == nil || h["family_name"] != nil || a["ects"] != nil || a["eqf_level"] != float64(6) || a["awarding_body"] == nil {
		t.Errorf("presented document %s", v.Document)
	}
	if v.Details["disclosed"] != "$.holder.birthdate" {
		t.Errorf("disclosed %q", v.Details["disclosed"])
	}
}

func TestMapELMDC4EURoundTrips(t *testing.T) {
	src := sampleELM(t)
	m, err := MapELMDC4EU(src)
	if err != nil {
		t.Fatal(err)
	}
	if m.Claims["vct"] != VCTDC4EUELM || m.Claims["jti"] != "urn:credential:3ef0ac26-9a1f-41c6-871b-2b82e670907b" {
		t.Fatalf("claims vct=%v jti=%v", m.Claims["vct"], m.Claims["jti"])
	}
	var paths []string
	for _, p := range m.Frame.Disclosable {
		paths = append(paths, p.String())
	}
	want := "$.elm.credentialSubject.givenName.en $.elm.credentialSubject.familyName.en $.elm.credentialSubject.hasClaim.awardedBy.awardingBody.legalName.en"
	if strings.Join(paths, " ") != want {
		t.Fatalf("frame %v", paths)
	}
	iss, holder := newParty(t, "uniz", newP256(t)), newParty(t, "ana", newP256(t))
	issued, err := Issue(mustJSON(t, m.Claims), iss.key(), IssueOptions{Frame: m.Frame, Holder: holder.signer.Public(), Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := Parse(issued)
	gn := sd.Payload["elm"].(map[string]any)["credentialSubject"].(map[string]any)["givenName"].(map[string]any)
	if gn["en"] != nil || gn["_sd"] == nil {
		t.Fatalf("givenName in the payload = %v", gn)
	}
	v, err := Mechanism{}.Verify(context.Background(), []byte(issued), resolverFor(iss), credentials.VerifyOptions{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	elm, err := ELMFromDC4EU(v.Document)
	if err != nil {
		t.Fatal(err)
	}
	var got, orig any
	_ = json.Unmarshal(elm, &got)
	_ = json.Unmarshal(src, &orig)
	if !reflect.DeepEqual(got, orig) {
		t.Fatal("the ELM credential did not survive issue and verify unchanged")
	}
	if _, err := ELMFromDC4EU([]byte(`{"vct":"urn:other","elm":{}}`)); err == nil {
		t.Error("another vct accepted")
	}
	if e, err := ELMFromDC4EU([]byte(`{"vct":"urn:eudi:elm:1","elm":"{\"id\":\"x\"}"}`)); err != nil || string(e) != `{"id":"x"}` {
		t.Errorf("elm as a string: %s, %v", e, err)
	}
}

// A credential built the way the DC4EU pilot issuer (dc4eu/vc,
// pkg/sdjwtvc BuildCredential) builds one - header with kid and a vctm
// member, jti/nbf/exp/iss/vct/cnf claims, ELM under elm with the names'
// "und" values disclosable, disclosures marshalled by encoding/json - built
// here by hand, not by Issue, verifies and yields its ELM document.
func TestDC4EUPilotShapedCredentialVerifiesHere(t *testing.T) {
	issuer, holder := newP256(t), newP256(t)
	jwk, _ := PublicJWK(holder.Public())
	mk := func(name, value string) (string, string) {
		raw, _ := json.Marshal([]any{"QmxhbmRhIG1lZCBzYWx0", name, value})
		enc := b64.EncodeToString(raw)
		sum := sha256.Sum256([]byte(enc))
		return enc, b64.EncodeToString(sum[:])
	}
	gEnc, gDig := mk("und", "Marit")
	fEnc, fDig := mk("und", "Berg")
	payload := map[string]any{
		"nbf": t0.Unix(), "exp": t0.Add(365 * 24 * time.Hour).Unix(),
		"iss": "https://issuer.dc4eu.example", "jti": "5e7a981c-c03f-11ee-b116-9b12c59362b9",
		"vct": "urn:eudi:elm:1", "_sd_alg": "sha-256", "cnf": map[string]any{"jwk": jwk},
		"elm": map[string]any{
			"@context": []any{"https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"},
			"type":     []any{"VerifiableCredential", "EuropeanDigitalCredential"},
			"credentialSubject": map[string]any{
				"givenName":   map[string]any{"_sd": []any{gDig}},
				"familyName":  map[string]any{"_sd": []any{fDig}},
				"dateOfBirth": "1951-11-11T00:00:00",
			},
		},
	}
	header := map[string]any{"alg": "ES256", "typ": "dc+sd-jwt", "kid": "dc4eu-issuer-1", "vctm": []any{"eyJ2Y3QiOiJ1cm46ZXVkaTplbG06MSJ9"}}
	hb, pb := mustJSON(t, header), mustJSON(t, payload)
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(pb)
	sig := es256(t, issuer, input)
	cred := input + "." + sig + "~" + gEnc + "~" + fEnc + "~"
	r := mapResolver{"dc4eu-issuer-1": {ID: "dc4eu-issuer-1", Controller: "https://issuer.dc4eu.example", Key: issuer.Public()}}
	v, err := Mechanism{}.Verify(context.Background(), []byte(cred), r, credentials.VerifyOptions{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	elm, err := ELMFromDC4EU(v.Document)
	if err != nil {
		t.Fatal(err)
	}
	subj := decodeMap(t, elm)["credentialSubject"].(map[string]any)
	if subj["givenName"].(map[string]any)["und"] != "Marit" || subj["familyName"].(map[string]any)["und"] != "Berg" {
		t.Fatalf("credentialSubject %v", subj)
	}
	if v.Details["disclosed"] != "$.elm.credentialSubject.familyName.und, $.elm.credentialSubject.givenName.und" {
		t.Errorf("disclosed %q", v.Details["disclosed"])
	}
}

// What Diplomat issues under the DC4EU mapping has what the pilot's verifier
// (dc4eu/vc pkg/sdjwtvc ParseAndVerify) checks: typ dc+sd-jwt, an ES256
// JWT, a string vct, three-element disclosures, an EC cnf.jwk, and a KB-JWT
// whose sd_hash is SHA-256 over "<jwt>~<d1>~...~<dn>~".
func TestDC4EUOutputHasWhatThePilotVerifierChecks(t *testing.T) {
	m, err := MapELMDC4EU(sampleELM(t))
	if err != nil {
		t.Fatal(err)
	}
	iss, holder := newParty(t, "uniz", newP256(t)), newP256(t)
	issued, err := Issue(mustJSON(t, m.Claims), iss.key(), IssueOptions{Frame: m.Frame, Holder: holder.Public(), Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Present(issued, PresentOptions{Disclose: []Path{{"elm"}}, Holder: holder, Nonce: "n", Audience: "https://verifier.dc4eu.example", Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(p, "~")
	hdr := decodeMap(t, mustB64(t, strings.Split(parts[0], ".")[0]))
	claims := decodeMap(t, mustB64(t, strings.Split(parts[0], ".")[1]))
	if hdr["typ"] != "dc+sd-jwt" || hdr["alg"] != "ES256" {
		t.Errorf("header %v", hdr)
	}
	if vct, ok := claims["vct"].(string); !ok || vct != VCTDC4EUELM {
		t.Errorf("vct %v", claims["vct"])
	}
	jwk := claims["cnf"].(map[string]any)["jwk"].(map[string]any)
	if jwk["kty"] != "EC" || jwk["x"] == nil || jwk["y"] == nil {
		t.Errorf("cnf.jwk %v", jwk)
	}
	ds := parts[1 : len(parts)-1]
	if len(ds) != 3 {
		t.Fatalf("%d disclosures presented, want 3", len(ds))
	}
	for _, d := range ds {
		var arr []any
		if err := json.Unmarshal(mustB64(t, d), &arr); err != nil || len(arr) != 3 {
			t.Errorf("disclosure %s is not [salt, name, value]", mustB64(t, d))
		}
	}
	sum := sha256.Sum256([]byte(parts[0] + "~" + strings.Join(ds, "~") + "~"))
	kb := decodeMap(t, mustB64(t, strings.Split(parts[len(parts)-1], ".")[1]))
	if kb["sd_hash"] != b64.EncodeToString(sum[:]) || kb["nonce"] != "n" || kb["aud"] != "https://verifier.dc4eu.example" {
		t.Errorf("KB-JWT claims %v", kb)
	}
}

// es256 signs input independently of the package's JWS code.
func es256(t testing.TB, k *ecdsa.PrivateKey, input string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return b64.EncodeToString(sig)
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
