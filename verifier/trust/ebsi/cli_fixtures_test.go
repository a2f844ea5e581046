package ebsi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jose"
)

const (
	mockTAO  = "did:ebsi:zthvUe28tbxARthBGWXwFmk"
	mockRoot = "did:ebsi:zZeKyEJfUTGwajhNyNX928z"
	// pilotSchemaV3 is the schema the mock TI is accredited for.
	pilotSchemaV3 = "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/z3MgUFUkb722uq4x3dv5yAJmnNmzDFeK5UC8x83QoeLJM"
)

// addTAOKey adds a P-256 key, mockTAO#extra, to the TAO's DID document in
// the mock snapshot and returns it, for accrediting more issuers.
func (m *mock) addTAOKey(t testing.TB) *testKey {
	t.Helper()
	key := newP256(t)
	var doc, extra map[string]any
	if err := json.Unmarshal(m.snap.DIDDocuments[0], &doc); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(didDoc(t, mockTAO+"#extra", key.pub), &extra)
	doc["verificationMethod"] = append(doc["verificationMethod"].([]any), extra["verificationMethod"].([]any)...)
	m.snap.DIDDocuments[0], _ = json.Marshal(doc)
	return key
}

// accredit returns a TI attribute for ti: the mock TI's accreditation with
// ti as its subject, signed by the TAO with key (from addTAOKey).
func (m *mock) accredit(t testing.TB, key *testKey, ti string) Attribute {
	t.Helper()
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(m.snap.Issuers[0].Attributes[0].Body, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(payload), m.ti, ti)), &claims); err != nil {
		t.Fatal(err)
	}
	return attribute(signJWT(t, key, mockTAO+"#extra", claims), TypeTI, mockTAO, "")
}

// TestWriteCLIFixtures writes the CLI scenario
// cmd/diplomat/testdata/script/trust_eu_ebsi.txt with freshly made, signed
// fixtures when DIPLOMAT_WRITE_EBSI_FIXTURES names that file; otherwise it
// skips. The credentials are issued on 2025-06-01 and do not expire, and the
// accreditations hold then, so the scenario runs against the real clock.
func TestWriteCLIFixtures(t *testing.T) {
	out := os.Getenv("DIPLOMAT_WRITE_EBSI_FIXTURES")
	if out == "" {
		t.Skip("set DIPLOMAT_WRITE_EBSI_FIXTURES=path/to/trust_eu_ebsi.txt to regenerate the CLI scenario")
	}
	m := newMock(t, nil)
	taoKey := m.addTAOKey(t)
	issuer := newP256(t)
	ti, err := did.KeyDID(issuer.pub)
	if err != nil {
		t.Fatal(err)
	}
	attr := m.accredit(t, taoKey, ti)
	snapshot := func(seq int64, issuers []Issuer) []byte {
		s := m.snap
		s.Name, s.Sequence, s.Issued = "test-tir", seq, time.Date(2025, 1, int(seq), 0, 0, 0, 0, time.UTC)
		s.Issuers = issuers
		raw, err := json.MarshalIndent(s, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	chain := append([]Issuer{{DID: ti, Attributes: []Attribute{attr}}}, m.snap.Issuers[1:]...)
	tir1, tir2 := snapshot(1, chain), snapshot(2, chain)
	broken := attr
	broken.Body = strings.Replace(broken.Body, ".", ".e30", 1) // the hash no longer matches
	tampered := snapshot(3, append([]Issuer{{DID: ti, Attributes: []Attribute{broken}}}, m.snap.Issuers[1:]...))

	attrURL := "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5/issuers/" + ti + "/attributes/" + attr.Hash
	kid := ti + "#" + strings.TrimPrefix(ti, "did:key:")
	var pidDoc []byte
	sign := func(types ...string) []byte {
		doc, _ := json.MarshalIndent(map[string]any{
			"@context":          []string{"https://www.w3.org/2018/credentials/v1"},
			"id":                "urn:uuid:6a8e4c1e-0b7d-4a43-9b1e-3f1c0c2d9e11",
			"type":              types,
			"issuer":            ti,
			"issuanceDate":      "2025-06-01T00:00:00Z",
			"credentialSubject": map[string]string{"id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "familyName": "Andromeda", "givenName": "Ana"},
			"credentialSchema":  map[string]string{"id": pilotSchemaV3, "type": "FullJsonSchemaValidator2021"},
			"termsOfUse":        []map[string]string{{"id": attrURL, "type": "IssuanceCertificate"}},
		}, "", " ")
		if pidDoc == nil {
			pidDoc = doc
		}
		signed, err := jose.JWTVCJSON{}.Sign(context.Background(), doc, credentials.SigningKey{Signer: issuer.signer, ID: kid},
			credentials.SignOptions{Now: func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	pid := sign("VerifiableCredential", "VerifiableAttestation", "eu.europa.ec.eudi.pid")
	diploma := sign("VerifiableCredential", "VerifiableAttestation", "VerifiableDiploma")

	script := strings.NewReplacer("$TI", ti, "$ROOT", mockRoot, "$TAO", mockTAO).Replace(ebsiScript)
	var b bytes.Buffer
	b.WriteString(script)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"tir-1.json", tir1},
		{"tir-2.json", tir2},
		{"tir-tampered.json", tampered},
		{"pid.jwt", pid},
		{"diploma.jwt", diploma},
	} {
		b.WriteString("-- " + f.name + " --\n")
		b.Write(bytes.TrimRight(f.data, "\n"))
		b.WriteString("\n")
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same snapshot and credential for the package's Example.
	if err := os.MkdirAll(filepath.Join("testdata", "example"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"tir.json": tir2, "credential.json": pidDoc} {
		if err := os.WriteFile(filepath.Join("testdata", "example", name), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const ebsiScript = `# EBSI Trusted Issuers Registry snapshots: a credential issued by $TI
# (jwt_vc_json, ES256) is untrusted until a TIR snapshot holding its
# accreditation chain (TI -> TAO -> RootTAO, self-authorised) is imported; refused
# imports change nothing. Made by TestWriteCLIFixtures in verifier/trust/ebsi;
# regenerate rather than edit.

# Authentic, but nothing vouches for the issuer yet.
exec diplomat trust sources
stderr 'no trust lists imported yet'
! exec diplomat verify pid.jwt
stdout '^UNTRUSTED: credential \(jwt_vc_json\) issued by did:key:'
stdout 'passed +proof'
stdout 'failed +trust'

# A snapshot needs the root(s) that end a chain.
! exec diplomat trust import --format ebsi-tir tir-2.json
cmp stderr want-no-root.txt

# A record whose hash does not match its body: refused, nothing changes.
! exec diplomat trust import --format ebsi-tir --root $ROOT tir-tampered.json
stderr '^diplomat: error: tir-tampered.json: trust list signature not valid: issuers\[0\] \(did:key:[^)]+\) attributes\[0\]: hash [0-9a-f]+ is not the SHA-256 of the body \([0-9a-f]+\); nothing was changed$'
exec diplomat trust sources
stderr 'no trust lists imported yet'

exec diplomat trust import --format ebsi-tir --root $ROOT tir-2.json
stdout '^imported ebsi-tir test-tir sequence 2 \(3 entities\) from tir-2.json$'

# An older snapshot does not replace the one held; the same one is already held.
! exec diplomat trust import --format ebsi-tir --root $ROOT tir-1.json
stderr '^diplomat: error: tir-1.json: trust list not newer than the one held: ebsi-tir test-tir held has sequence number 2 \(issued 2025-01-02T00:00:00Z\); this one has 1 \(issued 2025-01-01T00:00:00Z\); nothing was changed$'
exec diplomat trust import --format ebsi-tir --root $ROOT tir-2.json
stdout '^ebsi-tir test-tir sequence 2 is already held; nothing changed$'

exec diplomat trust sources
stdout '^ebsi-tir +test-tir +2 +2025-01-02 +- +3 +per record; roots \[$ROOT\]$'
exec diplomat trust sources --json
stdout '"kind": "ebsi-tir"'
stdout '"roots": \['

# Now the verifier asks the TIR snapshot after the registry: verified.
exec diplomat verify pid.jwt
stdout '^VERIFIED: credential \(jwt_vc_json\) issued by did:key:'
stdout 'passed +trust +trusted: the chain ends at RootTAO $ROOT, authorised by the configured root'

# Step by step.
exec diplomat trust explain pid.jwt
stdout '^credential: jwt_vc_json, signature verified$'
stdout '^ebsi-tir:test-tir: TRUSTED \(accredited\)$'
stdout '^  scope: schema https://api-pilot.ebsi.eu/trusted-schemas-registry/v2/schemas/z3MgUFUkb722uq4x3dv5yAJmnNmzDFeK5UC8x83QoeLJM, types VerifiableCredential, VerifiableAttestation, eu.europa.ec.eudi.pid, jurisdiction https://publications.europa.eu/resource/authority/atu/EUR$'
stdout '^  2\. termsOfUse names the IssuanceCertificate https://api-pilot.ebsi.eu/trusted-issuers-registry/v5/issuers/did:key:'
stdout '^  5\. attribute [0-9a-f]+… of $TAO \(TAO\): hash matches its body; accreditation VerifiableAccreditationToAttest signed by $ROOT verifies$'

# A credential type the issuer is not accredited for.
! exec diplomat verify diploma.jwt
stdout '^UNTRUSTED'
stdout 'failed +trust +not trusted: no accreditedFor of did:key:.* covers the credential''s schema'
! exec diplomat trust explain diploma.jwt
stdout '^ebsi-tir:test-tir: NOT TRUSTED$'
stdout 'types VerifiableCredential, VerifiableAttestation, VerifiableDiploma$'

-- want-no-root.txt --
diplomat: error: tir-2.json: no pinned certificate for this list: give the root DID(s) that authorise RootTAOs; nothing was changed
hint: the trust list held before, if any, stays in force; 'diplomat trust sources' shows it
`
