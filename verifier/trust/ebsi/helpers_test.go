package ebsi

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jose"
)

// testKey is an accreditor's key: a signer and its public key for the DID
// document.
type testKey struct {
	alg    string
	signer crypto.Signer
	pub    crypto.PublicKey
}

func newP256(t testing.TB) *testKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{alg: "ES256", signer: k, pub: &k.PublicKey}
}

func newK256(t testing.TB) *testKey {
	k, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{alg: "ES256K", signer: jose.NewSecp256k1Signer(k), pub: k.PubKey().ToECDSA()}
}

// signJWT signs claims as a compact JWS with kid.
func signJWT(t testing.TB, k *testKey, kid string, claims any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": k.alg, "typ": "JWT", "kid": kid})
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	d := sha256.Sum256([]byte(input))
	der, err := k.signer.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	rs.R.FillBytes(sig[:32])
	rs.S.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// didDoc returns a DID document listing pub as id (a DID URL).
func didDoc(t testing.TB, id string, pub crypto.PublicKey) json.RawMessage {
	t.Helper()
	d, _, _ := strings.Cut(id, "#")
	m, err := did.NewJWKMethod(id, d, pub)
	if err != nil {
		t.Fatal(err)
	}
	doc := &did.Document{Context: []string{did.ContextDID}, ID: d}
	doc.AddMethod(m, did.AssertionMethod, did.CapabilityInvocation)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func attribute(body, issuerType, tao, root string) Attribute {
	sum := sha256.Sum256([]byte(body))
	return Attribute{Hash: hex.EncodeToString(sum[:]), Body: body, IssuerType: issuerType, TAO: tao, RootTAO: root}
}

// recoverP256 returns the P-256 public keys that could have made sig over
// input (ECDSA public key recovery, SEC 1 §4.1.6), for the real EBSI pilot
// accreditations whose accreditors' DID documents are not in the reference
// data: the kid's thumbprint picks the right one.
func recoverP256(input []byte, sig []byte) []*ecdsa.PublicKey {
	c := elliptic.P256()
	p := c.Params()
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	h := sha256.Sum256(input)
	e := new(big.Int).SetBytes(h[:])
	// y² = x³ − 3x + b
	x := new(big.Int).Set(r)
	y2 := new(big.Int).Exp(x, big.NewInt(3), p.P)
	y2.Sub(y2, new(big.Int).Mul(big.NewInt(3), x))
	y2.Add(y2, p.B)
	y2.Mod(y2, p.P)
	y := new(big.Int).ModSqrt(y2, p.P)
	if y == nil {
		return nil
	}
	rInv := new(big.Int).ModInverse(r, p.N)
	var out []*ecdsa.PublicKey
	for _, ry := range []*big.Int{y, new(big.Int).Sub(p.P, y)} {
		sx, sy := c.ScalarMult(x, ry, s.Bytes())
		ex, ey := c.ScalarBaseMult(e.Bytes())
		ey = new(big.Int).Sub(p.P, ey)
		qx, qy := c.Add(sx, sy, ex, ey)
		qx, qy = c.ScalarMult(qx, qy, rInv.Bytes())
		out = append(out, &ecdsa.PublicKey{Curve: c, X: qx, Y: qy})
	}
	return out
}

// pilotKey recovers the key that signed a real pilot JWT and checks it
// against the thumbprint in the kid's fragment.
func pilotKey(t testing.TB, jwt string) (kid string, pub *ecdsa.PublicKey) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h struct{ Kid string }
	if err := json.Unmarshal(hb, &h); err != nil {
		t.Fatal(err)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	_, frag, _ := strings.Cut(h.Kid, "#")
	for _, k := range recoverP256([]byte(parts[0]+"."+parts[1]), sig) {
		if tp, err := did.Thumbprint(k); err == nil && tp == frag {
			return h.Kid, k
		}
	}
	t.Fatalf("no recovered key has the thumbprint %s", frag)
	return "", nil
}
