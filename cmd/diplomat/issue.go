package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
)

type issueOptions struct {
	record      string
	csv         string
	elmo        string
	elmoOpts    elmoOptions
	template    string
	profile     string
	proof       string
	key         string
	out         string
	skipInvalid bool
	jsonl       bool
	workers     int
}

func (o *issueOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.record, "record", "", "JSON file with one record (or an array of records), - for stdin")
	f.StringVar(&o.csv, "csv", "", "CSV file, one record per row, header naming the fields")
	f.StringVar(&o.elmo, "elmo", "", "ELMO file (EMREX, Erasmus Without Paper): one credential per report, no --template (see docs/elmo.md)")
	o.elmoOpts.addFlags(c)
	f.StringVar(&o.template, "template", "", "built-in template name (diplomat templates list) or a template file")
	f.StringVar(&o.profile, "profile", "", "edc, ebsi, w3c or eudi (see docs/profiles.md)")
	f.StringVar(&o.proof, "proof", "", "w3c only: vc+jwt (default), eddsa-rdfc-2022, ecdsa-rdfc-2019, eddsa-jcs-2022, ecdsa-jcs-2019 or ecdsa-sd-2023")
	f.StringVar(&o.key, "key", "", "signing key name (default: the key issuer init recorded for the profile)")
	f.StringVar(&o.out, "out", "", "folder for the credentials, manifest.json and rejects.json (required for more than one record)")
	f.BoolVar(&o.skipInvalid, "skip-invalid", false, "issue the valid rows and write the rejected ones with their reasons to OUT/rejects.json")
	f.BoolVar(&o.jsonl, "jsonl", false, "write the credentials as JSON Lines, one file OUT/credentials.jsonl, instead of one file each")
	f.IntVar(&o.workers, "workers", 0, "signing goroutines (default: every core)")
}

func newIssueCommand(a *app) *cobra.Command {
	o := &issueOptions{}
	c := &cobra.Command{
		Use:   "issue (--record FILE | --csv FILE) --template T --profile P [--out DIR] | issue --elmo FILE --profile P",
		Short: "Issue signed credentials from a record, a CSV export or an ELMO transcript",
		Long: "Validate every record first (nothing is signed if one is invalid or repeated, unless --skip-invalid),\n" +
			"then sign one credential per record on every core, record each in the issued register with a status\n" +
			"list index, and write one file per credential (or, with --jsonl, one line each of OUT/credentials.jsonl)\n" +
			"and OUT/manifest.json. The input is read row by row, twice (validated, then signed): a file of any size\n" +
			"is issued in the same memory. A batch interrupted for any reason is resumed by running the same\n" +
			"command again: only what is missing is issued. --record takes one JSON object, an array of them, or\n" +
			"JSON Lines. A single record without --out is printed on stdout. See docs/issuing.md.",
		Example: `  diplomat issue --csv graduates.csv --template diploma --profile w3c --out diplomas/
  diplomat issue --record alice.json --template diploma --profile eudi > alice.sd-jwt
  diplomat issue --csv graduates.csv --template diploma --profile edc --out sealed/ --skip-invalid
  diplomat issue --record alumni.jsonl --template diploma --profile w3c --out alumni/ --jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd, a) },
	}
	o.AddFlags(c)
	return c
}

// loadTemplate returns a built-in template by name, or a template file.
// An unknown name and a missing file are usage errors.
func loadTemplate(name string) (*templates.Template, error) {
	if strings.ContainsAny(name, `/\`) || strings.Contains(name, ".") {
		t, err := templates.Load(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fileError("reading the template", name, err)
		}
		return t, err
	}
	t, err := templates.Builtin(name)
	if errors.Is(err, templates.ErrUnknownTemplate) {
		return nil, withHint(usagef(err.Error()), "run 'diplomat templates list', or give a template file path")
	}
	return t, err
}

// checkProfile refuses an unknown --profile or --proof value before
// anything is read or opened (a usage error, exit code 2).
func checkProfile(profile, proof string) error {
	if err := issuer.CheckProfile(issuer.Profile{Name: profile, Proof: proof}); err != nil {
		return withHint(usagef(err.Error()), "see docs/profiles.md for what each profile is")
	}
	return nil
}

func (o *issueOptions) run(cmd *cobra.Command, a *app) error {
	if o.elmo != "" {
		return o.runELMO(cmd, a)
	}
	if (o.record == "") == (o.csv == "") {
		return usagef("give exactly one of --record FILE and --csv FILE")
	}
	if o.template == "" || o.profile == "" {
		return usagef("give --template and --profile")
	}
	if o.jsonl && o.out == "" {
		return usagef("--jsonl writes OUT/credentials.jsonl: give --out DIR")
	}
	if err := checkProfile(o.profile, o.proof); err != nil {
		return err
	}
	t, err := loadTemplate(o.template)
	if err != nil {
		return err
	}
	path, open := o.record, openJSONRecords
	if o.csv != "" {
		path, open = o.csv, openCSVRecords
	}
	name := filepath.Base(path)
	if path == "-" {
		// Standard input is read twice (validated, then signed): keep it
		// in a temporary file, not in memory.
		tmp, err := a.spoolStdin()
		if err != nil {
			return err
		}
		defer os.Remove(tmp)
		path, name = tmp, "standard input"
	}
	src := &fileSource{path: path, name: name, open: open}
	first, more, err := src.peek(t)
	if err != nil {
		return err
	}
	if more && o.out == "" {
		return usagef(fmt.Sprintf("%s holds more than one record: give --out DIR for the credentials", orStdin(o.record+o.csv)))
	}
	s, err := a.unlockedStore()
	if err != nil {
		return err
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		return notConfigured(err)
	}
	p := issuer.Profile{Name: o.profile, Proof: o.proof, Key: o.key}
	ctx := cmd.Context()
	if o.out == "" {
		res, err := iss.Issue(ctx, t, first, p)
		if err != nil {
			return inputHint(err)
		}
		if _, err := a.stdout.Write(res.Credential); err != nil {
			return err
		}
		if !strings.HasPrefix(string(res.Credential), "{") || !strings.HasSuffix(string(res.Credential), "\n") {
			fmt.Fprintln(a.stdout)
		}
		what := "issued"
		if res.Existing {
			what = "already issued; signed again"
		}
		a.stderrf("%s %s (%s, template %s, status %s index %d)\n", what, res.Entry.ID, p, t.Name(), res.Entry.StatusList, res.Entry.StatusIndex)
		a.signedWith(s, res.Entry.KeyName, res.Entry.KeyID, res.Entry.Issuer)
		return nil
	}

	// The key derivation that unlocked the store took tens of megabytes;
	// give them back before a batch that may run for an hour.
	debug.FreeOSMemory()
	prog := newProgress(a.stderr)
	start := time.Now()
	res, err := iss.BatchFrom(ctx, t, src, p, issuer.BatchOptions{
		Output: &issuer.Dir{Path: o.out, JSONL: o.jsonl}, Workers: o.workers, SkipInvalid: o.skipInvalid, Source: name,
		Checking: prog.checking, Progress: prog.update,
	})
	prog.finish()
	if err != nil {
		return inputHint(err)
	}
	manifest := filepath.Join(o.out, issuer.ManifestFile)
	if a.json {
		if err := a.copyFile(manifest); err != nil {
			return err
		}
	} else {
		a.stderrf("issued %d, resumed %d, already written %d, rejected %d: %s\n",
			res.Issued, res.Recovered, res.Skipped, res.Rejected, manifest)
	}
	a.signedWith(s, res.Manifest.Key, res.Manifest.KeyID, res.Manifest.Issuer)
	if n := res.Rejected; n > 0 {
		a.stderrf("warning: %d rows rejected, with reasons in %s\n", n, filepath.Join(o.out, issuer.RejectsFile))
	}
	a.stderrf("%s\n", prog.rate(start, res.Issued+res.Recovered+res.Skipped, "credential"))
	return nil
}

// orStdin names an input file, or standard input for "-".
func orStdin(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

func openCSVRecords(path string) (templates.Reader, error) { return templates.OpenCSV(path) }

func openJSONRecords(path string) (templates.Reader, error) { return templates.OpenJSON(path) }

// fileSource is a batch's input file, read once to validate and once to
// sign. A file that changes in between (its size or time) is refused.
type fileSource struct {
	path, name string
	open       func(string) (templates.Reader, error)
	seen       bool
	size       int64
	mod        time.Time
}

// Open implements issuer.Source.
func (s *fileSource) Open() (templates.Reader, error) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return nil, fileError("reading", s.name, err)
	}
	if !s.seen {
		s.seen, s.size, s.mod = true, fi.Size(), fi.ModTime()
	} else if fi.Size() != s.size || !fi.ModTime().Equal(s.mod) {
		return nil, fmt.Errorf("%s: %w (it was modified after it was validated); run the command again", s.name, issuer.ErrInputChanged)
	}
	r, err := s.open(s.path)
	if err != nil && !errors.Is(err, templates.ErrMalformedInput) {
		return nil, fileError("reading", s.name, err)
	}
	return r, err
}

// peek opens the file, checks a CSV header against t (its problems once
// each, not once per row), and returns the first record and whether there
// is another.
func (s *fileSource) peek(t *templates.Template) (templates.Record, bool, error) {
	r, err := s.open(s.path)
	if err != nil {
		if errors.Is(err, templates.ErrMalformedInput) {
			return nil, false, err
		}
		return nil, false, fileError("reading", s.name, err)
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	if c, ok := r.(*templates.CSVReader); ok {
		if err := t.CheckColumns(c.Columns(), s.name); err != nil {
			return nil, false, withHint(err, "nothing was signed; fix the header (the first row) of "+s.name+": 'diplomat templates show "+t.Name()+"' lists the fields")
		}
	}
	first, err := r.Read()
	if err != nil {
		return nil, false, err
	}
	_, err = r.Read()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	return first, err == nil, nil
}

// spoolStdin copies standard input to a temporary file (0600) and returns
// its path.
func (a *app) spoolStdin() (string, error) {
	f, err := os.CreateTemp("", "diplomat-stdin-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, a.stdin); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("reading standard input: %v", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// copyFile writes the file at path to stdout.
func (a *app) copyFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(a.stdout, f)
	return err
}

// signedWith says on stderr which key signed and as which issuer.
func (a *app) signedWith(s *keys.Store, name, id, iss string) {
	what := "key"
	if k, err := s.KeyByID(id); err == nil {
		what = kind(k) + " " + string(k.Type)
		if len(k.Chain) > 0 {
			what = fmt.Sprintf("%s %q", kind(k), k.Chain[0].Subject.CommonName)
		}
	}
	a.stderrf("signed with key %q (%s, id %s) as %s\n", name, what, id, orDash(iss))
}

func inputHint(err error) error {
	if errors.Is(err, issuer.ErrInvalidInput) {
		return withHint(err, "nothing was signed; fix the rows above, or add --skip-invalid to issue the valid ones")
	}
	if errors.Is(err, issuer.ErrNotConfigured) {
		return notConfigured(err)
	}
	if errors.Is(err, issuer.ErrNoKey) {
		return withHint(err, "create one with 'diplomat keys create' (see docs/profiles.md for what each profile needs)")
	}
	return err
}

// progress shows a batch's progress: a bar when stderr is a terminal (a
// spinner while the input is checked, then a bar), a line every few seconds
// otherwise (logs, CI).
type progress struct {
	mu      sync.Mutex
	tty     bool
	bar     *progressbar.ProgressBar
	w       io.Writer
	verb    string // of the second phase: "signed", "verified"
	doing   string // the same as it goes: "signing", "verifying"
	last    time.Time
	started time.Time // of the second phase
	read    int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, last: time.Now(), verb: "signed", doing: "signing"}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) newBar(max int, what, its string) *progressbar.ProgressBar {
	opts := []progressbar.Option{progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionSetItsString(its),
		progressbar.OptionThrottle(100 * time.Millisecond), progressbar.OptionClearOnFinish()}
	if max > 0 { // a spinner's rate over its first instants means nothing
		opts = append(opts, progressbar.OptionShowIts())
	}
	return progressbar.NewOptions(max, opts...)
}

// checking reports the records read by a batch's validation pass.
func (p *progress) checking(read int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.read = read
	if p.tty {
		if p.bar == nil {
			p.bar = p.newBar(-1, "checking", "rows")
		}
		_ = p.bar.Set(read)
		return
	}
	if time.Since(p.last) >= 3*time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "checked %d rows\n", read)
	}
}

// update reports the second phase: done of total.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started.IsZero() {
		p.started = time.Now()
		if p.bar != nil { // the checking spinner
			_ = p.bar.Finish()
			p.bar = nil
		}
	}
	if p.tty {
		if p.bar == nil {
			p.bar = p.newBar(total, p.doing, "credentials")
		}
		p.bar.ChangeMax(total)
		_ = p.bar.Set(done)
		return
	}
	if time.Since(p.last) >= 3*time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "%s %d of %d credentials\n", p.verb, done, total)
	}
}

// count reports a phase whose total is not known: done so far.
func (p *progress) count(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started.IsZero() {
		p.started = time.Now()
	}
	if p.tty {
		if p.bar == nil {
			p.bar = p.newBar(-1, p.doing, "credentials")
		}
		_ = p.bar.Set(done)
		return
	}
	if time.Since(p.last) >= 3*time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "%s %d credentials\n", p.verb, done)
	}
}

// clear takes the bar off the terminal before other output; it comes back
// at the next update.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// rate is the final line: how many things in how long, and the rate.
func (p *progress) rate(start time.Time, n int, what string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	total := time.Since(start)
	line := fmt.Sprintf("%d %s in %s: %.0f %ss/s", n, plural(n, what), round(total), float64(n)/max(total.Seconds(), 1e-9), what)
	if !p.started.IsZero() && p.read > 0 {
		line += fmt.Sprintf(" (%d rows checked in %s, then %s in %s)", p.read, round(p.started.Sub(start)), p.verb, round(time.Since(p.started)))
	}
	return line
}

// round shortens a duration for a person: milliseconds under a second,
// tenths of a second above.
func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
