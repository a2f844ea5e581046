package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
	gen "github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

// graduates returns n synthetic diploma records read from CSV.
func graduates(t testing.TB, n int, seed int64) []templates.Record {
	t.Helper()
	recs, err := templates.ReadCSV(gen.Graduates(n, seed), "graduates.csv")
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readManifest(t *testing.T, dir string) Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkManifest asserts one credential per row, no id or index twice, and
// every file present with the SHA-256 the manifest gives.
func checkManifest(t *testing.T, dir string, m Manifest, rows int) {
	t.Helper()
	if len(m.Credentials) != rows {
		t.Fatalf("manifest lists %d credentials, want %d", len(m.Credentials), rows)
	}
	ids, idx, seenRow := map[string]bool{}, map[string]bool{}, map[int]bool{}
	for _, r := range m.Credentials {
		k := r.StatusList + "#" + strconv.Itoa(r.StatusIndex)
		if ids[r.ID] || idx[k] || seenRow[r.Row] {
			t.Fatalf("row %d: id %s, index %s or row given twice", r.Row, r.ID, k)
		}
		ids[r.ID], idx[k], seenRow[r.Row] = true, true, true
		data, err := os.ReadFile(filepath.Join(dir, r.File))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != r.SHA256 {
			t.Errorf("row %d: %s does not have the manifest's SHA-256", r.Row, r.File)
		}
	}
}

func TestBatchFromCSVWritesOneVerifiedFilePerRow(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	out := t.TempDir()
	var calls int
	res, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 60, 7), Profile{Name: W3C},
		BatchOptions{Out: out, Source: "graduates.csv", ChunkSize: 8, Progress: func(done, total int) {
			calls++
			if total != 60 || done != calls {
				t.Errorf("progress %d/%d at call %d", done, total, calls)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Issued != 60 || res.Skipped != 0 || calls != 60 {
		t.Errorf("issued %d, skipped %d, progress calls %d", res.Issued, res.Skipped, calls)
	}
	m := readManifest(t, out)
	checkManifest(t, out, m, 60)
	if m.Credentials[0].Row != 2 || m.Template != "diploma" || m.Profile != W3C || m.Proof != ProofVCJWT {
		t.Errorf("manifest header or first row: %+v %+v", m, m.Credentials[0])
	}
	for _, r := range m.Credentials[:3] {
		data, _ := os.ReadFile(filepath.Join(out, r.File))
		v := verify(t, s, Profile{Name: W3C}, data)
		var doc struct{ ID string }
		json.Unmarshal(v.Document, &doc)
		if doc.ID != r.ID {
			t.Errorf("file %s holds credential %s, manifest says %s", r.File, doc.ID, r.ID)
		}
	}
	// Run again: nothing new is signed.
	res, err = iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 60, 7), Profile{Name: W3C}, BatchOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Issued != 0 || res.Skipped != 60 {
		t.Errorf("second run issued %d, skipped %d; want 0, 60", res.Issued, res.Skipped)
	}
	if es, _ := List(s, Filter{}); len(es) != 60 {
		t.Errorf("register holds %d entries after two runs, want 60", len(es))
	}
}

func TestBatchWithAnInvalidRowSignsNothing(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	recs := graduates(t, 5, 9)
	recs[2]["ects"] = "-5" // spreadsheet row 4
	out := t.TempDir()
	_, err := iss.Batch(context.Background(), builtin(t, "diploma"), recs, Profile{Name: W3C}, BatchOptions{Out: out, Source: "graduates.csv"})
	var ie *InputError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) || !errors.Is(err, templates.ErrInvalidRecord) {
		t.Fatalf("err = %v, want an *InputError", err)
	}
	if !strings.Contains(err.Error(), "graduates.csv row 4, field ects") {
		t.Errorf("error does not name the row and field: %v", err)
	}
	if files, _ := os.ReadDir(out); len(files) != 0 {
		t.Errorf("%d files written although a row was invalid", len(files))
	}
	if es, _ := List(s, Filter{}); len(es) != 0 {
		t.Errorf("register holds %d entries although a row was invalid", len(es))
	}

	res, err := iss.Batch(context.Background(), builtin(t, "diploma"), recs, Profile{Name: W3C}, BatchOptions{Out: out, SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Issued != 4 || len(res.Manifest.Rejected) != 1 || res.Manifest.Rejected[0].Row != 4 {
		t.Errorf("issued %d, rejected %+v", res.Issued, res.Manifest.Rejected)
	}
	var rej []Rejected
	data, err := os.ReadFile(filepath.Join(out, "rejects.json"))
	if err != nil || json.Unmarshal(data, &rej) != nil || len(rej) != 1 || rej[0].Errors[0].Field != "ects" {
		t.Errorf("rejects.json = %s, %v", data, err)
	}
}

// TestBatchRejectsDuplicateRowsNamingBoth: a row repeated in the input would
// collapse into one credential (one id, two manifest rows, two writers on one
// file); the batch refuses it before signing, naming both rows, and with
// SkipInvalid issues the first and rejects the repeat.
func TestBatchRejectsDuplicateRowsNamingBoth(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	lines := strings.SplitAfter(string(gen.Graduates(4, 11)), "\n")
	// header, rows 2..5; repeat row 3 as row 6.
	csv := strings.Join(lines[:5], "") + lines[2]
	recs, err := templates.ReadCSV([]byte(csv), "graduates.csv")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err = iss.Batch(context.Background(), builtin(t, "diploma"), recs, Profile{Name: W3C}, BatchOptions{Out: out, Source: "graduates.csv"})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "graduates.csv row 6 duplicates row 3") {
		t.Fatalf("err = %v, want ErrInvalidInput naming rows 6 and 3", err)
	}
	if es, _ := List(s, Filter{}); len(es) != 0 {
		t.Errorf("register holds %d entries although the input repeats a row", len(es))
	}
	if files, _ := os.ReadDir(out); len(files) != 0 {
		t.Errorf("%d files written although the input repeats a row", len(files))
	}
	res, err := iss.Batch(context.Background(), builtin(t, "diploma"), recs, Profile{Name: W3C}, BatchOptions{Out: out, SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Issued != 4 || len(res.Manifest.Rejected) != 1 || res.Manifest.Rejected[0].Row != 6 ||
		!strings.Contains(res.Manifest.Rejected[0].Errors[0].Message, "duplicates row 3") {
		t.Errorf("issued %d, rejected %+v; want 4 and row 6", res.Issued, res.Manifest.Rejected)
	}
	checkManifest(t, out, res.Manifest, 4)
}

// TestDirSweepsTemporaryFilesWhenOpened: the *.tmp files a killed batch
// leaves behind are removed when a batch opens the folder again, and nothing
// else is.
func TestDirSweepsTemporaryFilesWhenOpened(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	out := t.TempDir()
	for _, name := range []string{"6f1c1e2a-0000-4000-8000-000000000001.jwt.tmp", "manifest.json.tmp", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 3, 12), Profile{Name: W3C}, BatchOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(out, "*.tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
	if _, err := os.Stat(filepath.Join(out, "notes.txt")); err != nil {
		t.Errorf("a file that is not temporary was removed: %v", err)
	}
}

// The resume-after-kill test re-executes the test binary as a child that runs
// a batch; the parent kills it with SIGKILL part way, then resumes.
const childEnv = "DIPLOMAT_ISSUER_TEST_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(childBatch(dir))
	}
	os.Exit(m.Run())
}

const killRows = 3000

func childBatch(dir string) int {
	s, err := keys.Open(filepath.Join(dir, keys.DefaultFile), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer s.Close()
	if err := s.Unlock([]byte(testPassphrase)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	iss, err := New(s, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	tm, _ := templates.Builtin("diploma")
	recs, err := templates.ReadCSV(gen.Graduates(killRows, 42), "graduates.csv")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	_, err = iss.Batch(context.Background(), tm, recs, Profile{Name: W3C}, BatchOptions{Out: filepath.Join(dir, "out"), ChunkSize: 64})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestBatchResumesAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	func() {
		s := newTestStore(t, dir)
		s.Close()
	}()
	out := filepath.Join(dir, "out")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		files, _ := os.ReadDir(out)
		if len(files) >= 300 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("child wrote %d files in 60 s; stderr: %s", len(files), stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed by SIGKILL (finished too soon?): %v; stderr: %s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err == nil {
		t.Fatal("the child finished before it was killed")
	}
	before, _ := os.ReadDir(out)

	s, err := keys.Open(filepath.Join(dir, keys.DefaultFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Unlock([]byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	registered, err := List(s, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	iss := newTestIssuer(t, s)
	res, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, killRows, 42), Profile{Name: W3C}, BatchOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d files and %d register entries; resumed: issued %d, recovered %d, skipped %d",
		len(before), len(registered), res.Issued, res.Recovered, res.Skipped)
	if res.Issued+res.Recovered+res.Skipped != killRows || res.Skipped == 0 || res.Issued == 0 {
		t.Errorf("resume issued %d, recovered %d, skipped %d of %d", res.Issued, res.Recovered, res.Skipped, killRows)
	}
	if res.Issued != killRows-len(registered) {
		t.Errorf("resume issued %d new credentials, want %d (rows not registered before the kill)", res.Issued, killRows-len(registered))
	}
	checkManifest(t, out, readManifest(t, out), killRows)
	after, err := List(s, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != killRows {
		t.Errorf("register holds %d entries, want %d: every row once", len(after), killRows)
	}
	for _, f := range mustReadDir(t, out) {
		if strings.HasSuffix(f, ".tmp") {
			t.Logf("left-over partial file %s (harmless, rewritten on resume)", f)
		}
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
