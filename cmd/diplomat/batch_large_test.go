package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

// The tests of this file run the real program ("diplomat", the test binary
// that TestMain puts on PATH) as a child process, the way a registrar runs
// it, and read what it did from its files, its exit status and its
// resource usage.

// cli is a store (DIPLOMAT_HOME in a temporary folder) with an institution
// and a w3c key, and a way to run the program on it.
type cli struct {
	t    *testing.T
	dir  string
	home string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	if _, err := exec.LookPath("diplomat"); err != nil {
		t.Fatalf("the program is not on PATH (TestMain puts it there): %v", err)
	}
	dir := t.TempDir()
	c := &cli{t: t, dir: dir, home: filepath.Join(dir, "home")}
	inst := filepath.Join(dir, "inst.json")
	if err := os.WriteFile(inst, []byte(`{"legalName": {"en": "Université Exemple"}, "country": "FR"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run("keys", "create", "registrar")
	c.run("issuer", "init", "--institution", inst, "--status-url", "https://registrar.example.edu/status")
	return c
}

func (c *cli) command(args ...string) *exec.Cmd {
	cmd := exec.Command("diplomat", args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "DIPLOMAT_HOME="+c.home, "DIPLOMAT_PASSPHRASE=correct-horse-battery-staple")
	return cmd
}

// run runs the program and fails the test unless it succeeds; it returns
// stderr and the peak resident memory in bytes.
func (c *cli) run(args ...string) (string, int64) {
	c.t.Helper()
	cmd := c.command(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	rss, err := runPeak(cmd)
	if err != nil {
		c.t.Fatalf("diplomat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String(), rss
}

// runPeak runs cmd and returns the peak resident set size of its program,
// in bytes: the high-water mark of the memory it mapped (VmHWM in
// /proc/PID/status), read every 20 ms while it runs (the mark only
// grows, so only a rise in its last 20 ms could be missed).
//
// Not the child's ru_maxrss: Go starts children with vfork, sharing the
// test process's memory until exec, and Linux carries that memory's
// high-water mark into the child's ru_maxrss at exec. A test process that
// once held hundreds of MB (the manifest of 200,000 rows) then reported
// them for every child it started afterwards.
func runPeak(cmd *exec.Cmd) (int64, error) {
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peak int64
	read := func() {
		b, err := os.ReadFile(status)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				if err == nil && kb*1024 > peak {
					peak = kb * 1024
				}
			}
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	read()
	for {
		select {
		case err := <-done:
			return peak, err
		case <-tick.C:
			read()
		}
	}
}

// writeCSV writes n synthetic graduates to name in the folder, then the
// extra lines.
func (c *cli) writeCSV(name string, n int, seed int64, extra string) string {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	f, err := os.Create(path)
	if err != nil {
		c.t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := graduates.Write(w, n, seed); err != nil {
		c.t.Fatal(err)
	}
	w.WriteString(extra)
	if err := w.Flush(); err != nil {
		c.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// registered counts the register's entries (issued list --json).
func (c *cli) registered() int {
	c.t.Helper()
	cmd := c.command("issued", "list", "--json")
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("issued list: %v", err)
	}
	var es []json.RawMessage
	if err := json.Unmarshal(out, &es); err != nil {
		c.t.Fatalf("issued list --json: %v", err)
	}
	return len(es)
}

// largeRows is the size of the large batch: 200,000 rows (a 32 MB CSV),
// or 10,000 under the race detector, which runs the program about ten
// times slower (200,000 rows would take half an hour there, and CI runs
// every test with it); the small batch is a tenth of it.
func largeRows() int {
	if raceEnabled {
		return 10_000
	}
	return 200_000
}

// memoryBound is the peak resident memory the test allows a batch of any
// size: the program, its buffers and in-flight credentials, and the pages
// of the store file mapped during one register transaction. Measured on a
// 2-core machine: about 80 MB for 20,000 rows and 150 MB for 200,000 (the
// mapped pages of a transaction grow with the store file until they reach
// their bound, about 64 KB for each of the transaction's 1,024 rows); the
// bound leaves room for a loaded machine. Before batches were streamed,
// 100,000 rows took 822 MB. Under the race detector every allocation
// carries shadow memory: about 120 MB for 1,000 rows, 200 MB for 10,000
// and 210 MB for 20,000.
func memoryBound() int64 {
	if raceEnabled {
		return 400 << 20
	}
	return 250 << 20
}

// TestIssueMemoryDoesNotGrowWithTheRows issues a generated CSV of 200,000
// rows and one of 20,000 (JSON Lines output), each in a child process, and
// checks that the peak resident memory of both is under the same fixed
// bound; then that the manifest lists every row once and the register
// holds every credential; then verifies the 200,000 from their JSON Lines
// file under a fixed memory bound too.
func TestIssueMemoryDoesNotGrowWithTheRows(t *testing.T) {
	if testing.Short() {
		t.Skip("issues 220,000 credentials (about two minutes)")
	}
	c := newCLI(t)
	bound := memoryBound()
	total := 0
	for _, n := range []int{largeRows() / 10, largeRows()} {
		csv := c.writeCSV(fmt.Sprintf("g%d.csv", n), n, int64(n), "")
		out := filepath.Join(c.dir, fmt.Sprintf("out%d", n))
		start := time.Now()
		stderr, rss := c.run("issue", "--csv", csv, "--template", "diploma", "--profile", "w3c", "--out", out, "--jsonl")
		total += n
		t.Logf("%d rows: %.1f s, peak RSS %d MB (bound %d MB); %s", n, time.Since(start).Seconds(), rss>>20, bound>>20, lastLine(stderr))
		if rss == 0 {
			t.Fatal("no resource usage for the child")
		}
		if rss > bound {
			t.Errorf("%d rows: peak RSS %d MB, over the bound of %d MB", n, rss>>20, bound>>20)
		}
		if !strings.Contains(stderr, fmt.Sprintf("issued %d, resumed 0, already written 0, rejected 0", n)) {
			t.Errorf("%d rows: %s", n, stderr)
		}
		rows := manifestRows(t, out)
		if len(rows) != n {
			t.Errorf("manifest lists %d rows, want %d", len(rows), n)
		}
		if lines := countLines(t, filepath.Join(out, issuer.JSONLFile)); lines != n {
			t.Errorf("credentials.jsonl holds %d lines, want %d", lines, n)
		}
	}
	if got := c.registered(); got != total {
		t.Errorf("register holds %d entries, want %d", got, total)
	}

	// Then the recognition officer's side: verify the large batch from its
	// JSON Lines file, offline from the published lists, in a child
	// process whose peak memory is bounded the same whatever the count.
	n := largeRows()
	out := filepath.Join(c.dir, fmt.Sprintf("out%d", n))
	var man issuer.Manifest
	if b, err := os.ReadFile(filepath.Join(out, issuer.ManifestFile)); err != nil || json.Unmarshal(b, &man) != nil || man.Issuer == "" {
		t.Fatalf("manifest: %v", err)
	}
	c.run("trust", "add", "--did", man.Issuer, "--name", "Université Exemple", "--country", "FR")
	c.run("status", "publish", "--out", filepath.Join(c.dir, "pub"))
	report := filepath.Join(c.dir, "verify.txt")
	f, err := os.Create(report)
	if err != nil {
		t.Fatal(err)
	}
	cmd := c.command("verify", "--jsonl", filepath.Join(out, issuer.JSONLFile), "--documents", filepath.Join(c.dir, "pub"))
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	rss, err := runPeak(cmd)
	f.Close()
	t.Logf("verify %d: %.1f s, peak RSS %d MB (bound %d MB); %s", n, time.Since(start).Seconds(), rss>>20, verifyMemoryBound()>>20, lastLine(stderr.String()))
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr.String())
	}
	if rss == 0 || rss > verifyMemoryBound() {
		t.Errorf("verifying %d credentials: peak RSS %d MB, over the bound of %d MB", n, rss>>20, verifyMemoryBound()>>20)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d credentials: %d verified", n, n); !strings.Contains(string(b), want) {
		t.Errorf("verify says %q, want %q", lastLine(string(b)), want)
	}
}

// verifyMemoryBound is the peak resident memory verify --jsonl may take on
// the large batch. batchbench measured about 30 MB for 10,000 credentials
// and 40 MB for 1,000,000; holding 200,000 credentials of about 3 KB each
// would take over 600 MB. Under the race detector, as memoryBound.
func verifyMemoryBound() int64 {
	if raceEnabled {
		return 400 << 20
	}
	return 150 << 20
}

// TestIssueFindsABadLastRowBeforeSigning: the one bad row is the last of a
// 200,000-row file (20,000 under the race detector); the program names it,
// exits 1, and has recorded and written nothing.
func TestIssueFindsABadLastRowBeforeSigning(t *testing.T) {
	if testing.Short() {
		t.Skip("validates 200,000 rows")
	}
	c := newCLI(t)
	n := largeRows()
	csv := c.writeCSV("bad.csv", n, 3, "urn:schac:personalUniqueCode:int:esi:fr:1,Ana,Lopez,2001-01-01,Master,Master,2025-07-01,7,0533,-5,15,fr-20\n")
	out := filepath.Join(c.dir, "out")
	cmd := c.command("issue", "--csv", csv, "--template", "diploma", "--profile", "w3c", "--out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1; stderr:\n%s", err, stderr.String())
	}
	want := fmt.Sprintf("bad.csv row %d, field ects: must be ≥ 0", n+2)
	if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "hint: nothing was signed") {
		t.Errorf("stderr does not name the last row (%q):\n%s", want, stderr.String())
	}
	if got := c.registered(); got != 0 {
		t.Errorf("register holds %d entries", got)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the output folder was created: %v", err)
	}
}

// TestIssueResumesAfterKill9: a batch killed with SIGKILL part way, then
// run again, gives every row exactly once: in the manifest, in the
// register, and in the output (files, or lines of credentials.jsonl).
func TestIssueResumesAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and kills child processes")
	}
	n := 6000
	if raceEnabled {
		n = 1500 // ten times slower: the same kill in a tenth of the time
	}
	for _, jsonl := range []bool{false, true} {
		t.Run(map[bool]string{false: "files", true: "jsonl"}[jsonl], func(t *testing.T) {
			c := newCLI(t)
			csv := c.writeCSV("g.csv", n, 77, "")
			out := filepath.Join(c.dir, "out")
			args := []string{"issue", "--csv", csv, "--template", "diploma", "--profile", "w3c", "--out", out}
			if jsonl {
				args = append(args, "--jsonl")
			}
			cmd := c.command(args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Kill it once it has written a tenth of the credentials (the
			// store is locked while it runs: the output tells).
			deadline := time.Now().Add(3 * time.Minute)
			for !written(out, jsonl, n/10) {
				time.Sleep(10 * time.Millisecond)
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the batch did not get going in 3 minutes; stderr:\n%s", stderr.String())
				}
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed by SIGKILL (finished too soon?): %v\n%s", err, stderr.String())
			}
			if _, err := os.Stat(filepath.Join(out, issuer.ManifestFile)); err == nil {
				t.Fatal("the child wrote its manifest before it was killed")
			}
			before := c.registered()
			stderrAgain, _ := c.run(args...)
			t.Logf("killed with %d of %d rows registered; resumed: %s", before, n, issuedLine(stderrAgain))
			if before == 0 || before == n {
				t.Errorf("killed with %d of %d rows registered: not in the middle", before, n)
			}
			wantIssued := fmt.Sprintf("issued %d,", n-before)
			if !strings.Contains(stderrAgain, wantIssued) {
				t.Errorf("resume: %q, want %q", issuedLine(stderrAgain), wantIssued)
			}
			if got := c.registered(); got != n {
				t.Errorf("register holds %d entries, want %d", got, n)
			}
			rows := manifestRows(t, out)
			seenRow, seenID := map[int]bool{}, map[string]bool{}
			for _, r := range rows {
				if seenRow[r.Row] || seenID[r.ID] {
					t.Fatalf("row %d or id %s twice in the manifest", r.Row, r.ID)
				}
				seenRow[r.Row], seenID[r.ID] = true, true
				if !jsonl {
					if _, err := os.Stat(filepath.Join(out, r.File)); err != nil {
						t.Fatalf("row %d: %v", r.Row, err)
					}
				}
			}
			if len(rows) != n {
				t.Errorf("manifest lists %d rows, want %d", len(rows), n)
			}
			if jsonl {
				if lines := countLines(t, filepath.Join(out, issuer.JSONLFile)); lines != n {
					t.Errorf("credentials.jsonl holds %d lines, want %d", lines, n)
				}
			} else {
				files, _ := filepath.Glob(filepath.Join(out, "*.jwt"))
				if len(files) != n {
					t.Errorf("%d credential files, want %d", len(files), n)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(out, "*.tmp")); len(left) != 0 {
				t.Errorf("temporary files left: %d", len(left))
			}
		})
	}
}

// written reports whether a running batch has written at least n
// credentials to out: files, or lines of credentials.jsonl.tmp (of about
// 2 KB each, flushed 256 KB at a time).
func written(out string, jsonl bool, n int) bool {
	if jsonl {
		fi, err := os.Stat(filepath.Join(out, issuer.JSONLFile+".tmp"))
		return err == nil && fi.Size() >= int64(n)*2000
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.jwt"))
	return len(files) >= n
}

func manifestRows(t *testing.T, dir string) []issuer.ManifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, issuer.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m issuer.Manifest
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return m.Credentials
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			n++
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			n-- // the same line goes on
			continue
		}
		if err != nil {
			return n
		}
	}
}

// issuedLine is the line of stderr that says what a batch issued.
func issuedLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "issued ") {
			return l
		}
	}
	return ""
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// TestFileSourceRefusesAFileChangedBetweenPasses: the second pass of a
// batch opens its file again; a file whose size or time changed since the
// first is refused with issuer.ErrInputChanged, before a record is read.
func TestFileSourceRefusesAFileChangedBetweenPasses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.csv")
	if err := os.WriteFile(path, graduates.Graduates(3, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	src := &fileSource{path: path, name: "g.csv", open: openCSVRecords}
	r, err := src.Open()
	if err != nil {
		t.Fatal(err)
	}
	r.(io.Closer).Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("urn:schac:personalUniqueCode:int:esi:fr:9,Ana,Lopez,2001-01-01,Master,Master,2025-07-01,7,0533,120,15,fr-20\n")
	f.Close()
	if _, err := src.Open(); !errors.Is(err, issuer.ErrInputChanged) || !strings.Contains(err.Error(), "g.csv") {
		t.Errorf("second pass over a changed file: %v", err)
	}
}
