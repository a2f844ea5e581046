package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/fanout"
	"github.com/diplomat-edu/diplomat/internal/pgtest"
	"github.com/diplomat-edu/diplomat/internal/storetest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/store/postgres"
	"github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

// The tests of several "diplomat serve" nodes sharing one PostgreSQL store:
// real processes (this test binary run as "diplomat"), on 127.0.0.1, killed
// with SIGKILL where a test says kill -9. Under the race detector every
// process runs ten times slower, so the counts are cut (see clusterCount).

const clusterPass = "correct-horse-battery-staple"

// clusterCount is n, or n/10 under the race detector: the nodes are this
// test binary, built with -race, and the tests keep to a minute or two.
func clusterCount(n int) int {
	if raceEnabled {
		return max(n/10, 20)
	}
	return n
}

// clusterStore makes a migrated, configured store in a fresh database of c: an
// ed25519 key, the institution, an API token (returned) and the key's
// did:key in the trust registry, so that what the nodes issue verifies.
func clusterStore(t testing.TB, c *pgtest.Cluster) (url, token string) {
	t.Helper()
	url = c.NewDB(t)
	ctx := context.Background()
	if _, _, err := postgres.Migrate(ctx, url, nil); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := keys.New(db, &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Unlock([]byte(clusterPass)); err != nil {
		t.Fatal(err)
	}
	storetest.Configure(t, s)
	k, err := s.Key("registrar")
	if err != nil {
		t.Fatal(err)
	}
	did, _ := k.KeyDID()
	if _, err := s.AddTrust(keys.TrustEntry{DID: did, Name: "Université Exemple", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	token, _, err = s.CreateToken("api", []string{keys.ScopeAdmin}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return url, token
}

// register reads the store's register, as any node would.
func register(t testing.TB, url string) []issuer.Entry {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := keys.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := issuer.List(s, issuer.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// serveNode is one "diplomat serve" process.
type serveNode struct {
	name string
	url  string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startNode starts "diplomat serve" on a random port of 127.0.0.1 with the
// store at url, and the configuration lines extra; it is stopped (SIGTERM)
// when t ends, unless killed.
func startNode(t testing.TB, name, url string, extra ...string) *serveNode {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "serve.yaml")
	conf := "store: " + url + `
rateLimit: {perSecond: -1}
batches: {lease: 2s, workers: 2, concurrent: 1}
status: {sync: 1s}
log: {level: warn}
database: {maxConns: 8}
` + strings.Join(extra, "\n") + "\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// The node's own address (what it prints is its public URL, which
	// may be a balancer's).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n := &serveNode{name: name, log: &lockedBuffer{}, done: make(chan struct{})}
	n.cmd = exec.Command("diplomat", "serve", "--config", cfg, "--listen", addr)
	n.cmd.Env = append(os.Environ(), "DIPLOMAT_PASSPHRASE="+clusterPass, "DIPLOMAT_STORE=")
	n.cmd.Stderr = n.log
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	t.Cleanup(func() { n.stop(t) })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "diplomat is serving on "); ok {
				urls <- u
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case <-urls:
		n.url = "http://" + addr
	case <-n.done:
		t.Fatalf("node %s exited: %s", name, n.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("node %s did not start: %s", name, n.log)
	}
	return n
}

// kill stops the node at once, as kill -9 does.
func (n *serveNode) kill() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}

func (n *serveNode) stop(t testing.TB) {
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		t.Errorf("node %s did not stop on SIGTERM", n.name)
		n.kill()
	}
	if t.Failed() {
		t.Logf("node %s log:\n%s", n.name, n.log)
	}
}

var clusterClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

// call sends a JSON request and decodes the JSON answer.
func call(method, url, token string, body any) (int, map[string]any, error) {
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "text/csv"
	default:
		data, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := clusterClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return resp.StatusCode, m, nil
}

// diplomaRecord is the i-th of a class of graduates, as the VC-API takes it.
func diplomaRecord(seed, i int) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("urn:schac:personalUniqueCode:int:esi:fr:%03d%06d", seed, i), "givenName": "Camille", "familyName": "Dupont",
		"dateOfBirth": "2001-04-17", "title": map[string]any{"en": "Master of Science in Computer Science"}, "awardDate": "2025-07-01",
		"eqf": 7, "isced": "0613", "ects": 120, "grade": "15.2", "gradingScheme": "fr-20",
	}
}

// issued is what one issue request answered.
type issued struct {
	code  int
	id    string
	list  string
	index int
	cred  string
}

func issueVia(n *serveNode, token string, rec map[string]any) (issued, error) {
	code, m, err := call("POST", n.url+"/credentials/issue", token, map[string]any{"template": "diploma", "record": rec, "options": map[string]any{"profile": "w3c"}})
	if err != nil {
		return issued{}, err
	}
	if code != http.StatusCreated && code != http.StatusOK {
		return issued{code: code}, fmt.Errorf("node %s: issue answered %d: %.300v", n.name, code, m)
	}
	// The register entry as the VC-API shows it: the list by the URL of
	// its revocation form (…/status/w3c/1/revocation).
	reg, _ := m["register"].(map[string]any)
	out := issued{code: code}
	out.id, _ = reg["id"].(string)
	if urls, _ := reg["statusListCredential"].([]any); len(urls) > 0 {
		u, _ := urls[0].(string)
		u = strings.TrimPrefix(strings.TrimSuffix(u, "/revocation"), "https://registrar.example.edu/status/")
		out.list = u
	}
	idx, _ := reg["statusListIndex"].(float64)
	out.index = int(idx)
	if env, ok := m["verifiableCredential"].(map[string]any); ok {
		id, _ := env["id"].(string)
		out.cred = id[strings.IndexByte(id, ',')+1:]
	}
	if out.id == "" || out.list == "" {
		return out, fmt.Errorf("node %s: an answer without register entry: %.300v", n.name, reg)
	}
	return out, nil
}

// checkComplete asserts that the register holds exactly the credentials
// answered (one per record), each with its own id and status index.
func checkComplete(t *testing.T, url string, byRec map[int]issued, records int) {
	t.Helper()
	if len(byRec) != records {
		t.Fatalf("%d records answered, want %d", len(byRec), records)
	}
	es := register(t, url)
	if len(es) != records {
		t.Fatalf("the register holds %d entries for %d records", len(es), records)
	}
	reg := map[string]issuer.Entry{}
	idx := map[string]string{}
	for _, e := range es {
		k := fmt.Sprintf("%s#%d", e.StatusList, e.StatusIndex)
		if o, dup := idx[k]; dup {
			t.Fatalf("%s and %s share the status index %s", o, e.ID, k)
		}
		idx[k], reg[e.ID] = e.ID, e
	}
	for r, got := range byRec {
		e, ok := reg[got.id]
		if !ok {
			t.Fatalf("record %d was answered with %s, which the register does not hold", r, got.id)
		}
		if e.StatusList != got.list || e.StatusIndex != got.index {
			t.Fatalf("record %d: answered %s#%d, registered %s#%d", r, got.list, got.index, e.StatusList, e.StatusIndex)
		}
	}
}

// TestTwoNodesIssueDistinctCredentials: 2,000 issue requests spread over
// two nodes sharing one database give 2,000 distinct ids and status
// indexes, and a register that holds them all.
func TestTwoNodesIssueDistinctCredentials(t *testing.T) {
	pgtest.Require(t, cluster)
	url, token := clusterStore(t, cluster)
	nodes := []*serveNode{startNode(t, "a", url), startNode(t, "b", url)}
	n := clusterCount(2000)
	var (
		mu    sync.Mutex
		byRec = map[int]issued{}
	)
	start := time.Now()
	if err := fanout.Run(n, 8, func(i int) error {
		got, err := issueVia(nodes[i%2], token, diplomaRecord(1, i))
		if err == nil {
			mu.Lock()
			byRec[i] = got
			mu.Unlock()
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d credentials through two nodes in %s", n, time.Since(start).Round(time.Millisecond))
	checkComplete(t, url, byRec, n)
}

// TestKilledNodeLosesAndDuplicatesNothing: issuance through two nodes, one
// killed with SIGKILL in the middle; the client sends what failed on it to
// the other. Every credential a node answered is in the register, under the
// id it answered, and no record has two credentials: a record the dead
// node had recorded comes back from the other as already issued.
func TestKilledNodeLosesAndDuplicatesNothing(t *testing.T) {
	pgtest.Require(t, cluster)
	url, token := clusterStore(t, cluster)
	a, b := startNode(t, "a", url), startNode(t, "b", url)
	n := clusterCount(1000)
	var (
		mu      sync.Mutex
		byRec   = map[int]issued{}
		fromA   = map[int]issued{} // answered by a before it died
		retried atomic.Int64
		existed atomic.Int64
		done    atomic.Int64
	)
	// The kill comes from outside the clients, at whatever point a's
	// requests are: some read, some recorded and not yet answered.
	go func() {
		for done.Load() < int64(n/3) && !t.Failed() {
			time.Sleep(time.Millisecond)
		}
		a.kill()
	}()
	err := fanout.Run(n, 8, func(i int) error {
		node := b
		if i%2 == 0 {
			node = a
		}
		got, err := issueVia(node, token, diplomaRecord(2, i))
		if err != nil && node == a {
			// The node died: send the record to the other.
			retried.Add(1)
			got, err = issueVia(b, token, diplomaRecord(2, i))
			if err == nil && got.code == http.StatusOK {
				existed.Add(1)
			}
		} else if err == nil && node == a {
			mu.Lock()
			fromA[i] = got
			mu.Unlock()
		}
		if err != nil {
			return err
		}
		mu.Lock()
		byRec[i] = got
		mu.Unlock()
		done.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.done:
	default:
		t.Fatal("node a was never killed")
	}
	t.Logf("%d records, %d answered by node a before it died, %d sent again to b (%d of them recorded by a already)", n, len(fromA), retried.Load(), existed.Load())
	if retried.Load() == 0 {
		t.Fatal("nothing failed on the killed node: the test did not kill it in the middle")
	}
	for i, got := range fromA {
		if byRec[i].id != got.id {
			t.Fatalf("record %d: node a answered %s, then %s", i, got.id, byRec[i].id)
		}
	}
	checkComplete(t, url, byRec, n)
}

// TestOrphanedBatchIsFinishedByAnotherNode: a batch started on node a,
// which is killed while it signs; node b takes the batch over once a's
// lease lapses and finishes it: every row once, with the ids and indexes a
// recorded.
func TestOrphanedBatchIsFinishedByAnotherNode(t *testing.T) {
	pgtest.Require(t, cluster)
	url, token := clusterStore(t, cluster)
	a, b := startNode(t, "a", url), startNode(t, "b", url)
	n := clusterCount(3000)
	code, m, err := call("POST", a.url+"/batches?template=diploma&profile=w3c&source=class.csv", token, graduates.Graduates(n, 3))
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("creating the batch: %d %v %v", code, m, err)
	}
	id := m["id"].(string)
	// Kill a once it has signed some of the batch, not all, and stored some
	// of what it signed: the node keeps credentials in its store 32 at a
	// time, so wait for two such flushes (the test asserts b skips them).
	killAfter := max(n/10, 2*32+1)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, m, err = call("GET", a.url+"/batches/"+id, token, nil)
		if err != nil || code != 200 {
			t.Fatalf("batch on a: %d %v", code, err)
		}
		if m["state"] == "done" {
			t.Fatalf("the batch of %d rows finished before the kill: make it longer", n)
		}
		if d, _ := m["done"].(float64); m["state"] == "running" && d >= float64(killAfter) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the batch did not start on a: %v", m)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.kill()
	killedAt := time.Now()
	var done map[string]any
	for {
		code, m, err = call("GET", b.url+"/batches/"+id, token, nil)
		if err != nil || code != 200 {
			t.Fatalf("batch on b: %d %v", code, err)
		}
		if m["state"] == "done" {
			done = m
			break
		}
		if m["state"] == "failed" || time.Now().After(deadline) {
			t.Fatalf("the batch was not finished by b: %v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("node b finished the batch %s after node a died (lease 2s)", time.Since(killedAt).Round(time.Millisecond))
	man := done["manifest"].(map[string]any)
	rows := man["credentials"].([]any)
	if len(rows) != n {
		t.Fatalf("the manifest lists %d credentials for %d rows", len(rows), n)
	}
	issuedN, _ := done["issued"].(float64)
	recovered, _ := done["recovered"].(float64)
	skipped, _ := done["skipped"].(float64)
	if int(issuedN+recovered+skipped) != n || skipped == 0 {
		t.Fatalf("issued %v, recovered %v, skipped %v of %d: node b did not resume what a had stored", issuedN, recovered, skipped, n)
	}
	byRec := map[int]issued{}
	for _, r := range rows {
		row := r.(map[string]any)
		byRec[int(row["row"].(float64))] = issued{id: row["id"].(string), list: row["statusList"].(string), index: int(row["statusIndex"].(float64))}
	}
	checkComplete(t, url, byRec, n)
}

// TestRevocationOnOneNodeShowsOnTheOther: a credential issued and revoked on
// node a, verified through node b before and after: b says revoked within
// its status.sync (1s), and serves the revoked list.
func TestRevocationOnOneNodeShowsOnTheOther(t *testing.T) {
	pgtest.Require(t, cluster)
	url, token := clusterStore(t, cluster)
	a, b := startNode(t, "a", url), startNode(t, "b", url)
	got, err := issueVia(a, token, diplomaRecord(4, 1))
	if err != nil {
		t.Fatal(err)
	}
	verify := func() (string, map[string]any) {
		t.Helper()
		code, m, err := call("POST", b.url+"/credentials/verify", "", map[string]any{"verifiableCredential": got.cred})
		if err != nil || (code != 200 && code != 422) {
			t.Fatalf("verify on b: %d %v %v", code, m, err)
		}
		rep, _ := m["report"].(map[string]any)
		v, _ := rep["verdict"].(string)
		return v, m
	}
	if v, m := verify(); v != "verified" {
		t.Fatalf("before the revocation, b says %q: %v", v, m)
	}
	code, m, err := call("POST", a.url+"/credentials/status", token, map[string]any{"credentialId": got.id,
		"credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": true, "reason": "awarded by mistake"})
	if err != nil || code != 200 {
		t.Fatalf("revoke on a: %d %v %v", code, m, err)
	}
	revoked := time.Now()
	for {
		v, m := verify()
		if v == "revoked" {
			t.Logf("node b said revoked %s after node a revoked", time.Since(revoked).Round(time.Millisecond))
			break
		}
		if time.Since(revoked) > 5*time.Second {
			t.Fatalf("5s after the revocation on a, b still says %q: %v", v, m)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if time.Since(revoked) > 3*time.Second {
		t.Errorf("b took %s to see the revocation; status.sync is 1s", time.Since(revoked))
	}
	// And the list b serves says so.
	req, _ := http.NewRequest("GET", b.url+"/status/w3c/1/revocation", nil)
	resp, err := clusterClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("b serves the list with %d", resp.StatusCode)
	}
}

// TestReadyzReportsTheDatabase: a node on PostgreSQL is ready while the
// database answers, serves the pool's metrics, and says "database
// unreachable" (503) when the database goes away.
func TestReadyzReportsTheDatabase(t *testing.T) {
	pgtest.Require(t, cluster)
	own, err := pgtest.Start(nil) // this test kills its database
	if err != nil {
		t.Fatal(err)
	}
	defer own.Stop()
	url, _ := clusterStore(t, own)
	n := startNode(t, "a", url)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := clusterClient.Get(n.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "database answers") {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	if _, body := get("/metrics"); !strings.Contains(body, `diplomat_db_pool_connections{state="idle"}`) || !strings.Contains(body, "diplomat_db_pool_max_connections 8") {
		t.Fatal("/metrics lacks the pool's metrics")
	}
	own.Kill()
	// The server's sessions may answer a moment after their postmaster
	// died; within seconds none does.
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		code, body := get("/readyz")
		if code == 503 && strings.Contains(body, "database unreachable") {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("/readyz without its database = %d %q", code, body)
		}
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("/healthz = %d: the process is alive", code)
	}
}

// TestWalletFlowAcrossNodes: a student's wallet collects a credential
// offered through a load balancer that sends each request to the other
// node in turn (offer, metadata, token, nonce, credential each on another
// node than the one before), and cannot redeem the offer a second time on
// either node.
func TestWalletFlowAcrossNodes(t *testing.T) {
	pgtest.Require(t, cluster)
	url, token := clusterStore(t, cluster)
	// The balancer terminates TLS (wallets speak https only) and sends
	// each request to the next node, over plain http.
	var (
		nodes []*serveNode
		turn  atomic.Int64
		hits  [2]atomic.Int64
	)
	balancer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := int(turn.Add(1)) % len(nodes)
		hits[k].Add(1)
		target, _ := neturl.Parse(nodes[k].url)
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	balancer.StartTLS()
	defer balancer.Close()
	public := balancer.URL
	nodes = []*serveNode{startNode(t, "a", url, "publicURL: "+public), startNode(t, "b", url, "publicURL: "+public)}
	lb := &serveNode{name: "balancer", url: public}
	saved := clusterClient
	clusterClient = balancer.Client()
	defer func() { clusterClient = saved }()

	code, m, err := call("POST", lb.url+"/offers", token, map[string]any{"template": "diploma", "record": diplomaRecord(5, 1), "format": "dc+sd-jwt", "txCode": true})
	if err != nil || code != http.StatusCreated {
		t.Fatalf("POST /offers: %d %v %v", code, m, err)
	}
	link, _ := m["link"].(string)
	tx, _ := m["txCode"].(string)
	ctx := context.Background()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: balancer.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	client := &vci.Client{HTTP: hc}
	s, err := client.Start(ctx, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, tx); err != nil {
		t.Fatal(err)
	}
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: holder}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Credentials) != 1 {
		t.Fatalf("%d credentials", len(got.Credentials))
	}
	code, m, err = call("POST", lb.url+"/credentials/verify", "", map[string]any{"verifiableCredential": string(got.Credential(0))})
	if rep, _ := m["report"].(map[string]any); err != nil || code != 200 || rep["verdict"] != "verified" {
		t.Fatalf("the wallet's credential, verified through the balancer: %d %v", code, err)
	}
	// The offer is used up, on whichever node the wallet comes back to.
	for k := 0; k < 2; k++ {
		again, err := client.Start(ctx, link, nil)
		if err == nil {
			err = again.PreAuthorized(ctx, tx)
		}
		if err == nil {
			t.Fatalf("the offer was redeemed twice (attempt %d)", k+1)
		}
		if e := err.Error(); !strings.Contains(e, "invalid_grant") && !strings.Contains(e, "no pending credential offer") {
			t.Fatalf("a second redemption failed, but not as a used offer: %v", err)
		}
	}
	t.Logf("the flow's requests: %d on node a, %d on node b", hits[0].Load(), hits[1].Load())
	for k := range nodes {
		if hits[k].Load() < 3 {
			t.Fatalf("node %s answered %d requests of the flow: the balancer did not spread it", nodes[k].name, hits[k].Load())
		}
	}
}
