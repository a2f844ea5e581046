package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
)

// TestMain runs the test binary as a server child process when asked to
// (the SIGTERM test), and as the tests otherwise.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DIPLOMAT_TEST_SERVER_DIR"); dir != "" {
		if err := runChild(dir, os.Getenv("DIPLOMAT_TEST_SERVER_ADDR")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild serves the store in dir on addr until SIGTERM, as diplomat
// serve does.
func runChild(dir, addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	s, err := keys.Open(filepath.Join(dir, keys.DefaultFile), nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Unlock([]byte("test passphrase")); err != nil {
		return err
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		return err
	}
	cfg := testConfig(addr)
	cfg.Batches.Workers = 1
	if err := cfg.Defaults(); err != nil {
		return err
	}
	srv, err := New(Options{Config: cfg, Store: s, Issuer: iss, Verifier: verifier.Options{Trust: []verifier.TrustSource{verifier.RegistrySource{Registry: s}}}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
}

// child is a server child process.
type child struct {
	cmd  *exec.Cmd
	done chan error
}

func startChild(t *testing.T, dir, addr string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DIPLOMAT_TEST_SERVER_DIR="+dir, "DIPLOMAT_TEST_SERVER_ADDR="+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-c.done
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		select {
		case err := <-c.done:
			t.Fatalf("the child exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the child did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// term sends SIGTERM and waits for a clean exit.
func (c *child) term(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("the child did not exit cleanly after SIGTERM: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the child did not exit within 60s of SIGTERM")
	}
}

func TestSIGTERMDuringABatchLosesNothingAndTheBatchCompletesAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, _ := prepareStore(t, dir, addr, &clock{})
	secret, _, err := s.CreateToken("sis", []string{keys.ScopeIssue}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	e := &testEnv{t: t, url: "http://" + addr, tokens: map[string]string{"issue": secret}, client: &http.Client{Timeout: time.Minute}}

	const rows = 1500
	rec, committed, c := interruptedBatch(t, e, dir, addr, "/batches?template=diploma&profile=w3c", "text/csv", diplomaCSV(t, rows), rows, 20, 60*time.Second, 120*time.Second)
	code, body, _ := e.do("GET", "/batches/"+rec.ID+"/result?format=jsonl", "issue", "", nil)
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	got := map[string]bool{}
	for _, l := range lines {
		var line struct{ ID string }
		_ = json.Unmarshal([]byte(l), &line)
		got[line.ID] = true
	}
	if code != 200 || len(lines) != rows || len(got) != rows {
		t.Fatalf("result: %d, %d lines, %d distinct ids, want %d", code, len(lines), len(got), rows)
	}
	for _, e := range committed {
		if !got[e.ID] {
			t.Fatalf("credential %s, committed before SIGTERM, is not in the result", e.ID)
		}
	}
	c.term(t)
	s, err = keys.Open(filepath.Join(dir, keys.DefaultFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if all, _ := issuer.List(s, issuer.Filter{}); len(all) != rows {
		t.Fatalf("the register holds %d credentials for %d rows", len(all), rows)
	}
}

// interruptedBatch starts the service in a child process, posts a batch of
// total credentials (body, of type ctype, to path), stops the service with
// SIGTERM once minDone are done (within start), and checks that the store
// holds the batch paused with some but not all of its credentials
// committed; then it starts the service again and waits (within finish)
// for the batch to complete. It returns the batch's last record, the
// credentials committed before SIGTERM, and the running child.
func interruptedBatch(t *testing.T, e *testEnv, dir, addr, path, ctype string, body []byte, total, minDone int, start, finish time.Duration) (BatchRecord, []issuer.Entry, *child) {
	t.Helper()
	c := startChild(t, dir, addr)
	code, resp, _ := e.do("POST", path, "issue", ctype, body)
	if code != 202 {
		t.Fatalf("create: %d %.300s", code, resp)
	}
	var rec BatchRecord
	_ = json.Unmarshal(resp, &rec)
	for deadline := time.Now().Add(start); rec.Done < minDone; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) || rec.State == BatchDone {
			t.Fatalf("the batch did not get under way, or finished too fast to interrupt: %+v", rec.State)
		}
		_, resp, _ = e.do("GET", "/batches/"+rec.ID, "issue", "", nil)
		_ = json.Unmarshal(resp, &rec)
	}
	c.term(t)

	// In the store, between the two runs: the batch is paused, and every
	// credential committed to the register so far is known.
	s, err := keys.Open(filepath.Join(dir, keys.DefaultFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	paused, err := NewBoltStorage(s, nil).GetBatch(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := issuer.List(s, issuer.Filter{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if paused.State != BatchPaused || len(committed) == 0 || len(committed) >= total {
		t.Fatalf("after SIGTERM: state %s, %d of %d committed", paused.State, len(committed), total)
	}
	t.Logf("SIGTERM after %d of %d credentials committed", len(committed), total)

	c = startChild(t, dir, addr)
	for deadline := time.Now().Add(finish); rec.State != BatchDone; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) || rec.State == BatchFailed {
			t.Fatalf("the batch did not complete after the restart: %+v", rec)
		}
		_, resp, _ = e.do("GET", "/batches/"+rec.ID, "issue", "", nil)
		_ = json.Unmarshal(resp, &rec)
	}
	return rec, committed, c
}
