package sdjwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// The reference vectors are the examples of RFC 9901 (draft -22) and of the
// SD-JWT VC draft, extracted with their issuer and holder keys; see
// ../shared/reference/SOURCES.md.

var vectorDirs = []string{"rfc9901-draft22", "sd-jwt-vc-draft"}

type vectorIndex struct {
	IssuerPublicJwk map[string]any `json:"issuerPublicJwk"`
	Results         []struct {
		File                 string            `json:"file"`
		Kind                 string            `json:"kind"`
		Header               map[string]string `json:"header"`
		IssuerSignatureValid bool              `json:"issuerSignatureValid"`
		DisclosureCount      int               `json:"disclosureCount"`
		KbJwtSignatureValid  bool              `json:"kbJwtSignatureValid"`
		KbPayload            *struct {
			Nonce  string `json:"nonce"`
			Aud    string `json:"aud"`
			Iat    int64  `json:"iat"`
			SDHash string `json:"sd_hash"`
		} `json:"kbPayload"`
	} `json:"results"`
}

type vectorKeys struct {
	Issuer map[string]any `json:"issuer"`
	Holder map[string]any `json:"holder"`
}

func readJSON(t *testing.T, v any, rel ...string) {
	t.Helper()
	if err := json.Unmarshal(reftest.Read(t, rel...), v); err != nil {
		t.Fatalf("%s: %v", strings.Join(rel, "/"), err)
	}
}

func TestReferenceExamplesVerify(t *testing.T) {
	var keys vectorKeys
	readJSON(t, &keys, "vectors", "sd-jwt", "keys.json")
	for _, dir := range vectorDirs {
		var idx vectorIndex
		readJSON(t, &idx, "vectors", "sd-jwt", dir, "index.json")
		issuerKey, err := parsePublicJWK(idx.IssuerPublicJwk)
		if err != nil {
			t.Fatal(err)
		}
		pub := map[string]any{}
		for k, v := range keys.Holder {
			if k != "d" {
				pub[k] = v
			}
		}
		holderKey, err := parsePublicJWK(pub)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range idx.Results {
			t.Run(dir+"/"+ex.File, func(t *testing.T) {
				s := strings.TrimSpace(string(reftest.Read(t, "vectors", "sd-jwt", dir, ex.File)))
				if ex.Kind == "issuer-signed-jwt" {
					s += "~" // a bare issuer-signed JWT is an SD-JWT with no disclosures
				}
				sd, err := Parse(s)
				if err != nil {
					t.Fatal(err)
				}
				if sd.String() != s {
					t.Fatal("String does not reproduce the input")
				}
				if sd.Header.Alg != ex.Header["alg"] || sd.Header.Typ != ex.Header["typ"] || sd.Header.Kid != ex.Header["kid"] {
					t.Fatalf("header = %+v, want %v", sd.Header, ex.Header)
				}
				if err := sd.VerifySignature(issuerKey); (err == nil) != ex.IssuerSignatureValid {
					t.Fatalf("VerifySignature: %v, index says valid=%v", err, ex.IssuerSignatureValid)
				}
				proc, err := sd.Process()
				if err != nil {
					t.Fatal(err)
				}
				if len(proc.Disclosed) != ex.DisclosureCount {
					t.Fatalf("%d disclosures processed, index says %d", len(proc.Disclosed), ex.DisclosureCount)
				}
				for _, dc := range proc.Disclosed {
					if got := digest(sd.hash, dc.Disclosure.Encoded); got != dc.Disclosure.Digest {
						t.Fatalf("digest of %s recomputed as %s, parsed as %s", dc.Path, got, dc.Disclosure.Digest)
					}
				}
				if _, has := proc.Claims["_sd"]; has {
					t.Fatal("processed claims still hold _sd")
				}
				if ex.KbPayload == nil {
					if sd.KeyBinding != "" {
						t.Fatal("unexpected KB-JWT")
					}
					return
				}
				if got := digest(sd.hash, sd.withoutKB()); got != ex.KbPayload.SDHash {
					t.Fatalf("sd_hash recomputed as %s, want %s", got, ex.KbPayload.SDHash)
				}
				kb, err := sd.VerifyKeyBinding(KeyBindingOptions{
					Nonce: ex.KbPayload.Nonce, Audience: ex.KbPayload.Aud,
					Now: func() time.Time { return time.Unix(ex.KbPayload.Iat, 0) },
				})
				if (err == nil) != ex.KbJwtSignatureValid {
					t.Fatalf("VerifyKeyBinding: %v, index says valid=%v", err, ex.KbJwtSignatureValid)
				}
				if !sameKey(kb.Key, holderKey) {
					t.Fatal("KB-JWT verified with a key other than the published holder key")
				}
				if _, err := sd.VerifyKeyBinding(KeyBindingOptions{Nonce: "other", Now: func() time.Time { return time.Unix(ex.KbPayload.Iat, 0) }}); err == nil {
					t.Fatal("a wrong nonce was accepted")
				}
			})
		}
	}
}

// The SD-JWT VC examples (typ dc+sd-jwt) also go through the Mechanism, with
// the published issuer key resolved by kid, or by iss where there is no kid.
func TestReferenceSDJWTVCExamplesThroughMechanism(t *testing.T) {
	for _, dir := range vectorDirs {
		var idx vectorIndex
		readJSON(t, &idx, "vectors", "sd-jwt", dir, "index.json")
		issuerKey, err := parsePublicJWK(idx.IssuerPublicJwk)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range idx.Results {
			if ex.Header["typ"] != TypSDJWTVC || ex.Kind == "issuer-signed-jwt" {
				continue
			}
			t.Run(dir+"/"+ex.File, func(t *testing.T) {
				raw := reftest.Read(t, "vectors", "sd-jwt", dir, ex.File)
				sd, err := Parse(string(raw))
				if err != nil {
					t.Fatal(err)
				}
				iss := sd.Payload["iss"].(string)
				id := sd.Header.Kid
				if id == "" {
					id = iss
				}
				r := mapResolver{id: {ID: id, Controller: iss, Key: issuerKey}}
				now := time.Unix(1700000000, 0)
				opts := credentials.VerifyOptions{Now: func() time.Time { return now }}
				if ex.KbPayload != nil {
					now = time.Unix(ex.KbPayload.Iat, 0)
					opts.Challenge, opts.Domain = ex.KbPayload.Nonce, ex.KbPayload.Aud
				}
				v, err := Mechanism{}.Verify(context.Background(), raw, r, opts)
				if err != nil {
					t.Fatal(err)
				}
				if v.Issuer != iss || v.Details["disclosures"] != itoa(ex.DisclosureCount) {
					t.Fatalf("Issuer %q, Details %v", v.Issuer, v.Details)
				}
				wantKB := "absent"
				if ex.KbPayload != nil {
					wantKB = "verified"
				}
				if v.Details["key_binding"] != wantKB {
					t.Fatalf("key_binding = %q, want %q", v.Details["key_binding"], wantKB)
				}
				doc := decodeMap(t, v.Document)
				if doc["vct"] == nil || doc["_sd_alg"] != nil {
					t.Fatalf("processed document %s", v.Document)
				}
				// Another issuer's key must not verify it.
				other := newP256(t)
				r[id] = &credentials.VerificationMethod{ID: id, Controller: iss, Key: other.Public()}
				if _, err := (Mechanism{}).Verify(context.Background(), raw, r, opts); err == nil {
					t.Fatal("verified with an unrelated key")
				}
			})
		}
	}
}

func TestReferenceDisclosureDigests(t *testing.T) {
	for _, dir := range vectorDirs {
		t.Run(dir, func(t *testing.T) {
			var f struct {
				Disclosures []struct {
					Disclosure     string `json:"disclosure"`
					ExpectedDigest string `json:"expectedDigest"`
					Decoded        []any  `json:"decoded"`
				} `json:"disclosures"`
			}
			readJSON(t, &f, "vectors", "sd-jwt", dir, "disclosures.json")
			if len(f.Disclosures) == 0 {
				t.Fatal("no disclosures in the file")
			}
			for i, d := range f.Disclosures {
				if got := DigestOf(d.Disclosure); got != d.ExpectedDigest {
					t.Errorf("#%d: digest %s, want %s", i, got, d.ExpectedDigest)
				}
				pd, err := Parse(dummyJWT + "~" + d.Disclosure + "~")
				if err != nil {
					t.Errorf("#%d: %v", i, err)
					continue
				}
				got := []any{pd.Disclosures[0].Salt}
				if !pd.Disclosures[0].ArrayElement {
					got = append(got, pd.Disclosures[0].Name)
				}
				got = append(got, normalize(t, pd.Disclosures[0].Value))
				if !reflect.DeepEqual(got, d.Decoded) {
					t.Errorf("#%d: decoded %v, want %v", i, got, d.Decoded)
				}
			}
		})
	}
}

// dummyJWT is an ES256-labelled JWS with an empty payload object, to carry
// disclosures through Parse.
var dummyJWT = b64.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + b64.EncodeToString([]byte(`{}`)) + ".AA"

// normalize re-decodes v so json.Number becomes float64, as in the index.
func normalize(t *testing.T, v any) any {
	var out any
	if err := json.Unmarshal(mustJSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The published private keys sign too: a credential issued here with the
// RFC issuer key verifies with the public key printed in RFC 9901 A.5.
func TestIssueWithPublishedIssuerKey(t *testing.T) {
	var keys vectorKeys
	readJSON(t, &keys, "vectors", "sd-jwt", "keys.json")
	d, err := b64.DecodeString(keys.Issuer["d"].(string))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	pubOnly := map[string]any{}
	for k, v := range keys.Issuer {
		if k != "d" {
			pubOnly[k] = v
		}
	}
	pub, err := parsePublicJWK(pubOnly)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Issue([]byte(`{"iss":"https://example.com/issuer","vct":"https://credentials.example.com/identity_credential","given_name":"John"}`),
		credentials.SigningKey{Signer: priv}, IssueOptions{Frame: Frame{Disclosable: []Path{{"given_name"}}}})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.VerifySignature(pub); err != nil {
		t.Fatal(err)
	}
	proc, err := sd.Process()
	if err != nil || proc.Claims["given_name"] != "John" {
		t.Fatalf("processed %v, %v", proc, err)
	}
}
