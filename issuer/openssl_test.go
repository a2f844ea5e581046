package issuer

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A diploma sealed with the edc profile, by the test eSeal kept in the
// store, has the shape of the EU's EDC samples and OpenSSL, which knows
// nothing of JAdES, verifies its signature over the RFC 7797 signing input
// (protected header, a dot, the credential's bytes as they are).
func TestEDCSealFromTheStoreVerifiesWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: skipping the interoperability check (CI installs it)")
	}
	s := newTestStore(t, t.TempDir())
	tm := builtin(t, "diploma")
	ex, err := tm.Example()
	if err != nil {
		t.Fatal(err)
	}
	out, err := newTestIssuer(t, s).Issue(context.Background(), tm, ex, Profile{Name: EDC})
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Payload    string `json:"payload"`
		Signatures []struct {
			Protected string `json:"protected"`
			Signature string `json:"signature"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(out.Credential, &env); err != nil || len(env.Signatures) != 1 {
		t.Fatalf("not a general JWS JSON serialization with one signature: %v", err)
	}
	sig := env.Signatures[0]
	hb, err := base64.RawURLEncoding.DecodeString(sig.Protected)
	if err != nil {
		t.Fatal(err)
	}
	var hdr struct {
		Alg  string   `json:"alg"`
		B64  *bool    `json:"b64"`
		Crit []string `json:"crit"`
		X5c  []string `json:"x5c"`
		SigT string   `json:"sigT"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr.Alg != "ES256" || hdr.B64 == nil || *hdr.B64 || len(hdr.X5c) == 0 || hdr.SigT == "" || !strings.Contains(strings.Join(hdr.Crit, ","), "b64") {
		t.Fatalf("protected header %s lacks the EDC shape (ES256, b64 false and critical, x5c, sigT)", hb)
	}
	chain, err := s.Chain("seal")
	if err != nil {
		t.Fatal(err)
	}
	if hdr.X5c[0] != base64.StdEncoding.EncodeToString(chain[0].Raw) {
		t.Fatal("x5c[0] is not the store's seal certificate")
	}
	pub, err := x509.MarshalPKIXPublicKey(chain[0].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	rawSig, err := base64.RawURLEncoding.DecodeString(sig.Signature)
	if err != nil || len(rawSig) != 64 {
		t.Fatalf("ES256 signature of %d bytes: %v", len(rawSig), err)
	}
	der, err := derECDSA(rawSig)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubPath := write("pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	sigPath := write("sig.der", der)
	input := append([]byte(sig.Protected+"."), env.Payload...)
	inPath := write("input", input)
	cmd := exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, inPath)
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "Verified OK") {
		t.Fatalf("openssl: %v\n%s", err, b)
	}
	// One altered character of the credential and OpenSSL refuses.
	bad := write("bad", []byte(strings.Replace(string(input), "Université", "Universit3", 1)))
	cmd = exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, bad)
	if b, err := cmd.CombinedOutput(); err == nil || strings.Contains(string(b), "Verified OK") {
		t.Fatalf("openssl verified an altered credential:\n%s", b)
	}
}

// derECDSA turns a JOSE r||s signature into the DER form OpenSSL reads.
func derECDSA(rs []byte) ([]byte, error) {
	n := len(rs) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(rs[:n]), new(big.Int).SetBytes(rs[n:])})
}
