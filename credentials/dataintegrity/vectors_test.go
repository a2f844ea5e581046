package dataintegrity

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vectorFiles names the files of one W3C test-vector folder.
type vectorFiles struct {
	signed, config, canonDoc, canonProof, docHash, proofHash, combined, sigHex, sigB58 string
}

func eddsaFiles(dir string) vectorFiles {
	f := func(n string) string { return filepath.Join(dir, n) }
	return vectorFiles{f("signedDataInt.json"), f("proofConfigDataInt.json"), f("canonDocDataInt.txt"), f("proofCanonDataInt.txt"),
		f("docHashDataInt.txt"), f("proofHashDataInt.txt"), f("combinedHashDataInt.txt"), f("sigHexDataInt.txt"), f("sigBTC58DataInt.txt")}
}

func jcsFiles(dir string) vectorFiles {
	f := func(n string) string { return filepath.Join(dir, n) }
	return vectorFiles{f("signedJCS.json"), f("proofConfigJCS.json"), f("canonDocJCS.txt"), f("proofCanonJCS.txt"),
		f("docHashJCS.txt"), f("proofHashJCS.txt"), f("combinedHashJCS.txt"), f("sigHexJCS.txt"), f("sigBTC58JCS.txt")}
}

func jcsECDSAFiles(dir, curve string) vectorFiles {
	f := func(n string) string { return filepath.Join(dir, strings.ReplaceAll(n, "CURVE", curve)) }
	return vectorFiles{f("signedCURVE.json"), f("proofConfigCURVE.json"), f("canonDocCURVE.txt"), f("proofCanonCURVE.txt"),
		f("docHashCURVE.txt"), f("proofHashCURVE.txt"), f("combinedHashCURVE.txt"), f("sigHexCURVE.txt"), f("sigBTC58CURVE.txt")}
}

func ecdsaFiles(dir, curve string) vectorFiles {
	f := func(n string) string { return filepath.Join(dir, strings.ReplaceAll(n, "CURVE", curve)) }
	return vectorFiles{f("signedECDSACURVE.json"), f("proofConfigECDSACURVE.json"), f("canonDocECDSACURVE.txt"), f("proofCanonECDSACURVE.txt"),
		f("docHashECDSACURVE.txt"), f("proofHashECDSACURVE.txt"), f("combinedHashECDSACURVE.txt"), f("sigHexECDSACURVE.txt"), f("sigBTC58ECDSACURVE.txt")}
}

// checkTransformation reproduces a vector's canonical N-Quads, both hashes
// and the combined hash data, and returns the unsigned document.
func checkTransformation(t *testing.T, s *Suite, v vectorFiles, h crypto.Hash) map[string]any {
	t.Helper()
	ctx := context.Background()
	signed := readJSON(t, v.signed)
	unsigned := map[string]any{}
	for k, val := range signed {
		if k != "proof" {
			unsigned[k] = val
		}
	}
	canonDoc, err := s.canonical(ctx, s.name, unsigned, h)
	if err != nil {
		t.Fatal(err)
	}
	if want := readText(t, v.canonDoc); string(canonDoc) != want {
		t.Errorf("canonical document:\n got %q\nwant %q", canonDoc, want)
	}
	config := readJSON(t, v.config)
	canonConfig, err := s.canonical(ctx, s.name, config, h)
	if err != nil {
		t.Fatal(err)
	}
	if want := readText(t, v.canonProof); string(canonConfig) != want {
		t.Errorf("canonical proof configuration:\n got %q\nwant %q", canonConfig, want)
	}
	hd := h.New()
	hd.Write(canonDoc)
	if got, want := hex.EncodeToString(hd.Sum(nil)), strings.TrimSpace(readText(t, v.docHash)); got != want {
		t.Errorf("document hash %s, want %s", got, want)
	}
	hp := h.New()
	hp.Write(canonConfig)
	if got, want := hex.EncodeToString(hp.Sum(nil)), strings.TrimSpace(readText(t, v.proofHash)); got != want {
		t.Errorf("proof hash %s, want %s", got, want)
	}
	// The hash data as Sign and Verify make it: the document's hash
	// without keeping its canonical form (rdfc.Options.Digest).
	docHash, err := s.canonicalHash(ctx, s.name, unsigned, h)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(docHash), strings.TrimSpace(readText(t, v.docHash)); got != want {
		t.Errorf("document hash (canonicalHash) %s, want %s", got, want)
	}
	hashData, err := s.hashData(ctx, s.name, func() ([]byte, error) { return docHash, nil }, config, asList(config["@context"]), algorithm{hash: h})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(hashData), strings.TrimSpace(readText(t, v.combined)); got != want {
		t.Errorf("combined hash data %s, want %s", got, want)
	}
	return unsigned
}

func vectorTime(t *testing.T, config map[string]any) func() time.Time {
	created, err := time.Parse(time.RFC3339, config["created"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return func() time.Time { return created }
}

func TestEdDSAVectorsReproducedByteForByte(t *testing.T) {
	base := reftest.Path(t, "vectors", "di-eddsa", "TestVectors")
	priv, vm := ed25519VectorKey(t)
	for _, tc := range []struct {
		dir, suite string
		files      func(string) vectorFiles
	}{
		{"eddsa-rdfc-2022", EdDSARDFC2022, eddsaFiles},
		{"eddsa-rdfc-2022/employ", EdDSARDFC2022, eddsaFiles},
		{"eddsa-jcs-2022", EdDSAJCS2022, jcsFiles},
	} {
		s := referenceSuite(t, tc.suite)
		dir := filepath.Join(base, tc.dir)
		t.Run(tc.dir, func(t *testing.T) {
			v := tc.files(dir)
			unsigned := checkTransformation(t, s, v, crypto.SHA256)
			config := readJSON(t, v.config)
			if config["verificationMethod"] != vm {
				t.Fatalf("vector key %v, test key %s", config["verificationMethod"], vm)
			}
			doc, _ := json.Marshal(unsigned)
			out, err := s.Sign(context.Background(), doc, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{Now: vectorTime(t, config)})
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Proof map[string]any }
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			want := readJSON(t, v.signed)["proof"].(map[string]any)
			for k, w := range want {
				if !reflect.DeepEqual(got.Proof[k], w) {
					t.Errorf("proof.%s = %v, want %v", k, got.Proof[k], w)
				}
			}
			if len(got.Proof) != len(want) {
				t.Errorf("proof has %d members, want %d", len(got.Proof), len(want))
			}
			pv, _ := got.Proof["proofValue"].(string)
			if wantB58 := strings.TrimSpace(readText(t, v.sigB58)); pv != wantB58 {
				t.Errorf("proofValue %s, want %s", pv, wantB58)
			}
			raw, _ := base58.Decode(strings.TrimPrefix(pv, "z"))
			if got, want := hex.EncodeToString(raw), strings.TrimSpace(readText(t, v.sigHex)); got != want {
				t.Errorf("signature %s, want %s", got, want)
			}
		})
	}
}

func TestECDSAVectorsTransformAndVerify(t *testing.T) {
	base := reftest.Path(t, "vectors", "di-ecdsa", "TestVectors")
	for _, tc := range []struct {
		dir, curve string
		hash       crypto.Hash
		suite      string
	}{
		{"ecdsa-rdfc-2019-p256", "P256", crypto.SHA256, ECDSARDFC2019},
		{"ecdsa-rdfc-2019-p256/employ", "P256", crypto.SHA256, ECDSARDFC2019},
		{"ecdsa-rdfc-2019-p384", "P384", crypto.SHA384, ECDSARDFC2019},
		{"ecdsa-rdfc-2019-p384/employ", "P384", crypto.SHA384, ECDSARDFC2019},
		{"ecdsa-jcs-2019-p256", "JCSECDSAP256", crypto.SHA256, ECDSAJCS2019},
		{"ecdsa-jcs-2019-p384", "JCSECDSAP384", crypto.SHA384, ECDSAJCS2019},
	} {
		s := referenceSuite(t, tc.suite)
		t.Run(tc.dir, func(t *testing.T) {
			v := ecdsaFiles(filepath.Join(base, tc.dir), tc.curve)
			if tc.suite == ECDSAJCS2019 {
				v = jcsECDSAFiles(filepath.Join(base, tc.dir), tc.curve)
			}
			checkTransformation(t, s, v, tc.hash)
			// The vector's own signature (ECDSA is randomised: verify it).
			config := readJSON(t, v.config)
			vm, err := keyResolver{}.ResolveKey(context.Background(), config["verificationMethod"].(string))
			if err != nil {
				t.Fatal(err)
			}
			sig := mustHex(t, readText(t, v.sigHex))
			if b58, _ := base58.Decode(strings.TrimPrefix(strings.TrimSpace(readText(t, v.sigB58)), "z")); hex.EncodeToString(b58) != hex.EncodeToString(sig) {
				t.Errorf("sigBTC58 and sigHex differ")
			}
			alg, err := algorithmFor(tc.suite, vm.Key)
			if err != nil {
				t.Fatal(err)
			}
			if alg.hash != tc.hash {
				t.Fatalf("hash %v for %s, want %v", alg.hash, tc.curve, tc.hash)
			}
			combined := mustHex(t, readText(t, v.combined))
			if !verifySignature(vm.Key, combined, sig, alg) {
				t.Errorf("the vector's signature does not verify over its combined hash")
			}
			combined[0] ^= 1
			if verifySignature(vm.Key, combined, sig, alg) {
				t.Errorf("the vector's signature verifies over altered hash data")
			}
		})
	}
}

// TestSignedVectorsVerify verifies every signed RDFC credential of the W3C
// vc-di-eddsa and vc-di-ecdsa test vectors, one subtest per file.
func TestSignedVectorsVerify(t *testing.T) {
	files := []string{
		"di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json",
		"di-eddsa/TestVectors/eddsa-rdfc-2022/employ/signedDataInt.json",
		"di-eddsa/TestVectors/proof-set-chain/signedProofSet1.json",
		"di-eddsa/TestVectors/proof-set-chain/signedProofSet2.json",
		"di-eddsa/TestVectors/proof-set-chain/signedProofChain1.json",
		"di-eddsa/TestVectors/proof-set-chain/signedProofChain2.json",
		"di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/signedECDSAP256.json",
		"di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/employ/signedECDSAP256.json",
		"di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/signedECDSAP384.json",
		"di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/employ/signedECDSAP384.json",
		"di-eddsa/TestVectors/eddsa-jcs-2022/signedJCS.json",
		"di-ecdsa/TestVectors/ecdsa-jcs-2019-p256/signedJCSECDSAP256.json",
		"di-ecdsa/TestVectors/ecdsa-jcs-2019-p384/signedJCSECDSAP384.json",
	}
	s := referenceSuite(t, EdDSARDFC2022)
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			b := reftest.Read(t, append([]string{"vectors"}, strings.Split(f, "/")...)...)
			doc := readJSONBytes(t, b)
			issuer := issuerID(doc)
			// The issuer is an https URL in most vectors: the resolver
			// plays its controller document, listing the did:key keys.
			v, err := s.Verify(context.Background(), b, issuerControls(issuer), credentials.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v.Issuer != issuer {
				t.Errorf("Issuer %q, want %q", v.Issuer, issuer)
			}
			proofs := doc["proof"]
			first, _ := proofs.(map[string]any)
			if list, ok := proofs.([]any); ok {
				first = list[0].(map[string]any)
				if v.Details["proofs"] != itoa(len(list)) {
					t.Errorf("Details[proofs] = %q, want %d", v.Details["proofs"], len(list))
				}
			}
			if v.KeyID != first["verificationMethod"] || v.Mechanism != first["cryptosuite"] {
				t.Errorf("KeyID %q Mechanism %q, want %v %v", v.KeyID, v.Mechanism, first["verificationMethod"], first["cryptosuite"])
			}
			if v.Signed.Format(time.RFC3339) != first["created"] {
				t.Errorf("Signed %v, want %v", v.Signed, first["created"])
			}
			// The same document fails when the key's controller is
			// not its issuer (the plain did:key reading).
			if !strings.HasPrefix(issuer, "did:") {
				_, err := s.Verify(context.Background(), b, keyResolver{}, credentials.VerifyOptions{})
				if !errorsIs(err, credentials.ErrInvalidProof) || !strings.Contains(err.Error(), "but the issuer is "+issuer) {
					t.Errorf("with did:key controllers: %v, want the issuer mismatch", err)
				}
			}
		})
	}
}

func TestECDSASignRoundTrip(t *testing.T) {
	for _, suite := range []string{ECDSARDFC2019, ECDSAJCS2019} {
		t.Run(suite, func(t *testing.T) { ecdsaSignRoundTrip(t, suite) })
	}
}

func ecdsaSignRoundTrip(t *testing.T, suite string) {
	s := referenceSuite(t, suite)
	unsigned := reftest.Read(t, "vectors", "di-ecdsa", "TestVectors", "unsigned.json")
	type keyPair struct {
		DID string             `json:"did"`
		JWK struct{ D string } `json:"jwk"`
	}
	var keys struct{ P256, P384 keyPair }
	if err := json.Unmarshal(reftest.Read(t, "vectors", "di-ecdsa", "keys-jwk.json"), &keys); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		k     keyPair
		curve elliptic.Curve
		size  int
	}{{"p256", keys.P256, elliptic.P256(), 64}, {"p384", keys.P384, elliptic.P384(), 96}} {
		t.Run(tc.name, func(t *testing.T) {
			k := tc.k
			priv := ecdsaKey(t, tc.curve, k.JWK.D)
			vm := k.DID + "#" + strings.TrimPrefix(k.DID, "did:key:")
			issuer := issuerID(readJSONBytes(t, unsigned))
			out, err := s.Sign(context.Background(), unsigned, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			proof := readJSONBytes(t, out)["proof"].(map[string]any)
			raw, _ := base58.Decode(strings.TrimPrefix(proof["proofValue"].(string), "z"))
			if len(raw) != tc.size || proof["cryptosuite"] != suite {
				t.Fatalf("signature of %d bytes, suite %v", len(raw), proof["cryptosuite"])
			}
			v, err := s.Verify(context.Background(), out, issuerControls(issuer), credentials.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if pk, ok := v.Key.(*ecdsa.PublicKey); !ok || !pk.Equal(priv.Public()) {
				t.Errorf("verified with %v, want the signing key", v.Key)
			}
		})
	}
}

func ecdsaKey(t testing.TB, curve elliptic.Curve, d string) *ecdsa.PrivateKey {
	t.Helper()
	raw, err := b64url(d)
	if err != nil {
		t.Fatal(err)
	}
	priv := &ecdsa.PrivateKey{D: new(big.Int).SetBytes(raw)}
	priv.Curve = curve
	priv.X, priv.Y = curve.ScalarBaseMult(raw)
	return priv
}

func readJSONBytes(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func issuerID(doc map[string]any) string {
	switch i := doc["issuer"].(type) {
	case string:
		return i
	case map[string]any:
		s, _ := i["id"].(string)
		return s
	}
	return ""
}

var _ = os.ReadFile
