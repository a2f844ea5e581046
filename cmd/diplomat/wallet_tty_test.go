package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ttySession is the program ("diplomat", which TestMain puts on PATH) run
// on a pseudo-terminal, as a student runs it: stdin, stdout and stderr are
// the terminal, so the program asks its questions there.
type ttySession struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	seen int // how far expect has read
	done chan struct{}
}

func startTTY(t *testing.T, env []string, args ...string) *ttySession {
	t.Helper()
	cmd := exec.Command("diplomat", args...)
	cmd.Env = append(os.Environ(), env...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatalf("starting on a terminal: %v", err)
	}
	s := &ttySession{t: t, cmd: cmd, tty: f, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		f.Close()
	})
	return s
}

// expect waits until the terminal shows want after what was expected
// before, and returns what it showed up to there.
func (s *ttySession) expect(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		s.mu.Lock()
		all := s.out.String()
		s.mu.Unlock()
		if i := strings.Index(all[s.seen:], want); i >= 0 {
			got := all[s.seen : s.seen+i+len(want)]
			s.seen += i + len(want)
			return got
		}
		select {
		case <-s.done:
			s.mu.Lock()
			all = s.out.String()
			s.mu.Unlock()
			if strings.Contains(all[s.seen:], want) {
				continue
			}
			s.t.Fatalf("the program ended without showing %q; the terminal showed:\n%s", want, all)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the terminal did not show %q; it showed:\n%s", want, all)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *ttySession) typeLine(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.tty, line+"\r"); err != nil {
		s.t.Fatal(err)
	}
}

// wait waits for the program to end and returns its exit code and all the
// terminal showed.
func (s *ttySession) wait() (int, string) {
	s.t.Helper()
	err := s.cmd.Wait()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if e, ok := err.(*exec.ExitError); ok {
			return e.ExitCode(), s.out.String()
		}
		s.t.Fatal(err)
	}
	return 0, s.out.String()
}

// TestWalletAsksOnATerminal: without the flags and variables a script
// uses, the wallet asks the student on the terminal: a new passphrase
// twice (not echoed), the transaction code, whether to keep a credential
// from an issuer it does not know, the passphrase again, and consent
// before sharing: "no" shares nothing, "yes" shares.
func TestWalletAsksOnATerminal(t *testing.T) {
	svc := startDevServe(t)
	work := t.TempDir()
	record := filepath.Join(work, "alice.json")
	if err := os.WriteFile(record, []byte(aliceRecord), 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(work, "wallet")
	const pass = "tty-passphrase-0042"
	env := []string{"DIPLOMAT_WALLET_HOME=" + home, "DIPLOMAT_WALLET_PASSPHRASE=", "DIPLOMAT_PASSPHRASE=", "NO_COLOR=1"}
	cliEnv := map[string]string{"DIPLOMAT_TOKEN": svc.Token}
	qr := filepath.Join(work, "offer")
	_, stderr, err := runCLI(cliEnv, "offer", "create", "--server", svc.URL, "--record", record, "--template", "diploma",
		"--format", "dc+sd-jwt", "--tx-code", "--qr", qr)
	if err != nil {
		t.Fatalf("offer create: %v\n%s", err, stderr)
	}
	i := strings.Index(stderr, "transaction code: ")
	if i < 0 {
		t.Fatalf("no transaction code: %s", stderr)
	}
	txCode := strings.Fields(stderr[i+len("transaction code: "):])[0]

	t.Run("two different new passphrases create nothing", func(t *testing.T) {
		other := filepath.Join(work, "other")
		s := startTTY(t, []string{"DIPLOMAT_WALLET_HOME=" + other}, "wallet", "receive", "--local", qr+".png")
		s.expect("new passphrase for ")
		s.typeLine(pass)
		s.expect("the same passphrase again: ")
		s.typeLine(pass + "x")
		code, shown := s.wait()
		if code != 1 || !strings.Contains(shown, "the two passphrases differ") {
			t.Fatalf("exit %d:\n%s", code, shown)
		}
		if _, err := os.Stat(filepath.Join(other, "diplomat.db")); err == nil {
			t.Fatal("a wallet was created with no agreed passphrase")
		}
	})

	s := startTTY(t, env, "wallet", "receive", "--local", qr+".png")
	s.expect("new passphrase for ")
	s.typeLine(pass)
	s.expect("the same passphrase again: ")
	s.typeLine(pass)
	s.expect("the offer asks for a transaction code")
	s.expect(": ")
	s.typeLine(txCode)
	s.expect("keep the credential anyway? [y/N] ")
	s.typeLine("y")
	code, shown := s.wait()
	if code != 0 || !strings.Contains(shown, "stored ") {
		t.Fatalf("receive: exit %d:\n%s", code, shown)
	}
	if strings.Contains(shown, pass) {
		t.Fatalf("the passphrase was echoed on the terminal:\n%s", shown)
	}

	// The officer's page asks for the title; the student is asked first.
	resp, err := http.Get(svc.URL + "/certificates/verifier.pem")
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ca := filepath.Join(work, "verifier.pem")
	os.WriteFile(ca, pemBytes, 0o600)
	officer := newOfficer(t, svc)
	png, _ := officer.ask(titleOnly["dc+sd-jwt"])
	ask := filepath.Join(work, "ask.png")
	os.WriteFile(ask, png, 0o600)

	s = startTTY(t, env, "wallet", "present", "--local", "--verifier-ca", ca, ask)
	s.expect("passphrase for ")
	s.typeLine(pass)
	s.expect("share this with ")
	s.expect("[y/N] ")
	s.typeLine("n")
	code, shown = s.wait()
	if code != 1 || !strings.Contains(shown, "declined: nothing was shared, and the verifier was told") || strings.Contains(shown, "shared with") {
		t.Fatalf("present, answered no: exit %d:\n%s", code, shown)
	}
	if page := officer.result(); strings.Contains(page, "Master of Science in Computer Science") {
		t.Fatalf("a declined presentation reached the verifier:\n%s", page)
	}

	// Asked again, the student says yes.
	png, _ = officer.ask(titleOnly["dc+sd-jwt"])
	os.WriteFile(ask, png, 0o600)
	s = startTTY(t, env, "wallet", "present", "--local", "--verifier-ca", ca, ask)
	s.expect("passphrase for ")
	s.typeLine(pass)
	s.expect("[y/N] ")
	s.typeLine("yes")
	code, shown = s.wait()
	if code != 0 || !strings.Contains(shown, "shared with") {
		t.Fatalf("present, answered yes: exit %d:\n%s", code, shown)
	}
	if page := officer.result(); !strings.Contains(page, `<h2 id="verdict">Verified</h2>`) {
		t.Fatalf("the page after the answer:\n%s", page)
	}
}
