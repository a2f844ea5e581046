package etsi

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jades"
)

// TestWriteCLIFixtures writes the CLI scenario
// cmd/diplomat/testdata/script/trust_eu_etsi.txt with freshly made, signed
// fixtures when DIPLOMAT_WRITE_CLI_FIXTURES names that file; otherwise it
// skips. The lists' NextUpdate is in 2099 and the certificates expire in
// 2040, so the scenario runs against the real clock.
func TestWriteCLIFixtures(t *testing.T) {
	out := os.Getenv("DIPLOMAT_WRITE_CLI_FIXTURES")
	if out == "" {
		t.Skip("set DIPLOMAT_WRITE_CLI_FIXTURES=path/to/trust_eu_etsi.txt to regenerate the CLI scenario")
	}
	lotlSigner := newTestCA(t, "EU LOTL signer (test)", nil)
	tlSigner := newTestCA(t, "SE TL signer (test)", nil)
	ca := newTestCA(t, "Example Qualified Seal CA (test)", nil)
	issued, next := mustTime("2025-01-01T00:00:00Z"), mustTime("2099-01-01T00:00:00Z")
	lotl := signTL(t, buildTL(tlSpec{territory: "EU", typ: TypeLOTL, seq: 300, issued: issued, next: next,
		pointers: []ptrSpec{{"SE", []*x509.Certificate{tlSigner.cert}}}}), lotlSigner, true)
	national := func(seq int) []byte {
		return signTL(t, buildTL(tlSpec{territory: "SE", seq: seq, issued: issued.Add(time.Duration(seq) * time.Hour), next: next, tsp: "Example TSP AB",
			services: []svcSpec{{name: "Example qualified seal CA", cert: ca.cert, status: "granted", since: mustTime("2020-01-01T00:00:00Z"),
				info: []string{ForeSeals}}}}), tlSigner, true)
	}
	tl8, tl7 := national(8), national(7)
	tampered := bytes.Replace(tl8, []byte("Example TSP AB"), []byte("Evil TSP AB!!!"), 1)
	seal := func(qc *qcOpts) []byte {
		c := newTestCert(t, "Université Exemple", ca, false, qc)
		cred := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"issuer":{"id":"urn:example:universite"},"issuanceDate":"2025-06-01T00:00:00Z","credentialSubject":{"id":"did:example:student"}}`)
		signed, err := (&jades.Mechanism{}).Sign(context.Background(), cred, credentials.SigningKey{Signer: c.key, Chain: []*x509.Certificate{c.cert}}, credentials.SignOptions{Now: at("2025-06-01T10:00:00Z")})
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	qualified := seal(&qcOpts{compliance: true, sscd: true, qcType: "eseal"})
	advanced := seal(&qcOpts{compliance: true, qcType: "eseal"})
	pemOf := func(c *x509.Certificate) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	var b bytes.Buffer
	b.WriteString(`# ETSI trusted lists: the LOTL against a pinned signer, a national list against the
# LOTL's pointer, nothing lost on a bad update, and eSeals classified step by step.
# Made by TestWriteCLIFixtures in verifier/trust/etsi; regenerate rather than edit.

! exec diplomat trust import --format etsi-tl lotl.xml
stderr 'pin the certificate'
stderr 'nothing was changed'

! exec diplomat trust import --format etsi-tl --pin tl-signer.pem lotl.xml
stderr 'not pinned'

exec diplomat trust import --format etsi-tl --pin lotl-signer.pem lotl.xml
stdout 'imported etsi-lotl EU sequence 300'

! exec diplomat trust import --format etsi-tl tl-se-tampered.xml
stderr 'changed after signing'
stderr 'nothing was changed'

exec diplomat trust import --format etsi-tl tl-se-8.xml
stdout 'imported etsi-tl SE sequence 8 \(1 entities\)'

# An older list does not replace the one held.
! exec diplomat trust import --format etsi-tl tl-se-7.xml
stderr 'not newer than the one held'
exec diplomat trust import --format etsi-tl tl-se-8.xml
stdout 'already held'

exec diplomat trust sources
stdout 'etsi-lotl +EU +300 .* 2099-01-01 +1 '
stdout 'etsi-tl +SE +8 .* 2099-01-01 +1 +CN=SE TL signer'
exec diplomat trust sources --json
stdout '"kind": "etsi-tl"'

exec diplomat trust explain sealed-qualified.json
stdout 'credential: jades, signature verified'
stdout 'etsi-tl:SE: TRUSTED \(qualified\)'
stdout 'entity: Example TSP AB \(SE\)'
stdout 'service status at the time judged: granted'

! exec diplomat trust explain sealed-advanced.json
stdout 'etsi-tl:SE: NOT TRUSTED \(advanced\)'
stdout 'QcSSCD\): no'
exec diplomat trust explain --accept advanced sealed-advanced.json
stdout 'etsi-tl:SE: TRUSTED \(advanced\)'

# The registry format stays the default.
! exec diplomat trust import lotl.xml
stderr 'nothing was imported'

`)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"lotl-signer.pem", pemOf(lotlSigner.cert)},
		{"tl-signer.pem", pemOf(tlSigner.cert)},
		{"lotl.xml", lotl},
		{"tl-se-8.xml", tl8},
		{"tl-se-7.xml", tl7},
		{"tl-se-tampered.xml", tampered},
		{"sealed-qualified.json", qualified},
		{"sealed-advanced.json", advanced},
	} {
		b.WriteString("-- " + f.name + " --\n")
		b.Write(bytes.TrimRight(f.data, "\n"))
		b.WriteString("\n")
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
