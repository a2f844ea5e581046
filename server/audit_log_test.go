package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/testdata/records"
)

// student is a recognisable student: none of these values may reach the
// service's log or its audit log.
var student = struct{ given, family, birth, esi string }{
	"Zéphyrine", "Quibbleworth-Ashcombe", "1998-11-23", "urn:schac:personalUniqueCode:int:esi:fr:88776655",
}

// studentRecord is the diploma sample record with the student's values
// (esiSuffix makes distinct identifiers of one student's several records).
func studentRecord(t testing.TB, esiSuffix string) map[string]any {
	t.Helper()
	data, err := records.JSON("diploma")
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	_ = json.Unmarshal(data, &rec)
	rec["id"], rec["givenName"], rec["familyName"], rec["dateOfBirth"] = student.esi+esiSuffix, student.given, student.family, student.birth
	return rec
}

// studentCSV is a diploma CSV of n rows of the student (identifiers
// student.esi+prefix+row).
func studentCSV(t testing.TB, prefix string, n int) []byte {
	t.Helper()
	data, err := records.CSV("diploma")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i := range n {
		row := strings.Replace(lines[1], "urn:schac:personalUniqueCode:int:esi:fr:20190042,Camille,Dupont,2001-04-17",
			fmt.Sprintf("%s%s%d,%s,%s,%s", student.esi, prefix, i, student.given, student.family, student.birth), 1)
		if row == lines[1] {
			t.Fatal("the sample CSV row changed: update studentCSV")
		}
		b.WriteString(row + "\n")
	}
	return []byte(b.String())
}

// console is a signed-in registrar console session.
type console struct {
	e      *testEnv
	client *http.Client
	cookie string
}

func (e *testEnv) signIn(t testing.TB, tok string) *console {
	t.Helper()
	c := &console{e: e, client: &http.Client{Transport: e.client.Transport, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp := c.post(t, "/console/signin", "application/x-www-form-urlencoded", strings.NewReader("token="+url.QueryEscape(e.tokens[tok])))
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("console sign-in: %d", resp.StatusCode)
	}
	c.cookie = resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value
	return c
}

func (c *console) do(t testing.TB, method, path, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, c.e.url+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (c *console) post(t testing.TB, path, contentType string, body io.Reader) *http.Response {
	t.Helper()
	resp, _ := c.do(t, "POST", path, contentType, body)
	return resp
}

// multipartForm encodes fields (and a file part "file" when file is set).
func multipartForm(fields map[string]string, file []byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("file", "class.csv")
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), &buf
}

// waitBatch waits until the batch is done.
func (e *testEnv) waitBatch(t testing.TB, id string) BatchRecord {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var rec BatchRecord
		_, body, _ := e.do("GET", "/batches/"+id, "admin", "", nil)
		_ = json.Unmarshal(body, &rec)
		if rec.State == BatchDone {
			return rec
		}
		if time.Now().After(deadline) || rec.State == BatchFailed || rec.State == BatchRejected {
			t.Fatalf("batch %s: %s", id, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// auditWant is one audit record a flow must leave: op, subject ("" for
// any) and actor.
type auditWant struct{ op, subject, actor string }

// flowResult is what stateChangingFlow did: the audit records it must
// have left, and the secret values it handled.
type flowResult struct {
	audit   []auditWant
	secrets map[string]string // what → value
}

// stateChangingFlow does every state change the service offers, through
// HTTP, with the student's values: issue, revoke, suspend, reinstate and
// publish through the VC-API; a batch created, started and completed; an
// offer made, collected by a wallet, another revoked; and in the console
// (signed in with the admin token) an upload started, a revocation, a
// publication and an offer. It also verifies (the API and the page) and
// searches the register by the student's identifier.
func stateChangingFlow(t *testing.T, o *oidEnv) flowResult {
	t.Helper()
	res := flowResult{secrets: map[string]string{
		"given name": student.given, "family name": student.family, "birth date": student.birth, "student identifier": student.esi,
		"admin token": o.tokens["admin"], "issue token": o.tokens["issue"], "status token": o.tokens["status"],
		"store passphrase": "test passphrase",
	}}
	want := func(op, subject, actor string) { res.audit = append(res.audit, auditWant{op, subject, actor}) }
	status := func(id, purpose string, on bool, reason string) {
		t.Helper()
		code, m := o.postJSON("/credentials/status", "status", map[string]any{"credentialId": id,
			"credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": purpose}, "status": on, "reason": reason})
		if code != 200 {
			t.Fatalf("status %s %v: %d %v", purpose, on, code, m)
		}
	}

	// The VC-API.
	code, m := o.postJSON("/credentials/issue", "issue", map[string]any{"template": "diploma", "record": studentRecord(t, "1"), "options": map[string]any{"profile": "w3c"}})
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %v", code, m)
	}
	cred, id1 := credentialOf(t, m["verifiableCredential"]), m["register"].(map[string]any)["id"].(string)
	want("credentials.issue", id1, "test-issue")
	if code, m := o.verify(cred); code != 200 {
		t.Fatalf("verify: %d %v", code, reportOf(m))
	}
	if code, _ := o.verify(bytes.Replace(cred, []byte("."), []byte(".x"), 1)); code == 200 {
		t.Fatal("a broken credential verified")
	}
	pageForm := url.Values{"credential": {string(cred)}}.Encode()
	if code, page, _ := o.do("POST", "/", "", "application/x-www-form-urlencoded", []byte(pageForm)); code != 200 || !bytes.Contains(page, []byte(student.family)) {
		t.Fatalf("the page: %d", code)
	}
	if code, _, _ := o.do("GET", "/credentials?subject="+url.QueryEscape(student.esi+"1"), "issue", "", nil); code != 200 {
		t.Fatalf("register search: %d", code)
	}
	status(id1, "revocation", true, "issued in error")
	want("credentials.revoke", id1, "test-status")
	code, m = o.postJSON("/credentials/issue", "issue", map[string]any{"template": "diploma", "record": studentRecord(t, "2"), "options": map[string]any{"profile": "eudi"}})
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %v", code, m)
	}
	id2 := m["register"].(map[string]any)["id"].(string)
	want("credentials.issue", id2, "test-issue")
	status(id2, "suspension", true, "under review")
	want("credentials.suspend", id2, "test-status")
	status(id2, "suspension", false, "")
	want("credentials.reinstate", id2, "test-status")
	if code, body, _ := o.do("POST", "/status/publish", "status", "", nil); code != 200 {
		t.Fatalf("publish: %d %s", code, body)
	}
	want("status.publish", "", "test-status")

	// A batch through the API: created (not started), started, completed.
	code, body, _ := o.do("POST", "/batches?template=diploma&profile=w3c&start=false", "issue", "text/csv", studentCSV(t, "3", 2))
	var rec BatchRecord
	_ = json.Unmarshal(body, &rec)
	if code != http.StatusAccepted || rec.State != BatchReady {
		t.Fatalf("batch: %d %s", code, body)
	}
	want("batches.create", rec.ID, "test-issue")
	if code, body, _ := o.do("POST", "/batches/"+rec.ID+"/start", "issue", "", nil); code != http.StatusAccepted {
		t.Fatalf("start: %d %s", code, body)
	}
	want("batches.start", rec.ID, "test-issue")
	o.waitBatch(t, rec.ID)
	want("batches.complete", rec.ID, "test-issue")

	// Offers: one collected by a wallet (with a transaction code), one
	// revoked.
	off := o.offer(t, map[string]any{"template": "diploma", "record": studentRecord(t, "4"), "format": "dc+sd-jwt", "txCode": true, "txCodeLength": 10})
	want("offers.create", openid4vc.Key(off.ID)[:16], "test-issue")
	res.secrets["offer id"] = off.ID
	res.secrets["transaction code"] = off.TxCode
	res.secrets["pre-authorized code"] = preAuthorizedCode(t, off.Link)
	got, _ := o.receive(t, off.Link, off.TxCode, nil, p256Key(t))
	if len(got.Credentials) != 1 {
		t.Fatalf("%d credentials", len(got.Credentials))
	}
	want("credentials.issue", "", "test-issue") // the credential the wallet collected: the offer's maker
	off2 := o.offer(t, map[string]any{"template": "diploma", "record": studentRecord(t, "5"), "format": "jwt_vc_json"})
	if code, body, _ := o.do("DELETE", "/offers/"+off2.ID, "issue", "", nil); code != http.StatusNoContent {
		t.Fatalf("revoke offer: %d %s", code, body)
	}
	want("offers.create", openid4vc.Key(off2.ID)[:16], "test-issue")
	want("offers.revoke", openid4vc.Key(off2.ID)[:16], "test-issue")

	// The console, signed in with the admin token.
	c := o.signIn(t, "admin")
	admin, err := o.store.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range admin {
		if tk.Name == "test-admin" {
			want("console.signin", tk.ID, "test-admin")
		}
	}
	ct, form := multipartForm(map[string]string{"template": "diploma", "profile": "w3c"}, studentCSV(t, "6", 1))
	resp := c.post(t, "/console/batches", ct, form)
	batch, ok := strings.CutPrefix(resp.Header.Get("Location"), "/console/batches/")
	if resp.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("console upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	want("batches.create", batch, "test-admin")
	if resp := c.post(t, "/console/batches/"+batch+"/start", "application/x-www-form-urlencoded", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console start: %d", resp.StatusCode)
	}
	want("batches.start", batch, "test-admin")
	o.waitBatch(t, batch)
	want("batches.complete", batch, "test-admin")
	if resp, page := c.do(t, "GET", "/console/register?q="+url.QueryEscape(student.esi+"2"), "", nil); resp.StatusCode != 200 || !bytes.Contains(page, []byte(id2)) {
		t.Fatalf("console search: %d", resp.StatusCode)
	}
	resp, page := c.do(t, "POST", "/console/credentials/status", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"id": {id2}, "action": {"revoke"}, "reason": {"withdrawn"}}.Encode()))
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("is now revoked")) {
		t.Fatalf("console revoke: %d", resp.StatusCode)
	}
	want("credentials.revoke", id2, "test-admin")
	if resp := c.post(t, "/console/status/publish", "application/x-www-form-urlencoded", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console publish: %d", resp.StatusCode)
	}
	want("status.publish", "", "test-admin")
	recJSON, _ := json.Marshal(studentRecord(t, "7"))
	resp, page = c.do(t, "POST", "/console/offer", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"template": {"diploma"}, "format": {"dc+sd-jwt"}, "record": {string(recJSON)}, "txCode": {"on"}}.Encode()))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("console offer: %d %.500s", resp.StatusCode, page)
	}
	want("offers.create", "", "test-admin")
	if m := regexp.MustCompile(`openid-credential-offer://[^"<\s]+`).Find(page); m != nil {
		if link, err := url.QueryUnescape(string(bytes.ReplaceAll(m, []byte("&amp;"), []byte("&")))); err == nil {
			if code := preAuthorizedCodeOr(link); code != "" {
				res.secrets["console offer's pre-authorized code"] = code
			}
		}
	}
	return res
}

// preAuthorizedCode is the pre-authorized code of a by-value offer link.
func preAuthorizedCode(t testing.TB, link string) string {
	t.Helper()
	code := preAuthorizedCodeOr(link)
	if code == "" {
		t.Fatalf("no pre-authorized code in %s", link)
	}
	return code
}

func preAuthorizedCodeOr(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	var offer struct {
		Grants map[string]struct {
			Code string `json:"pre-authorized_code"`
		} `json:"grants"`
	}
	if json.Unmarshal([]byte(u.Query().Get("credential_offer")), &offer) != nil {
		return ""
	}
	return offer.Grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"].Code
}

// TestEveryStateChangeIsAuditedWithItsActor: each state change made through
// the VC-API, the offers API and the console leaves an audit record with
// its operation, its object (credential, batch, offer digest, token) and
// the name of the token that made it; no record holds the student's data.
func TestEveryStateChangeIsAuditedWithItsActor(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	res := stateChangingFlow(t, o)
	recs, err := o.store.Audit()
	if err != nil {
		t.Fatal(err)
	}
	used := make([]bool, len(recs))
	for _, w := range res.audit {
		found := false
		for i, r := range recs {
			if !used[i] && r.Op == w.op && (w.subject == "" || r.Subject == w.subject) && r.Actor == w.actor {
				used[i], found = true, true
				break
			}
		}
		if !found {
			var b strings.Builder
			for _, r := range recs {
				fmt.Fprintf(&b, "\n  %s %s %q %s", r.Op, r.Subject, r.Actor, r.Detail)
			}
			t.Errorf("no audit record %s of %q by %q; the log:%s", w.op, w.subject, w.actor, b.String())
		}
	}
	service := regexp.MustCompile(`^(credentials|status|batches|offers|console)\.`)
	for _, r := range recs {
		if service.MatchString(r.Op) && r.Actor == "" {
			t.Errorf("audit record %s of %s names no actor", r.Op, r.Subject)
		}
		line, _ := json.Marshal(r)
		for what, v := range res.secrets {
			if strings.Contains(string(line), v) {
				t.Errorf("the audit record %s holds the %s", line, what)
			}
		}
	}
}

// lockedBuffer is a buffer a logger and a test share.
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

// TestTheLogHoldsNoPersonalDataNoSecretsNoClientAddress runs every state
// change, verification, search and offer with a recognisable student, in
// text and JSON at debug level, and then looks for the student's name,
// birth date and identifier, the tokens, the store's passphrase, the
// offers' ids, pre-authorized and transaction codes, and the client's
// address in the log (docs/serve.md, Operations: "no client address, no
// query string, no body, no personal data, no secret").
func TestTheLogHoldsNoPersonalDataNoSecretsNoClientAddress(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var log lockedBuffer
			ho := &slog.HandlerOptions{Level: slog.LevelDebug}
			var h slog.Handler = slog.NewTextHandler(&log, ho)
			if format == "json" {
				h = slog.NewJSONHandler(&log, ho)
			}
			o := newOIDEnvWith(t, false, nil, func(opts *Options) { opts.Logger = slog.New(h) })
			res := stateChangingFlow(t, o)
			// A client that is not speaking TLS, and one that hangs up in
			// the middle of a handshake: the server's own error log.
			addr := strings.TrimPrefix(o.url, "https://")
			var clients []string
			for _, hello := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\x16\x03\x01\x00\x05hello"} {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				clients = append(clients, conn.LocalAddr().String())
				_, _ = conn.Write([]byte(hello))
				_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				_, _ = io.Copy(io.Discard, conn)
				conn.Close()
			}
			time.Sleep(100 * time.Millisecond)
			o.stop()
			out := log.String()
			if !strings.Contains(out, "/credentials/issue") || !strings.Contains(out, "test-issue") || !strings.Contains(out, "/console/offer") {
				t.Fatalf("the log lacks the access lines:\n%.2000s", out)
			}
			if format == "json" {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if !json.Valid([]byte(line)) {
						t.Fatalf("not a JSON line: %s", line)
					}
				}
			}
			for what, v := range res.secrets {
				if len(v) < 6 {
					t.Fatalf("the %s %q is too short to look for", what, v)
				}
				if i := strings.Index(out, v); i >= 0 {
					t.Errorf("the log holds the %s: …%s…", what, out[max(0, i-200):min(len(out), i+len(v)+50)])
				}
			}
			for _, c := range clients {
				if i := strings.Index(out, c); i >= 0 {
					t.Errorf("the log holds the client's address %s: …%s…", c, out[max(0, i-200):min(len(out), i+len(c)+50)])
				}
			}
			if !strings.Contains(out, "TLS handshake error from (address)") {
				t.Error("the server's error log did not say the handshake failed")
			}
			if strings.Contains(out, "dpl_") {
				t.Error("the log holds something like a token")
			}
		})
	}
}

// TestIssuingWithEveryDataIntegrityCryptosuiteThroughTheVCAPI: the
// diploma template issued as w3c with each Data Integrity cryptosuite
// (the key the suite needs chosen by default) verifies through the
// VC-API; mandatoryPointers is refused with a problem naming it.
func TestIssuingWithEveryDataIntegrityCryptosuiteThroughTheVCAPI(t *testing.T) {
	e := newEnv(t, envOptions{contexts: true})
	for i, proof := range []string{"eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022", "ecdsa-jcs-2019", "ecdsa-sd-2023"} {
		t.Run(proof, func(t *testing.T) {
			code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"template": "diploma", "record": sampleRecord(t, i),
				"options": map[string]any{"profile": "w3c", "proof": proof}})
			if code != http.StatusCreated {
				t.Fatalf("issue: %d %v", code, m)
			}
			vc, _ := m["verifiableCredential"].(map[string]any)
			p, _ := vc["proof"].(map[string]any)
			if p["cryptosuite"] != proof {
				t.Fatalf("proof: %v", vc["proof"])
			}
			b, _ := json.Marshal(vc)
			code, m = e.verify(b)
			if rep := reportOf(m); code != 200 || rep["verdict"] != "verified" || rep["format"] != proof {
				t.Fatalf("verify: %d %v", code, rep)
			}
		})
	}
	code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"template": "diploma", "record": sampleRecord(t, 99),
		"options": map[string]any{"profile": "w3c", "proof": "ecdsa-sd-2023", "mandatoryPointers": []string{"/issuer"}}})
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(m["detail"]), "options.mandatoryPointers") {
		t.Fatalf("mandatoryPointers: %d %v", code, m)
	}
}
