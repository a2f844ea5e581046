package did_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

type equaler interface{ Equal(crypto.PublicKey) bool }

func mustEqual(t *testing.T, got, want crypto.PublicKey) {
	t.Helper()
	if !want.(equaler).Equal(got) {
		t.Fatalf("key mismatch: got %T %v, want %T %v", got, got, want, want)
	}
}

func TestKeyDIDOfW3CEd25519TestVector(t *testing.T) {
	var kp struct {
		PublicKeyMultibase  string `json:"publicKeyMultibase"`
		PrivateKeyMultibase string `json:"privateKeyMultibase"`
	}
	if err := json.Unmarshal(reftest.Read(t, "vectors", "di-eddsa", "TestVectors", "keyPair.json"), &kp); err != nil {
		t.Fatal(err)
	}
	// The private key is multicodec ed25519-priv (0x1300) + the 32-byte seed;
	// the public key is derived from it, so the did:key is computed, not copied.
	raw, err := base58.Decode(strings.TrimPrefix(kp.PrivateKeyMultibase, "z"))
	if err != nil {
		t.Fatal(err)
	}
	codec, n := binary.Uvarint(raw)
	if codec != 0x1300 || len(raw[n:]) != ed25519.SeedSize {
		t.Fatalf("unexpected private key encoding: codec 0x%x, %d bytes", codec, len(raw[n:]))
	}
	pub := ed25519.NewKeyFromSeed(raw[n:]).Public()
	got, err := did.KeyDID(pub)
	if err != nil {
		t.Fatal(err)
	}
	const want = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	if got != want {
		t.Fatalf("KeyDID = %s, want %s", got, want)
	}
	if got != "did:key:"+kp.PublicKeyMultibase {
		t.Fatalf("KeyDID = %s, vector publicKeyMultibase %s", got, kp.PublicKeyMultibase)
	}
	back, err := did.ParseKey(got + "#" + kp.PublicKeyMultibase)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, back, pub)
}

func TestKeyDIDOfECDSAVectorKeys(t *testing.T) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(reftest.Read(t, "vectors", "di-ecdsa", "keys-jwk.json"), &keys); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, pairFile string }{
		{"p256", "p256KeyPair.json"},
		{"p384", "p384KeyPair.json"},
	} {
		t.Run(tc.pairFile, func(t *testing.T) {
			var entry struct {
				DID string  `json:"did"`
				JWK did.JWK `json:"jwk"` // "d" is ignored by the struct
			}
			if err := json.Unmarshal(keys[tc.name], &entry); err != nil {
				t.Fatal(err)
			}
			var pair struct {
				PublicKeyMultibase string `json:"publicKeyMultibase"`
			}
			if err := json.Unmarshal(reftest.Read(t, "vectors", "di-ecdsa", "TestVectors", tc.pairFile), &pair); err != nil {
				t.Fatal(err)
			}
			pub, err := entry.JWK.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			got, err := did.KeyDID(pub)
			if err != nil {
				t.Fatal(err)
			}
			if got != "did:key:"+pair.PublicKeyMultibase {
				t.Fatalf("KeyDID = %s, want did:key:%s", got, pair.PublicKeyMultibase)
			}
			if got != entry.DID {
				t.Fatalf("KeyDID = %s, keys-jwk.json says %s", got, entry.DID)
			}
			back, err := did.ParseKey(got)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, back, pub)
		})
	}
}

// The RSA key of RFC 7638 section 3.1.
const rfc7638N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

func TestThumbprintOfRFC7638Example(t *testing.T) {
	n, err := base64.RawURLEncoding.DecodeString(rfc7638N)
	if err != nil {
		t.Fatal(err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	got, err := did.Thumbprint(pub)
	if err != nil {
		t.Fatal(err)
	}
	const want = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	if got != want {
		t.Fatalf("Thumbprint = %s, want %s", got, want)
	}
	// The same thumbprint from the JWK form, which ignores kid and alg.
	j := did.JWK{Kty: "RSA", N: rfc7638N, E: "AQAB", Alg: "RS256", Kid: "2011-04-29"}
	if got, err := j.Thumbprint(); err != nil || got != want {
		t.Fatalf("JWK.Thumbprint = %s, %v; want %s", got, err, want)
	}
}

func testKeys(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	return map[string]crypto.Signer{"Ed25519": ed, "P-256": p256, "P-384": p384}
}

func TestJWKDIDRoundTrip(t *testing.T) {
	for name, k := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			id, err := did.JWKDID(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(id, "did:jwk:ey") {
				t.Fatalf("did:jwk %s does not embed base64url JSON", id)
			}
			for _, form := range []string{id, id + "#0"} {
				back, err := did.ParseJWK(form)
				if err != nil {
					t.Fatalf("ParseJWK(%s): %v", form, err)
				}
				mustEqual(t, back, k.Public())
			}
			if _, err := did.ParseJWK(id + "#1"); !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("fragment #1 accepted: %v", err)
			}
		})
	}
}

func TestKeyDIDRoundTripAndMultikeyPrefixes(t *testing.T) {
	prefix := map[string]string{"Ed25519": "z6Mk", "P-256": "zDn", "P-384": "z82"}
	for name, k := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			id, err := did.KeyDID(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(id, "did:key:"+prefix[name]) {
				t.Fatalf("did:key %s lacks the %s prefix for %s", id, prefix[name], name)
			}
			back, err := did.ParseKey(id)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, back, k.Public())
		})
	}
}

func TestParseJWKRefusesPrivateKeys(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	j := fmt.Sprintf(`{"kty":"OKP","crv":"Ed25519","x":%q,"d":%q}`,
		base64.RawURLEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)),
		base64.RawURLEncoding.EncodeToString(priv.Seed()))
	_, err := did.ParseJWK("did:jwk:" + base64.RawURLEncoding.EncodeToString([]byte(j)))
	if !errors.Is(err, credentials.ErrMalformed) || !strings.Contains(err.Error(), `"d"`) {
		t.Fatalf("private did:jwk: err = %v, want malformed naming member d", err)
	}
}

func TestParseRejectsMalformedIdentifiers(t *testing.T) {
	ed, _ := did.KeyDID(testKeys(t)["Ed25519"].Public())
	msid := strings.TrimPrefix(ed, "did:key:")
	raw, _ := base58.Decode(msid[1:])
	p256 := testKeys(t)["P-256"].Public().(*ecdsa.PublicKey)
	unc, _ := p256.Bytes()
	uncompressed := "z" + base58.Encode(append([]byte{0x80, 0x24}, unc...))
	nonMinimal := "z" + base58.Encode(append([]byte{0xed, 0x81, 0x00}, raw[2:]...))
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"not did:key", "did:example:123", credentials.ErrMalformed},
		{"fragment mismatch", ed + "#z6MkOther", credentials.ErrMalformed},
		{"query", ed + "?x=1", credentials.ErrMalformed},
		{"base64 multibase", "did:key:u" + msid[1:], credentials.ErrMalformed},
		{"bad base58", "did:key:z0OIl", credentials.ErrMalformed},
		{"short ed25519", "did:key:z" + base58.Encode(raw[:20]), credentials.ErrMalformed},
		{"uncompressed P-256", "did:key:" + uncompressed, credentials.ErrMalformed},
		{"non-minimal varint", "did:key:" + nonMinimal, credentials.ErrMalformed},
		{"unknown codec", "did:key:z" + base58.Encode(append([]byte{0x12, 0x20}, raw[2:]...)), credentials.ErrUnsupportedKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, err := did.ParseKey(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseKey(%s) = %v, %v; want error wrapping %v", tc.in, pub, err, tc.want)
			}
		})
	}
}

func TestParseJWKRejectsMalformed(t *testing.T) {
	enc := func(s string) string { return "did:jwk:" + base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"padded base64", "did:jwk:" + base64.URLEncoding.EncodeToString([]byte(`{"kty":"OKP"}x`)), credentials.ErrMalformed},
		{"not json", enc("kty"), credentials.ErrMalformed},
		{"duplicate member", enc(`{"kty":"OKP","kty":"EC"}`), credentials.ErrMalformed},
		{"short x", enc(`{"kty":"OKP","crv":"Ed25519","x":"AAAA"}`), credentials.ErrMalformed},
		{"off-curve point", enc(`{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"}`), credentials.ErrMalformed},
		{"symmetric key", enc(`{"kty":"oct","k":"AAAA"}`), credentials.ErrMalformed},
		{"unknown curve", enc(`{"kty":"EC","crv":"P-192","x":"AA","y":"AA"}`), credentials.ErrUnsupportedKey},
		{"small RSA", enc(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`), credentials.ErrUnsupportedKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := did.ParseJWK(tc.in); !errors.Is(err, tc.want) {
				t.Fatalf("ParseJWK = %v, want error wrapping %v", err, tc.want)
			}
		})
	}
}

func TestWebDIDAndURL(t *testing.T) {
	for _, tc := range []struct {
		domain string
		path   []string
		did    string
		url    string
	}{
		{"registrar.example.edu", nil, "did:web:registrar.example.edu", "https://registrar.example.edu/.well-known/did.json"},
		{"example.edu:8443", nil, "did:web:example.edu%3A8443", "https://example.edu:8443/.well-known/did.json"},
		{"example.edu", []string{"faculty", "law"}, "did:web:example.edu:faculty:law", "https://example.edu/faculty/law/did.json"},
		{"example.edu", []string{"a b"}, "did:web:example.edu:a%20b", "https://example.edu/a%20b/did.json"},
	} {
		t.Run(tc.did, func(t *testing.T) {
			if got := did.WebDID(tc.domain, tc.path...); got != tc.did {
				t.Fatalf("WebDID = %s, want %s", got, tc.did)
			}
			got, err := did.WebURL(tc.did + "#key-1")
			if err != nil || got != tc.url {
				t.Fatalf("WebURL = %s, %v; want %s", got, err, tc.url)
			}
		})
	}
	for _, bad := range []string{"did:web:", "did:web:user@evil.example", "did:web:example.edu:..", "did:web:example.edu::x", "did:web:exa%2Fmple.edu", "did:key:z6Mk"} {
		if u, err := did.WebURL(bad); !errors.Is(err, credentials.ErrMalformed) {
			t.Errorf("WebURL(%s) = %s, %v; want malformed", bad, u, err)
		}
	}
}

func TestKeyDocumentListsTheKeyUnderEveryRelationship(t *testing.T) {
	pub := testKeys(t)["P-256"].Public()
	id, _ := did.KeyDID(pub)
	doc, err := did.KeyDocument(id)
	if err != nil {
		t.Fatal(err)
	}
	vmID := id + "#" + strings.TrimPrefix(id, "did:key:")
	for _, rel := range []did.Relationship{did.Authentication, did.AssertionMethod, did.CapabilityInvocation, did.CapabilityDelegation} {
		if !doc.Related(vmID, rel) {
			t.Errorf("%s does not list %s", rel, vmID)
		}
	}
	vm, err := doc.Method(vmID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := vm.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, got, pub)
	if vm.Type != did.TypeMultikey || vm.Controller != id {
		t.Fatalf("method = %+v", vm)
	}
}

func TestResolverOffline(t *testing.T) {
	ctx := context.Background()
	keys := testKeys(t)
	kid, _ := did.KeyDID(keys["Ed25519"].Public())
	jid, _ := did.JWKDID(keys["P-384"].Public())
	var r did.Resolver
	for _, tc := range []struct {
		in, wantID string
		want       crypto.PublicKey
	}{
		{kid, kid + "#" + strings.TrimPrefix(kid, "did:key:"), keys["Ed25519"].Public()},
		{kid + "#" + strings.TrimPrefix(kid, "did:key:"), kid + "#" + strings.TrimPrefix(kid, "did:key:"), keys["Ed25519"].Public()},
		{jid + "#0", jid + "#0", keys["P-384"].Public()},
	} {
		vm, err := r.ResolveKey(ctx, tc.in)
		if err != nil {
			t.Fatalf("ResolveKey(%s): %v", tc.in, err)
		}
		if vm.ID != tc.wantID {
			t.Errorf("ID = %s, want %s", vm.ID, tc.wantID)
		}
		mustEqual(t, vm.Key, tc.want)
	}
	for _, bad := range []string{kid + "#wrong", jid + "#1", "did:example:123", "https://example.edu/key"} {
		if _, err := r.ResolveKey(ctx, bad); !errors.Is(err, credentials.ErrUnknownKey) {
			t.Errorf("ResolveKey(%s) = %v, want ErrUnknownKey", bad, err)
		}
	}
}

func TestResolverWithoutWebSaysDIDWebIsNotConfigured(t *testing.T) {
	_, err := did.Resolver{}.ResolveKey(context.Background(), "did:web:registrar.example.edu#k1")
	if !errors.Is(err, credentials.ErrUnknownKey) || !errors.Is(err, did.ErrWebNotConfigured) {
		t.Fatalf("err = %v, want ErrUnknownKey and ErrWebNotConfigured", err)
	}
	if !strings.Contains(err.Error(), "did:web resolution is not configured") {
		t.Fatalf("message %q does not say did:web is not configured", err)
	}
}

func webDocument(t *testing.T, id string, pub crypto.PublicKey, controller string) []byte {
	t.Helper()
	doc := &did.Document{Context: []string{did.ContextDID, did.ContextJWK}, ID: id}
	vm, err := did.NewJWKMethod(id+"#k1", controller, pub)
	if err != nil {
		t.Fatal(err)
	}
	doc.AddMethod(vm, did.AssertionMethod)
	mk, _ := did.NewMultikeyMethod("#k2", controller, pub)
	doc.AddMethod(mk, did.Authentication)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestResolverDIDWeb(t *testing.T) {
	ctx := context.Background()
	pub := testKeys(t)["P-256"].Public()
	const id = "did:web:registrar.example.edu"
	docs := map[string][]byte{}
	r := did.Resolver{Web: func(_ context.Context, url string) ([]byte, error) {
		d, ok := docs[url]
		if !ok {
			return nil, errors.New("404 not found")
		}
		return d, nil
	}}
	docs["https://registrar.example.edu/.well-known/did.json"] = webDocument(t, id, pub, id)
	for _, in := range []string{id, id + "#k1", id + "#k2"} {
		vm, err := r.ResolveKey(ctx, in)
		if err != nil {
			t.Fatalf("ResolveKey(%s): %v", in, err)
		}
		mustEqual(t, vm.Key, pub)
		if vm.Controller != id {
			t.Fatalf("controller %s", vm.Controller)
		}
	}
	if vm, _ := r.ResolveKey(ctx, id); vm.ID != id+"#k1" {
		t.Fatalf("bare DID resolved to %s, want the first assertionMethod %s#k1", vm.ID, id)
	}
	for name, tc := range map[string]struct {
		doc []byte
		in  string
	}{
		"unknown fragment":    {webDocument(t, id, pub, id), id + "#k9"},
		"foreign controller":  {webDocument(t, id, pub, "did:web:evil.example"), id + "#k1"},
		"document id differs": {webDocument(t, "did:web:evil.example", pub, "did:web:evil.example"), id + "#k1"},
		"duplicate members":   {[]byte(`{"id":"` + id + `","id":"x"}`), id + "#k1"},
	} {
		docs["https://registrar.example.edu/.well-known/did.json"] = tc.doc
		if _, err := r.ResolveKey(ctx, tc.in); !errors.Is(err, credentials.ErrUnknownKey) {
			t.Errorf("%s: err = %v, want ErrUnknownKey", name, err)
		}
	}
	if _, err := r.ResolveKey(ctx, "did:web:other.example.edu"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("fetch failure not reported: %v", err)
	}
}

// The resolver says under which verification relationships the document
// lists the method, so that the verifier can insist on assertionMethod for
// credentials and authentication for presentations: a did:web key listed
// under none (a key-agreement key, say) must not pass for a signing key.
func TestResolveKeyReportsRelationships(t *testing.T) {
	ctx := context.Background()
	keys := testKeys(t)
	all := []string{"authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"}
	kid, _ := did.KeyDID(keys["Ed25519"].Public())
	jid, _ := did.JWKDID(keys["P-256"].Public())
	encJWK := func() string {
		j, _ := did.PublicJWK(keys["P-256"].Public())
		j.Use = "enc"
		b, _ := json.Marshal(j)
		return "did:jwk:" + base64.RawURLEncoding.EncodeToString(b)
	}()

	const web = "did:web:registrar.example.edu"
	doc := &did.Document{ID: web}
	add := func(frag string, pub crypto.PublicKey, rels ...did.Relationship) {
		vm, err := did.NewJWKMethod(web+frag, web, pub)
		if err != nil {
			t.Fatal(err)
		}
		doc.AddMethod(vm, rels...)
	}
	add("#assert", keys["P-256"].Public(), did.AssertionMethod)
	add("#kex", keys["Ed25519"].Public()) // listed under no relationship
	add("#auth", keys["P-384"].Public(), did.Authentication, did.CapabilityInvocation)
	// A method embedded in a relationship, with a relative id.
	emb, _ := did.NewMultikeyMethod("#emb", web, keys["Ed25519"].Public())
	doc.Authentication = append(doc.Authentication, did.MethodRef{ID: emb.ID, Method: &emb})
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	r := did.Resolver{Web: func(context.Context, string) ([]byte, error) { return data, nil }}

	for _, tc := range []struct {
		in   string
		want []string
	}{
		{kid, all},
		{jid + "#0", all},
		{encJWK, []string{}}, // did:jwk with use "enc": key agreement only
		{web, []string{"assertionMethod"}},
		{web + "#assert", []string{"assertionMethod"}},
		{web + "#kex", []string{}},
		{web + "#auth", []string{"authentication", "capabilityInvocation"}},
		{web + "#emb", []string{"authentication"}},
	} {
		t.Run(tc.in[:min(len(tc.in), 40)]+"…"+tc.in[max(0, len(tc.in)-8):], func(t *testing.T) {
			vm, err := r.ResolveKey(ctx, tc.in)
			if err != nil {
				t.Fatalf("ResolveKey: %v", err)
			}
			if vm.Relationships == nil || !slices.Equal(vm.Relationships, tc.want) {
				t.Fatalf("Relationships = %#v, want %#v", vm.Relationships, tc.want)
			}
		})
	}

	// Two methods under one id: the key found and the relationships read
	// could belong to different methods, so the document is refused.
	twin, _ := did.NewJWKMethod(web+"#kex", web, keys["P-384"].Public())
	doc.AssertionMethod = append(doc.AssertionMethod, did.MethodRef{ID: twin.ID, Method: &twin})
	data, _ = json.Marshal(doc)
	if vm, err := r.ResolveKey(ctx, web+"#kex"); !errors.Is(err, credentials.ErrUnknownKey) {
		t.Fatalf("ResolveKey with two methods #kex = %v, %v; want an error", vm, err)
	}
}

// JWK members are read by their exact names (RFC 7517 names are
// case-sensitive): encoding/json alone would fold case and take "X" for
// "x". A member differing from a JWK member only by case is refused; other
// unknown members are ignored (RFC 7517 section 4).
func TestParseJWKReadsMembersByExactName(t *testing.T) {
	a, _, _ := ed25519.GenerateKey(rand.Reader)
	b, _, _ := ed25519.GenerateKey(rand.Reader)
	x := func(k ed25519.PublicKey) string { return base64.RawURLEncoding.EncodeToString(k) }
	enc := func(s string) string { return "did:jwk:" + base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, in := range map[string]string{
		"x then X": enc(`{"kty":"OKP","crv":"Ed25519","x":"` + x(a) + `","X":"` + x(b) + `"}`),
		"X then x": enc(`{"kty":"OKP","crv":"Ed25519","X":"` + x(b) + `","x":"` + x(a) + `"}`),
		"Kty":      enc(`{"kty":"OKP","Kty":"EC","crv":"Ed25519","x":"` + x(a) + `"}`),
		"X only":   enc(`{"kty":"OKP","crv":"Ed25519","X":"` + x(a) + `"}`),
	} {
		t.Run(name, func(t *testing.T) {
			pub, err := did.ParseJWK(in)
			if !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("ParseJWK = %v, %v; want ErrMalformed", pub, err)
			}
		})
	}
	pub, err := did.ParseJWK(enc(`{"kty":"OKP","crv":"Ed25519","x":"` + x(a) + `","ext":true,"key_ops":["verify"]}`))
	if err != nil {
		t.Fatalf("unknown members: %v", err)
	}
	mustEqual(t, pub, a)

	// The same holds for a JWK inside a did:web document.
	const web = "did:web:registrar.example.edu"
	data := []byte(`{"id":"` + web + `","verificationMethod":[{"id":"#k","type":"JsonWebKey","controller":"` + web + `",` +
		`"publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"` + x(a) + `","X":"` + x(b) + `"}}],"assertionMethod":["#k"]}`)
	r := did.Resolver{Web: func(context.Context, string) ([]byte, error) { return data, nil }}
	if vm, err := r.ResolveKey(context.Background(), web+"#k"); err == nil {
		t.Fatalf("did:web JWK with x and X resolved to %v", vm.Key)
	}
}

func TestResolverDocumentCacheAnswersOnlyForTheSameBytes(t *testing.T) {
	ctx := context.Background()
	keys := testKeys(t)
	const id = "did:web:registrar.example.edu"
	data := webDocument(t, id, keys["P-256"].Public(), id)
	r := did.Resolver{
		Web:       func(context.Context, string) ([]byte, error) { return data, nil },
		Documents: did.NewDocumentCache(2),
	}
	for range 3 {
		vm, err := r.ResolveKey(ctx, id+"#k1")
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, vm.Key, keys["P-256"].Public())
	}
	// The institution rotates its key: the new bytes are parsed anew.
	data = webDocument(t, id, keys["P-384"].Public(), id)
	vm, err := r.ResolveKey(ctx, id+"#k1")
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, vm.Key, keys["P-384"].Public())
	// A document for another DID is still refused, whatever is cached.
	data = webDocument(t, "did:web:other.example.edu", keys["P-384"].Public(), "did:web:other.example.edu")
	if _, err := r.ResolveKey(ctx, id+"#k1"); err == nil {
		t.Fatal("a document with another id resolved")
	}
}
