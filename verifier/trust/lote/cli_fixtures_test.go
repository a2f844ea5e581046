package lote

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jades"
)

// testList returns a list of trusted entities with one entity, "Example PID
// Provider" (SE), whose one service certificate is svc; NextUpdate is in
// 2099.
func testList(t testing.TB, name string, seq int64, svc *tc) []byte {
	t.Helper()
	ml := func(v string) []map[string]string { return []map[string]string{{"lang": "en", "value": v}} }
	l := map[string]any{"LoTE": map[string]any{
		"ListAndSchemeInformation": map[string]any{
			"LoTEVersionIdentifier": 1,
			"LoTESequenceNumber":    seq,
			"LoTEType":              "http://uri.etsi.org/19602/LoTEType/EUPIDProvidersList",
			"SchemeOperatorName":    ml("Example Scheme Operator"),
			"SchemeName":            ml(name),
			"SchemeTerritory":       "EU",
			"ListIssueDateTime":     time.Date(2025, 1, int(seq), 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
			"NextUpdate":            "2099-01-01T00:00:00Z",
		},
		"TrustedEntitiesList": []any{map[string]any{
			"TrustedEntityInformation": map[string]any{
				"TEName":    ml("Example PID Provider"),
				"TEAddress": map[string]any{"TEPostalAddress": []map[string]string{{"lang": "en", "Country": "SE"}}},
			},
			"TrustedEntityServices": []any{map[string]any{"ServiceInformation": map[string]any{
				"ServiceTypeIdentifier":  "http://uri.etsi.org/19602/SvcType/PID/Issuance",
				"ServiceName":            ml("Example PID issuance CA"),
				"ServiceDigitalIdentity": map[string]any{"X509Certificates": []map[string]string{{"val": b64(svc.cert)}}},
			}}},
		}},
	}}
	raw, err := json.MarshalIndent(l, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestWriteCLIFixtures writes the CLI scenario
// cmd/diplomat/testdata/script/trust_eu_lote.txt with freshly made, signed
// fixtures when DIPLOMAT_WRITE_LOTE_FIXTURES names that file; otherwise it
// skips. The lists' NextUpdate is in 2099 and the certificates expire in
// 2040, so the scenario runs against the real clock.
func TestWriteCLIFixtures(t *testing.T) {
	out := os.Getenv("DIPLOMAT_WRITE_LOTE_FIXTURES")
	if out == "" {
		t.Skip("set DIPLOMAT_WRITE_LOTE_FIXTURES=path/to/trust_eu_lote.txt to regenerate the CLI scenario")
	}
	signer := newCert(t, "LoTE signer (test)", nil, true)
	other := newCert(t, "Someone else (test)", nil, true)
	ca := newCert(t, "Example PID issuance CA (test)", nil, true)
	seal := newCert(t, "Example PID Provider seal", ca, false)
	const name = "EU PID Providers (test)"
	sign := func(payload []byte) []byte {
		return signList(t, payload, signer, []*x509.Certificate{signer.cert}, "", jwa.ES256)
	}
	lote1, lote2 := sign(testList(t, name, 1, ca)), sign(testList(t, name, 2, ca))
	// The signed payload with another entity name, the signature kept.
	parts := strings.Split(string(lote2), ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte("Example PID Provider"), []byte("Evil PID Provider!!!"), 1))
	tampered := []byte(strings.Join(parts, "."))
	plain := testList(t, "Unsigned list (test)", 1, other)

	cred := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"issuer":{"id":"urn:example:pid-provider"},"issuanceDate":"2025-06-01T00:00:00Z","credentialSubject":{"id":"did:example:student","givenName":"Ana"}}`)
	sealed, err := (&jades.Mechanism{}).Sign(context.Background(), cred, credentials.SigningKey{Signer: seal.key, Chain: []*x509.Certificate{seal.cert}},
		credentials.SignOptions{Now: func() time.Time { return time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	pemOf := func(c *x509.Certificate) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	var b bytes.Buffer
	b.WriteString(loteScript)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"lote-signer.pem", pemOf(signer.cert)},
		{"other.pem", pemOf(other.cert)},
		{"lote-1.jws", lote1},
		{"lote-2.jws", lote2},
		{"lote-tampered.jws", tampered},
		{"plain.json", plain},
		{"sealed.json", sealed},
	} {
		b.WriteString("-- " + f.name + " --\n")
		b.Write(bytes.TrimRight(f.data, "\n"))
		b.WriteString("\n")
	}
	if err := os.WriteFile(out, []byte(strings.TrimLeft(b.String(), "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same list and seal certificate for the package's Example.
	if err := os.MkdirAll(filepath.Join("testdata", "example"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"lote.jws": lote2, "lote-signer.pem": pemOf(signer.cert), "seal.pem": pemOf(seal.cert)} {
		if err := os.WriteFile(filepath.Join("testdata", "example", name), append(bytes.TrimRight(data, "\n"), '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const loteScript = `# ETSI TS 119 602 lists of trusted entities: a signed list (JWS, x5c) against a
# pinned certificate, refusals that change nothing, a plain list only with
# --unsigned, and a JAdES seal whose CA is listed going from untrusted to
# verified. Made by TestWriteCLIFixtures in verifier/trust/lote; regenerate
# rather than edit.

exec diplomat trust sources
stderr 'no trust lists imported yet'
! exec diplomat verify sealed.json
stdout '^UNTRUSTED: credential \(jades\)'
stdout 'passed +proof'
stdout 'failed +trust'

# No pin, the wrong pin, a changed payload: refused, nothing held.
! exec diplomat trust import --format lote lote-2.jws
cmp stderr want-no-pin.txt
! exec diplomat trust import --format lote --pin other.pem lote-2.jws
stderr '^diplomat: error: lote-2.jws: trust list signature not valid: the list is signed by CN=LoTE signer \(test\), which is neither pinned nor issued by a pinned certificate; nothing was changed$'
! exec diplomat trust import --format lote --pin lote-signer.pem lote-tampered.jws
stderr '^diplomat: error: lote-tampered.jws: trust list signature not valid: the JWS signature does not verify with LoTE signer \(test\): could not verify message using any of the signatures or keys; nothing was changed$'
exec diplomat trust sources
stderr 'no trust lists imported yet'

exec diplomat trust import --format lote --pin lote-signer.pem lote-2.jws
stdout '^imported lote EU PID Providers \(test\) sequence 2 \(1 entities\) from lote-2.jws$'
! exec diplomat trust import --format lote --pin lote-signer.pem lote-1.jws
stderr '^diplomat: error: lote-1.jws: trust list not newer than the one held: lote EU PID Providers \(test\) held has sequence number 2 \(issued 2025-01-02T00:00:00Z\); this one has 1 \(issued 2025-01-01T00:00:00Z\); nothing was changed$'
exec diplomat trust import --format lote --pin lote-signer.pem lote-2.jws
stdout '^lote EU PID Providers \(test\) sequence 2 is already held; nothing changed$'

# A plain JSON list carries no signature: only with --unsigned, and a warning.
! exec diplomat trust import --format lote plain.json
stderr '^diplomat: error: plain.json: trust list signature not valid: the list is plain JSON with no signature; import a signed \(JWS\) list, or accept this one explicitly as unsigned; nothing was changed$'
exec diplomat trust import --format lote --unsigned plain.json
stdout '^imported lote Unsigned list \(test\) sequence 1 \(1 entities\) from plain.json$'
stderr '^warning: plain.json carries no signature; it is trusted because you imported it$'

exec diplomat trust sources
stdout '^lote +EU PID Providers \(test\) +2 +2025-01-02 +2099-01-01 +1 +CN=LoTE signer \(test\)$'
stdout '^lote +Unsigned list \(test\) +1 +2025-01-01 +2099-01-01 +1 +-$'

# The seal's CA is listed: verified, and explained.
exec diplomat verify sealed.json
stdout '^VERIFIED: credential \(jades\)'
stdout 'passed +trust +trusted: Example PID Provider \(SE\) is on the list "EU PID Providers \(test\)"'
exec diplomat trust explain sealed.json
stdout '^lote:EU PID Providers \(test\): TRUSTED \(ca\)$'
stdout '^  entity: Example PID Provider \(SE\)$'
stdout '^  1\. chain certificate 0 \(Example PID Provider seal\) is issued by the listed CA Example PID issuance CA \(test\)$'

-- want-no-pin.txt --
diplomat: error: lote-2.jws: no pinned certificate for this list: pin the certificate that signs this list; nothing was changed
hint: the trust list held before, if any, stays in force; 'diplomat trust sources' shows it
`
