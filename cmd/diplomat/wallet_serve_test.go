package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/keys"
)

// devServe is a 'diplomat serve --dev' the test started in this process on
// 127.0.0.1: a registrar's and a verifier's service, as a student's wallet
// meets them.
type devServe struct {
	URL, Token string
}

// startDevServe starts the service and waits until it serves; it stops
// with the test.
func startDevServe(t *testing.T, args ...string) *devServe {
	t.Helper()
	pr, pw := io.Pipe()
	// The wallet's tens of requests a second, one flow after another, are
	// over the public routes' default rate per client.
	env := map[string]string{"DIPLOMAT_RATE_LIMIT": "-1"}
	a := &app{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: pw, stderr: io.Discard,
		kdf: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- a.run(ctx, append([]string{"serve", "--dev", "--listen", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the service did not stop")
		}
	})
	s := &devServe{}
	lines := bufio.NewScanner(pr)
	for s.URL == "" || s.Token == "" {
		if !lines.Scan() {
			t.Fatalf("the service stopped before serving: %v", <-done)
		}
		l := lines.Text()
		if m := regexp.MustCompile(`diplomat is serving on (http\S+)`).FindStringSubmatch(l); m != nil {
			s.URL = m[1]
		}
		if m := regexp.MustCompile(`admin token \(console sign-in, API\): (\S+)`).FindStringSubmatch(l); m != nil {
			s.Token = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	return s
}

// runCLI runs one diplomat command in this process with env, and returns
// its stdout, stderr and error.
func runCLI(env map[string]string, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	a := &app{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		kdf: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}
	err := a.run(context.Background(), args)
	return out.String(), errb.String(), err
}

// officer is the browser of a recognition officer on the service's
// verification page.
type officer struct {
	t      *testing.T
	svc    *devServe
	client *http.Client
}

func newOfficer(t *testing.T, svc *devServe) *officer {
	jar, _ := cookiejar.New(nil)
	return &officer{t: t, svc: svc, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// ask asks the student's wallet with a DCQL query and returns the QR code
// the page shows (a PNG the service rendered) and its link.
func (o *officer) ask(dcql string) (png []byte, link string) {
	o.t.Helper()
	resp, err := o.client.PostForm(o.svc.URL+"/ask", url.Values{"preset": {"custom"}, "dcql": {dcql}})
	if err != nil {
		o.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != 200 {
		o.t.Fatalf("ask: %d %s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		o.t.Fatalf("no QR code on the page:\n%s", page)
	}
	png, err = base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		o.t.Fatal(err)
	}
	if l := regexp.MustCompile(`(openid4vp://[^"<\s]+)`).FindStringSubmatch(page); l != nil {
		link = html.UnescapeString(l[1])
	}
	return png, link
}

// result reads the page after the wallet answered.
func (o *officer) result() string {
	o.t.Helper()
	resp, err := o.client.Get(o.svc.URL + "/ask")
	if err != nil {
		o.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return html.UnescapeString(string(b))
}

// Title-only queries of each format: the grades, the date of birth and the
// names stay in the wallet.
var titleOnly = map[string]string{
	"dc+sd-jwt":   `{"credentials":[{"id":"diploma","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},"claims":[{"path":["elm","credentialSubject","hasClaim",null,"title"]}]}]}`,
	"jwt_vc_json": `{"credentials":[{"id":"diploma","format":"jwt_vc_json","meta":{"type_values":[["VerifiableCredential","EuropeanDigitalCredential"]]},"claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`,
	"ldp_vc":      `{"credentials":[{"id":"diploma","format":"ldp_vc","meta":{"type_values":[["https://www.w3.org/2018/credentials#VerifiableCredential","http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential"]]},"claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`,
}

const aliceRecord = `{"id": "urn:schac:personalUniqueCode:int:esi:fr:20190042", "givenName": "Camille", "familyName": "Dupont", "dateOfBirth": "2001-04-17", "title": {"en": "Master of Science in Computer Science", "fr": "Master Informatique"}, "awardDate": "2025-07-01", "eqf": 7, "isced": "0613", "ects": 120, "grade": "15.2", "gradingScheme": "fr-20"}`

// TestWalletAgainstServe is the student's whole journey against the
// service: the registrar offers a diploma (through the running service),
// the wallet receives it from the QR code the service rendered, the
// officer's page asks for the diploma's title only, the wallet answers
// from the page's QR code, and the page's report says verified, with no
// claim disclosed that was not asked — in each format.
func TestWalletAgainstServe(t *testing.T) {
	contexts, haveContexts := reftest.Available()
	var args []string
	if haveContexts {
		contexts = filepath.Join(contexts, "contexts")
		args = append(args, "--contexts", contexts)
	}
	svc := startDevServe(t, args...)
	work := t.TempDir()
	record := filepath.Join(work, "alice.json")
	if err := os.WriteFile(record, []byte(aliceRecord), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DIPLOMAT_WALLET_HOME": filepath.Join(work, "wallet"), "DIPLOMAT_WALLET_PASSPHRASE": "a student's passphrase", "DIPLOMAT_TOKEN": svc.Token}
	if haveContexts {
		if _, stderr, err := runCLI(env, "contexts", "import", "--home", env["DIPLOMAT_WALLET_HOME"], contexts); err != nil {
			t.Fatalf("contexts import: %v %s", err, stderr)
		}
	}
	offer := func(t *testing.T, format string, extra ...string) (link, txCode, png string) {
		t.Helper()
		qr := filepath.Join(work, "offer-"+strings.ReplaceAll(format, "+", "-"))
		out, stderr, err := runCLI(env, append([]string{"offer", "create", "--server", svc.URL, "--record", record, "--template", "diploma", "--format", format, "--by-reference", "--qr", qr}, extra...)...)
		if err != nil {
			t.Fatalf("offer create: %v\n%s", err, stderr)
		}
		if m := regexp.MustCompile(`transaction code: ([0-9]+)`).FindStringSubmatch(stderr); m != nil {
			txCode = m[1]
		}
		return strings.TrimSpace(out), txCode, qr + ".png"
	}
	for _, format := range []string{"dc+sd-jwt", "jwt_vc_json", "ldp_vc"} {
		t.Run(format, func(t *testing.T) {
			if format == "ldp_vc" && !haveContexts {
				reftest.Dir(t) // ldp_vc needs its JSON-LD contexts: skips, or fails under DIPLOMAT_REFERENCE_REQUIRED
			}
			_, txCode, png := offer(t, format, "--tx-code")
			out, stderr, err := runCLI(env, "wallet", "receive", "--local", "--accept", "--tx-code", txCode, png)
			if err != nil || !strings.Contains(out, "stored ") {
				t.Fatalf("receive: %v\n%s%s", err, out, stderr)
			}
			officer := newOfficer(t, svc)
			qr, _ := officer.ask(titleOnly[format])
			qrFile := filepath.Join(work, "ask.png")
			os.WriteFile(qrFile, qr, 0o600)
			args := []string{"wallet", "present", "--local", "--yes", qrFile}
			known := "known to the wallet: NO"
			if format == "dc+sd-jwt" {
				// The student trusts the development instance's TEST CA.
				resp, err := http.Get(svc.URL + "/certificates/verifier.pem")
				if err != nil {
					t.Fatal(err)
				}
				pemBytes, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ca := filepath.Join(work, "verifier.pem")
				os.WriteFile(ca, pemBytes, 0o600)
				args = append(args, "--verifier-ca", ca)
				known = "known to the wallet: yes"
			}
			out, stderr, err = runCLI(env, args...)
			if err != nil || !strings.Contains(out, "shared with") || !strings.Contains(stderr, known) {
				t.Fatalf("present: %v\n%s%s", err, out, stderr)
			}
			page := officer.result()
			if !strings.Contains(page, "Presented from the student's wallet") || !strings.Contains(page, `<h2 id="verdict">Verified</h2>`) ||
				!strings.Contains(page, "Master of Science in Computer Science") {
				t.Fatalf("the page after the answer:\n%s", page)
			}
			if format == "dc+sd-jwt" {
				// Only the title was asked: the grade, the date of birth
				// and the given name never reached the verifier.
				for _, withheld := range []string{"15.2", "2001-04-17", `"Camille"`, "dateOfBirth", "provenBy"} {
					if strings.Contains(page, withheld) {
						t.Fatalf("%s reached the verifier:\n%s", withheld, page)
					}
				}
			}
		})
	}

	// What goes wrong, against the same service: each a clear message,
	// nothing stored, nothing sent.
	stored := func(t *testing.T) int {
		t.Helper()
		out, _, err := runCLI(env, "wallet", "list", "--json")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(out, `"statusWord"`)
	}
	fails := func(t *testing.T, want string, args ...string) {
		t.Helper()
		before := stored(t)
		_, stderr, err := runCLI(env, args...)
		if err != nil {
			_, msg, hint := describe(err) // what main prints
			stderr += "diplomat: error: " + msg + "\nhint: " + hint + "\n"
		}
		if err == nil || !strings.Contains(stderr, want) {
			t.Fatalf("%v: got %v\n%s\nwant %q", args, err, stderr, want)
		}
		if stored(t) != before {
			t.Fatal("something was stored")
		}
	}
	t.Run("a reused offer", func(t *testing.T) {
		link, tx, _ := offer(t, "dc+sd-jwt", "--tx-code")
		if _, stderr, err := runCLI(env, "wallet", "receive", "--local", "--accept", "--tx-code", tx, link); err != nil {
			t.Fatalf("%v %s", err, stderr)
		}
		fails(t, "no pending credential offer here (unknown, redeemed, withdrawn or expired)", "wallet", "receive", "--local", "--accept", "--tx-code", tx, link)
		fails(t, "hint: this offer is used up, expired or withdrawn: ask the registrar for a new one", "wallet", "receive", "--local", "--accept", "--tx-code", tx, link)
	})
	t.Run("a dev service's offer without --local", func(t *testing.T) {
		link, tx, _ := offer(t, "dc+sd-jwt", "--tx-code")
		fails(t, "hint: the link points to this machine, a private network or plain http: for a test service add --local", "wallet", "receive", "--accept", "--tx-code", tx, link)
	})
	t.Run("a wrong transaction code", func(t *testing.T) {
		link, tx, _ := offer(t, "jwt_vc_json", "--tx-code")
		wrong := "000000"
		if tx == wrong {
			wrong = "111111"
		}
		fails(t, "wrong transaction code (1 of 5 attempts used)", "wallet", "receive", "--local", "--accept", "--tx-code", wrong, link)
	})
	t.Run("an expired offer", func(t *testing.T) {
		link, _, _ := offer(t, "dc+sd-jwt", "--expires", "1s")
		time.Sleep(1500 * time.Millisecond)
		fails(t, "credential offer", "wallet", "receive", "--local", "--accept", link)
	})
	t.Run("a request for a credential the student does not hold", func(t *testing.T) {
		officer := newOfficer(t, svc)
		_, link := officer.ask(`{"credentials":[{"id":"transcript","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},"claims":[{"path":["elm","credentialSubject","hasClaim",null,"hasPart",null,"title"]}]}]}`)
		fails(t, "the wallet holds no credential that answers the request", "wallet", "present", "--local", "--yes", link)
		if page := officer.result(); !strings.Contains(page, "openid4vp://") {
			t.Fatalf("the page no longer waits:\n%s", page)
		}
	})
	t.Run("a tampered request link", func(t *testing.T) {
		officer := newOfficer(t, svc)
		_, link := officer.ask(titleOnly["dc+sd-jwt"])
		u, _ := url.Parse(link)
		q := u.Query()
		q.Set("client_id", "x509_hash:"+strings.Repeat("A", 43))
		fails(t, "x509_hash: the client identifier is not the SHA-256 of the leaf certificate", "wallet", "present", "--local", "--yes", "openid4vp://?"+q.Encode())
		if page := officer.result(); !strings.Contains(page, "openid4vp://") {
			t.Fatal("the page no longer waits")
		}
	})
	t.Run("an unreachable verifier", func(t *testing.T) {
		officer := newOfficer(t, svc)
		_, link := officer.ask(titleOnly["dc+sd-jwt"])
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		closed := ln.Addr().String()
		ln.Close()
		gone := strings.Replace(link, url.QueryEscape(strings.TrimPrefix(svc.URL, "http://")), url.QueryEscape(closed), 1)
		if gone == link {
			t.Fatalf("the link names no %s: %s", svc.URL, link)
		}
		fails(t, "connection refused", "wallet", "present", "--local", "--yes", gone)
	})
	t.Run("a revoked credential", func(t *testing.T) {
		revokeAllServed(t, svc)
		officer := newOfficer(t, svc)
		_, link := officer.ask(titleOnly["dc+sd-jwt"])
		fails(t, "is revoked", "wallet", "present", "--local", "--yes", link)
		if page := officer.result(); !strings.Contains(page, "openid4vp://") {
			t.Fatal("the page no longer waits")
		}
	})
}

// revokeAllServed revokes every credential the service issued, through
// its VC-API.
func revokeAllServed(t *testing.T, svc *devServe) {
	t.Helper()
	call := func(method, path, body string) string {
		req, _ := http.NewRequest(method, svc.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+svc.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return string(b)
	}
	ids := regexp.MustCompile(`"id":\s*"(urn:uuid:[0-9a-f-]+)"`).FindAllStringSubmatch(call("GET", "/credentials?state=valid", ""), -1)
	if len(ids) == 0 {
		t.Fatal("no credential to revoke")
	}
	for _, m := range ids {
		call("POST", "/credentials/status", `{"credentialId":"`+m[1]+`","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation"},"status":true,"reason":"test"}`)
	}
}
