package postgres

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/internal/storetest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

func exec(t testing.TB, u, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsAreNumberedFromOneWithoutGaps(t *testing.T) {
	ms := migrations()
	if len(ms) == 0 {
		t.Fatal("no migration embedded")
	}
	for k, m := range ms {
		if m.version != k+1 || m.name == "" || strings.TrimSpace(m.sql) == "" {
			t.Fatalf("migration %d is %04d_%s", k+1, m.version, m.name)
		}
	}
	if SchemaVersion() != len(ms) {
		t.Fatalf("SchemaVersion = %d, %d migrations", SchemaVersion(), len(ms))
	}
}

// TestOpenChecksTheSchema: a node refuses a database without the schema
// (migrate first) and one migrated by a newer diplomat, and Migrate leaves
// a newer schema alone.
func TestOpenChecksTheSchema(t *testing.T) {
	ctx := context.Background()
	u := cluster.NewDB(t)
	if _, err := Open(ctx, u, nil); !errors.Is(err, ErrNoSchema) || !strings.Contains(err.Error(), "diplomat store migrate") {
		t.Fatalf("Open(no schema) = %v", err)
	}
	from, to, err := Migrate(ctx, u, nil)
	if err != nil || from != 0 || to != SchemaVersion() {
		t.Fatalf("Migrate = %d, %d, %v", from, to, err)
	}
	if from, to, err := Migrate(ctx, u, nil); err != nil || from != to || to != SchemaVersion() {
		t.Fatalf("Migrate again = %d, %d, %v", from, to, err)
	}
	db, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	exec(t, u, "INSERT INTO diplomat_schema (version, name) VALUES (99, 'future')")
	_, err = Open(ctx, u, nil)
	var se *SchemaError
	if !errors.As(err, &se) || se.Found != 99 || !errors.Is(err, keys.ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade diplomat") {
		t.Fatalf("Open(newer schema) = %v", err)
	}
	if strings.Contains(err.Error(), "sslmode") {
		t.Fatalf("the message shows the URL's query: %v", err)
	}
	if _, _, err := Migrate(ctx, u, nil); !errors.As(err, &se) {
		t.Fatalf("Migrate(newer schema) = %v", err)
	}
}

// TestMigrationsRunOnceWhenNodesMigrateTogether: nodes started at once all
// migrate; each migration is applied once.
func TestMigrationsRunOnceWhenNodesMigrateTogether(t *testing.T) {
	u := cluster.NewDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for k := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, _, errs[k] = Migrate(context.Background(), u, nil) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM diplomat_schema").Scan(&n); err != nil || n != SchemaVersion() {
		t.Fatalf("%d versions recorded, %v", n, err)
	}
}

// TestTLSIsRequiredForARemoteDatabase: a database on another host is
// reached over verified TLS unless the operator says otherwise; one on
// this machine keeps libpq's default.
func TestTLSIsRequiredForARemoteDatabase(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	for _, c := range []struct {
		url      string
		opts     *Options
		tls, ver bool // TLS used; the certificate verified, no plain fallback
	}{
		{"postgres://diplomat@db.example.org/diplomat", nil, true, true},
		{"postgres://diplomat@db.example.org/diplomat?sslmode=disable", nil, false, false},
		{"postgres://diplomat@db.example.org/diplomat?sslmode=disable", &Options{TLS: TLSOptions{Mode: "verify-full"}}, true, true},
		{"postgres://diplomat@127.0.0.1/diplomat", nil, true, false},
		{"postgres://diplomat@localhost/diplomat?sslmode=require", nil, true, false},
	} {
		cfg, err := poolConfig(c.url, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		tc := cfg.ConnConfig.TLSConfig
		if (tc != nil) != c.tls {
			t.Errorf("%s %+v: TLS %v, want %v", c.url, c.opts, tc != nil, c.tls)
			continue
		}
		if c.ver && (tc.InsecureSkipVerify || len(cfg.ConnConfig.Fallbacks) > 0 || tc.ServerName != "db.example.org") {
			t.Errorf("%s: not a verified TLS connection (skip %v, %d fallbacks)", c.url, tc.InsecureSkipVerify, len(cfg.ConnConfig.Fallbacks))
		}
	}
	if _, err := poolConfig("mysql://x", nil); err == nil {
		t.Fatal("a mysql URL was taken")
	}
	if l := location("postgres://diplomat:s3cret@db.example.org:5432/diplomat?sslmode=verify-full&password=x"); strings.Contains(l, "s3cret") || strings.Contains(l, "password") {
		t.Fatalf("location shows a secret: %s", l)
	}
}

// issueOn issues recs on a store, one Issue each, and returns the entries.
func issueOn(t testing.TB, s *keys.Store, recs []templates.Record) ([]issuer.Entry, error) {
	iss, err := issuer.New(s, nil)
	if err != nil {
		return nil, err
	}
	tm, _ := templates.Builtin("diploma")
	var out []issuer.Entry
	for _, r := range recs {
		o, err := iss.Issue(context.Background(), tm, r, issuer.Profile{Name: issuer.W3C})
		if err != nil {
			return out, err
		}
		out = append(out, o.Entry)
	}
	return out, nil
}

// configure makes the store of u (a migrated database) ready to issue, as
// the first node would, and returns it.
func configure(t testing.TB, u string) *keys.Store {
	t.Helper()
	s := openStore(t, u)
	if err := s.Unlock([]byte(storetest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	storetest.Configure(t, s)
	return s
}

// node opens the store of u as another node: its own pool, unlocked with
// the passphrase.
func node(t testing.TB, u string) *keys.Store {
	t.Helper()
	s := openStore(t, u)
	if err := s.Unlock([]byte(storetest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNodesStartingTogetherMakeOneStore: nodes started at once on an empty
// database create one store (one salt, one master key) and each unlocks it
// with the passphrase; a wrong one is refused.
func TestNodesStartingTogetherMakeOneStore(t *testing.T) {
	u := newDB(t)
	stores := make([]*keys.Store, 4)
	var wg sync.WaitGroup
	for k := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), u, nil)
			if err != nil {
				t.Error(err)
				return
			}
			s, err := keys.New(db, &keys.Options{KDF: storetest.CheapKDF})
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Unlock([]byte(storetest.Passphrase)); err != nil {
				t.Error(err)
			}
			stores[k] = s
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	k, err := stores[0].Create("registrar", keys.Ed25519, keys.Assertion)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stores {
		sg, err := s.Signer("registrar")
		if err != nil || !sg.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public) {
			t.Fatalf("a node cannot sign with the key another created: %v", err)
		}
	}
	log, err := stores[1].Audit()
	if err != nil {
		t.Fatal(err)
	}
	creates := 0
	for _, r := range log {
		if r.Op == "store.create" || r.Op == "store.passphrase-set" {
			creates++
		}
	}
	if creates != 2 {
		t.Fatalf("the store was created or its passphrase set %d times, want once each", creates)
	}
	other := openStore(t, u)
	if err := other.Unlock([]byte("another passphrase")); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("Unlock(wrong) = %v", err)
	}
}

// TestNodesIssuingTheSameRecordsGetOneCredentialEach: three nodes issue
// overlapping records at once (each record by two nodes): one register
// entry and one status index per record, no index twice; the loser of a
// race for an idempotency key gets the winner's credential.
func TestNodesIssuingTheSameRecordsGetOneCredentialEach(t *testing.T) {
	u := newDB(t)
	configure(t, u)
	nodes := []*keys.Store{node(t, u), node(t, u), node(t, u)}
	recs := storetest.Graduates(t, 60, 11)
	n := 4
	if raceEnabled {
		n = 2 // the race detector makes each issuance ten times slower
	}
	type got struct {
		rec   int
		entry issuer.Entry
	}
	var (
		mu  sync.Mutex
		all []got
		wg  sync.WaitGroup
	)
	for k, s := range nodes {
		for w := 0; w < n; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range recs {
					// Node k takes the records i with i%3 != k: each
					// record by two nodes, in different orders.
					if i%3 == k {
						continue
					}
					j := (i + w*7) % len(recs)
					es, err := issueOn(t, s, recs[j:j+1])
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					all = append(all, got{j, es[0]})
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	byRec := map[int]issuer.Entry{}
	idx := map[string]int{}
	for _, g := range all {
		if e, ok := byRec[g.rec]; ok && (e.ID != g.entry.ID || e.StatusIndex != g.entry.StatusIndex) {
			t.Fatalf("record %d issued twice: %s#%d and %s#%d", g.rec, e.ID, e.StatusIndex, g.entry.ID, g.entry.StatusIndex)
		}
		byRec[g.rec] = g.entry
	}
	for r, e := range byRec {
		k := fmt.Sprintf("%s#%d", e.StatusList, e.StatusIndex)
		if o, ok := idx[k]; ok {
			t.Fatalf("records %d and %d share the index %s", o, r, k)
		}
		idx[k] = r
	}
	es, err := issuer.List(nodes[0], issuer.Filter{})
	if err != nil || len(es) != len(byRec) || len(byRec) != len(recs) {
		t.Fatalf("register holds %d entries for %d records (%d issued), %v", len(es), len(recs), len(byRec), err)
	}
}

// TestAFullListOpensTheNextOnce: a list with five free places left and
// nodes reserving at once: the five places are taken, the next list is
// opened once, and no index is given twice.
func TestAFullListOpensTheNextOnce(t *testing.T) {
	u := newDB(t)
	first := configure(t, u)
	if _, err := issueOn(t, first, storetest.Graduates(t, 1, 12)); err != nil {
		t.Fatal(err)
	}
	// Fill list w3c/1 but for five places.
	ctx := context.Background()
	db := first.Backend().(*DB)
	var rec []byte
	if err := db.pool.QueryRow(ctx, "SELECT record FROM issuer_lists WHERE id = 'w3c/1'").Scan(&rec); err != nil {
		t.Fatal(err)
	}
	var m issuer.ListRecord
	if err := json.Unmarshal(rec, &m); err != nil {
		t.Fatal(err)
	}
	alloc, _ := status.New(issuer.ListSize)
	free := map[int]bool{17: true, 4242: true, 65536: true, 99999: true, 131071: true}
	for i := 0; i < issuer.ListSize; i++ {
		if !free[i] {
			_ = alloc.Set(i, true)
		}
	}
	m.Used = issuer.ListSize - len(free)
	rec, _ = json.Marshal(m)
	enc, _ := issuer.EncodeBits(alloc)
	if _, err := db.pool.Exec(ctx, "UPDATE issuer_lists SET record = $1, alloc = $2 WHERE id = 'w3c/1'", rec, enc); err != nil {
		t.Fatal(err)
	}
	nodes := []*keys.Store{node(t, u), node(t, u)}
	owner := issuer.ListOwner{Profile: m.Profile, KeyName: m.KeyName, KeyID: m.KeyID, Issuer: m.Issuer}
	var (
		mu  sync.Mutex
		got []issuer.Entry
		wg  sync.WaitGroup
	)
	for k := 0; k < 8; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := issuer.StorageOf(nodes[k%2])
			var rs []*issuer.Reservation
			for j := 0; j < 3; j++ {
				id := fmt.Sprintf("urn:uuid:%d-%d", k, j)
				rs = append(rs, &issuer.Reservation{Key: id, Entry: issuer.Entry{ID: id, Profile: m.Profile, KeyName: m.KeyName, KeyID: m.KeyID,
					Template: "diploma", State: issuer.StateValid, Issued: time.Now()}})
			}
			if err := st.Reserve(ctx, owner, rs, time.Now()); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			for _, r := range rs {
				got = append(got, r.Entry)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	inFirst := 0
	for _, e := range got {
		k := fmt.Sprintf("%s#%d", e.StatusList, e.StatusIndex)
		if seen[k] {
			t.Fatalf("index %s given twice", k)
		}
		seen[k] = true
		switch e.StatusList {
		case "w3c/1":
			if !free[e.StatusIndex] {
				t.Fatalf("w3c/1#%d was taken already", e.StatusIndex)
			}
			inFirst++
		case "w3c/2":
		default:
			t.Fatalf("a reservation went to %s", e.StatusList)
		}
	}
	if inFirst != len(free) {
		t.Fatalf("%d reservations in the last places of w3c/1, want %d", inFirst, len(free))
	}
	var lists, next int
	if err := db.pool.QueryRow(ctx, "SELECT count(*), (SELECT next FROM issuer_list_counters WHERE profile = 'w3c') FROM issuer_lists").Scan(&lists, &next); err != nil {
		t.Fatal(err)
	}
	if lists != 2 || next != 3 {
		t.Fatalf("%d lists, next number %d: the next list was opened more than once", lists, next)
	}
}

// TestCodesAreTakenOnceAcrossNodes: a single-use code raced for by many
// requests on two nodes is taken once.
func TestCodesAreTakenOnceAcrossNodes(t *testing.T) {
	u := newDB(t)
	a, b := storetest.RecordsOf(openStore(t, u), nil), storetest.RecordsOf(openStore(t, u), nil)
	ctx := context.Background()
	for round := 0; round < 5; round++ {
		key := fmt.Sprintf("code-%d", round)
		if err := a.Create(ctx, openid4vc.KindPreAuthCode, key, openid4vc.Record{Value: []byte("offer"), Expires: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		taken := 0
		for k := 0; k < 16; k++ {
			r := a
			if k%2 == 1 {
				r = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := openid4vc.Take(ctx, r, openid4vc.KindPreAuthCode, key)
				if err == nil {
					mu.Lock()
					taken++
					mu.Unlock()
				} else if !errors.Is(err, openid4vc.ErrNotFound) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if taken != 1 {
			t.Fatalf("round %d: the code was taken %d times", round, taken)
		}
		// A nonce, replayed on the other node.
		if err := openid4vc.Once(ctx, a, openid4vc.KindVPNonce, key, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := openid4vc.Once(ctx, b, openid4vc.KindVPNonce, key, time.Now().Add(time.Minute)); !errors.Is(err, openid4vc.ErrExists) {
			t.Fatalf("a nonce replayed on another node: %v", err)
		}
	}
}

// TestChangesOnOneNodeCountForEveryNode: a revocation, a key or a trust
// entry made on one node moves the generation every node reads.
func TestChangesOnOneNodeCountForEveryNode(t *testing.T) {
	u := newDB(t)
	a := configure(t, u)
	b := node(t, u)
	gen := func() int64 {
		g, err := b.Backend().(*DB).Generation(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	es, err := issueOn(t, a, storetest.Graduates(t, 1, 13))
	if err != nil {
		t.Fatal(err)
	}
	g0 := gen()
	iss, _ := issuer.New(a, nil)
	if _, err := iss.Revoke(es[0].ID, "x"); err != nil {
		t.Fatal(err)
	}
	g1 := gen()
	if _, err := a.Rotate("registrar"); err != nil {
		t.Fatal(err)
	}
	g2 := gen()
	if _, err := a.AddTrust(keys.TrustEntry{DID: "did:web:x.example", Name: "X", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	g3 := gen()
	if err := a.RecordAudit("x.y", "", "", ""); err != nil {
		t.Fatal(err)
	}
	if !(g0 < g1 && g1 < g2 && g2 < g3) || gen() != g3 {
		t.Fatalf("generations %d %d %d %d %d: a change not counted, or an audit record counted", g0, g1, g2, g3, gen())
	}
	// And the other node reads the revocation.
	if e, err := issuer.Lookup(b, es[0].ID); err != nil || e.State != issuer.StateRevoked {
		t.Fatalf("the other node reads %+v, %v", e, err)
	}
}

// TestNoPrivateKeyInAnyTable reads every row of every table as text and
// looks for the private keys' bytes, hex-encoded as PostgreSQL shows bytea.
func TestNoPrivateKeyInAnyTable(t *testing.T) {
	u := newDB(t)
	s := node(t, u)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	if _, err := s.ImportKey("imported", keys.Assertion, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		t.Fatal(err)
	}
	d, _ := priv.Bytes()
	ctx := context.Background()
	db := s.Backend().(*DB)
	rows, err := db.pool.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables", len(tables))
	}
	var all strings.Builder
	for _, tb := range tables {
		rows, err := db.pool.Query(ctx, "SELECT t::text FROM "+pgx.Identifier{tb}.Sanitize()+" t")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			_ = rows.Scan(&v)
			all.WriteString(v)
		}
		rows.Close()
	}
	for _, sec := range [][]byte{der, d, []byte(storetest.Passphrase)} {
		if strings.Contains(all.String(), hex.EncodeToString(sec)) || strings.Contains(all.String(), string(sec)) {
			t.Fatal("a secret is stored in the clear")
		}
	}
}

// TestCopyToTheDatabaseAndBack copies a store file with every kind of
// record into a database, uses it there (the same passphrase unlocks it,
// the key signs, revocations and tokens hold, the audit log goes on), and
// copies it back to a new file: the same records each way.
func TestCopyToTheDatabaseAndBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, err := keys.Open(filepath.Join(dir, "src.db"), &keys.Options{KDF: storetest.CheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Unlock([]byte(storetest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	k, _ := src.Create("registrar", keys.Ed25519, keys.Assertion)
	_ = src.SetWebDID("did:web:registrar.example.edu")
	if err := issuer.SaveConfig(src, &issuer.Config{Institution: issuer.Institution{LegalName: map[string]string{"en": "U"}, Country: "FR"},
		StatusBaseURL: "https://registrar.example.edu/status", KeepCredentials: true}); err != nil {
		t.Fatal(err)
	}
	es, err := issueOn(t, src, storetest.Graduates(t, 5, 14))
	if err != nil {
		t.Fatal(err)
	}
	iss, _ := issuer.New(src, nil)
	if _, err := iss.Revoke(es[1].ID, "fraud"); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Suspend(es[2].ID, "inquiry"); err != nil {
		t.Fatal(err)
	}
	secret, _, _ := src.CreateToken("sis", []string{keys.ScopeIssue}, time.Time{})
	_, _ = src.AddTrust(keys.TrustEntry{DID: "did:web:uni.example", Name: "Uni", Country: "DE"})
	_ = src.PutContext("https://example.org/ctx", []byte(`{"@context":{}}`))
	rec := server.NewBoltStorage(src, nil)
	_ = rec.Create(ctx, "offer", "o1", openid4vc.Record{Value: []byte("v"), Expires: time.Now().Add(time.Hour)})
	_ = rec.CreateBatch(ctx, &server.BatchRecord{ID: "b_1", State: server.BatchDone, Created: time.Now()}, []byte("csv"))
	_ = rec.PutBatchCredentials(ctx, "b_1", []server.StoredCredential{{Row: 2, ID: es[0].ID, Credential: []byte("jwt")}})
	if _, err := snapshot.New(src, nil).Put(snapshot.Snapshot{Meta: snapshot.Meta{Kind: snapshot.KindTL, Name: "SE", Sequence: 3}, Data: []byte("tl")}); err != nil {
		t.Fatal(err)
	}
	srcLog, _ := src.Audit()

	u := newDB(t)
	db, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Copy(ctx, FileStore(src), db)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"keys.keys", "keys.meta", "issuer.register", "issuer.bits", "issuer.lists", "server.records", "server.batch-creds", "snapshot.lists"} {
		found := false
		for _, b := range rep.Buckets {
			found = found || (b.Bucket == want && b.Records > 0)
		}
		if !found {
			t.Errorf("the report has no records of %s: %+v", want, rep.Buckets)
		}
	}
	pg := node(t, u)
	sg, err := pg.Signer("registrar")
	if err != nil || !sg.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public) {
		t.Fatalf("the copied key: %v", err)
	}
	if e, err := issuer.Lookup(pg, es[1].ID); err != nil || e.State != issuer.StateRevoked {
		t.Fatalf("the copied register: %+v %v", e, err)
	}
	lists, err := issuer.StatusLists(pg)
	if err != nil || len(lists) != 2 {
		t.Fatalf("copied lists: %d, %v", len(lists), err)
	}
	if v, _ := lists[0].Bits.Get(es[1].StatusIndex); !v {
		t.Fatal("the revocation bit was lost")
	}
	if _, err := pg.AuthenticateToken(secret, time.Now()); err != nil {
		t.Fatalf("the copied token: %v", err)
	}
	if r, err := storetest.RecordsOf(pg, nil).Get(ctx, "offer", "o1"); err != nil || string(r.Value) != "v" {
		t.Fatalf("the copied record: %v", err)
	}
	if c, ok, err := storetest.BatchesOf(pg).BatchCredential(ctx, "b_1", es[0].ID); err != nil || !ok || string(c.Credential) != "jwt" {
		t.Fatalf("the copied batch credential: %v %v", ok, err)
	}
	if err := pg.RecordAudit("after.copy", "", "", ""); err != nil {
		t.Fatal(err)
	}
	log, _ := pg.Audit()
	if len(log) != len(srcLog)+1 || log[len(log)-1].Seq != uint64(len(log)) {
		t.Fatalf("the audit log after the copy: %d records, last seq %d", len(log), log[len(log)-1].Seq)
	}
	// Issuing goes on where the file stopped.
	more, err := issueOn(t, pg, storetest.Graduates(t, 3, 15))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range more {
		for _, o := range es {
			if e.StatusIndex == o.StatusIndex && e.StatusList == o.StatusList {
				t.Fatal("an index of the file given again in the database")
			}
		}
	}
	// A copy into a database that holds a store is refused.
	db2, _ := Open(ctx, u, nil)
	if _, err := Copy(ctx, FileStore(src), db2); err == nil || !strings.Contains(err.Error(), "already holds a store") {
		t.Fatalf("copy into a store: %v", err)
	}
	db2.Close()

	// And back, into a new file.
	back, err := keys.Open(filepath.Join(dir, "back.db"), &keys.Options{KDF: storetest.CheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	rep2, err := Copy(ctx, pg.Backend().(*DB), FileStore(back))
	if err != nil {
		t.Fatal(err)
	}
	// One audit record, three entries with their idempotency keys and kept
	// credentials; the same list.
	if rep2.Records() != rep.Records()+1+3*3 {
		t.Errorf("records: %d copied in, %d copied back\n%+v\n%+v", rep.Records(), rep2.Records(), rep.Buckets, rep2.Buckets)
	}
	if err := back.Unlock([]byte(storetest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	if _, err := back.Signer("registrar"); err != nil {
		t.Fatal(err)
	}
	if es2, err := issuer.List(back, issuer.Filter{}); err != nil || len(es2) != 8 {
		t.Fatalf("the file copy's register: %d, %v", len(es2), err)
	}
	if err := back.RecordAudit("after.back", "", "", ""); err != nil {
		t.Fatal(err)
	}
	if log2, _ := back.Audit(); log2[len(log2)-1].Seq != uint64(len(log2)) {
		t.Fatal("the file copy's audit log has a gap")
	}
}

// TestCopyRefusesWhatItCannotKeep: a store file with a bucket this build
// does not know is not copied, not even in part.
func TestCopyRefusesWhatItCannotKeep(t *testing.T) {
	ctx := context.Background()
	src, err := keys.Open(filepath.Join(t.TempDir(), "src.db"), &keys.Options{KDF: storetest.CheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.AddTrust(keys.TrustEntry{DID: "did:web:uni.example", Name: "Uni", Country: "DE"}); err != nil {
		t.Fatal(err)
	}
	if err := src.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("future.things"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	u := newDB(t)
	db, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Copy(ctx, FileStore(src), db)
	if !errors.Is(err, errUnknownBucket) || !strings.Contains(err.Error(), "future.things") {
		t.Fatalf("Copy = %v", err)
	}
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM keys_trust").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d records copied before the refusal", n)
	}
}
