package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/elmo"
	"github.com/diplomat-edu/diplomat/issuer"
)

// runELMO is issue --elmo FILE: import the ELMO file (as 'import elmo'
// does) and issue one credential per report with the ELMO template.
func (o *issueOptions) runELMO(cmd *cobra.Command, a *app) error {
	if o.record != "" || o.csv != "" {
		return usagef("give one of --record, --csv and --elmo")
	}
	if o.template != "" {
		return usagef("--elmo takes no --template: the ELMO file says what each credential holds")
	}
	if o.profile == "" {
		return usagef("give --profile")
	}
	data, err := a.readELMO(o.elmo)
	if err != nil {
		return err
	}
	opts, err := a.elmoImportOptions(&o.elmoOpts, filepath.Base(o.elmo))
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	recs, res, err := issuer.ELMORecords(ctx, data, opts)
	if err != nil {
		return elmoError(o.elmo, err)
	}
	if len(recs) > 1 && o.out == "" {
		return usagef(fmt.Sprintf("%s holds %d reports: give --out DIR for the credentials", o.elmo, len(recs)))
	}
	s, err := a.unlockedStore()
	if err != nil {
		return err
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		return notConfigured(err)
	}
	a.reportSignatures(o.elmo, res)
	p := issuer.Profile{Name: o.profile, Proof: o.proof, Key: o.key}
	if o.out == "" {
		out, err := iss.Issue(ctx, issuer.ELMO, recs[0], p)
		if err != nil {
			return inputHint(err)
		}
		if _, err := a.stdout.Write(out.Credential); err != nil {
			return err
		}
		if !strings.HasSuffix(string(out.Credential), "\n") {
			fmt.Fprintln(a.stdout)
		}
		what := "issued"
		if out.Existing {
			what = "already issued; signed again"
		}
		r := res.Credentials[0].Report
		a.stderrf("%s %s (%s, from ELMO %s, status %s index %d); %d ELMO elements without an ELM home (run 'diplomat import elmo' for the mapping report)\n",
			what, out.Entry.ID, p, r.Report, out.Entry.StatusList, out.Entry.StatusIndex, len(r.Unmapped))
		return nil
	}
	stem := strings.TrimSuffix(filepath.Base(o.elmo), filepath.Ext(o.elmo))
	var reports []outFile
	for k, cv := range res.Credentials {
		b, err := elmo.MarshalReport(cv.Report)
		if err != nil {
			return err
		}
		name := stem + ".mapping.json"
		if len(res.Credentials) > 1 {
			name = fmt.Sprintf("%s-%d.mapping.json", stem, k+1)
		}
		reports = append(reports, outFile{filepath.Join(o.out, name), append(b, '\n')})
	}
	bres, err := iss.Batch(ctx, issuer.ELMO, recs, p, issuer.BatchOptions{Out: o.out, Workers: o.workers, Source: filepath.Base(o.elmo)})
	if err != nil {
		return inputHint(err)
	}
	if err := writeAll(o.out, reports); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(bres.Manifest)
	}
	a.stderrf("issued %d, resumed %d, already written %d from %s: %s\n", bres.Issued, bres.Recovered, bres.Skipped, o.elmo, filepath.Join(o.out, "manifest.json"))
	return nil
}
