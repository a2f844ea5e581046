package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/diplomat-edu/diplomat/verifier"
)

// tableBlock is how many rows of a batch's table are aligned together: the
// table is printed in blocks, so that a million credentials are not held
// to align their columns.
const tableBlock = 1000

// verifyDir verifies every regular file of a folder (in name order, but
// for a folder of more than 100,000 files).
func (a *app) verifyDir(ctx context.Context, v *verifier.Verifier, req verifier.Request, o *verifyOptions) error {
	d, err := verifier.OpenDir(o.dir)
	if err != nil {
		return fileError("reading", o.dir, err)
	}
	defer d.Close()
	return a.verifyBatch(ctx, v, req, d, o)
}

// verifyJSONL verifies every credential of a JSON Lines file.
func (a *app) verifyJSONL(ctx context.Context, v *verifier.Verifier, req verifier.Request, o *verifyOptions) error {
	var r io.Reader = a.stdin
	name := "standard input"
	if o.jsonl != "-" {
		f, err := os.Open(o.jsonl)
		if err != nil {
			return fileError("reading", o.jsonl, err)
		}
		defer f.Close()
		r, name = f, o.jsonl
	}
	return a.verifyBatch(ctx, v, req, verifier.JSONLines(r, name), o)
}

// fileItems are files named on the command line, read whole (up to
// verifier.MaxInputBytes).
type fileItems struct {
	a     *app
	paths []string
}

func (f *fileItems) Next() (verifier.Item, error) {
	if len(f.paths) == 0 {
		return verifier.Item{}, io.EOF
	}
	p := f.paths[0]
	f.paths = f.paths[1:]
	file, err := os.Open(p)
	if err != nil {
		return verifier.Item{}, fileError("reading", p, err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, verifier.MaxInputBytes+1))
	if err != nil {
		return verifier.Item{}, fileError("reading", p, err)
	}
	return verifier.Item{Name: p, Data: data}, nil
}

// batchLine is one line of verify's JSON Lines output: a credential's
// report, or why a file was skipped.
type batchLine struct {
	File    string           `json:"file"`
	Report  *verifier.Report `json:"report,omitempty"`
	Skipped string           `json:"skipped,omitempty"`
}

// batchSummary is the last line of verify's JSON Lines output.
type batchSummary struct {
	Summary struct {
		Credentials int                      `json:"credentials"`
		Skipped     int                      `json:"skipped"`
		Verdicts    map[verifier.Verdict]int `json:"verdicts"`
		// FailedChecks counts, per check id, the credentials that failed
		// it.
		FailedChecks map[string]int `json:"failedChecks"`
		Seconds      float64        `json:"seconds"`
		PerSecond    float64        `json:"perSecond"`
	} `json:"summary"`
}

// verifyBatch verifies every item on every core and prints, as they come
// and in input order, a table (in blocks of tableBlock rows) or JSON Lines,
// then the counts per verdict and per failing check, and on stderr the
// rate. Files that are plainly not credentials are skipped and named
// (notCredential).
func (a *app) verifyBatch(ctx context.Context, v *verifier.Verifier, req verifier.Request, items verifier.Items, o *verifyOptions) error {
	start := time.Now()
	prog := newProgress(a.stderr)
	prog.verb, prog.doing = "verified", "verifying"
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	header := []string{"FILE", "VERDICT", "FORMAT", "ISSUER", "REASON"}
	var rows [][]string
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		prog.clear()
		err := a.table(append([][]string{header}, rows...))
		rows, header = rows[:0], nil
		return err
	}
	hint := false
	f, ok := a.stdout.(*os.File)
	stdoutTTY := ok && term.IsTerminal(int(f.Fd()))
	tally, err := v.VerifyAll(ctx, items, req, verifier.BatchOptions{
		Workers: o.workers, Skip: notCredential, Progress: prog.count,
	}, func(out verifier.Outcome) error {
		if out.Report != nil && !hint && o.documents == "" && fetchFailed(out.Report) {
			hint = true
		}
		if a.json {
			if stdoutTTY {
				prog.clear() // the spinner and the lines share the terminal
			}
			return enc.Encode(batchLine{File: out.Name, Report: out.Report, Skipped: out.Skipped})
		}
		if out.Report == nil {
			prog.clear()
			a.stderrf("skipped %s: not a credential (%s)\n", out.Name, out.Skipped)
			return nil
		}
		reason := ""
		if f := out.Report.Failed(); len(f) > 0 {
			reason = f[0].ID + ": " + oneLine(f[0].Message, 70)
		}
		rows = append(rows, []string{out.Name, a.paint(out.Report.Verdict), orDash(out.Report.Format), orDash(oneLine(issuerColumn(out.Report), 48)), reason})
		if len(rows) >= tableBlock {
			return flush()
		}
		return nil
	})
	prog.finish()
	if err != nil {
		return err
	}
	if hint {
		a.printOfflineHint()
	}
	if o.dir != "" && tally.Reports == 0 && tally.Skipped == 0 && !a.json {
		a.stderrf("no files in %s\n", o.dir)
		return nil
	}
	if a.json {
		var s batchSummary
		s.Summary.Credentials, s.Summary.Skipped = tally.Reports, tally.Skipped
		s.Summary.Verdicts, s.Summary.FailedChecks = tally.Verdicts, tally.Failed
		s.Summary.Seconds = time.Since(start).Seconds()
		s.Summary.PerSecond = float64(tally.Reports) / max(s.Summary.Seconds, 1e-9)
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		if err := flush(); err != nil {
			return err
		}
		for _, line := range summaryLines(tally) {
			if err := a.printLine(line); err != nil {
				return err
			}
		}
	}
	if tally.Reports > 0 {
		a.stderrf("%s\n", prog.rate(start, tally.Reports, "credential"))
	}
	if !tally.AllVerified() {
		return &silentError{code: 1}
	}
	return nil
}

// summaryLines are the counts of a batch for a person: per verdict, then
// per failing check (most frequent first).
func summaryLines(t *verifier.Tally) []string {
	if t.Reports == 0 {
		line := "no credentials"
		if t.Skipped > 0 {
			line += fmt.Sprintf(" (%d other %s skipped)", t.Skipped, plural(t.Skipped, "file"))
		}
		return []string{line}
	}
	var parts []string
	for _, vd := range []verifier.Verdict{verifier.Verified, verifier.Untrusted, verifier.Expired, verifier.Suspended, verifier.Revoked, verifier.Invalid} {
		if n := t.Verdicts[vd]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, vd))
		}
	}
	line := fmt.Sprintf("%d %s: %s", t.Reports, plural(t.Reports, "credential"), strings.Join(parts, ", "))
	if t.Skipped > 0 {
		line += fmt.Sprintf(" (%d other %s skipped)", t.Skipped, plural(t.Skipped, "file"))
	}
	lines := []string{line}
	if len(t.Failed) > 0 {
		ids := make([]string, 0, len(t.Failed))
		for id := range t.Failed {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(x, y string) int {
			if c := t.Failed[y] - t.Failed[x]; c != 0 {
				return c
			}
			return strings.Compare(x, y)
		})
		var fs []string
		for _, id := range ids {
			fs = append(fs, fmt.Sprintf("%s %d", id, t.Failed[id]))
		}
		lines = append(lines, "failed checks: "+strings.Join(fs, ", "))
	}
	return lines
}
