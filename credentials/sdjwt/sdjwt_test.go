package sdjwt

import (
	"context"
	"crypto"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

var t0 = time.Unix(1767225600, 0) // 2026-01-01

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

const degreeClaims = `{
  "vct": "urn:example:degree",
  "exp": 1893456000,
  "given_name": "Ana",
  "birthdate": "1999-10-01",
  "address": {"street": "Instant Street 16", "city": "Dublin"},
  "degrees": [
    {"title": "BSc", "grade": "A", "ects": 180},
    {"title": "MSc", "grade": "B", "ects": 120}
  ],
  "nationalities": ["IE", "IT"]
}`

var degreeFrame = Frame{Disclosable: []Path{
	{"given_name"}, {"birthdate"},
	{"address", "street"}, {"address"}, // recursive: street inside a disclosable address
	{"degrees", nil, "grade"}, {"degrees", nil, "ects"},
	{"nationalities", 1},
}, Decoys: 3}

type fixture struct {
	issuer, holder party
	issued         string
	r              mapResolver
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{issuer: newParty(t, "uni", newP256(t)), holder: newParty(t, "ana", ed25519Key(t))}
	f.r = resolverFor(f.issuer)
	var err error
	f.issued, err = Issue([]byte(degreeClaims), f.issuer.key(), IssueOptions{Frame: degreeFrame, Holder: f.holder.signer.Public(), Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) present(t *testing.T, paths ...Path) string {
	t.Helper()
	p, err := Present(f.issued, PresentOptions{Disclose: paths, Holder: f.holder.signer, Nonce: "n-1", Audience: "https://verifier.example", Now: clock(t0.Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func verifyOpts() credentials.VerifyOptions {
	return credentials.VerifyOptions{Challenge: "n-1", Domain: "https://verifier.example", Now: clock(t0.Add(2 * time.Minute))}
}

func TestIssuedPayloadHidesFramedClaims(t *testing.T) {
	f := newFixture(t)
	sd, err := Parse(f.issued)
	if err != nil {
		t.Fatal(err)
	}
	p := sd.Payload
	for _, hidden := range []string{"given_name", "birthdate", "address"} {
		if _, ok := p[hidden]; ok {
			t.Errorf("%s is visible in the payload", hidden)
		}
	}
	if sd.Header.Typ != "dc+sd-jwt" || sd.Header.Alg != "ES256" || sd.Header.Kid != f.issuer.kid {
		t.Errorf("header %+v", sd.Header)
	}
	if p["iss"] != f.issuer.did || p["_sd_alg"] != "sha-256" || p["iat"] == nil || p["vct"] != "urn:example:degree" {
		t.Errorf("registered claims: iss=%v _sd_alg=%v iat=%v vct=%v", p["iss"], p["_sd_alg"], p["iat"], p["vct"])
	}
	cnf := p["cnf"].(map[string]any)["jwk"].(map[string]any)
	if cnf["kty"] != "OKP" || cnf["crv"] != "Ed25519" {
		t.Errorf("cnf.jwk = %v", cnf)
	}
	// 3 top-level SD claims plus 1..3 decoys.
	if n := len(p["_sd"].([]any)); n < 4 || n > 6 {
		t.Errorf("top-level _sd has %d digests, want 4..6", n)
	}
	degrees := p["degrees"].([]any)
	if d0 := degrees[0].(map[string]any); d0["title"] != "BSc" || d0["grade"] != nil || d0["_sd"] == nil {
		t.Errorf("degrees[0] = %v", d0)
	}
	nat := p["nationalities"].([]any)
	if nat[0] != "IE" || nat[1].(map[string]any)["..."] == nil {
		t.Errorf("nationalities = %v", nat)
	}
	// 2 + address + street + 2*2 degree claims + 1 nationality = 9 disclosures.
	if len(sd.Disclosures) != 9 {
		t.Errorf("%d disclosures, want 9", len(sd.Disclosures))
	}
	for _, d := range sd.Disclosures {
		if raw, _ := b64.DecodeString(d.Salt); len(raw) != 16 {
			t.Errorf("salt %q is not 128 bits", d.Salt)
		}
	}
}

func TestIssuedCredentialVerifiesWithEverythingDisclosed(t *testing.T) {
	f := newFixture(t)
	v, err := Mechanism{}.Verify(context.Background(), []byte(f.issued), f.r, credentials.VerifyOptions{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeMap(t, v.Document)
	if doc["given_name"] != "Ana" || doc["address"].(map[string]any)["street"] != "Instant Street 16" {
		t.Errorf("document %s", v.Document)
	}
	if got := doc["nationalities"].([]any); len(got) != 2 || got[1] != "IT" {
		t.Errorf("nationalities %v", got)
	}
	if doc["degrees"].([]any)[1].(map[string]any)["ects"] != float64(120) {
		t.Errorf("degrees %v", doc["degrees"])
	}
	if v.Issuer != f.issuer.did || v.KeyID != f.issuer.kid || !v.Signed.Equal(t0) || v.Details["key_binding"] != "absent" || v.Details["disclosures"] != "9" {
		t.Errorf("verified %+v", v)
	}
	if !strings.Contains(v.Details["disclosed"], "$.address.street") || !strings.Contains(v.Details["disclosed"], "$.degrees[1].grade") {
		t.Errorf("disclosed = %q", v.Details["disclosed"])
	}
}

func TestPresentationRevealsOnlyWhatIsAsked(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		paths     []Path
		want      []string // disclosed paths
		notInDocs []string
	}{
		{"nothing", nil, nil, []string{"given_name", "address"}},
		{"one claim", []Path{{"given_name"}}, []string{"$.given_name"}, []string{"birthdate"}},
		{"nested claim brings its container", []Path{{"address", "street"}}, []string{"$.address", "$.address.street"}, []string{"given_name"}},
		{"container brings what is inside it", []Path{{"address"}}, []string{"$.address", "$.address.street"}, nil},
		{"every element", []Path{{"degrees", nil, "grade"}}, []string{"$.degrees[0].grade", "$.degrees[1].grade"}, nil},
		{"one element", []Path{{"degrees", 1, "ects"}}, []string{"$.degrees[1].ects"}, nil},
		{"array element", []Path{{"nationalities", 1}}, []string{"$.nationalities[1]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.present(t, tt.paths...)
			v, err := Mechanism{}.Verify(context.Background(), []byte(p), f.r, verifyOpts())
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Details["disclosed"]; got != strings.Join(tt.want, ", ") {
				t.Errorf("disclosed %q, want %q", got, strings.Join(tt.want, ", "))
			}
			if v.Details["key_binding"] != "verified" {
				t.Errorf("key_binding %q", v.Details["key_binding"])
			}
			doc := decodeMap(t, v.Document)
			for _, k := range tt.notInDocs {
				if _, ok := doc[k]; ok {
					t.Errorf("%s present in %s", k, v.Document)
				}
			}
		})
	}
}

func TestSignAndVerifyWithEachAlgorithm(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			var s crypto.Signer
			switch alg {
			case "ES256":
				s = newP256(t)
			case "ES384":
				s = p384(t)
			case "EdDSA":
				s = ed25519Key(t)
			}
			iss := newParty(t, "iss", s)
			m := Mechanism{Frame: Frame{Disclosable: []Path{{"name"}}}}
			out, err := m.Sign(context.Background(), []byte(`{"vct":"urn:x","name":"Ana"}`), iss.key(), credentials.SignOptions{Now: clock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			sd, _ := Parse(string(out))
			if sd.Header.Alg != alg {
				t.Fatalf("alg %s", sd.Header.Alg)
			}
			v, err := m.Verify(context.Background(), out, resolverFor(iss), credentials.VerifyOptions{Now: clock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			if decodeMap(t, v.Document)["name"] != "Ana" {
				t.Fatalf("document %s", v.Document)
			}
		})
	}
}

func TestIssueRefusesBadClaimsAndFrames(t *testing.T) {
	iss := newParty(t, "uni", newP256(t))
	tests := []struct {
		name, claims string
		frame        []Path
		want         string
	}{
		{"no vct", `{"a":1}`, nil, "lack vct"},
		{"not an object", `[1]`, nil, "not a JSON object"},
		{"reserved _sd in claims", `{"vct":"x","o":{"_sd":[]}}`, nil, "reserved name"},
		{"reserved ... in claims", `{"vct":"x","...":1}`, nil, "reserved name"},
		{"_sd_alg in claims", `{"vct":"x","_sd_alg":"sha-256"}`, nil, "_sd_alg"},
		{"iss of another DID", `{"vct":"x","iss":"did:example:other"}`, nil, "not the DID"},
		{"missing path", `{"vct":"x","a":1}`, []Path{{"b"}}, "does not exist"},
		{"missing index", `{"vct":"x","a":[1]}`, []Path{{"a", 3}}, "does not exist"},
		{"vct not disclosable", `{"vct":"x"}`, []Path{{"vct"}}, "never selectively disclosable"},
		{"cnf not disclosable", `{"vct":"x","cnf":{}}`, []Path{{"cnf"}}, "never selectively disclosable"},
		{"status sub-claim not disclosable", `{"vct":"x","status":{"status_list":{"idx":1,"uri":"https://x.example/sl"}}}`, []Path{{"status", "status_list"}}, "never selectively disclosable"},
		{"path through a string", `{"vct":"x","a":"s"}`, []Path{{"a", "b"}}, "neither an object nor an array"},
		{"index into an object", `{"vct":"x","a":{"b":1}}`, []Path{{"a", 0}}, "not an array"},
		{"reserved path step", `{"vct":"x","a":{}}`, []Path{{"a", "_sd"}}, "reserved name"},
		// Errors deep inside name where, the path walked so far included.
		{"missing deep path", `{"vct":"x","a":[{"b":1},{"b":{"c":2}}]}`, []Path{{"a", 1, "b", "d"}}, "claim $.a[1].b.d does not exist"},
		{"reserved name deep", `{"vct":"x","a":[1,{"b":{"...":2}}]}`, nil, `$.a[1].b uses the reserved name "..."`},
		{"path through a number deep", `{"vct":"x","a":[{"b":1}]}`, []Path{{"a", 0, "b", "c"}}, "$.a[0].b is neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Issue([]byte(tt.claims), iss.key(), IssueOptions{Frame: Frame{Disclosable: tt.frame}})
			if !errors.Is(err, credentials.ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrMalformed with %q", err, tt.want)
			}
		})
	}
	if _, err := Issue([]byte(`{"vct":"x"}`), credentials.SigningKey{Signer: newP256(t)}, IssueOptions{}); !errors.Is(err, credentials.ErrMalformed) {
		t.Errorf("no iss and no DID: %v", err)
	}
}

func TestPresentRefusesAnotherHolderKey(t *testing.T) {
	f := newFixture(t)
	_, err := Present(f.issued, PresentOptions{Holder: ed25519Key(t), Nonce: "n", Audience: "a"})
	if !errors.Is(err, credentials.ErrUnsupportedKey) || !strings.Contains(err.Error(), "cnf.jwk") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Present(f.issued, PresentOptions{Holder: f.holder.signer}); !errors.Is(err, credentials.ErrMalformed) {
		t.Fatalf("KB without nonce: %v", err)
	}
}

func TestPathStringRoundTrips(t *testing.T) {
	for _, s := range []string{"$.a", "$.a.b[0]", "$.degrees[*].grade", `$["odd.name"].x`, "$.vct#integrity"} {
		p, err := ParsePath(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if p.String() != s {
			t.Errorf("ParsePath(%q).String() = %q", s, p.String())
		}
	}
	if p, err := ParsePath("credentialSubject.dateOfBirth"); err != nil || len(p) != 2 || p[1] != "dateOfBirth" {
		t.Errorf("without $: %v %v", p, err)
	}
	for _, bad := range []string{"", "$", "a..b", "a[x]", "a[-1]", "a[1"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted", bad)
		}
	}
}
