package server

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/testdata/records"
)

// TestEveryAPIRouteRefusesMissingWrongExpiredRevokedAndOutOfScopeTokens
// walks every route that needs a token.
func TestEveryAPIRouteRefusesMissingWrongExpiredRevokedAndOutOfScopeTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	routes := []struct {
		method, path, ctype string
		outOfScope          string // a token kind without the scope
	}{
		{"POST", "/credentials/issue", "application/json", "status"},
		{"POST", "/credentials/status", "application/json", "issue"},
		{"GET", "/credentials/urn:uuid:00000000-0000-4000-8000-000000000000", "", ""},
		{"GET", "/credentials", "", ""},
		{"POST", "/status/publish", "application/json", "issue"},
		{"POST", "/batches?template=diploma", "text/csv", "status"},
		{"GET", "/batches/b_0000000000000000", "", "status"},
		{"POST", "/batches/b_0000000000000000/start", "", "status"},
		{"GET", "/batches/b_0000000000000000/result", "", "status"},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			cases := map[string]int{"": 401, "dpl_wrongwrongwrong": 401, "expired": 401, "revoked": 401}
			if rt.outOfScope != "" {
				cases[rt.outOfScope] = 403
			}
			for tok, want := range cases {
				code, body, hdr := e.do(rt.method, rt.path, tok, rt.ctype, []byte("{}"))
				if code != want {
					t.Errorf("token %q: %d, want %d: %s", tok, code, want, body)
				}
				if !strings.HasPrefix(hdr.Get("Www-Authenticate"), "Bearer") {
					t.Errorf("token %q: no WWW-Authenticate: Bearer", tok)
				}
				if !strings.Contains(hdr.Get("Content-Type"), "problem+json") {
					t.Errorf("token %q: content type %q", tok, hdr.Get("Content-Type"))
				}
			}
			// The admin token passes authentication (whatever the handler
			// then says of the empty body).
			if code, body, _ := e.do(rt.method, rt.path, "admin", rt.ctype, []byte("{}")); code == 401 || code == 403 {
				t.Errorf("admin token refused: %d %s", code, body)
			}
		})
	}
}

func TestBadBodiesGetClearProblems(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Limits.Body, c.Limits.Batch = 64<<10, 64<<10 }})
	big := []byte(`{"verifiableCredential":"` + strings.Repeat("a", 70<<10) + `"}`)
	cases := []struct {
		name, path, tok, ctype string
		body                   []byte
		want                   int
		detail                 string
	}{
		{"too large", "/credentials/verify", "", "application/json", big, 413, "larger than"},
		{"too large issue", "/credentials/issue", "issue", "application/json", big, 413, "larger than"},
		{"too large batch", "/batches?template=diploma", "issue", "text/csv", big, 413, "larger than"},
		{"malformed JSON", "/credentials/verify", "", "application/json", []byte(`{"verifiableCredential": {`), 400, ""},
		{"malformed issue JSON", "/credentials/issue", "issue", "application/json", []byte(`{"template": "diploma",,}`), 400, ""},
		{"wrong content type", "/credentials/verify", "", "text/plain", []byte(`{}`), 415, "application/json"},
		{"wrong content type issue", "/credentials/issue", "issue", "text/plain", []byte(`x`), 415, "application/json or application/xml"},
		{"XML that is not ELMO", "/credentials/issue", "issue", "application/xml", []byte(`<x/>`), 422, "an ELMO document is an <elmo>"},
		{"batch not CSV", "/batches?template=diploma", "issue", "application/json", []byte(`{}`), 415, "text/csv"},
		{"unknown member", "/credentials/issue", "issue", "application/json", []byte(`{"tmpl": "diploma"}`), 400, "tmpl"},
		{"missing credential", "/credentials/verify", "", "application/json", []byte(`{"options": {}}`), 400, "verifiableCredential is missing"},
		{"unknown template", "/credentials/issue", "issue", "application/json", []byte(`{"template": "nope", "record": {}}`), 400, "nope"},
		{"invalid record", "/credentials/issue", "issue", "application/json", []byte(`{"template": "diploma", "record": {"givenName": "A"}}`), 422, ""},
		{"unknown profile", "/credentials/issue", "issue", "application/json", []byte(`{"template": "diploma", "record": {}, "options": {"profile": "x"}}`), 400, ""},
		{"deep nesting", "/credentials/verify", "", "application/json", []byte(`{"verifiableCredential":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`), 400, ""},
		{"not a route", "/nope", "", "", nil, 404, "no route"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body, hdr := e.do("POST", c.path, c.tok, c.ctype, c.body)
			if c.path == "/nope" {
				code, body, hdr = e.do("GET", c.path, "", "", nil)
			}
			if code != c.want {
				t.Fatalf("%d, want %d: %s", code, c.want, body)
			}
			var p Problem
			if err := json.Unmarshal(body, &p); err != nil || p.Status != c.want || !strings.HasPrefix(p.Type, ProblemBase) {
				t.Fatalf("not a problem: %s", body)
			}
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q lacks %q", p.Detail, c.detail)
			}
			if hdr.Get("Content-Type") != "application/problem+json" {
				t.Errorf("content type %q", hdr.Get("Content-Type"))
			}
		})
	}
	// The page answers a too-large form with its own page, saying so.
	if code, body, _ := e.do("POST", "/", "", "application/x-www-form-urlencoded", append([]byte("credential="), big...)); code != 413 || !strings.Contains(string(body), "larger than") {
		t.Fatalf("a too-large form on the page: %d", code)
	}
	// An invalid record lists every problem, each with its field.
	code, body, _ := e.do("POST", "/credentials/issue", "issue", "application/json", []byte(`{"template": "diploma", "record": {"givenName": "A"}}`))
	var p Problem
	_ = json.Unmarshal(body, &p)
	if code != 422 || len(p.Errors) < 2 || p.Errors[0].Field == "" {
		t.Fatalf("invalid record: %d %s", code, body)
	}
}

func TestIssueVerifyRevokeThroughTheVCAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, profile := range []string{"w3c", "edc", "ebsi", "eudi"} {
		t.Run(profile, func(t *testing.T) {
			cred, id := e.issue("diploma", profile, nil)
			code, m := e.verify(cred)
			rep := reportOf(m)
			if code != 200 || m["verified"] != true || rep["verdict"] != "verified" {
				t.Fatalf("verify: %d %v", code, m)
			}
			sum := rep["summary"].(map[string]any)
			if sum["eqfLevel"] != 7.0 || sum["ects"] != "120" {
				t.Errorf("summary: %v", sum)
			}
			code, m = e.postJSON("/credentials/status", "status", map[string]any{
				"credentialId": id, "credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
				"status": true, "reason": "test"})
			if code != 200 || m["state"] != "revoked" {
				t.Fatalf("revoke: %d %v", code, m)
			}
			code, m = e.verify(cred)
			if code != 422 || m["verified"] != false || reportOf(m)["verdict"] != "revoked" || len(m["problemDetails"].([]any)) == 0 {
				t.Fatalf("after revocation: %d %v", code, m)
			}
			if profile == "eudi" {
				// The SD-JWT VC's status claim names the IETF Token Status
				// List the service hosts beside the Bitstring forms.
				var token bool
				for _, c := range reportOf(m)["checks"].([]any) {
					c := c.(map[string]any)
					token = token || (c["id"] == "status" && c["code"] == "revoked" && strings.Contains(fmt.Sprint(c["message"]), "token status list"))
				}
				if !token {
					t.Fatalf("the token status list did not say revoked: %v", reportOf(m)["checks"])
				}
			}
			code, body, _ := e.do("GET", "/credentials/"+id, "status", "", nil)
			if code != 200 || !bytes.Contains(body, []byte(`"state":"revoked"`)) {
				t.Fatalf("register: %d %s", code, body)
			}
		})
	}
	t.Run("tampered", func(t *testing.T) {
		cred, _ := e.issue("transcript", "w3c", nil)
		parts := strings.Split(string(cred), ".")
		// Another base64url character in the signature: still a well-formed
		// JWS (a flipped bit could make it unreadable, 400), wrongly signed.
		sig := []byte(parts[2])
		if sig[5] == 'A' {
			sig[5] = 'B'
		} else {
			sig[5] = 'A'
		}
		parts[2] = string(sig)
		code, m := e.verify([]byte(strings.Join(parts, ".")))
		if code != 422 || reportOf(m)["verdict"] != "invalid" {
			t.Fatalf("%d %v", code, m)
		}
	})
	t.Run("not a credential", func(t *testing.T) {
		code, m := e.verify([]byte("hello"))
		if code != 400 || m["verified"] != false || reportOf(m) == nil {
			t.Fatalf("%d %v", code, m)
		}
	})
	t.Run("suspend and reinstate", func(t *testing.T) {
		cred, id := e.issue("participation", "w3c", nil)
		for _, step := range []struct {
			status  bool
			verdict string
			code    int
		}{{true, "suspended", 422}, {false, "verified", 200}} {
			code, m := e.postJSON("/credentials/status", "status", map[string]any{"credentialId": id,
				"credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}, "status": step.status})
			if code != 200 {
				t.Fatalf("status %v: %d %v", step.status, code, m)
			}
			if code, m := e.verify(cred); code != step.code || reportOf(m)["verdict"] != step.verdict {
				t.Fatalf("after status %v: %d %v", step.status, code, reportOf(m)["verdict"])
			}
		}
		code, m := e.postJSON("/credentials/status", "status", map[string]any{"credentialId": "urn:uuid:00000000-0000-4000-8000-000000000001",
			"credentialStatus": map[string]any{"statusPurpose": "suspension"}, "status": true})
		if code != 404 {
			t.Fatalf("unknown credential: %d %v", code, m)
		}
	})
}

func TestPresentationVerifyRefusesACredentialAndAnswers400ForMalformed(t *testing.T) {
	e := newEnv(t, envOptions{})
	cred, _ := e.issue("diploma", "w3c", nil)
	code, m := e.postJSON("/presentations/verify", "", map[string]any{"verifiablePresentation": string(cred)})
	if code != 400 {
		t.Fatalf("a credential sent as a presentation: %d %v", code, m)
	}
	code, m = e.postJSON("/presentations/verify", "", map[string]any{"verifiablePresentation": map[string]any{"type": "VerifiablePresentation"}})
	if code == 200 || m["verified"] != false {
		t.Fatalf("an unsigned presentation: %d %v", code, m)
	}
}

func TestIssuingAnUnsignedCredentialWithEdDSAAndADidKeyIssuer(t *testing.T) {
	e := newEnv(t, envOptions{contexts: true})
	k, err := e.store.Key("registrar")
	if err != nil {
		t.Fatal(err)
	}
	keyDID, _ := k.KeyDID()
	unsigned := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"},
		"type":              []any{"VerifiableCredential", "ExampleAlumniCredential"},
		"issuer":            keyDID,
		"credentialSubject": map[string]any{"id": "did:example:alice", "alumniOf": "Test University"},
	}
	code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"credential": unsigned, "options": map[string]any{"profile": "w3c", "proof": "eddsa-rdfc-2022"}})
	if code != 201 {
		t.Fatalf("issue: %d %v", code, m)
	}
	vc := m["verifiableCredential"].(map[string]any)
	proof := vc["proof"].(map[string]any)
	if vc["issuer"] != keyDID || proof["cryptosuite"] != "eddsa-rdfc-2022" || !strings.HasPrefix(proof["verificationMethod"].(string), keyDID+"#") {
		t.Fatalf("credential: %v", vc)
	}
	st, _ := vc["credentialStatus"].([]any)
	if len(st) != 2 || st[0].(map[string]any)["type"] != "BitstringStatusListEntry" {
		t.Fatalf("credentialStatus: %v", vc["credentialStatus"])
	}
	b, _ := json.Marshal(vc)
	code, m = e.verify(b)
	if code != 200 || reportOf(m)["verdict"] != "verified" {
		t.Fatalf("verify: %d %v", code, reportOf(m))
	}
	// The status list of a did:key issuer is signed as that did:key.
	list := st[0].(map[string]any)["statusListCredential"].(string)
	code, body, hdr := e.do("GET", strings.TrimPrefix(list, e.url), "", "", nil)
	if code != 200 || hdr.Get("ETag") == "" || !strings.Contains(hdr.Get("Cache-Control"), "max-age=300") {
		t.Fatalf("status list: %d %v %.200s", code, hdr, body)
	}
	// The same id twice is a conflict; a proof already present is refused.
	unsigned["id"] = vc["id"]
	if code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"credential": unsigned, "options": map[string]any{"proof": "eddsa-rdfc-2022"}}); code != 409 {
		t.Fatalf("same id again: %d %v", code, m)
	}
	delete(unsigned, "id")
	unsigned["credentialStatus"] = map[string]any{"type": "BitstringStatusListEntry"}
	if code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"credential": unsigned}); code != 422 || !strings.Contains(fmt.Sprint(m["detail"]), "credentialStatus") {
		t.Fatalf("with credentialStatus: %d %v", code, m)
	}
}

func TestFiftyParallelIssuesGetFiftyIdsAndStatusIndexes(t *testing.T) {
	e := newEnv(t, envOptions{})
	var mu sync.Mutex
	ids, places := map[string]bool{}, map[string]bool{}
	var wg sync.WaitGroup
	for n := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, m := e.postJSON("/credentials/issue", "issue", map[string]any{"template": "diploma", "record": sampleRecord(t, n), "options": map[string]any{"profile": "w3c"}})
			if code != 201 {
				t.Errorf("issue %d: %d %v", n, code, m)
				return
			}
			reg := m["register"].(map[string]any)
			mu.Lock()
			ids[reg["id"].(string)] = true
			places[fmt.Sprint(reg["statusListCredential"], reg["statusListIndex"])] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(ids) != 50 || len(places) != 50 {
		t.Fatalf("%d distinct ids and %d distinct status places for 50 credentials", len(ids), len(places))
	}
}

// sampleRecord is the diploma sample record for student n.
func sampleRecord(t testing.TB, n int) map[string]any {
	data, err := records.JSON("diploma")
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	_ = json.Unmarshal(data, &rec)
	rec["id"] = fmt.Sprintf("urn:schac:personalUniqueCode:int:esi:fr:2019%04d", n)
	return rec
}

// diplomaCSV is a CSV of n diploma rows (from the sample), bad naming the
// rows (counting the header as 1) given a bad ECTS value.
func diplomaCSV(t testing.TB, n int, bad ...int) []byte {
	data, err := records.CSV("diploma")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i := range n {
		row := strings.Replace(lines[1], "fr:20190042", fmt.Sprintf("fr:3%07d", i), 1)
		for _, r := range bad {
			if r == i+2 {
				row = strings.Replace(row, ",0613,120,", ",0613,-5,", 1)
			}
		}
		b.WriteString(row + "\n")
	}
	return []byte(b.String())
}

func TestBatchesIssueACSVAndDownloadAsZipAndJSONLines(t *testing.T) {
	e := newEnv(t, envOptions{})
	code, body, hdr := e.do("POST", "/batches?template=diploma&profile=w3c&source=class.csv", "issue", "text/csv", diplomaCSV(t, 12))
	if code != 202 || hdr.Get("Location") == "" {
		t.Fatalf("create: %d %s", code, body)
	}
	var rec BatchRecord
	_ = json.Unmarshal(body, &rec)
	deadline := time.Now().Add(60 * time.Second)
	for rec.State != BatchDone {
		if time.Now().After(deadline) || rec.State == BatchFailed {
			t.Fatalf("batch: %+v", rec)
		}
		time.Sleep(100 * time.Millisecond)
		_, body, _ = e.do("GET", "/batches/"+rec.ID, "issue", "", nil)
		_ = json.Unmarshal(body, &rec)
	}
	if rec.Done != 12 || rec.Manifest == nil || len(rec.Manifest.Credentials) != 12 {
		t.Fatalf("done: %+v", rec)
	}
	code, body, hdr = e.do("GET", "/batches/"+rec.ID+"/result?format=zip", "issue", "", nil)
	if code != 200 || hdr.Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %d %s", code, hdr)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	jwts := 0
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".jwt") {
			jwts++
		}
	}
	if jwts != 12 || zr.File[len(zr.File)-1].Name != "manifest.json" {
		t.Fatalf("zip holds %d credentials, last file %s", jwts, zr.File[len(zr.File)-1].Name)
	}
	code, body, _ = e.do("GET", "/batches/"+rec.ID+"/result?format=jsonl", "issue", "", nil)
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if code != 200 || len(lines) != 12 {
		t.Fatalf("jsonl: %d, %d lines", code, len(lines))
	}
	var line struct{ Credential string }
	_ = json.Unmarshal([]byte(lines[0]), &line)
	if code, m := e.verify([]byte(line.Credential)); code != 200 {
		t.Fatalf("a batch credential does not verify: %d %v", code, reportOf(m))
	}
	// The input, personal data, is gone once the batch is done.
	if in, _ := e.srv.batches.BatchInput(t.Context(), rec.ID); in != nil {
		t.Fatal("the input of a done batch is kept")
	}
}

func TestABatchWithBadRowsListsEveryOneAndSignsNothing(t *testing.T) {
	e := newEnv(t, envOptions{})
	code, body, _ := e.do("POST", "/batches?template=diploma&profile=w3c", "issue", "text/csv", diplomaCSV(t, 6, 3, 6))
	var rec BatchRecord
	_ = json.Unmarshal(body, &rec)
	if code != 422 || rec.State != BatchRejected || len(rec.Rejected) != 2 || rec.Rejected[0].Row != 3 || rec.Rejected[1].Row != 6 {
		t.Fatalf("%d %s", code, body)
	}
	if es, _ := e.store.Tokens(); len(es) == 0 {
		t.Fatal("no tokens")
	}
	code, body, _ = e.do("GET", "/credentials", "issue", "", nil)
	if code != 200 || strings.Contains(string(body), "urn:uuid") {
		t.Fatalf("something was issued: %s", body)
	}
}

func TestVerifyTakesEnvelopedCredentialsAsTheVCAPISendsThem(t *testing.T) {
	e := newEnv(t, envOptions{})
	cred, _ := e.issue("diploma", "w3c", nil)
	env := map[string]any{"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt," + string(cred)}
	for name, body := range map[string]map[string]any{
		"plain envelope":        {"verifiableCredential": env, "options": map[string]any{"returnCredential": true, "returnResults": true}},
		"envelope with extras":  {"verifiableCredential": map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": []any{"EnvelopedVerifiableCredential"}, "id": env["id"], "name": "x"}},
		"compact string (ours)": {"verifiableCredential": string(cred)},
	} {
		code, m := e.postJSON("/credentials/verify", "", body)
		if code != 200 || m["verified"] != true || reportOf(m)["format"] != "vc+jwt" {
			t.Errorf("%s: %d %v", name, code, reportOf(m)["checks"])
		}
		if name == "plain envelope" && (m["credential"] == nil || m["results"] == nil) {
			t.Errorf("returnCredential/returnResults ignored: %v", m)
		}
	}
	env["id"] = "data:application/vc,{}"
	if code, m := e.postJSON("/credentials/verify", "", map[string]any{"verifiableCredential": env}); code == 200 || m["verified"] != false {
		t.Fatalf("an unsecured envelope: %d %v", code, m)
	}
}
