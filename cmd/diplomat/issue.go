package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	f.IntVar(&o.workers, "workers", 0, "signing goroutines (default: every core)")
}

func newIssueCommand(a *app) *cobra.Command {
	o := &issueOptions{}
	c := &cobra.Command{
		Use:   "issue (--record FILE | --csv FILE) --template T --profile P [--out DIR] | issue --elmo FILE --profile P",
		Short: "Issue signed credentials from a record, a CSV export or an ELMO transcript",
		Long: "Validate every record first (nothing is signed if one is invalid, unless --skip-invalid), then sign\n" +
			"one credential per record on every core, record each in the issued register with a status list\n" +
			"index, and write one file per credential and OUT/manifest.json. A batch interrupted for any reason\n" +
			"is resumed by running the same command again: only what is missing is issued. A single record\n" +
			"without --out is printed on stdout. See docs/issuing.md.",
		Example: `  diplomat issue --csv graduates.csv --template diploma --profile w3c --out diplomas/
  diplomat issue --record alice.json --template diploma --profile eudi > alice.sd-jwt
  diplomat issue --csv graduates.csv --template diploma --profile edc --out sealed/ --skip-invalid`,
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
	if err := checkProfile(o.profile, o.proof); err != nil {
		return err
	}
	t, err := loadTemplate(o.template)
	if err != nil {
		return err
	}
	var recs []templates.Record
	src := o.record + o.csv
	if o.csv != "" {
		data, err := a.readInput(o.csv)
		if err != nil {
			return err
		}
		recs, err = templates.ReadCSV(data, filepath.Base(o.csv))
		if err != nil {
			return err
		}
		// A problem of the header is one problem, not one per row.
		cols, err := templates.CSVColumns(data, filepath.Base(o.csv))
		if err != nil {
			return err
		}
		if err := t.CheckColumns(cols, filepath.Base(o.csv)); err != nil {
			return withHint(err, "nothing was signed; fix the header (the first row) of "+o.csv+": 'diplomat templates show "+t.Name()+"' lists the fields")
		}
	} else {
		data, err := a.readInput(o.record)
		if err != nil {
			return err
		}
		recs, err = templates.ReadJSON(data, filepath.Base(o.record))
		if err != nil {
			return err
		}
	}
	if len(recs) > 1 && o.out == "" {
		return usagef(fmt.Sprintf("%s holds %d records: give --out DIR for the credentials", src, len(recs)))
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
		res, err := iss.Issue(ctx, t, recs[0], p)
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

	prog := newProgress(a.stderr, len(recs))
	res, err := iss.Batch(ctx, t, recs, p, issuer.BatchOptions{
		Out: o.out, Workers: o.workers, SkipInvalid: o.skipInvalid, Source: filepath.Base(src),
		Progress: prog.update,
	})
	prog.finish()
	if err != nil {
		return inputHint(err)
	}
	if a.json {
		return a.printJSON(res.Manifest)
	}
	a.stderrf("issued %d, resumed %d, already written %d, rejected %d: %s\n",
		res.Issued, res.Recovered, res.Skipped, len(res.Manifest.Rejected), filepath.Join(o.out, "manifest.json"))
	a.signedWith(s, res.Manifest.Key, res.Manifest.KeyID, res.Manifest.Issuer)
	if n := len(res.Manifest.Rejected); n > 0 {
		a.stderrf("warning: %d rows rejected, with reasons in %s\n", n, filepath.Join(o.out, "rejects.json"))
	}
	return nil
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

// progress shows a batch's progress: a bar when stderr is a terminal, a line
// every few seconds otherwise (logs, CI).
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	w     io.Writer
	total int
	last  time.Time
	done  int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, last: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("signing"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("credentials"),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if p.bar != nil {
		p.bar.ChangeMax(total)
		_ = p.bar.Set(done)
		return
	}
	if time.Since(p.last) >= 3*time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "signed %d of %d credentials\n", done, total)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
