package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// demoCommand runs the program (as testscript installs it on PATH) with
// its own temporary folder, so that what the demo leaves there can be seen.
func demoCommand(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	bin, err := exec.LookPath("diplomat")
	if err != nil {
		t.Skip("the diplomat command is not installed by TestMain")
	}
	tmp := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "DIPLOMAT_HOME="+filepath.Join(tmp, "unused"))
	return cmd, tmp
}

func leftovers(t *testing.T, tmp string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(tmp, "diplomat-demo-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDemoCleansUpWhenItsReaderGoesAway: diplomat demo | head -1 must not
// leave its throw-away store behind (a closed pipe used to kill the
// process before its cleanup ran).
func TestDemoCleansUpWhenItsReaderGoesAway(t *testing.T) {
	cmd, tmp := demoCommand(t, "demo")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("first line: %v", err)
	}
	out.Close() // as head does after one line
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("the demo was killed by %v after %q; its cleanup did not run", ws.Signal(), line)
	}
	if left := leftovers(t, tmp); len(left) > 0 {
		t.Fatalf("the demo left %v behind (exit: %v)", left, err)
	}
}

// TestDemoCleansUpOnCtrlC: an interrupted demo removes its throw-away
// store; if it finished before the signal, it removed it anyway.
func TestDemoCleansUpOnCtrlC(t *testing.T) {
	cmd, tmp := demoCommand(t, "demo")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(leftovers(t, tmp)) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	t.Logf("exit %v, stderr %q", err, stderr.String())
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("the demo was killed by %v; its cleanup did not run", ws.Signal())
	}
	if left := leftovers(t, tmp); len(left) > 0 {
		t.Fatalf("the interrupted demo left %v behind", left)
	}
}
