// Package storetest is the behaviour every store backend must have: one
// table of behaviours, run against a store file (bbolt) and a database
// (store/postgres) alike, through the interfaces the packages use — the
// keys.Store (keys, sealed private keys, tokens, trust registry, contexts,
// audit log), the issuer's Storage (configuration, register, idempotency,
// status lists), the server's records and batches, and the trust
// snapshots. A backend's tests call Run with a constructor of empty stores.
//
// It is for tests only.
package storetest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	rstoretest "github.com/diplomat-edu/diplomat/openid4vc/storetest"
	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/testdata/gen/graduates"
	"github.com/diplomat-edu/diplomat/verifier/trust"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// Passphrase is the passphrase of the stores the behaviours unlock.
const Passphrase = "correct-horse-battery-staple"

// CheapKDF are Argon2id parameters that keep the tests fast.
var CheapKDF = keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// Backend makes the stores of one implementation.
type Backend struct {
	// Name names the backend in the subtests ("bbolt", "postgres").
	Name string
	// New returns an empty store for t (closed when t ends) and a function
	// that opens the same store again, as a restarted process would; the
	// behaviours close the first store before they reopen.
	New func(t *testing.T) (s *keys.Store, reopen func(t *testing.T) *keys.Store)
}

// behaviour is one row of the table.
type behaviour struct {
	name string
	run  func(t *testing.T, b Backend)
}

// Run runs every behaviour against b, one subtest each.
func Run(t *testing.T, b Backend) {
	for _, bh := range behaviours {
		t.Run(bh.name, func(t *testing.T) { bh.run(t, b) })
	}
}

var behaviours = []behaviour{
	{"a new store is locked until the passphrase is set, and refuses another", passphrase},
	{"keys are created, rotated and destroyed, and sign while active", keyLife},
	{"private keys are stored sealed, never in the clear", sealedOnly},
	{"api tokens authenticate until revoked, and names stay unique", tokens},
	{"trust entries are added, imported, looked up and removed", trustRegistry},
	{"json-ld contexts are cached by url", contexts},
	{"the audit log numbers every change without gaps, with its actor", auditLog},
	{"the store's did:web is set and cleared", webDID},
	{"info counts what the store holds", info},
	{"the issuer configuration is saved, and its salt never changes", issuerConfig},
	{"an issued credential is registered once, whatever the retries", issueOnce},
	{"revocation is final, suspension is lifted, and lists show both", statusChanges},
	{"a batch gives every row its own id and index, and resumes", batchRows},
	{"concurrent issuers never share an index or an id", concurrentIssue},
	{"the register is filtered by template, state, subject and date", registerFilter},
	{"kept credentials are returned by id", keptCredentials},
	{"records with an expiry keep the openid4vc contract", recordsContract},
	{"expired records are purged", recordsPurge},
	{"batches are stored, listed newest first, and deleted whole", batchStore},
	{"trust snapshots are replaced only by newer ones", snapshots},
	{"everything survives a reopen", reopen},
}

func open(t *testing.T, b Backend) *keys.Store {
	t.Helper()
	s, _ := b.New(t)
	return s
}

func unlocked(t *testing.T, b Backend) *keys.Store {
	t.Helper()
	s := open(t, b)
	if err := s.Unlock([]byte(Passphrase)); err != nil {
		t.Fatal(err)
	}
	return s
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func passphrase(t *testing.T, b Backend) {
	s, reopen := b.New(t)
	if ok, err := s.Initialised(); err != nil || ok {
		t.Fatalf("Initialised on a new store = %v, %v", ok, err)
	}
	if _, err := s.Create("k", keys.Ed25519, keys.Assertion); !errors.Is(err, keys.ErrLocked) {
		t.Fatalf("Create while locked = %v, want ErrLocked", err)
	}
	check(t, s.Unlock([]byte(Passphrase)))
	must[*keys.Key](t)(s.Create("k", keys.Ed25519, keys.Assertion))
	check(t, s.Close())
	s = reopen(t)
	if ok, err := s.Initialised(); err != nil || !ok {
		t.Fatalf("Initialised after the first unlock = %v, %v", ok, err)
	}
	if err := s.Unlock([]byte("not the passphrase")); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("Unlock(wrong) = %v", err)
	}
	if _, err := s.Signer("k"); !errors.Is(err, keys.ErrLocked) {
		t.Fatalf("Signer after a wrong passphrase = %v, want ErrLocked", err)
	}
	check(t, s.Unlock([]byte(Passphrase)))
	must[crypto.Signer](t)(s.Signer("k"))
}

func keyLife(t *testing.T, b Backend) {
	s := unlocked(t, b)
	k1 := must[*keys.Key](t)(s.Create("registrar", keys.Ed25519, keys.Assertion))
	if _, err := s.Create("registrar", keys.P256, keys.Assertion); !errors.Is(err, keys.ErrExists) {
		t.Fatalf("a second key of one name: %v", err)
	}
	sg := must[crypto.Signer](t)(s.Signer("registrar"))
	sig := must[[]byte](t)(sg.Sign(nil, []byte("diploma"), crypto.Hash(0)))
	if !ed25519.Verify(k1.Public.(ed25519.PublicKey), []byte("diploma"), sig) {
		t.Fatal("the signer does not sign with the key")
	}
	k2 := must[*keys.Key](t)(s.Rotate("registrar"))
	vs := must[[]*keys.Key](t)(s.KeyVersions("registrar"))
	if len(vs) != 2 || vs[0].ID != k1.ID || vs[0].State != keys.Retired || vs[1].ID != k2.ID || vs[1].State != keys.Active {
		t.Fatalf("versions after a rotation: %+v", vs)
	}
	if got := must[*keys.Key](t)(s.KeyByID(k1.ID)); got.State != keys.Retired {
		t.Fatalf("KeyByID(old) = %s", got.State)
	}
	set := must[*keys.JWKSet](t)(s.JWKS(""))
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS lists %d keys, want the retired and the active one", len(set.Keys))
	}
	must[crypto.Signer](t)(s.SignerByID(k1.ID))
	seal := must[*keys.Key](t)(s.CreateTestSeal("seal", keys.TestSealOptions{Subject: keys.SealSubject{Organization: "Université Exemple", Country: "FR"}}))
	if len(seal.Chain) != 1 || !seal.Test {
		t.Fatalf("test seal: %+v", seal)
	}
	check(t, s.Destroy("registrar"))
	if _, err := s.Signer("registrar"); !errors.Is(err, keys.ErrDestroyed) {
		t.Fatalf("Signer after Destroy = %v", err)
	}
	if _, err := sg.Sign(nil, []byte("x"), crypto.Hash(0)); !errors.Is(err, keys.ErrDestroyed) {
		t.Fatalf("a signer handed out before Destroy still signs: %v", err)
	}
	all := must[[]*keys.Key](t)(s.Keys())
	if len(all) != 3 {
		t.Fatalf("%d key versions after destroying one name, want 3 (public halves stay)", len(all))
	}
}

func sealedOnly(t *testing.T, b Backend) {
	s := unlocked(t, b)
	var secrets [][]byte
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	check(t, err)
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(t, err)
	for name, priv := range map[string]crypto.Signer{"ed": edPriv, "ec": ecPriv} {
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		check(t, err)
		must[*keys.Key](t)(s.ImportKey(name, keys.Assertion, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
		secrets = append(secrets, der)
	}
	d, err := ecPriv.Bytes()
	check(t, err)
	secrets = append(secrets, edPriv.Seed(), d)
	// Every byte the store holds, read as its backend keeps it.
	var all bytes.Buffer
	dump := dumper(s)
	check(t, dump(func(r keys.Record) error {
		all.Write(r.Key)
		all.Write(r.Value)
		return nil
	}))
	if all.Len() == 0 {
		t.Fatal("the dump is empty")
	}
	for _, sec := range secrets {
		if bytes.Contains(all.Bytes(), sec) {
			t.Fatal("a private key is stored in the clear")
		}
	}
	if bytes.Contains(all.Bytes(), []byte(Passphrase)) {
		t.Fatal("the passphrase is stored")
	}
	// And they sign, unsealed in memory only.
	sg := must[crypto.Signer](t)(s.Signer("ed"))
	sig := must[[]byte](t)(sg.Sign(nil, []byte("m"), crypto.Hash(0)))
	if !ed25519.Verify(edPriv.Public().(ed25519.PublicKey), []byte("m"), sig) {
		t.Fatal("the imported key does not sign as itself")
	}
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// Dumper is the optional ability of a store's backend to show every record
// it holds; a store file shows its own (keys.Store.Dump).
type Dumper interface {
	Dump(ctx context.Context, fn func(keys.Record) error) error
}

func dumper(s *keys.Store) func(func(keys.Record) error) error {
	if d, ok := s.Backend().(Dumper); ok {
		return func(fn func(keys.Record) error) error { return d.Dump(context.Background(), fn) }
	}
	return s.Dump
}

func tokens(t *testing.T, b Backend) {
	s := open(t, b)
	secret, tok := func() (string, *keys.Token) {
		sec, tk, err := s.CreateToken("sis", []string{keys.ScopeIssue}, time.Time{})
		check(t, err)
		return sec, tk
	}()
	if _, _, err := s.CreateToken("sis", []string{keys.ScopeStatus}, time.Time{}); !errors.Is(err, keys.ErrExists) {
		t.Fatalf("a second live token of one name: %v", err)
	}
	now := time.Now()
	got := must[*keys.Token](t)(s.AuthenticateToken(secret, now))
	if got.ID != tok.ID || !got.Has(keys.ScopeIssue) || got.Has(keys.ScopeStatus) {
		t.Fatalf("authenticated %+v", got)
	}
	if _, err := s.AuthenticateToken(secret+"x", now); !errors.Is(err, keys.ErrTokenInvalid) {
		t.Fatalf("a wrong secret: %v", err)
	}
	check(t, s.TouchToken(tok.ID, now.Add(time.Hour)))
	if got := must[*keys.Token](t)(s.Token(tok.ID)); got.LastUsed.IsZero() {
		t.Fatal("TouchToken recorded nothing")
	}
	must[*keys.Token](t)(s.RevokeToken("sis", "admin"))
	if _, err := s.AuthenticateToken(secret, now); !errors.Is(err, keys.ErrTokenInvalid) {
		t.Fatalf("a revoked token: %v", err)
	}
	must2(t)(s.CreateToken("sis", []string{keys.ScopeStatus}, time.Time{}))
	if ts := must[[]*keys.Token](t)(s.Tokens()); len(ts) != 2 {
		t.Fatalf("%d tokens, want 2", len(ts))
	}
}

func must2(t *testing.T) func(string, *keys.Token, error) {
	return func(_ string, _ *keys.Token, err error) {
		t.Helper()
		check(t, err)
	}
}

const trustFile = `{"entries": [
 {"did": "did:web:uni-a.example", "name": "Université A", "country": "FR", "scope": {"maxEqfLevel": 7}},
 {"jwkThumbprint": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "name": "Universidad B", "country": "ES"}
]}`

func trustRegistry(t *testing.T, b Backend) {
	s := open(t, b)
	e := must[*keys.TrustEntry](t)(s.AddTrust(keys.TrustEntry{DID: "did:web:registrar.example.edu", Name: "Registrar", Country: "DE"}))
	if _, err := s.AddTrust(keys.TrustEntry{DID: e.DID, Name: "again", Country: "DE"}); !errors.Is(err, keys.ErrExists) {
		t.Fatalf("the same entry twice: %v", err)
	}
	if n := must[int](t)(s.ImportTrust([]byte(trustFile), "list.json")); n != 2 {
		t.Fatalf("imported %d", n)
	}
	got := must[*keys.TrustEntry](t)(s.LookupTrust("did:web:uni-a.example#key-1"))
	if got.Name != "Université A" || got.Scope.MaxEQFLevel != 7 || got.Source != "list.json" {
		t.Fatalf("lookup: %+v", got)
	}
	must[*keys.TrustEntry](t)(s.LookupTrust("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"))
	// A certificate entry, found by its certificate.
	seal := unlockedSeal(t, s)
	pemCert := string(pemOf(seal.Chain[0]))
	must[*keys.TrustEntry](t)(s.AddTrust(keys.TrustEntry{Certificate: pemCert, Name: "Seal", Country: "FR"}))
	must[*keys.TrustEntry](t)(s.LookupTrustCertificate(seal.Chain...))
	check(t, s.RemoveTrust(e.ID))
	if _, err := s.TrustEntry(e.ID); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("a removed entry: %v", err)
	}
	if all := must[[]keys.TrustEntry](t)(s.TrustEntries()); len(all) != 3 || !slices.IsSortedFunc(all, func(a, b keys.TrustEntry) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatalf("%d entries (sorted %v)", len(all), all)
	}
}

func unlockedSeal(t *testing.T, s *keys.Store) *keys.Key {
	t.Helper()
	check(t, s.Unlock([]byte(Passphrase)))
	return must[*keys.Key](t)(s.CreateTestSeal("seal", keys.TestSealOptions{Subject: keys.SealSubject{Organization: "Université Exemple", Country: "FR"}}))
}

func contexts(t *testing.T, b Backend) {
	s := open(t, b)
	const u = "https://example.org/ctx/v1"
	check(t, s.PutContext(u, []byte(`{"@context":{}}`)))
	check(t, s.PutContext(u, []byte(`{"@context":{"a":"b"}}`)))
	if got := must[[]byte](t)(s.LookupContext(u)); string(got) != `{"@context":{"a":"b"}}` {
		t.Fatalf("LookupContext = %s", got)
	}
	if _, err := s.LookupContext(u + "2"); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("an absent context: %v", err)
	}
	if l := must[[]keys.ContextInfo](t)(s.ListContexts()); len(l) != 1 || l[0].URL != u || l[0].Size != 22 {
		t.Fatalf("ListContexts = %+v", l)
	}
}

func auditLog(t *testing.T, b Backend) {
	s := open(t, b)
	var wg sync.WaitGroup
	for k := 0; k < 20; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.RecordAudit("credentials.revoke", fmt.Sprintf("urn:uuid:%d", k), "api", ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	log := must[[]keys.AuditRecord](t)(s.Audit())
	if len(log) != 21 || log[0].Op != "store.create" {
		t.Fatalf("%d records, first %+v", len(log), log[0])
	}
	for k, r := range log {
		if r.Seq != uint64(k+1) {
			t.Fatalf("record %d has seq %d: a gap or a repeat", k+1, r.Seq)
		}
		if k > 0 && r.Actor != "api" {
			t.Fatalf("record %d lost its actor", k+1)
		}
	}
}

func webDID(t *testing.T, b Backend) {
	s := open(t, b)
	check(t, s.SetWebDID("did:web:registrar.example.edu"))
	if d := must[string](t)(s.WebDID()); d != "did:web:registrar.example.edu" {
		t.Fatalf("WebDID = %q", d)
	}
	check(t, s.SetWebDID(""))
	if d := must[string](t)(s.WebDID()); d != "" {
		t.Fatalf("WebDID after clearing = %q", d)
	}
}

func info(t *testing.T, b Backend) {
	s := unlocked(t, b)
	must[*keys.Key](t)(s.Create("a", keys.Ed25519, keys.Assertion))
	must[*keys.TrustEntry](t)(s.AddTrust(keys.TrustEntry{DID: "did:web:x.example", Name: "X", Country: "FR"}))
	in := must[*keys.Info](t)(s.Info())
	if !in.Initialised || in.Keys != 1 || in.TrustEntries != 1 || in.AuditRecords != 4 || in.SchemaVersion != keys.SchemaVersion || in.Created.IsZero() || in.Path == "" {
		t.Fatalf("Info = %+v", in)
	}
}

// configured returns an unlocked store with an ed25519 key and the issuer
// configured.
func configured(t *testing.T, b Backend) *keys.Store {
	t.Helper()
	s := unlocked(t, b)
	Configure(t, s)
	return s
}

// Configure makes the unlocked store s ready to issue: an ed25519 key
// "registrar" and the issuer configuration of Université Exemple, its
// status lists under https://registrar.example.edu/status.
func Configure(t testing.TB, s *keys.Store) {
	t.Helper()
	if _, err := s.Create("registrar", keys.Ed25519, keys.Assertion); err != nil {
		t.Fatal(err)
	}
	if err := issuer.SaveConfig(s, &issuer.Config{
		Institution:   issuer.Institution{LegalName: map[string]string{"en": "Université Exemple"}, Country: "FR"},
		StatusBaseURL: "https://registrar.example.edu/status",
	}); err != nil {
		t.Fatal(err)
	}
}

func newIssuer(t *testing.T, s *keys.Store) *issuer.Issuer {
	t.Helper()
	return must[*issuer.Issuer](t)(issuer.New(s, nil))
}

func diploma(t *testing.T) *templates.Template {
	t.Helper()
	return must[*templates.Template](t)(templates.Builtin("diploma"))
}

// Graduates returns n valid diploma records.
func Graduates(t testing.TB, n int, seed int64) []templates.Record {
	t.Helper()
	recs, err := templates.ReadCSV(graduates.Graduates(n, seed), "graduates.csv")
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func issuerConfig(t *testing.T, b Backend) {
	s := open(t, b)
	if _, err := issuer.LoadConfig(s); !errors.Is(err, issuer.ErrNotConfigured) {
		t.Fatalf("LoadConfig on a new store = %v", err)
	}
	st := issuer.StorageOf(s)
	cfg := &issuer.Config{Institution: issuer.Institution{LegalName: map[string]string{"en": "U"}, Country: "FR"}, StatusBaseURL: "https://x.example/status"}
	check(t, issuer.SaveConfig(s, cfg))
	_, salt1, err := st.Config(context.Background())
	check(t, err)
	cfg.Institution.Country = "BE"
	check(t, issuer.SaveConfig(s, cfg))
	_, salt2, err := st.Config(context.Background())
	check(t, err)
	if len(salt1) != 32 || !bytes.Equal(salt1, salt2) {
		t.Fatal("the salt changed with the configuration")
	}
	if got := must[*issuer.Config](t)(issuer.LoadConfig(s)); got.Institution.Country != "BE" {
		t.Fatalf("LoadConfig = %+v", got)
	}
}

func issueOnce(t *testing.T, b Backend) {
	s := configured(t, b)
	iss := newIssuer(t, s)
	tm := diploma(t)
	rec := Graduates(t, 1, 1)[0]
	ctx := context.Background()
	first := must[*issuer.Issued](t)(iss.Issue(ctx, tm, rec, issuer.Profile{Name: issuer.W3C}))
	again := must[*issuer.Issued](t)(iss.Issue(ctx, tm, rec, issuer.Profile{Name: issuer.W3C}))
	if first.Existing || !again.Existing || again.Entry.ID != first.Entry.ID || again.Entry.StatusIndex != first.Entry.StatusIndex || again.Entry.StatusList != first.Entry.StatusList {
		t.Fatalf("issued twice: %+v then %+v", first.Entry, again.Entry)
	}
	got := must[*issuer.Entry](t)(issuer.Lookup(s, first.Entry.ID))
	if got.ID != first.Entry.ID || got.StatusList != "w3c/1" || got.State != issuer.StateValid || !got.Issued.Equal(first.Entry.Issued) {
		t.Fatalf("Lookup = %+v", got)
	}
	if _, err := issuer.Lookup(s, "urn:uuid:nope"); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("Lookup(absent) = %v", err)
	}
	// IssueTo finds the registered credential without recording anything,
	// in the register or in the audit log.
	audited := issuer.WithAudit(ctx, issuer.Audit{Op: "credentials.issue", Actor: "test-wallet", Detail: "collected"})
	logged := len(must[[]keys.AuditRecord](t)(s.Audit()))
	copies := must[[]*issuer.Issued](t)(iss.IssueTo(audited, tm, rec, issuer.Profile{Name: issuer.W3C}, []issuer.Holder{{Key: ed25519.PublicKey(make([]byte, 32))}}))
	if !copies[0].Existing || copies[0].Entry.ID != first.Entry.ID {
		t.Fatalf("IssueTo of a registered record: %+v", copies[0].Entry)
	}
	if es := must[[]issuer.Entry](t)(issuer.List(s, issuer.Filter{})); len(es) != 1 {
		t.Fatalf("%d register entries, want 1", len(es))
	}
	if n := len(must[[]keys.AuditRecord](t)(s.Audit())); n != logged {
		t.Fatalf("IssueTo of a registered record added %d audit records", n-logged)
	}
	// A new record: its entry and its audit record, in one transaction.
	other := Graduates(t, 1, 2)[0]
	fresh := must[[]*issuer.Issued](t)(iss.IssueTo(audited, tm, other, issuer.Profile{Name: issuer.W3C}, []issuer.Holder{{Key: ed25519.PublicKey(make([]byte, 32))}}))
	recs := must[[]keys.AuditRecord](t)(s.Audit())
	if len(recs) != logged+1 {
		t.Fatalf("IssueTo of a new record with an audit: %d audit records added, want 1", len(recs)-logged)
	}
	if r := recs[len(recs)-1]; r.Op != "credentials.issue" || r.Subject != fresh[0].Entry.ID || r.Actor != "test-wallet" || r.Detail != "collected" || r.Seq != recs[len(recs)-2].Seq+1 {
		t.Fatalf("audit record of IssueTo = %+v, want credentials.issue of %s by test-wallet, next in sequence", r, fresh[0].Entry.ID)
	}
}

func statusChanges(t *testing.T, b Backend) {
	s := configured(t, b)
	iss := newIssuer(t, s)
	ctx := context.Background()
	recs := Graduates(t, 3, 2)
	var ids []string
	for _, r := range recs {
		ids = append(ids, must[*issuer.Issued](t)(iss.Issue(ctx, diploma(t), r, issuer.Profile{Name: issuer.W3C})).Entry.ID)
	}
	rev := must[*issuer.Entry](t)(iss.Revoke(ids[0], "fraud"))
	if rev.State != issuer.StateRevoked || rev.Reason != "fraud" {
		t.Fatalf("Revoke = %+v", rev)
	}
	if _, err := iss.Revoke(ids[0], "again"); !errors.Is(err, issuer.ErrState) {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := iss.Reinstate(ids[0], ""); !errors.Is(err, issuer.ErrState) {
		t.Fatalf("reinstating a revoked credential: %v", err)
	}
	must[*issuer.Entry](t)(iss.Suspend(ids[1], "inquiry"))
	must[*issuer.Entry](t)(iss.Suspend(ids[2], "inquiry"))
	must[*issuer.Entry](t)(iss.Reinstate(ids[2], "cleared"))
	if _, err := iss.Revoke("urn:uuid:nope", "x"); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("revoking an unknown credential: %v", err)
	}
	lists := must[[]issuer.StatusList](t)(issuer.StatusLists(s))
	if len(lists) != 2 || lists[0].Purpose != issuer.PurposeRevocation || lists[1].Purpose != issuer.PurposeSuspension || lists[0].Used != 3 {
		t.Fatalf("lists: %+v", lists)
	}
	bit := func(l issuer.StatusList, id string) bool {
		e := must[*issuer.Entry](t)(issuer.Lookup(s, id))
		v, err := l.Bits.Get(e.StatusIndex)
		check(t, err)
		return v
	}
	if !bit(lists[0], ids[0]) || bit(lists[0], ids[1]) || bit(lists[1], ids[0]) || !bit(lists[1], ids[1]) || bit(lists[1], ids[2]) {
		t.Fatal("the bitmaps do not show the changes")
	}
	pubs := must[[]issuer.Published](t)(iss.PublishStatus(ctx, time.Hour))
	if len(pubs) != 2 {
		t.Fatalf("%d lists published", len(pubs))
	}
	one := must[[]issuer.Published](t)(iss.PublishStatusWith(ctx, issuer.PublishOptions{URLs: []string{lists[1].URL}}))
	if len(one) != 1 || one[0].List.Purpose != issuer.PurposeSuspension {
		t.Fatalf("publishing one URL gave %d lists", len(one))
	}
	none := must[[]issuer.Published](t)(iss.PublishStatusWith(ctx, issuer.PublishOptions{URLs: []string{"https://elsewhere.example/status/w3c/1/revocation"}}))
	if len(none) != 0 {
		t.Fatalf("a URL of no list published %d lists", len(none))
	}
}

func batchRows(t *testing.T, b Backend) {
	s := configured(t, b)
	iss := newIssuer(t, s)
	recs := Graduates(t, 60, 3)
	ctx := context.Background()
	out := &issuer.Memory{}
	res := must[*issuer.BatchResult](t)(iss.Batch(ctx, diploma(t), recs, issuer.Profile{Name: issuer.W3C}, issuer.BatchOptions{Output: out, ChunkSize: 7, Workers: 2}))
	if res.Issued != 60 {
		t.Fatalf("issued %d", res.Issued)
	}
	distinct(t, res.Manifest.Credentials, 60)
	again := must[*issuer.BatchResult](t)(iss.Batch(ctx, diploma(t), recs, issuer.Profile{Name: issuer.W3C}, issuer.BatchOptions{Output: &issuer.Memory{}, ChunkSize: 16}))
	if again.Issued != 0 || again.Recovered != 60 {
		t.Fatalf("the second run issued %d, recovered %d", again.Issued, again.Recovered)
	}
	byID := map[string]issuer.ManifestRow{}
	for _, r := range res.Manifest.Credentials {
		byID[r.ID] = r
	}
	for _, r := range again.Manifest.Credentials {
		if f, ok := byID[r.ID]; !ok || f.StatusIndex != r.StatusIndex || f.Row != r.Row {
			t.Fatalf("row %d came back as %+v, first %+v", r.Row, r, f)
		}
	}
}

func distinct(t *testing.T, rows []issuer.ManifestRow, n int) {
	t.Helper()
	ids, idx := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		k := fmt.Sprintf("%s#%d", r.StatusList, r.StatusIndex)
		if ids[r.ID] || idx[k] {
			t.Fatalf("id %s or index %s given twice", r.ID, k)
		}
		ids[r.ID], idx[k] = true, true
	}
	if len(ids) != n {
		t.Fatalf("%d credentials, want %d", len(ids), n)
	}
}

func concurrentIssue(t *testing.T, b Backend) {
	s := configured(t, b)
	recs := Graduates(t, 40, 4)
	var (
		mu   sync.Mutex
		rows []issuer.ManifestRow
		wg   sync.WaitGroup
	)
	for w := 0; w < 4; w++ {
		iss := newIssuer(t, s) // two services on one store would each have one
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(recs); k += 4 {
				// Each record is issued by two issuers at once.
				for _, i := range []int{k, (k + 1) % len(recs)} {
					out, err := iss.Issue(context.Background(), diploma(t), recs[i], issuer.Profile{Name: issuer.W3C})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					rows = append(rows, issuer.ManifestRow{ID: out.Entry.ID, StatusList: out.Entry.StatusList, StatusIndex: out.Entry.StatusIndex})
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]issuer.ManifestRow{}
	var uniq []issuer.ManifestRow
	for _, r := range rows {
		if f, ok := seen[r.ID]; ok {
			if f != r {
				t.Fatalf("one credential with two places: %+v and %+v", f, r)
			}
			continue
		}
		seen[r.ID] = r
		uniq = append(uniq, r)
	}
	distinct(t, uniq, 40)
	if es := must[[]issuer.Entry](t)(issuer.List(s, issuer.Filter{})); len(es) != 40 {
		t.Fatalf("%d register entries for 40 records", len(es))
	}
}

func registerFilter(t *testing.T, b Backend) {
	s := configured(t, b)
	t0 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	now := t0
	iss := must[*issuer.Issuer](t)(issuer.New(s, &issuer.Options{Now: func() time.Time { return now }}))
	ctx := context.Background()
	recs := Graduates(t, 4, 5)
	var ids []string
	for k, r := range recs {
		now = t0.Add(time.Duration(k) * time.Hour)
		ids = append(ids, must[*issuer.Issued](t)(iss.Issue(ctx, diploma(t), r, issuer.Profile{Name: issuer.W3C})).Entry.ID)
	}
	must[*issuer.Entry](t)(iss.Revoke(ids[1], "x"))
	for _, c := range []struct {
		f    issuer.Filter
		want []string
	}{
		{issuer.Filter{}, ids},
		{issuer.Filter{State: issuer.StateRevoked}, ids[1:2]},
		{issuer.Filter{Template: "diploma", State: issuer.StateValid}, []string{ids[0], ids[2], ids[3]}},
		{issuer.Filter{Template: "transcript"}, nil},
		{issuer.Filter{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, ids[1:3]},
		{issuer.Filter{Subject: subjectOf(recs[2])}, ids[2:3]},
	} {
		got := must[[]issuer.Entry](t)(issuer.List(s, c.f))
		var gotIDs []string
		for _, e := range got {
			gotIDs = append(gotIDs, e.ID)
		}
		if !slices.Equal(gotIDs, c.want) {
			t.Errorf("List(%+v) = %v, want %v (oldest first)", c.f, gotIDs, c.want)
		}
	}
}

func subjectOf(r templates.Record) string {
	if s, ok := r["id"].(string); ok {
		return s
	}
	if st, ok := r["student"].(map[string]any); ok {
		if s, ok := st["id"].(string); ok {
			return s
		}
	}
	return ""
}

func keptCredentials(t *testing.T, b Backend) {
	s := unlocked(t, b)
	must[*keys.Key](t)(s.Create("registrar", keys.Ed25519, keys.Assertion))
	check(t, issuer.SaveConfig(s, &issuer.Config{
		Institution:   issuer.Institution{LegalName: map[string]string{"en": "U"}, Country: "FR"},
		StatusBaseURL: "https://registrar.example.edu/status", KeepCredentials: true,
	}))
	iss := newIssuer(t, s)
	out := must[*issuer.Issued](t)(iss.Issue(context.Background(), diploma(t), Graduates(t, 1, 6)[0], issuer.Profile{Name: issuer.W3C}))
	if got := must[[]byte](t)(issuer.Credential(s, out.Entry.ID)); !bytes.Equal(got, out.Credential) {
		t.Fatal("the kept credential differs")
	}
	if _, err := issuer.Credential(s, "urn:uuid:nope"); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("Credential(absent) = %v", err)
	}
}

// RecordsOf returns the server's Records of s, with clock now.
func RecordsOf(s *keys.Store, now func() time.Time) openid4vc.Records {
	if p, ok := s.Backend().(server.StorageProvider); ok {
		return p.ServerRecords(now)
	}
	return server.NewBoltStorage(s, now)
}

// BatchesOf returns the server's BatchStore of s.
func BatchesOf(s *keys.Store) server.BatchStore {
	if p, ok := s.Backend().(server.StorageProvider); ok {
		return p.ServerBatches()
	}
	return server.NewBoltStorage(s, nil)
}

func recordsContract(t *testing.T, b Backend) {
	rstoretest.Run(t, func(t *testing.T, now func() time.Time) openid4vc.Records {
		return RecordsOf(open(t, b), now)
	})
}

func recordsPurge(t *testing.T, b Backend) {
	s := open(t, b)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := RecordsOf(s, func() time.Time { return now })
	ctx := context.Background()
	for k := 0; k < 5; k++ {
		check(t, r.Create(ctx, "nonce", fmt.Sprint(k), openid4vc.Record{Value: []byte{1}, Expires: now.Add(time.Duration(k) * time.Minute)}))
	}
	p, ok := r.(interface {
		PurgeExpired(context.Context, time.Time) (int, error)
	})
	if !ok {
		t.Fatal("the records cannot be purged")
	}
	if n := must[int](t)(p.PurgeExpired(ctx, now.Add(150*time.Second))); n != 3 {
		t.Fatalf("purged %d, want 3 (expired at 0, 1 and 2 minutes)", n)
	}
	if _, err := r.Get(ctx, "nonce", "3"); err != nil {
		t.Fatalf("a live record was purged: %v", err)
	}
}

func batchStore(t *testing.T, b Backend) {
	s := open(t, b)
	bs := BatchesOf(s)
	ctx := context.Background()
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for k, id := range []string{"b_1", "b_2"} {
		check(t, bs.CreateBatch(ctx, &server.BatchRecord{ID: id, Template: "diploma", State: server.BatchReady, Created: t0.Add(time.Duration(k) * time.Hour)}, []byte("name\nAda\n")))
	}
	if err := bs.CreateBatch(ctx, &server.BatchRecord{ID: "b_1"}, nil); !errors.Is(err, keys.ErrExists) {
		t.Fatalf("an id in use: %v", err)
	}
	list := must[[]*server.BatchRecord](t)(bs.ListBatches(ctx))
	if len(list) != 2 || list[0].ID != "b_2" {
		t.Fatalf("ListBatches = %v, want newest first", list)
	}
	rec := must[*server.BatchRecord](t)(bs.GetBatch(ctx, "b_1"))
	rec.State, rec.Done = server.BatchRunning, 2
	check(t, bs.UpdateBatch(ctx, rec))
	if got := must[*server.BatchRecord](t)(bs.GetBatch(ctx, "b_1")); got.State != server.BatchRunning || got.Done != 2 {
		t.Fatalf("GetBatch after Update = %+v", got)
	}
	if err := bs.UpdateBatch(ctx, &server.BatchRecord{ID: "b_9"}); !errors.Is(err, server.ErrBatchNotFound) {
		t.Fatalf("updating an unknown batch: %v", err)
	}
	if _, err := bs.GetBatch(ctx, "b_9"); !errors.Is(err, server.ErrBatchNotFound) {
		t.Fatalf("an unknown batch: %v", err)
	}
	if in := must[[]byte](t)(bs.BatchInput(ctx, "b_1")); string(in) != "name\nAda\n" {
		t.Fatalf("BatchInput = %q", in)
	}
	check(t, bs.DropBatchInput(ctx, "b_1"))
	if in := must[[]byte](t)(bs.BatchInput(ctx, "b_1")); in != nil {
		t.Fatalf("the input outlived its drop: %q", in)
	}
	creds := []server.StoredCredential{{Row: 2, ID: "urn:uuid:a", MediaType: "application/vc+jwt", Ext: ".jwt", Credential: []byte("eyJ.a\nb")}, {Row: 3, ID: "urn:uuid:b", Credential: []byte("c")}}
	check(t, bs.PutBatchCredentials(ctx, "b_1", creds))
	check(t, bs.PutBatchCredentials(ctx, "b_1", creds[:1]))
	got, ok, err := bs.BatchCredential(ctx, "b_1", "urn:uuid:a")
	if err != nil || !ok || got.Row != 2 || got.MediaType != "application/vc+jwt" || string(got.Credential) != "eyJ.a\nb" {
		t.Fatalf("BatchCredential = %+v, %v, %v", got, ok, err)
	}
	if _, ok, err := bs.BatchCredential(ctx, "b_2", "urn:uuid:a"); ok || err != nil {
		t.Fatalf("another batch's credential: %v, %v", ok, err)
	}
	n := 0
	check(t, bs.EachBatchCredential(ctx, "b_1", func(*server.StoredCredential) error { n++; return nil }))
	if n != 2 {
		t.Fatalf("%d credentials, want 2", n)
	}
	check(t, bs.DeleteBatch(ctx, "b_1"))
	if _, err := bs.GetBatch(ctx, "b_1"); !errors.Is(err, server.ErrBatchNotFound) {
		t.Fatalf("a deleted batch: %v", err)
	}
	if _, ok, _ := bs.BatchCredential(ctx, "b_1", "urn:uuid:a"); ok {
		t.Fatal("a deleted batch's credential is still there")
	}
}

func snapshots(t *testing.T, b Backend) {
	s := open(t, b)
	st := snapshot.New(s, nil)
	put := func(seq int64, data string) error {
		_, err := st.Put(snapshot.Snapshot{Meta: snapshot.Meta{Kind: snapshot.KindTL, Name: "SE", Sequence: seq}, Data: []byte(data)})
		return err
	}
	check(t, put(2, "v2"))
	if err := put(1, "v1"); !errors.Is(err, trust.ErrOlder) {
		t.Fatalf("an older list replaced a newer one: %v", err)
	}
	check(t, put(3, "v3"))
	got := must[*snapshot.Snapshot](t)(st.Get(snapshot.KindTL, "SE"))
	if string(got.Data) != "v3" || got.Sequence != 3 {
		t.Fatalf("Get = %+v", got.Meta)
	}
	_, err := st.Put(snapshot.Snapshot{Meta: snapshot.Meta{Kind: snapshot.KindLOTL, Name: "EU", Sequence: 1}, Data: []byte("l")})
	check(t, err)
	if all := must[[]snapshot.Snapshot](t)(st.All("")); len(all) != 2 || all[0].Kind != snapshot.KindLOTL {
		t.Fatalf("All = %d snapshots", len(all))
	}
	if _, err := st.Get(snapshot.KindTL, "FR"); !errors.Is(err, snapshot.ErrNotFound) {
		t.Fatalf("an absent snapshot: %v", err)
	}
}

func reopen(t *testing.T, b Backend) {
	s, reopen := b.New(t)
	check(t, s.Unlock([]byte(Passphrase)))
	Configure(t, s)
	iss := newIssuer(t, s)
	out := must[*issuer.Issued](t)(iss.Issue(context.Background(), diploma(t), Graduates(t, 1, 7)[0], issuer.Profile{Name: issuer.W3C}))
	must[*issuer.Entry](t)(iss.Revoke(out.Entry.ID, "x"))
	sec, _, err := s.CreateToken("sis", []string{keys.ScopeIssue}, time.Time{})
	check(t, err)
	exp := time.Now().Add(time.Hour)
	check(t, RecordsOf(s, nil).Create(context.Background(), "offer", "o1", openid4vc.Record{Value: []byte("v"), Expires: exp}))
	check(t, s.Close())

	s = reopen(t)
	check(t, s.Unlock([]byte(Passphrase)))
	must[crypto.Signer](t)(s.Signer("registrar"))
	if e := must[*issuer.Entry](t)(issuer.Lookup(s, out.Entry.ID)); e.State != issuer.StateRevoked {
		t.Fatalf("after reopening: %+v", e)
	}
	must[*keys.Token](t)(s.AuthenticateToken(sec, time.Now()))
	r := must[openid4vc.Record](t)(RecordsOf(s, nil).Get(context.Background(), "offer", "o1"))
	if string(r.Value) != "v" || !r.Expires.Equal(time.Unix(0, exp.UnixNano())) {
		t.Fatalf("record after reopening: %q %v", r.Value, r.Expires)
	}
	// The issuer goes on where it stopped: the next index is another.
	out2 := must[*issuer.Issued](t)(newIssuer(t, s).Issue(context.Background(), diploma(t), Graduates(t, 1, 8)[0], issuer.Profile{Name: issuer.W3C}))
	if out2.Entry.StatusList == out.Entry.StatusList && out2.Entry.StatusIndex == out.Entry.StatusIndex {
		t.Fatal("an index given twice across a reopen")
	}
	if lists := must[[]issuer.StatusList](t)(issuer.StatusLists(s)); len(lists) != 2 || lists[0].Used != 2 {
		t.Fatalf("lists after a reopen: %d, used %d", len(lists), lists[0].Used)
	}
}
