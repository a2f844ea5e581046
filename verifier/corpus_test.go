package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/keys"
)

// The corpus generator: a small world of issuers, a holder and an attacker,
// with keys made here, a did:web issuer and its status lists served by an
// httptest TLS server on 127.0.0.1, and a trust registry in a temporary
// store. Each credential of the corpus is built from a valid one by one
// change, so that each case tests one thing.

// now is the clock of every test: the policy's At.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type party struct {
	signer crypto.Signer
	did    string
	kid    string
}

func (p *party) key() credentials.SigningKey {
	return credentials.SigningKey{Signer: p.signer, ID: p.kid}
}

func newDIDKeyParty(t testing.TB, signer crypto.Signer) *party {
	t.Helper()
	d, err := did.KeyDID(signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &party{signer: signer, did: d, kid: d + "#" + strings.TrimPrefix(d, "did:key:")}
}

func ed25519Signer(t testing.TB) crypto.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func p256Signer(t testing.TB) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type world struct {
	t      testing.TB
	srv    *httptest.Server
	pool   *x509.CertPool
	mu     sync.Mutex
	served map[string][]byte // path → body

	web    *party // did:web issuer, Ed25519, accredited up to EQF 6
	ebsi   *party // did:key P-256 issuer (jwt_vc_json, dc+sd-jwt), trusted
	w3c    *party // did:key Ed25519 issuer (Data Integrity), trusted
	holder *party // did:key Ed25519 holder
	other  *party // did:key Ed25519 attacker, not trusted

	seal      credentials.SigningKey // P-256 eSeal under a test CA
	store     *keys.Store
	contexts  *jsonld.Loader
	elmSample []byte
}

// refCache is a jsonld.Cache holding the reference contexts.
type refCache map[string][]byte

func (c refCache) LookupContext(url string) ([]byte, error) {
	if b, ok := c[url]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("context %s: %w", url, fs.ErrNotExist)
}

func (c refCache) PutContext(url string, data []byte) error { c[url] = data; return nil }

var (
	contextsOnce sync.Once
	contextsC    refCache
)

func referenceContexts(t testing.TB) *jsonld.Loader {
	t.Helper()
	dir := reftest.Path(t, "contexts")
	contextsOnce.Do(func() {
		c := refCache{}
		if _, err := jsonld.Import(dir, c); err == nil {
			contextsC = c
		}
	})
	if contextsC == nil {
		t.Fatal("importing the reference contexts failed")
	}
	return jsonld.New(jsonld.Options{Cache: contextsC})
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, served: map[string][]byte{}}
	w.elmSample = reftest.Read(t, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	w.contexts = referenceContexts(t)
	w.srv = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		body, ok := w.served[r.URL.Path]
		w.mu.Unlock()
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Write(body)
	}))
	t.Cleanup(w.srv.Close)
	w.pool = x509.NewCertPool()
	w.pool.AddCert(w.srv.Certificate())

	// The did:web issuer: its document is served by the TLS server.
	host := strings.TrimPrefix(w.srv.URL, "https://")
	webDID := did.WebDID(host)
	sig := ed25519Signer(t)
	w.web = &party{signer: sig, did: webDID, kid: webDID + "#key-1"}
	doc := &did.Document{Context: []string{did.ContextDID}, ID: webDID}
	vm, err := did.NewJWKMethod(w.web.kid, webDID, sig.Public())
	if err != nil {
		t.Fatal(err)
	}
	doc.AddMethod(vm, did.AssertionMethod)
	w.serveJSON("/.well-known/did.json", doc)

	w.ebsi = newDIDKeyParty(t, p256Signer(t))
	w.w3c = newDIDKeyParty(t, ed25519Signer(t))
	w.holder = newDIDKeyParty(t, ed25519Signer(t))
	w.other = newDIDKeyParty(t, ed25519Signer(t))
	w.seal, w.store = w.makeSeal(), nil

	// The trust registry.
	s, err := keys.Open(filepath.Join(t.TempDir(), "diplomat.db"), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w.store = s
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: w.seal.Chain[1].Raw})
	for _, e := range []keys.TrustEntry{
		{DID: w.web.did, Name: "University of Zed", Country: "IE", Scope: keys.TrustScope{MaxEQFLevel: 6}},
		{DID: w.ebsi.did, Name: "Hochschule Beispiel", Country: "DE"},
		{DID: w.w3c.did, Name: "Université Exemple", Country: "FR", Scope: keys.TrustScope{Profiles: []string{"w3c"}}},
		{Certificate: string(caPEM), Name: "Test Seal CA", Country: "BE", Scope: keys.TrustScope{Profiles: []string{"edc"}}},
	} {
		if _, err := s.AddTrust(e); err != nil {
			t.Fatal(err)
		}
	}

	// Status lists: a revocation list with bit 10 set and a suspension list
	// with bit 11 set, both by the did:web issuer; a list of the attacker's;
	// a StatusList2021 list by the EBSI issuer with bit 5 set.
	w.serve("/status/revocation", w.statusList(w.web, "/status/revocation", "revocation", "BitstringStatusList", 10))
	w.serve("/status/suspension", w.statusList(w.web, "/status/suspension", "suspension", "BitstringStatusList", 11))
	w.serve("/status/forged", w.statusList(w.other, "/status/forged", "revocation", "BitstringStatusList"))
	w.serve("/status/2021", w.statusList(w.ebsi, "/status/2021", "revocation", "StatusList2021", 5))
	return w
}

func (w *world) serve(path string, body []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.served[path] = body
}

func (w *world) serveJSON(path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		w.t.Fatal(err)
	}
	w.serve(path, b)
}

func (w *world) url(path string) string { return w.srv.URL + path }

// makeSeal makes a test CA and a P-256 seal certificate it issued.
func (w *world) makeSeal() credentials.SigningKey {
	t := w.t
	caKey := p256Signer(t)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Seal CA", Country: []string{"BE"}},
		NotBefore: testNow.AddDate(-2, 0, 0), NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey := p256Signer(t)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "University of Zed seal", Organization: []string{"University of Zed"}, Country: []string{"IE"}},
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(2, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, leafKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leafCert, _ := x509.ParseCertificate(leafDER)
	return credentials.SigningKey{Signer: leafKey, Chain: []*x509.Certificate{leafCert, caCert}}
}

// statusList signs a status list credential (vc+jwt for a Bitstring
// Status List, jwt_vc_json for StatusList2021) with the given bits set.
func (w *world) statusList(by *party, path, purpose, typ string, set ...int) []byte {
	t := w.t
	bits, _ := status.New(0)
	for _, i := range set {
		_ = bits.Set(i, true)
	}
	var enc string
	var err error
	doc := map[string]any{"id": w.url(path), "issuer": by.did}
	if typ == "StatusList2021" {
		enc, err = bits.EncodeStatusList2021()
		doc["@context"] = []any{credentials.ContextV1, "https://w3id.org/vc/status-list/2021/v1"}
		doc["type"] = []any{"VerifiableCredential", "StatusList2021Credential"}
		doc["issuanceDate"] = testNow.AddDate(0, -1, 0).Format(time.RFC3339)
	} else {
		enc, err = bits.Encode()
		doc["@context"] = []any{credentials.ContextV2}
		doc["type"] = []any{"VerifiableCredential", "BitstringStatusListCredential"}
		doc["validFrom"] = testNow.AddDate(0, -1, 0).Format(time.RFC3339)
	}
	if err != nil {
		t.Fatal(err)
	}
	doc["credentialSubject"] = map[string]any{"id": w.url(path) + "#list", "type": typ, "statusPurpose": purpose, "encodedList": enc}
	b, _ := json.Marshal(doc)
	var m credentials.Mechanism = jose.VCJWT{}
	if typ == "StatusList2021" {
		m = jose.JWTVCJSON{}
	}
	out, err := m.Sign(context.Background(), b, by.key(), credentials.SignOptions{Now: func() time.Time { return testNow.Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// elmDoc returns the EDC micro-credential sample (EQF 6) as a credential of
// issuer, for VC 2.0 (vc2) or as the VC 1.1 credential it is, its subject
// bound to the holder, valid from a year before the test clock.
func (w *world) elmDoc(issuer string, vc2 bool, edit func(m map[string]any)) []byte {
	var m map[string]any
	if err := json.Unmarshal(w.elmSample, &m); err != nil {
		w.t.Fatal(err)
	}
	if vc2 {
		m["@context"] = []any{credentials.ContextV2, "http://data.europa.eu/snb/model/context/edc-ap"}
	} else {
		m["issuanceDate"] = testNow.AddDate(-1, 0, 0).Format(time.RFC3339)
	}
	m["issuer"].(map[string]any)["id"] = issuer
	m["credentialSubject"].(map[string]any)["id"] = w.holder.did
	m["validFrom"] = testNow.AddDate(-1, 0, 0).Format(time.RFC3339)
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// statusEntry is a credentialStatus entry for a list of the world's server.
func (w *world) statusEntry(path, purpose string, index int) map[string]any {
	typ := "BitstringStatusListEntry"
	if strings.Contains(path, "2021") {
		typ = "StatusList2021Entry"
	}
	return map[string]any{
		"id": fmt.Sprintf("%s#%d", w.url(path), index), "type": typ, "statusPurpose": purpose,
		"statusListIndex": fmt.Sprint(index), "statusListCredential": w.url(path),
	}
}

func (w *world) sign(m credentials.Mechanism, doc []byte, key credentials.SigningKey) []byte {
	out, err := m.Sign(context.Background(), doc, key, credentials.SignOptions{Now: func() time.Time { return testNow.Add(-time.Hour) }})
	if err != nil {
		w.t.Fatalf("signing with %s: %v", m.Name(), err)
	}
	return out
}

// The valid credential of each format.

func (w *world) vcJWT(edit func(m map[string]any)) []byte {
	return w.vcJWTBy(w.web, w.web.key(), edit)
}

func (w *world) vcJWTBy(issuer *party, key credentials.SigningKey, edit func(m map[string]any)) []byte {
	return w.sign(jose.VCJWT{}, w.elmDoc(issuer.did, true, func(m map[string]any) {
		m["credentialStatus"] = w.statusEntry("/status/revocation", "revocation", 1)
		if edit != nil {
			edit(m)
		}
	}), key)
}

func (w *world) jwtVCJSON(edit func(m map[string]any)) []byte {
	return w.sign(jose.JWTVCJSON{}, w.elmDoc(w.ebsi.did, false, func(m map[string]any) {
		m["credentialStatus"] = w.statusEntry("/status/2021", "revocation", 1)
		if edit != nil {
			edit(m)
		}
	}), w.ebsi.key())
}

func (w *world) jades() []byte {
	return w.sign(&jades.Mechanism{}, w.elmDoc("urn:epass:org:1", false, nil), w.seal)
}

// sdJWT issues the sample as Diplomat's SD-JWT VC, bound to the holder.
func (w *world) sdJWT() string {
	mapped, err := sdjwt.MapELM(w.elmDoc(w.ebsi.did, false, nil))
	if err != nil {
		w.t.Fatal(err)
	}
	mapped.Claims["iss"] = w.ebsi.did
	claims, _ := json.Marshal(mapped.Claims)
	out, err := sdjwt.Issue(claims, w.ebsi.key(), sdjwt.IssueOptions{Frame: mapped.Frame, Holder: w.holder.signer.Public(), Now: func() time.Time { return testNow.Add(-time.Hour) }})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// sdJWTPresented discloses everything with a KB-JWT for nonce and aud.
func (w *world) sdJWTPresented(nonce, aud string) []byte {
	issued := w.sdJWT()
	sd, err := sdjwt.Parse(issued)
	if err != nil {
		w.t.Fatal(err)
	}
	if len(sd.Disclosures) == 0 {
		w.t.Fatal("the SD-JWT has no disclosures")
	}
	all := []sdjwt.Path{{"holder"}, {"achievements"}}
	out, err := sdjwt.Present(issued, sdjwt.PresentOptions{Disclose: all, Holder: w.holder.signer, Nonce: nonce, Audience: aud, Now: func() time.Time { return testNow.Add(-time.Minute) }})
	if err != nil {
		w.t.Fatal(err)
	}
	return []byte(out)
}

// smallVC is a short VC 2.0 credential for the Data Integrity cases,
// whose canonicalisation of the whole ELM sample would be slow.
func (w *world) smallVC(issuer string, extraContext ...any) []byte {
	ctx := append([]any{credentials.ContextV2}, extraContext...)
	b, _ := json.Marshal(map[string]any{
		"@context": ctx, "type": []any{"VerifiableCredential"},
		"issuer": issuer, "validFrom": testNow.AddDate(-1, 0, 0).Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": w.holder.did, "name": "Ana Andromeda"},
	})
	return b
}

func (w *world) dataIntegrity() []byte {
	s, err := dataintegrity.New(dataintegrity.EdDSARDFC2022, dataintegrity.Options{Contexts: w.contexts})
	if err != nil {
		w.t.Fatal(err)
	}
	return w.sign(s, w.smallVC(w.w3c.did), w.w3c.key())
}

// vpJWT is a vp+jwt of the holder carrying creds (vc+jwt), for nonce and aud.
func (w *world) vpJWT(holder *party, nonce, aud string, creds ...[]byte) []byte {
	var vcs []any
	for _, c := range creds {
		vcs = append(vcs, map[string]any{"@context": []any{credentials.ContextV2}, "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt," + string(c)})
	}
	doc, _ := json.Marshal(map[string]any{
		"@context": []any{credentials.ContextV2}, "type": []any{"VerifiablePresentation"},
		"holder": holder.did, "verifiableCredential": vcs,
	})
	out, err := jose.VPJWT{}.Sign(context.Background(), doc, holder.key(), credentials.SignOptions{Purpose: "authentication", Challenge: nonce, Domain: aud, Now: func() time.Time { return testNow.Add(-time.Minute) }})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// options are the verifier options of the world: its registry, a fetcher
// that trusts the test server and may reach 127.0.0.1, the reference
// contexts, a nonce store.
func (w *world) options() Options {
	return Options{
		Policy:   Policy{At: testNow},
		Trust:    []TrustSource{RegistrySource{Registry: w.store}},
		Fetcher:  NewHTTPFetcher(FetchLimits{AllowPrivateNetworks: true, Timeout: Duration(5 * time.Second)}, w.pool),
		Contexts: w.contexts,
		Nonces:   NewMemoryNonces(0),
	}
}

// Byte-level forgeries.

// tamperPayload changes a claim of a compact JWS and keeps its signature.
func tamperPayload(t testing.TB, jws []byte, from, to string) []byte {
	parts := bytes.Split(jws, []byte("."))
	payload, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(payload, []byte(from)) {
		t.Fatalf("payload has no %q", from)
	}
	payload = bytes.Replace(payload, []byte(from), []byte(to), 1)
	parts[1] = []byte(base64.RawURLEncoding.EncodeToString(payload))
	return bytes.Join(parts, []byte("."))
}

// algNone re-encodes a compact JWS with alg none and no signature.
func algNone(t testing.TB, jws []byte) []byte {
	parts := bytes.Split(jws, []byte("."))
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"vc+jwt"}`))
	return []byte(h + "." + string(parts[1]) + ".")
}

// forgeDisclosure replaces the value of the first disclosure of an SD-JWT
// with another, keeping its salt and name: its digest is no longer in _sd.
func forgeDisclosure(t testing.TB, sd []byte) []byte {
	parts := strings.Split(string(sd), "~")
	for i := 1; i < len(parts)-1; i++ {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		var d []any
		if json.Unmarshal(raw, &d) != nil || len(d) != 3 {
			continue
		}
		d[2] = "Forged Value"
		b, _ := json.Marshal(d)
		parts[i] = base64.RawURLEncoding.EncodeToString(b)
		return []byte(strings.Join(parts, "~"))
	}
	t.Fatal("no object disclosure to forge")
	return nil
}

// craftJWS signs a compact JWS with any header and payload, for forgeries
// the mechanisms would refuse to make.
func craftJWS(t testing.TB, header map[string]any, payload []byte, signer crypto.Signer) []byte {
	h, _ := json.Marshal(header)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := signer.Sign(rand.Reader, []byte(input), crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(input + "." + base64.RawURLEncoding.EncodeToString(sig))
}
