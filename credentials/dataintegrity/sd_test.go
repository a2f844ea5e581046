package dataintegrity

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// sdVector is one folder of the W3C ecdsa-sd-2023 test vectors.
type sdVector struct {
	dir       string
	unsigned  string // the credential, in TestVectors/
	mandatory string // its mandatory pointers
	selective string // its selective pointers
}

var sdVectors = []sdVector{
	{"employ", "employmentAuth.json", "employMandatory.json", "employSelective.json"},
	{"prc", "prCredUnsigned.json", "prCredMandatory.json", "prCredSelective.json"},
}

func sdFile(t *testing.T, v sdVector, name string) []byte {
	return reftest.Read(t, "vectors", "di-ecdsa", "TestVectors", "ecdsa-sd-2023", v.dir, name)
}

func jsonOf(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// mapEntries reads the {"dataType":"Map","value":[[k,v],...]} form of the
// vectors.
func mapEntries[K comparable, V any](t *testing.T, raw json.RawMessage) map[K]V {
	var m struct{ Value [][2]json.RawMessage }
	jsonOf(t, raw, &m)
	out := map[K]V{}
	for _, e := range m.Value {
		var k K
		var v V
		jsonOf(t, e[0], &k)
		jsonOf(t, e[1], &v)
		out[k] = v
	}
	return out
}

// TestSDVectorsReproduced reproduces the W3C ecdsa-sd-2023 vectors: the
// HMAC-labelled canonical statements, the mandatory and non-mandatory
// statements, both hashes and the base proof value (from the vector's
// randomised signatures, byte for byte); then, from the signed base
// credential and the selective pointers, the group indexes, the reveal
// document and the derived proof value byte for byte, which verifies.
func TestSDVectorsReproduced(t *testing.T) {
	s := referenceSuite(t, ECDSASD2023)
	ctx := context.Background()
	var km struct {
		HmacKeyString string
	}
	jsonOf(t, reftest.Read(t, "vectors", "di-ecdsa", "TestVectors", "ecdsa-sd-2023", "SDKeyMaterial.json"), &km)
	hmacKey := mustHex(t, km.HmacKeyString)
	for _, v := range sdVectors {
		t.Run(v.dir, func(t *testing.T) {
			// The credential as the base proof signed it (prCredUnsigned.json
			// has another description than the one the prc vectors signed).
			var doc map[string]any
			jsonOf(t, sdFile(t, v, "addSignedSDBase.json"), &doc)
			delete(doc, "proof")
			var mandatory, selective []string
			jsonOf(t, reftest.Read(t, "vectors", "di-ecdsa", "TestVectors", v.mandatory), &mandatory)
			jsonOf(t, reftest.Read(t, "vectors", "di-ecdsa", "TestVectors", v.selective), &selective)

			// Base proof.
			g, err := s.canonicalizeAndGroup(ctx, doc, hmacFunc(hmacKey), map[string][]string{"mandatory": mandatory})
			if err != nil {
				t.Fatal(err)
			}
			var wantCanon []string
			jsonOf(t, sdFile(t, v, "addBaseDocHMACCanon.json"), &wantCanon)
			if !slices.Equal(g.nquads, wantCanon) {
				t.Fatalf("HMAC-labelled statements:\n got %q\nwant %q", g.nquads, wantCanon)
			}
			var transform struct{ Mandatory, NonMandatory json.RawMessage }
			jsonOf(t, sdFile(t, v, "addBaseTransform.json"), &transform)
			wantMandatory := mapEntries[int, string](t, transform.Mandatory)
			mand, nonMand := split(g.nquads, g.matching["mandatory"])
			if len(mand) != len(wantMandatory) {
				t.Fatalf("%d mandatory statements, want %d", len(mand), len(wantMandatory))
			}
			for _, i := range g.matching["mandatory"] {
				if wantMandatory[i] != g.nquads[i] {
					t.Errorf("mandatory statement %d: %q", i, g.nquads[i])
				}
			}
			var hashes struct{ ProofHash, MandatoryHash string }
			jsonOf(t, sdFile(t, v, "addHashData.json"), &hashes)
			if got := hex.EncodeToString(hashLines(mand)); got != hashes.MandatoryHash {
				t.Errorf("mandatory hash %s, want %s", got, hashes.MandatoryHash)
			}
			var config map[string]any
			jsonOf(t, sdFile(t, v, "addProofConfig.json"), &config)
			proofHash, err := s.sdProofHash(ctx, config, config["@context"].([]any))
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(proofHash); got != hashes.ProofHash {
				t.Errorf("proof hash %s, want %s", got, hashes.ProofHash)
			}
			var rawSig struct {
				BaseSignature, PublicKey string
				Signatures               []string
			}
			jsonOf(t, sdFile(t, v, "addRawBaseSignatureInfo.json"), &rawSig)
			pub, _ := base58.Decode(strings.TrimPrefix(rawSig.PublicKey, "z"))
			proofKey, err := parseP256Multikey(pub)
			if err != nil {
				t.Fatal(err)
			}
			if len(rawSig.Signatures) != len(nonMand) {
				t.Fatalf("%d signatures for %d statements", len(rawSig.Signatures), len(nonMand))
			}
			var sigs [][]byte
			for i, sg := range rawSig.Signatures {
				sigs = append(sigs, mustHex(t, sg))
				if !verifyLine(proofKey, nonMand[i], sigs[i]) {
					t.Errorf("signature %d does not verify over %q", i, nonMand[i])
				}
			}
			pv, err := encodeProofValue(sdBaseHeader, sdBase{BaseSignature: mustHex(t, rawSig.BaseSignature), PublicKey: pub, HMACKey: hmacKey, Signatures: sigs, MandatoryPointers: mandatory})
			if err != nil {
				t.Fatal(err)
			}
			var signedBase map[string]any
			baseBytes := sdFile(t, v, "addSignedSDBase.json")
			jsonOf(t, baseBytes, &signedBase)
			if want := signedBase["proof"].(map[string]any)["proofValue"]; pv != want {
				t.Errorf("base proof value\n got %s\nwant %s", pv, want)
			}
			r := issuerControls(issuerID(signedBase))
			if _, err := s.Verify(ctx, baseBytes, r, credentials.VerifyOptions{}); err != nil {
				t.Errorf("the vector's base proof: %v", err)
			}

			// Derived proof.
			derived, err := s.Derive(ctx, baseBytes, selective)
			if err != nil {
				t.Fatal(err)
			}
			var got, want map[string]any
			jsonOf(t, derived, &got)
			jsonOf(t, sdFile(t, v, "derivedRevealDocument.json"), &want)
			gp, wp := got["proof"].(map[string]any)["proofValue"], want["proof"].(map[string]any)["proofValue"]
			if gp != wp {
				t.Errorf("derived proof value\n got %s\nwant %s", gp, wp)
			}
			delete(got, "proof")
			delete(want, "proof")
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if !bytes.Equal(gb, wb) {
				t.Errorf("reveal document\n got %s\nwant %s", gb, wb)
			}
			if _, err := s.Verify(ctx, derived, r, credentials.VerifyOptions{}); err != nil {
				t.Fatalf("derived: %v", err)
			}
			if _, err := s.Verify(ctx, sdFile(t, v, "derivedRevealDocument.json"), r, credentials.VerifyOptions{}); err != nil {
				t.Fatalf("the vector's derived credential: %v", err)
			}
		})
	}
}

// TestSDRoundTripAndTampering: a base proof made here, a derived proof
// disclosing one claim, both verify; a disclosed value changed, a hidden
// statement added back, or a signature dropped, and it does not.
func TestSDRoundTripAndTampering(t *testing.T) {
	ctx := context.Background()
	priv, did, vm := p256DIDKey(t)
	l := referenceLoader(t)
	s, err := New(ECDSASD2023, Options{Contexts: l})
	if err != nil {
		t.Fatal(err)
	}
	raw := reftest.Read(t, "vectors", "di-ecdsa", "TestVectors", "employmentAuth.json")
	var doc map[string]any
	jsonOf(t, raw, &doc)
	doc["issuer"].(map[string]any)["id"] = did
	raw, _ = json.Marshal(doc)
	base, err := s.Sign(ctx, raw, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := keyResolver{}
	if _, err := s.Verify(ctx, base, r, credentials.VerifyOptions{}); err != nil {
		t.Fatalf("base: %v", err)
	}
	derived, err := s.Derive(ctx, base, []string{"/credentialSubject/givenName"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, derived, r, credentials.VerifyOptions{}); err != nil {
		t.Fatalf("derived: %v", err)
	}
	var d map[string]any
	jsonOf(t, derived, &d)
	cs := d["credentialSubject"].(map[string]any)
	if cs["givenName"] != "JOHN" || cs["familyName"] != nil || d["validFrom"] == nil {
		t.Errorf("disclosed %v", d)
	}
	for name, edit := range map[string]func(m map[string]any){
		"changed value":     func(m map[string]any) { m["credentialSubject"].(map[string]any)["givenName"] = "JANE" },
		"statement added":   func(m map[string]any) { m["credentialSubject"].(map[string]any)["familyName"] = "SMITH" },
		"mandatory dropped": func(m map[string]any) { delete(m, "validFrom") },
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			jsonOf(t, derived, &m)
			edit(m)
			b, _ := json.Marshal(m)
			if _, err := s.Verify(ctx, b, r, credentials.VerifyOptions{}); !errors.Is(err, credentials.ErrInvalidProof) {
				t.Errorf("got %v, want ErrInvalidProof", err)
			}
		})
	}
	if _, err := s.Derive(ctx, base, []string{"/credentialSubject/nickname"}); !errors.Is(err, ErrPointer) {
		t.Errorf("unknown pointer: %v", err)
	}
	if _, err := s.Derive(ctx, derived, nil); err == nil {
		t.Error("a derived proof was derived again")
	}
}

// TestSDIndistinguishableBlankNodes: an ELM diploma describes its issuer in
// several places, each with its own anonymous location, so the graph has
// blank nodes nothing tells apart. Their canonical labels depend on the
// order the statements come in; ecdsa-sd-2023 depends on those labels, so
// the walk is ordered: signing, verifying and deriving agree every time.
func TestSDIndistinguishableBlankNodes(t *testing.T) {
	ctx := context.Background()
	priv, did, vm := p256DIDKey(t)
	raw := bytes.ReplaceAll(renderTemplate(t, "diploma", nil), []byte("did:web:uni-zed.example"), []byte(did))
	// The issuer described again as the awarding body, with its own copy of
	// an anonymous location: two blank nodes nothing tells apart.
	var doc map[string]any
	jsonOf(t, raw, &doc)
	iss := doc["issuer"].(map[string]any)
	iss["location"] = map[string]any{"type": "Location", "address": map[string]any{"type": "Address",
		"countryCode": map[string]any{"id": "http://publications.europa.eu/resource/authority/country/FRA", "type": "Concept"}}}
	again, _ := json.Marshal(iss)
	var copyOf map[string]any
	jsonOf(t, again, &copyOf)
	claim := doc["credentialSubject"].(map[string]any)["hasClaim"].([]any)[0].(map[string]any)
	claim["awardedBy"].(map[string]any)["awardingBody"] = []any{copyOf}
	raw, _ = json.Marshal(doc)
	s, err := New(ECDSASD2023, Options{Contexts: referenceLoader(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		base, err := s.Sign(ctx, raw, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Verify(ctx, base, keyResolver{}, credentials.VerifyOptions{}); err != nil {
			t.Fatalf("run %d: base: %v", i, err)
		}
		derived, err := s.Derive(ctx, base, []string{"/credentialSubject/givenName", "/credentialSubject/hasClaim"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Verify(ctx, derived, keyResolver{}, credentials.VerifyOptions{}); err != nil {
			t.Fatalf("run %d: derived: %v", i, err)
		}
	}
}

// p256DIDKey is a new P-256 key, its did:key and verification method.
func p256DIDKey(t *testing.T) (*ecdsa.PrivateKey, string, string) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), randReader{})
	if err != nil {
		t.Fatal(err)
	}
	did := "did:key:z" + b58(append([]byte{0x80, 0x24}, elliptic.MarshalCompressed(elliptic.P256(), priv.X, priv.Y)...))
	return priv, did, did + "#" + strings.TrimPrefix(did, "did:key:")
}
