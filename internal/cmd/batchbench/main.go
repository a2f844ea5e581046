// Command batchbench measures batch issuance and batch verification with
// the real program, as a registrar and a recognition officer run them:
//
//	go run ./internal/cmd/batchbench -rows 10000,1000000
//
// For each number of rows, in a fresh store of its own (created with the
// program's default key derivation), it generates that many synthetic
// diplomas (testdata/gen/graduates), runs
//
//	diplomat issue --csv gN.csv --template diploma --profile w3c --out outN --jsonl
//
// then publishes the status lists, trusts the issuer and runs
//
//	diplomat verify --jsonl outN/credentials.jsonl --documents pub
//
// and reports for each command the wall time, the rate, the CPU time and
// the peak resident memory of the child process (its rusage; the split
// between anonymous and file-backed pages is sampled from /proc). The load
// average before and after each command is printed beside the figures:
// the machine may be shared. Files go to a temporary folder (-work to
// choose it, -keep to keep it); a million rows need about 11 GB of disk
// (the credentials 8.9 GB, the store 1.2 GB).
//
// It is a program rather than a go test benchmark because what it measures
// is the program's memory and time as a whole process, over minutes.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "batchbench: error:", err)
		os.Exit(1)
	}
}

type options struct {
	rows    []int
	work    string
	keep    bool
	bin     string
	workers int
}

func run() error {
	o := options{}
	rows := flag.String("rows", "10000,1000000", "comma-separated row counts, each issued and verified in a fresh store")
	flag.StringVar(&o.work, "work", "", "folder for the stores, inputs and outputs (default: a new temporary folder)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder")
	flag.StringVar(&o.bin, "bin", "", "the diplomat binary to measure (default: built from ./cmd/diplomat)")
	flag.Parse()
	for _, f := range strings.Split(*rows, ",") {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(f), "_", ""))
		if err != nil || n <= 0 {
			return fmt.Errorf("-rows: %q is not a positive number", f)
		}
		o.rows = append(o.rows, n)
	}
	if o.work == "" {
		dir, err := os.MkdirTemp("", "batchbench-")
		if err != nil {
			return err
		}
		o.work = dir
	}
	if !o.keep {
		defer os.RemoveAll(o.work)
	}
	if o.bin == "" {
		o.bin = filepath.Join(o.work, "diplomat")
		build := exec.Command("go", "build", "-o", o.bin, "./cmd/diplomat")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building the program (run from the repository's root): %w", err)
		}
	}
	fmt.Printf("batchbench: %d cores (GOMAXPROCS %d), %s, work folder %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), o.work)
	var results []result
	for _, n := range o.rows {
		r, err := bench(o, n)
		if err != nil {
			return err
		}
		results = append(results, r...)
		for _, x := range r {
			fmt.Println(x.line())
		}
	}
	fmt.Println()
	fmt.Println("| command | rows | wall s | per s | CPU s | CPU µs/row | peak RSS MB | anon / file MB | load before → after |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		fmt.Println(r.row())
	}
	if len(o.rows) >= 2 {
		// Ratios of the largest to the smallest run of each command.
		for _, what := range []string{"issue", "verify"} {
			var small, large *result
			for k := range results {
				r := &results[k]
				if r.what != what {
					continue
				}
				if small == nil || r.n < small.n {
					small = r
				}
				if large == nil || r.n > large.n {
					large = r
				}
			}
			if small != nil && large != nil && small != large {
				fmt.Printf("%s: %d rows against %d: rate × %.2f, peak RSS × %.2f\n", what, large.n, small.n,
					large.rate()/small.rate(), float64(large.maxRSS)/float64(small.maxRSS))
			}
		}
	}
	return nil
}

// result is one measured command.
type result struct {
	what             string
	n                int
	wall, cpu        time.Duration
	maxRSS           int64 // bytes, from rusage
	anon, file       int64 // bytes, the largest seen in /proc/PID/status
	loadBefore, load string
}

func (r result) rate() float64 { return float64(r.n) / r.wall.Seconds() }

func (r result) line() string {
	return fmt.Sprintf("%s %d rows: %.1f s, %.0f/s, CPU %.1f s (%.0f µs a row), peak RSS %d MB (anonymous %d MB, file %d MB), load %s → %s",
		r.what, r.n, r.wall.Seconds(), r.rate(), r.cpu.Seconds(), float64(r.cpu.Microseconds())/float64(r.n),
		r.maxRSS>>20, r.anon>>20, r.file>>20, r.loadBefore, r.load)
}

func (r result) row() string {
	return fmt.Sprintf("| %s | %d | %.1f | %.0f | %.1f | %.0f | %d | %d / %d | %s → %s |", r.what, r.n, r.wall.Seconds(), r.rate(),
		r.cpu.Seconds(), float64(r.cpu.Microseconds())/float64(r.n), r.maxRSS>>20, r.anon>>20, r.file>>20, r.loadBefore, r.load)
}

// bench issues and verifies n rows in a fresh store.
func bench(o options, n int) ([]result, error) {
	dir := filepath.Join(o.work, fmt.Sprintf("n%d", n))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "DIPLOMAT_HOME="+filepath.Join(dir, "home"), "DIPLOMAT_PASSPHRASE=batchbench-passphrase")
	quiet := func(args ...string) ([]byte, error) {
		cmd := exec.Command(o.bin, args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("diplomat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out, nil
	}
	inst := filepath.Join(dir, "inst.json")
	if err := os.WriteFile(inst, []byte(`{"legalName": {"en": "Université Exemple"}, "country": "FR"}`), 0o600); err != nil {
		return nil, err
	}
	if _, err := quiet("keys", "create", "registrar"); err != nil {
		return nil, err
	}
	if _, err := quiet("issuer", "init", "--institution", inst, "--status-url", "https://registrar.example.edu/status"); err != nil {
		return nil, err
	}
	csv := filepath.Join(dir, "graduates.csv")
	if err := writeCSV(csv, n); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "out")
	issue, err := measure(o.bin, dir, env, n, "issue", "--csv", csv, "--template", "diploma", "--profile", "w3c", "--out", out, "--jsonl")
	if err != nil {
		return nil, err
	}
	issue.what = "issue"
	// The verifier trusts the issuer and reads the published lists
	// offline.
	iss, err := manifestIssuer(filepath.Join(out, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if _, err := quiet("trust", "add", "--did", iss, "--name", "Université Exemple", "--country", "FR"); err != nil {
		return nil, err
	}
	if _, err := quiet("status", "publish", "--out", filepath.Join(dir, "pub")); err != nil {
		return nil, err
	}
	verify, err := measure(o.bin, dir, env, n, "verify", "--jsonl", filepath.Join(out, "credentials.jsonl"), "--documents", filepath.Join(dir, "pub"))
	if err != nil {
		return nil, err
	}
	verify.what = "verify"
	return []result{issue, verify}, nil
}

// manifestIssuer reads the issuer from a manifest's header (its first
// lines: the manifest may be of any size).
func manifestIssuer(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for k := 0; k < 20 && sc.Scan(); k++ {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), `"issuer": `); ok {
			var s string
			if err := json.Unmarshal([]byte(strings.TrimSuffix(v, ",")), &s); err == nil {
				return s, nil
			}
		}
	}
	return "", fmt.Errorf("%s: no issuer in its header", path)
}

func writeCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = graduates.Write(w, n, 1)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// measure runs the program with args (its stdout discarded) and returns its
// time, CPU time and memory.
func measure(bin, dir string, env []string, n int, args ...string) (result, error) {
	r := result{n: n, loadBefore: loadAverage()}
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { r.anon, r.file = sample(cmd.Process.Pid, stop) })
	err := cmd.Wait()
	r.wall = time.Since(start)
	close(stop)
	wg.Wait()
	r.load = loadAverage()
	var ee *exec.ExitError
	if err != nil && !(args[0] == "verify" && errors.As(err, &ee) && ee.ExitCode() == 1) {
		return r, fmt.Errorf("diplomat %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String()))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	fmt.Fprintf(os.Stderr, "diplomat %s: %s\n", args[0], strings.TrimSpace(tail(stderr.String())))
	return r, nil
}

// sample reads the anonymous and file-backed resident memory of pid every
// 100 ms until stop, and returns the largest of each.
func sample(pid int, stop <-chan struct{}) (anon, file int64) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if data, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				f := strings.Fields(line)
				if len(f) < 2 {
					continue
				}
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				switch f[0] {
				case "RssAnon:":
					anon = max(anon, kb*1024)
				case "RssFile:":
					file = max(file, kb*1024)
				}
			}
		}
		select {
		case <-stop:
			return anon, file
		case <-t.C:
		}
	}
}

// loadAverage is the 1-minute load average, or "?" off Linux.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}

// tail is the last lines of a command's stderr (the rate, the counts).
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 4 {
		lines = lines[len(lines)-4:]
	}
	return strings.Join(lines, "\n")
}
