package postgres

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/verifier"
)

// dumpTables returns every row of every table of the database, as text.
func dumpTables(t testing.TB, s *keys.Store) string {
	t.Helper()
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
	return all.String()
}

// secretForms are the ways a 32-byte secret could show in a row dumped as
// text: raw, hex (bytea columns), base64 (JSON []byte), base64url (JWK d).
// The encoded forms are looked for as they are (text columns) and in hex
// (bytea columns holding JSON).
func secretForms(d []byte) map[string]string {
	out := map[string]string{"raw": string(d), "hex": hex.EncodeToString(d)}
	for name, enc := range map[string]*base64.Encoding{"base64": base64.StdEncoding, "base64url": base64.RawURLEncoding} {
		s := enc.EncodeToString(d)
		out[name], out[name+" in a bytea row"] = s, hex.EncodeToString([]byte(s))
	}
	return out
}

// TestRequestEncryptionKeyIsOneForEveryNode: nodes starting together on a
// new database agree on one request encryption key; a rotation on one is
// every node's (and counts as a change they see); no table holds a private
// key in the clear.
func TestRequestEncryptionKeyIsOneForEveryNode(t *testing.T) {
	u := newDB(t)
	configure(t, u)
	nodes := make([]*keys.Store, 4)
	for i := range nodes {
		nodes[i] = node(t, u)
	}
	ids := make([]string, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		wg.Go(func() {
			ks, err := s.EncryptionKeys(server.EncryptionKeySet)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = ks[0].ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("nodes starting together made different keys: %v", ids)
		}
	}
	db := nodes[1].Backend().(*DB)
	gen, err := db.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := nodes[0].RotateEncryptionKey(server.EncryptionKeySet, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := db.Generation(context.Background()); g == gen {
		t.Fatal("a rotation did not count as a change the other nodes see")
	}
	seen, err := nodes[2].EncryptionKeys(server.EncryptionKeySet)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0].ID != rotated[0].ID || seen[1].ID != ids[0] {
		t.Fatalf("another node sees %d keys after the rotation", len(seen))
	}
	dump := dumpTables(t, nodes[3])
	for _, k := range seen {
		if !strings.Contains(dump, hex.EncodeToString([]byte(k.ID))) { // bytea rows dump as hex
			t.Fatalf("key %s is not in the dump: the dump reads the wrong tables", k.ID)
		}
		for name, form := range secretForms(k.Private.D.FillBytes(make([]byte, 32))) {
			if strings.Contains(dump, form) {
				t.Errorf("the private request encryption key %s is in the database in the clear (%s)", k.ID, name)
			}
		}
	}
}

// recordingSealer seals with the node's store and keeps what it sealed, for
// the test to look for in the database.
type recordingSealer struct {
	openid4vc.Sealer
	mu     sync.Mutex
	sealed [][]byte
}

func (r *recordingSealer) SealData(ad, pt []byte) ([]byte, error) {
	r.mu.Lock()
	r.sealed = append(r.sealed, bytes.Clone(pt))
	r.mu.Unlock()
	return r.Sealer.SealData(ad, pt)
}

// TestPresentationAcrossNodes: a presentation request made on node a is
// served (request object) and answered (direct_post.jwt, decrypted) on node
// b, which opens the response key a sealed with the store's master key;
// the database holds that key only sealed.
func TestPresentationAcrossNodes(t *testing.T) {
	u := newDB(t)
	configure(t, u)
	a, b := node(t, u), node(t, u)
	recsA := a.Backend().(*DB).ServerRecords(time.Now)
	recsB := b.Backend().(*DB).ServerRecords(time.Now)
	e := testenv.New(t, testenv.Options{Records: recsA})
	sealA := &recordingSealer{Sealer: a}
	rp := func(recs openid4vc.Records, sealer openid4vc.Sealer) *vp.RelyingParty {
		r, err := vp.New(vp.Options{Prefix: vp.PrefixX509Hash, Signer: e.VerifierKey, Chain: e.VerifierChain,
			ResponseURI: e.URL + "/node-b/response", RequestURIBase: e.URL + "/node-b/request/",
			Records: recs, Verify: e.Verifier, Sealer: sealer})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	nodeA, nodeB := rp(recsA, sealA), rp(recsB, b)
	e.Mux.HandleFunc("GET /node-b/request/{state}", nodeB.ServeRequestObject)
	e.Mux.HandleFunc("POST /node-b/response", nodeB.ServeResponse)

	ctx := context.Background()
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	offer, err := e.VCI.CreateOffer(ctx, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, Dataset: testenv.DiplomaDataset(t)})
	if err != nil {
		t.Fatal(err)
	}
	client, wallet := e.Wallet()
	s, err := client.Start(ctx, offer.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: holder}}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"diploma","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},
	  "claims":[{"path":["elm","credentialSubject","hasClaim",null,"title"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	cr, err := nodeA.CreateRequest(ctx, vp.RequestOptions{Query: *q, ResponseMode: vp.ModeDirectPostJWT})
	if err != nil {
		t.Fatal(err)
	}
	if len(sealA.sealed) != 1 {
		t.Fatalf("node a sealed %d values, want the request's response key", len(sealA.sealed))
	}
	dump := dumpTables(t, b)
	if !strings.Contains(dump, openid4vc.Key(cr.State)) {
		t.Fatal("the request is not in the dump: the dump reads the wrong tables")
	}
	for name, form := range secretForms(sealA.sealed[0]) {
		if strings.Contains(dump, form) {
			t.Fatalf("the response decryption key is in the database in the clear (%s)", name)
		}
	}
	held := []vp.Held{{Format: dcql.FormatSDJWT, Raw: got.Credential(0), Holder: holder}}
	req, err := wallet.FetchRequest(ctx, cr.Link)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := wallet.Select(ctx, req, held)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := wallet.Presentations(ctx, req, sel, held)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wallet.Respond(ctx, req, tok); err != nil {
		t.Fatalf("node b answering a request node a made: %v", err)
	}
	res, err := nodeA.Result(ctx, cr.TransactionID, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != vp.StatusAnswered || res.Presentations["diploma"][0].Report.Verdict != verifier.Verified {
		t.Fatalf("result on node a: %s %s %s", res.Status, res.Error, res.Description)
	}
}
