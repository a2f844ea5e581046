package jades

import (
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// OpenSSL, knowing nothing of JAdES, verifies our seal over the signing input
// RFC 7797 defines: the protected header as it appears, a dot, and the
// credential's bytes as they are.
func TestOpenSSLVerifiesSignedELM(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: skipping the interoperability check (CI installs it)")
	}
	cases := []struct {
		alg, kind, rsaAlg, digest string
		sigopts                   []string
	}{
		{"RS256", "rsa", "", "-sha256", nil},
		{"PS256", "rsa", "PS256", "-sha256", []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"}},
		{"ES256", "p256", "", "-sha256", nil},
		{"ES384", "p384", "", "-sha384", nil},
	}
	for _, tc := range cases {
		t.Run(tc.alg, func(t *testing.T) {
			_, signed := signELM(t, &Mechanism{RSAAlgorithm: tc.rsaAlg}, newSeal(t, tc.kind))

			// Read our output with encoding/json only, as an outsider would.
			var env struct {
				Payload    string `json:"payload"`
				Signatures []struct {
					Protected string `json:"protected"`
					Signature string `json:"signature"`
				} `json:"signatures"`
			}
			if err := json.Unmarshal(signed, &env); err != nil || len(env.Signatures) != 1 {
				t.Fatalf("output is not a general JWS JSON serialization: %v", err)
			}
			s := env.Signatures[0]
			hb, err := base64.RawURLEncoding.DecodeString(s.Protected)
			if err != nil {
				t.Fatal(err)
			}
			var hdr struct {
				Alg string   `json:"alg"`
				X5c []string `json:"x5c"`
			}
			if err := json.Unmarshal(hb, &hdr); err != nil || hdr.Alg != tc.alg || len(hdr.X5c) == 0 {
				t.Fatalf("protected header %s: alg %q, want %q with x5c", hb, hdr.Alg, tc.alg)
			}
			certDER, err := base64.StdEncoding.DecodeString(hdr.X5c[0])
			if err != nil {
				t.Fatal(err)
			}
			sig, err := base64.RawURLEncoding.DecodeString(s.Signature)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tc.alg, "ES") { // JWS r||s to the DER OpenSSL reads
				n := len(sig) / 2
				sig, err = asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
				if err != nil {
					t.Fatal(err)
				}
			}

			dir := t.TempDir()
			path := func(name string) string { return filepath.Join(dir, name) }
			write := func(name string, data []byte) {
				if err := os.WriteFile(path(name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write("input", []byte(s.Protected+"."+env.Payload))
			write("altered", []byte(s.Protected+"."+strings.Replace(env.Payload, "Generic", "Generik", 1)))
			write("cert.der", certDER)
			write("sig.der", sig)
			run := func(args ...string) (string, error) {
				out, err := exec.Command(openssl, args...).CombinedOutput()
				return string(out), err
			}
			if out, err := run("x509", "-inform", "DER", "-in", path("cert.der"), "-pubkey", "-noout", "-out", path("pub.pem")); err != nil {
				t.Fatalf("openssl x509: %v\n%s", err, out)
			}
			verify := func(input string) (string, error) {
				args := append([]string{"dgst", tc.digest, "-verify", path("pub.pem"), "-signature", path("sig.der")}, tc.sigopts...)
				return run(append(args, path(input))...)
			}
			if out, err := verify("input"); err != nil || !strings.Contains(out, "Verified OK") {
				t.Fatalf("openssl dgst -verify on our signing input: %v\n%s", err, out)
			}
			if out, err := verify("altered"); err == nil || strings.Contains(out, "Verified OK") {
				t.Fatalf("openssl accepted an altered payload:\n%s", out)
			}
		})
	}
}
