// Package pgtest runs a real PostgreSQL server for the tests of a package:
// a throw-away cluster in a temporary folder, on a random port of
// 127.0.0.1, made with the Debian binaries (initdb, postgres), or the
// server DIPLOMAT_TEST_POSTGRES names. Each test gets a fresh database.
//
// A package's TestMain starts one cluster for all its tests and always
// stops it:
//
//	var cluster *pgtest.Cluster
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &cluster, nil)) }
//
//	func TestSomething(t *testing.T) {
//		url := cluster.NewDB(t) // skips when PostgreSQL is absent
//		…
//	}
//
// Where PostgreSQL is not installed the tests that need it skip with
// "PostgreSQL not found, skipping"; DIPLOMAT_POSTGRES_REQUIRED=1 (as CI
// sets) makes them fail instead. initdb refuses to run as root: as root
// the cluster runs as the "postgres" user, in a folder that user owns.
//
// It is for tests only.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables.
const (
	// EnvServer names an existing server (a postgres:// URL of a role that
	// may create databases) to use instead of starting one.
	EnvServer = "DIPLOMAT_TEST_POSTGRES"
	// EnvRequired, set to 1, turns "PostgreSQL not found, skipping" into
	// a failure.
	EnvRequired = "DIPLOMAT_POSTGRES_REQUIRED"
)

// Options configure Start. The zero value is a fast cluster for tests.
type Options struct {
	// Durable keeps PostgreSQL's defaults (fsync, synchronous commit, full
	// page writes), for benchmarks that compare with a store that syncs
	// its file. False turns them off: faster, and a crash of the machine
	// would lose the cluster, which nobody keeps.
	Durable bool
}

// Cluster is a PostgreSQL server the tests use.
type Cluster struct {
	// URL is a URL of the server's "postgres" database, as a role that may
	// create databases.
	URL string

	dir    string    // the cluster's folder, removed by Stop; "" for EnvServer
	cmd    *exec.Cmd // the postmaster; nil for EnvServer
	done   chan struct{}
	once   sync.Once
	killed atomic.Bool // Kill was called: the databases went with it
}

// ErrNotFound is returned by Start when there is no PostgreSQL to use.
var ErrNotFound = errors.New("PostgreSQL not found")

// Start starts a cluster, or connects to the server EnvServer names. It
// returns an error wrapping ErrNotFound when neither is available.
func Start(opts *Options) (*Cluster, error) {
	if opts == nil {
		opts = &Options{}
	}
	if u := os.Getenv(EnvServer); u != "" {
		c := &Cluster{URL: u}
		if err := c.wait(10 * time.Second); err != nil {
			return nil, fmt.Errorf("%s=%s: %w", EnvServer, redact(u), err)
		}
		return c, nil
	}
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for try := 0; try < 3; try++ { // a port taken between choosing and binding
		c, err := startCluster(bin, opts)
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// binDir finds the folder of initdb and postgres: on PATH, or the newest
// /usr/lib/postgresql/*/bin (Debian's layout).
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: no initdb on PATH or in /usr/lib/postgresql/*/bin (apt-get install postgresql)", ErrNotFound)
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func startCluster(bin string, opts *Options) (c *Cluster, err error) {
	dir, err := os.MkdirTemp("", "diplomat-pg-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	cred, err := credential(dir)
	if err != nil {
		return nil, err
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
		if cred != nil {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, lastLines(out))
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-k", sock, "-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB"}
	if !opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	// The postmaster dies with the test process, even killed: never a
	// cluster left running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting postgres: %v", err)
	}
	c = &Cluster{URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()
	if err := c.wait(30 * time.Second); err != nil {
		c.stop()
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		return nil, fmt.Errorf("postgres did not start: %v: %s", err, lastLines(log))
	}
	return c, nil
}

// credential returns the credential of the "postgres" user, owning dir,
// when the tests run as root (initdb refuses root); nil otherwise.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root and there is no postgres user to run PostgreSQL as", ErrNotFound)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

// wait connects until the server answers or d passes.
func (c *Cluster) wait(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.URL)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if c.done != nil {
			select {
			case <-c.done:
				return errors.New("the server exited")
			default:
			}
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the cluster and removes its folder (nothing for EnvServer). It
// is safe to call more than once.
func (c *Cluster) Stop() {
	if c != nil {
		c.once.Do(c.stop)
	}
}

func (c *Cluster) stop() {
	if c.cmd == nil {
		return
	}
	// SIGINT is PostgreSQL's fast shutdown: it ends the sessions and stops.
	c.signal(syscall.SIGINT, 20*time.Second)
	os.RemoveAll(c.dir)
}

// signal sends sig to the postmaster and waits for it to exit, killing it
// after wait.
func (c *Cluster) signal(sig syscall.Signal, wait time.Duration) {
	_ = c.cmd.Process.Signal(sig)
	select {
	case <-c.done:
	case <-time.After(wait):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// Kill stops the server at once, without a checkpoint or a goodbye to its
// clients, as a crash would (PostgreSQL's immediate shutdown, SIGQUIT: the
// postmaster ends its sessions at once and exits). The folder stays until
// Stop.
func (c *Cluster) Kill() {
	c.killed.Store(true)
	if c.cmd != nil {
		c.signal(syscall.SIGQUIT, 10*time.Second)
	}
}

// Require skips t (or fails it under DIPLOMAT_POSTGRES_REQUIRED=1) when c
// is nil: PostgreSQL was not found.
func Require(t testing.TB, c *Cluster) {
	t.Helper()
	if c != nil {
		return
	}
	if os.Getenv(EnvRequired) == "1" {
		t.Fatalf("PostgreSQL not found, and %s=1: install it (apt-get install postgresql) or set %s", EnvRequired, EnvServer)
	}
	t.Skip("PostgreSQL not found, skipping")
}

// NewDB creates a fresh, empty database for t and returns its URL; it is
// dropped when t ends. t is skipped when c is nil (see Require).
func (c *Cluster) NewDB(t testing.TB) string {
	t.Helper()
	Require(t, c)
	u, err := c.CreateDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c.killed.Load() {
			return // gone with its server
		}
		if err := c.DropDB(context.Background(), u); err != nil {
			t.Errorf("dropping the test database: %v", err)
		}
	})
	return u
}

// CreateDB creates a fresh database and returns its URL.
func (c *Cluster) CreateDB(ctx context.Context) (string, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "diplomat_test_" + hex.EncodeToString(b)
	if err := c.exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("creating a test database: %w", err)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropDB drops the database of URL dbURL, ending its sessions.
func (c *Cluster) DropDB(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	return c.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()+" WITH (FORCE)")
}

func (c *Cluster) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, c.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Main is a TestMain: it starts a cluster into *c (nil when PostgreSQL is
// not found: the tests that need it skip or, under
// DIPLOMAT_POSTGRES_REQUIRED=1, fail), runs the tests, stops the cluster
// and returns the exit code for os.Exit.
func Main(m *testing.M, c **Cluster, opts *Options) int {
	cl, err := Start(opts)
	switch {
	case errors.Is(err, ErrNotFound):
		// Require reports it in each test that needs the cluster.
	case err != nil:
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	default:
		*c = cl
		defer cl.Stop()
	}
	return m.Run()
}

// redact hides the password of a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}

// CPU returns the processor time the server has used so far: the
// postmaster's, its sessions' that ended, and its live sessions' (Linux
// /proc; zero for EnvServer or elsewhere). Benchmarks read it before and
// after a run to say what the database cost.
func (c *Cluster) CPU() time.Duration {
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	pid := c.cmd.Process.Pid
	total := procCPU(pid, true)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		if procParent(child) == pid {
			total += procCPU(child, false)
		}
	}
	return total
}

// procStat returns the fields of /proc/pid/stat after the command name.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

func procParent(pid int) int {
	f := procStat(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// procCPU is utime+stime (and the reaped children's with children), in
// clock ticks of 1/100 s, as Linux counts them.
func procCPU(pid int, children bool) time.Duration {
	f := procStat(pid)
	if len(f) < 15 {
		return 0
	}
	idx := []int{11, 12}
	if children {
		idx = append(idx, 13, 14)
	}
	var ticks int64
	for _, i := range idx {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
