package ebsi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

const (
	pilotTAO     = "did:ebsi:zxE9ucTwx5V7Aean5Kj6Lz3"
	pilotRootTAO = "did:ebsi:zjUnExsyyweQ9p4cy3nvrVc"
	pilotSupport = "did:ebsi:zZeKyEJfUTGwajhNyNX928z"
	pilotSchema  = "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/z3MgUFUkb722uq4x3dv5yAJmnNmzDFeK5UC8x83QoeLJM"
)

// pilotSnapshot builds a snapshot from the real EBSI pilot trust chain (TAO
// → RootTAO → EBSI Support Office), with DID documents holding the keys
// recovered from the accreditations' own signatures.
func pilotSnapshot(t *testing.T) []byte {
	t.Helper()
	var ref struct {
		DIDDocumentMetadata struct {
			TrustChain struct {
				TAO, RootTAO struct {
					DID       string    `json:"did"`
					Attribute Attribute `json:"attribute"`
				}
			} `json:"trustChain"`
		} `json:"didDocumentMetadata"`
	}
	if err := json.Unmarshal(reftest.Read(t, "trust", "ebsi", "tir-v5-trustchain-TAO-RootTAO.pilot.json"), &ref); err != nil {
		t.Fatal(err)
	}
	tc := ref.DIDDocumentMetadata.TrustChain
	kid1, k1 := pilotKey(t, tc.TAO.Attribute.Body)
	kid2, k2 := pilotKey(t, tc.RootTAO.Attribute.Body)
	snap := Snapshot{
		Name:     "pilot",
		Sequence: 1,
		Issuers: []Issuer{
			{DID: tc.TAO.DID, Attributes: []Attribute{tc.TAO.Attribute}},
			{DID: tc.RootTAO.DID, Attributes: []Attribute{tc.RootTAO.Attribute}},
		},
		DIDDocuments: []json.RawMessage{didDoc(t, kid1, k1), didDoc(t, kid2, k2)},
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func credential(issuer, attrURL, schema string, types ...string) []byte {
	c := map[string]any{
		"@context":          []string{"https://www.w3.org/2018/credentials/v1"},
		"type":              types,
		"issuer":            issuer,
		"credentialSchema":  map[string]string{"id": schema, "type": "FullJsonSchemaValidator2021"},
		"credentialSubject": map[string]string{"id": "did:key:z6MkStudent"},
	}
	if attrURL != "" {
		c["termsOfUse"] = []map[string]string{{"id": attrURL, "type": "IssuanceCertificate"}}
	}
	raw, _ := json.Marshal(c)
	return raw
}

func TestPilotTrustChain(t *testing.T) {
	snap, err := Import(pilotSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	cred := credential(pilotTAO, "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5/issuers/"+pilotTAO+"/attributes/cca3ca9406b45a8f7a9453dc48e99aed0f72de70475e9e7e107db85b73e74fcb",
		pilotSchema, "VerifiableCredential", "VerifiableAttestation", "CTRevocable")
	q := verifier.TrustQuery{Issuer: pilotTAO, Credential: cred, IssuedAt: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)}
	cases := []struct {
		name    string
		roots   []string
		at      time.Time
		trusted bool
		reason  string
	}{
		{"chain to the EBSI Support Office", []string{pilotSupport}, q.IssuedAt, true, "configured root"},
		{"root not in the allow-list", []string{"did:ebsi:zOther"}, q.IssuedAt, false, "not a configured root"},
		{"TAO accreditation expired", []string{pilotSupport}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), false, "expired on 2024-12-08"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := q
			q.IssuedAt = c.at
			a, err := NewSource(snap, Options{Roots: c.roots}).Trust(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if a.Trusted != c.trusted || !strings.Contains(a.Reason, c.reason) {
				t.Fatalf("answer %+v\n%s", a, strings.Join(a.Steps, "\n"))
			}
			if c.trusted && (a.Entity != pilotTAO || !strings.Contains(a.Scope, "CTRevocable") || !strings.Contains(a.Scope, "atu/FIN") || a.Source != "ebsi-tir:pilot") {
				t.Errorf("entity %q scope %q source %q", a.Entity, a.Scope, a.Source)
			}
		})
	}
}

// mock is the TI → TAO → RootTAO mock of the reference folder, signed here:
// the TAO signs with ES256K, the RootTAO (self-authorised) with ES256K and
// with ES256 for the TAO.
type mock struct {
	snap   Snapshot
	ti     string
	tiAttr string
}

func newMock(t testing.TB, edit func(name string, claims map[string]any)) *mock {
	t.Helper()
	var ref map[string]json.RawMessage
	if err := json.Unmarshal(reftest.Read(t, "trust", "ebsi", "tir-v5-mock-TI-TAO-RootTAO.dc4eu-uself.json"), &ref); err != nil {
		t.Fatal(err)
	}
	const ti = "did:ebsi:zTestTrustedIssuer00001"
	const tao = "did:ebsi:zthvUe28tbxARthBGWXwFmk"
	const root = "did:ebsi:zZeKyEJfUTGwajhNyNX928z"
	claimsOf := func(key string) map[string]any {
		raw := strings.ReplaceAll(string(ref[key]), "<ISSUER_TIR.did (the agent's own DID)>", ti)
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tiClaims := claimsOf("claims of TI attribute body (iss=TAO, sub=TI)")
	taoClaims := claimsOf("claims of TAO attribute body (iss=RootTAO, sub=TAO)")
	rootClaims := claimsOf("claims of RootTAO attribute body (self-issued in the mock, iss=sub=RootTAO)")
	// The mock elides the TAO's and RootTAO's dates: "as in TI".
	for _, m := range []map[string]any{taoClaims, rootClaims} {
		for _, k := range []string{"iat", "nbf", "exp"} {
			m[k] = tiClaims[k]
		}
		delete(m["vc"].(map[string]any), "_elided")
	}
	taoKey, rootKey256K, rootKey256 := newK256(t), newK256(t), newP256(t)
	for name, m := range map[string]map[string]any{"TI": tiClaims, "TAO": taoClaims, "RootTAO": rootClaims} {
		if edit != nil {
			edit(name, m)
		}
	}
	tiBody := signJWT(t, taoKey, tao+"#k1", tiClaims)
	taoBody := signJWT(t, rootKey256, root+"#p256", taoClaims)
	rootBody := signJWT(t, rootKey256K, root+"#k1", rootClaims)
	var docs []json.RawMessage
	docs = append(docs, didDoc(t, tao+"#k1", taoKey.pub))
	rootDoc := map[string]any{}
	_ = json.Unmarshal(didDoc(t, root+"#k1", rootKey256K.pub), &rootDoc)
	second := map[string]any{}
	_ = json.Unmarshal(didDoc(t, root+"#p256", rootKey256.pub), &second)
	rootDoc["verificationMethod"] = append(rootDoc["verificationMethod"].([]any), second["verificationMethod"].([]any)...)
	raw, _ := json.Marshal(rootDoc)
	docs = append(docs, raw)
	m := &mock{ti: ti, tiAttr: "751d95a5de9dfb24bb3669a03f1070a31d3f0f893e8ac801ed47bb713646ef3e"}
	m.snap = Snapshot{Name: "mock", Issuers: []Issuer{
		{DID: ti, Attributes: []Attribute{attribute(tiBody, TypeTI, tao, root)}},
		{DID: tao, Attributes: []Attribute{attribute(taoBody, TypeTAO, tao, root)}},
		{DID: root, Attributes: []Attribute{attribute(rootBody, TypeRootTAO, root, root)}},
	}, DIDDocuments: docs}
	return m
}

func (m *mock) bytesB(t testing.TB) []byte { return m.bytesOf(t) }

func (m *mock) bytes(t *testing.T) []byte { return m.bytesOf(t) }

func (m *mock) bytesOf(t testing.TB) []byte {
	raw, err := json.Marshal(m.snap)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (m *mock) query(types ...string) verifier.TrustQuery {
	if len(types) == 0 {
		types = []string{"VerifiableCredential", "VerifiableAttestation", "eu.europa.ec.eudi.pid"}
	}
	cred := credential(m.ti, "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5/issuers/"+m.ti+"/attributes/"+m.tiAttr,
		"https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/z3MgUFUkb722uq4x3dv5yAJmnNmzDFeK5UC8x83QoeLJM", types...)
	return verifier.TrustQuery{Issuer: m.ti, Credential: cred, IssuedAt: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
}

func TestMockChainTIToTAOToRootTAO(t *testing.T) {
	root := []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}
	good := newMock(t, nil)
	revokedTAO := newMock(t, nil)
	revokedTAO.snap.Issuers[1].Attributes[0].IssuerType = TypeRevoked
	wrongSubject := newMock(t, func(name string, c map[string]any) {
		if name == "TI" {
			c["sub"] = "did:ebsi:zSomeoneElse"
			c["vc"].(map[string]any)["credentialSubject"].(map[string]any)["id"] = "did:ebsi:zSomeoneElse"
		}
	})
	otherKey := newMock(t, nil)
	otherKey.snap.DIDDocuments[0] = didDoc(t, "did:ebsi:zthvUe28tbxARthBGWXwFmk#k1", newK256(t).pub)

	cases := []struct {
		name    string
		m       *mock
		q       verifier.TrustQuery
		roots   []string
		trusted bool
		reason  string
	}{
		{"valid chain", good, good.query(), root, true, "trusted: the chain ends at RootTAO"},
		{"accreditedFor does not cover the types", good, good.query("VerifiableCredential", "VerifiableDiploma"), root, false, "no accreditedFor"},
		{"revoked TAO", revokedTAO, revokedTAO.query(), root, false, "Revoked"},
		{"root not in the allow-list", good, good.query(), []string{"did:ebsi:zNotTheRoot"}, false, "not a configured root"},
		{"accreditation for another subject", wrongSubject, wrongSubject.query(), root, false, "is for did:ebsi:zSomeoneElse"},
		{"accreditor's key does not match", otherKey, otherKey.query(), root, false, "signature does not verify"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			snap, err := Import(c.m.bytes(t))
			if err != nil {
				t.Fatal(err)
			}
			a, err := NewSource(snap, Options{Roots: c.roots}).Trust(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			if a.Trusted != c.trusted || !strings.Contains(a.Reason, c.reason) {
				t.Fatalf("answer %+v\n%s", a, strings.Join(a.Steps, "\n"))
			}
		})
	}
	t.Run("expired accreditation", func(t *testing.T) {
		snap, _ := Import(good.bytes(t))
		q := good.query()
		q.IssuedAt = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		a, _ := NewSource(snap, Options{Roots: root}).Trust(context.Background(), q)
		if a.Trusted || !strings.Contains(a.Reason, "expired on 2026-09-19") {
			t.Fatalf("answer %+v", a)
		}
	})
	t.Run("schema not covered", func(t *testing.T) {
		snap, _ := Import(good.bytes(t))
		q := good.query()
		q.Schemas = []string{"https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/zAnotherSchema"}
		a, _ := NewSource(snap, Options{Roots: root}).Trust(context.Background(), q)
		if a.Trusted || !strings.Contains(a.Reason, "no accreditedFor") {
			t.Fatalf("answer %+v", a)
		}
	})
}

func TestBrokenHashRefusedAtImportAndInWalk(t *testing.T) {
	m := newMock(t, nil)
	a := &m.snap.Issuers[1].Attributes[0]
	a.Hash = strings.Repeat("0", 64)
	data := m.bytes(t)
	if _, err := Import(data); !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("import: err = %v", err)
	}
	snap, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	ans, _ := NewSource(snap, Options{Roots: []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}}).Trust(context.Background(), m.query())
	if ans.Trusted || !strings.Contains(ans.Reason, "not the SHA-256 of the body") {
		t.Fatalf("answer %+v", ans)
	}
}

func TestOpenAPIExampleHashMismatchIsRefused(t *testing.T) {
	// The TIR documentation's example reuses a hash that is not its body's:
	// a snapshot made of it must not import.
	var ref map[string]json.RawMessage
	if err := json.Unmarshal(reftest.Read(t, "trust", "ebsi", "tir-v5-openapi-examples.json"), &ref); err != nil {
		t.Fatal(err)
	}
	var is Issuer
	if err := json.Unmarshal(ref["GET /trusted-issuers-registry/v5/issuers/{did} [pilot]"], &is); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(Snapshot{Name: "doc", Issuers: []Issuer{is}})
	if _, err := Import(raw); !errors.Is(err, trust.ErrSignature) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseRefusesMalformedSnapshots(t *testing.T) {
	cases := map[string]string{
		"not json":          `<xml/>`,
		"no name":           `{"issuers":[]}`,
		"duplicate member":  `{"name":"a","name":"b"}`,
		"issuer not a DID":  `{"name":"a","issuers":[{"did":"x","attributes":[]}]}`,
		"bad issuer type":   `{"name":"a","issuers":[{"did":"did:ebsi:z","attributes":[{"hash":"00","body":"a.b.c","issuerType":"Boss"}]}]}`,
		"bad DID document":  `{"name":"a","issuers":[],"didDocuments":[{"id":5}]}`,
		"negative sequence": `{"name":"a","sequence":-1,"issuers":[]}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(in)); !errors.Is(err, trust.ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestIssuerNotInSnapshot(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	a, _ := NewSource(snap, Options{}).Trust(context.Background(), verifier.TrustQuery{Issuer: "did:ebsi:zUnknown"})
	if a.Trusted || !strings.Contains(a.Reason, "not in the TIR snapshot") {
		t.Fatalf("answer %+v", a)
	}
	a, _ = NewSource(snap, Options{}).Trust(context.Background(), verifier.TrustQuery{})
	if a.Trusted || !strings.Contains(a.Reason, "by DID") {
		t.Fatalf("answer %+v", a)
	}
}
