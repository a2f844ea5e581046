package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// verifyOptions are the flags of diplomat verify.
type verifyOptions struct {
	dir       string
	jsonl     string
	workers   int
	documents string
	policy    string
	challenge string
	domain    string
	live      liveTIROptions
}

func (o *verifyOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "verify every credential in `DIR` and print a table and counts (files that are not credentials are skipped, and named)")
	f.StringVar(&o.jsonl, "jsonl", "", "verify every credential of a JSON Lines `FILE` (as issue --jsonl writes it; - for standard input) and print a table and counts")
	f.IntVar(&o.workers, "workers", 0, "with several credentials: how many are verified at once (default: every core)")
	f.StringVar(&o.documents, "documents", "", "answer did:web documents and status lists from `DIR`, laid out as HOST/PATH (as demo --out and status publish --out write them), instead of the network")
	f.StringVar(&o.policy, "policy", "", "read the verification policy from `FILE` (YAML or JSON, see docs/policy.md)")
	f.StringVar(&o.challenge, "challenge", "", "the challenge (nonce) a presentation must carry")
	f.StringVar(&o.domain, "domain", "", "the domain (audience) a presentation must name")
	o.live.addFlags(cmd)
}

func newVerifyCommand(a *app) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify FILE...|-",
		Short: "Verify a credential or presentation: authentic, trusted, valid, not revoked, and what it certifies",
		Long: `Verify reads a credential or presentation in any format Diplomat knows (JAdES, vc+jwt,
jwt_vc_json, SD-JWT VC, Data Integrity, and presentations of these), checks its proof, key,
validity dates, status list, issuer trust (the store's trust registry, then the imported
European trust lists: see 'diplomat trust sources'; with --ebsi-tir, the live EBSI Trusted
Issuers Registry last, see docs/trust.md) and ELM conformance,
and prints the verdict, every check, and what the credential certifies.

Several FILEs (as a shell glob gives them), --dir DIR or --jsonl FILE (one credential a line,
as 'issue --jsonl' writes them) verify each credential on every core and print a table, then
the counts per verdict and per failing check; --json prints JSON Lines, one object per
credential then one with the counts. Files that are not credentials (a batch's manifest.json
and rejects.json, DID documents, PEM files) are skipped and named on stderr. Memory does not
grow with the number of credentials; each status list and DID document is fetched once.

With --documents DIR nothing is fetched from the network: the issuer's did:web document and
status lists come from DIR/HOST/PATH, as 'diplomat demo --out' and 'diplomat status publish
--out' write them; what DIR lacks fails as an unreachable server would.

Exit status: 0 verified (every credential, for several), 1 not verified (untrusted, invalid,
revoked, suspended, expired), 2 usage error.`,
		Example: `  diplomat verify diploma.jwt
  diplomat verify --json diploma.jwt
  diplomat verify diplomas/*.jwt
  diplomat verify --jsonl diplomas/credentials.jsonl --documents published/
  diplomat verify --documents published/ diploma.jwt`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			modes := 0
			for _, given := range []bool{o.dir != "", o.jsonl != "", len(args) > 0} {
				if given {
					modes++
				}
			}
			switch {
			case modes > 1 && len(args) > 0:
				return usagef("give either FILEs or --dir DIR or --jsonl FILE, only one of them")
			case modes > 1:
				return usagef("give either --dir DIR or --jsonl FILE, not both")
			case modes == 0:
				return usagef("verify needs a FILE (or - for standard input), --dir DIR or --jsonl FILE")
			case len(args) > 1 && slices.Contains(args, "-"):
				return usagef("- (standard input) cannot be verified together with other files")
			}
			if o.documents != "" {
				if fi, err := os.Stat(o.documents); err != nil || !fi.IsDir() {
					if err == nil {
						err = fmt.Errorf("%w: not a folder", fs.ErrInvalid)
					}
					return fileError("reading the documents folder", o.documents, err)
				}
			}
			v, err := a.newVerifier(o)
			if err != nil {
				return err
			}
			req := verifier.Request{Challenge: o.challenge, Domain: o.domain}
			switch {
			case o.dir != "":
				return a.verifyDir(cmd.Context(), v, req, o)
			case o.jsonl != "":
				return a.verifyJSONL(cmd.Context(), v, req, o)
			case len(args) > 1:
				return a.verifyBatch(cmd.Context(), v, req, &fileItems{a: a, paths: args}, o)
			}
			data, err := a.readVerifyInput(args[0])
			if err != nil {
				return err
			}
			rep, err := v.Verify(cmd.Context(), data, req)
			if err != nil {
				return err
			}
			if a.json {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else if err := a.printReport(rep); err != nil {
				return err
			}
			a.offlineHint(o, rep)
			if rep.Verdict != verifier.Verified {
				return &silentError{code: 1}
			}
			return nil
		},
	}
	o.addFlags(cmd)
	return cmd
}

// readVerifyInput reads a file to verify ("-": stdin) through a limit:
// never more than verifier.MaxInputBytes+1 bytes, so that an endless or
// huge input is refused at once, not held in memory whole first.
func (a *app) readVerifyInput(name string) ([]byte, error) {
	what, r := "standard input", a.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fileError("reading", name, err)
		}
		defer f.Close()
		what, r = name, f
	}
	data, err := io.ReadAll(io.LimitReader(r, verifier.MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", what, err)
	}
	if len(data) > verifier.MaxInputBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB, the most verify reads: it is not a credential Diplomat can read", what, verifier.MaxInputBytes>>20)
	}
	return data, nil
}

// newVerifier builds the verifier from verifierOptions.
func (a *app) newVerifier(o *verifyOptions) (*verifier.Verifier, error) {
	opts, err := a.verifierOptions(o, nil)
	if err != nil {
		return nil, err
	}
	return verifier.New(opts)
}

// verifierOptions are the verifier's options: the policy file (or the
// default), changed by override when not nil; the store's trust registry,
// imported European trust lists and context cache when a store exists; the
// live EBSI TIR when asked for; and the HTTPS fetcher with the policy's
// limits.
func (a *app) verifierOptions(o *verifyOptions, override func(*verifier.Policy)) (verifier.Options, error) {
	opts := verifier.Options{}
	if o.policy != "" {
		data, err := os.ReadFile(o.policy)
		if err != nil {
			return opts, usagef(fmt.Sprintf("reading the policy %s: %v", o.policy, errors.Unwrap(err)))
		}
		p, err := verifier.ParsePolicy(data)
		if err != nil {
			return opts, usagef(fmt.Sprintf("policy %s: %s", o.policy, strings.TrimPrefix(err.Error(), verifier.ErrPolicy.Error()+": ")))
		}
		opts.Policy = *p
		if p.Fetch.AllowPrivateNetworks {
			a.stderrf("warning: the policy allows fetches from private and loopback addresses (fetch.allowPrivateNetworks); use it only in a closed lab\n")
		}
	}
	if override != nil {
		override(&opts.Policy)
		if err := opts.Policy.Validate(); err != nil {
			return opts, usagef(strings.TrimPrefix(err.Error(), verifier.ErrPolicy.Error()+": "))
		}
	}
	if o.documents != "" {
		d, err := verifier.NewDocuments(o.documents, opts.Policy.Fetch)
		if err != nil {
			return opts, usagef(err.Error())
		}
		opts.Fetcher = d
	} else {
		opts.Fetcher = verifier.NewHTTPFetcher(opts.Policy.Fetch, nil)
	}
	if a.storeExists() {
		s, err := a.openStore()
		if err != nil {
			return opts, err
		}
		// The registry, then the imported European lists (ETSI, EBSI TIR,
		// LoTE), whose TIR snapshots also hold the DID documents of
		// did:ebsi issuers: their keys are resolved after the verifier's
		// own resolver (did:key, did:jwk, and did:web through its cache).
		lo := snapshot.LoadOptions{Accept: opts.Policy.Trust.ESeals, Grace: time.Duration(opts.Policy.Trust.ListGrace)}
		if at := opts.Policy.At; !at.IsZero() {
			lo.Now = func() time.Time { return at }
		}
		trust, resolvers, err := storeTrust(s, lo)
		if err != nil {
			return opts, err
		}
		opts.Trust = trust
		opts.Resolvers = append(opts.Resolvers, resolvers...)
		opts.Contexts = jsonld.New(jsonld.Options{Cache: s})
	} else if o.live.tir == "" {
		a.stderrf("warning: no store at %s: no issuer is trusted; add trusted issuers with 'diplomat trust add'\n", a.storePath())
	}
	// Last, when asked for, the live EBSI TIR: for did:ebsi issuers no
	// source above trusts, and for their keys.
	live, err := o.live.source()
	if err != nil {
		return opts, err
	}
	if live != nil {
		opts.Trust = append(opts.Trust, live)
		opts.Resolvers = append(opts.Resolvers, live.Resolver())
	}
	return opts, nil
}

// offlineHint says how to verify without the network when a report failed
// because a did:web document or a status list could not be fetched and no
// --documents folder was given.
func (a *app) offlineHint(o *verifyOptions, reps ...*verifier.Report) {
	if o.documents == "" && slices.ContainsFunc(reps, fetchFailed) {
		a.printOfflineHint()
	}
}

func (a *app) printOfflineHint() {
	a.stderrf("hint: a document the issuer publishes could not be fetched; if you hold its published files (status publish --out, demo --out), verify offline with --documents DIR\n")
}

// fetchFailed reports whether r (or a credential in it) failed because a
// did:web document or a status list could not be fetched.
func fetchFailed(r *verifier.Report) bool {
	for _, c := range r.Failed() {
		if (c.Code == verifier.ProblemUnknownKey || c.Code == verifier.ProblemStatusUnavailable) && strings.Contains(c.Message, verifier.ErrFetch.Error()) {
			return true
		}
	}
	return slices.ContainsFunc(r.Credentials, fetchFailed)
}

// notCredential says what data is when it is plainly not a credential or
// presentation, so that verifying a folder or a glob does not count it as
// an invalid credential: a batch's manifest.json, rejects.json or
// credentials.jsonl, a DID document, a PEM file. It returns "" for anything else, which is then
// verified (and reported invalid if it is not a credential).
func notCredential(data []byte) string {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(data, []byte("-----BEGIN ")):
		return "a PEM file"
	case bytes.HasPrefix(data, []byte("[")):
		var rows []map[string]json.RawMessage
		if json.Unmarshal(data, &rows) == nil && len(rows) > 0 && rows[0]["row"] != nil && rows[0]["errors"] != nil {
			return "the rows a batch rejected (rejects.json)"
		}
	case bytes.HasPrefix(data, []byte("{")):
		if first, rest, ok := bytes.Cut(data, []byte("\n")); ok && len(bytes.TrimSpace(rest)) > 0 {
			var line struct {
				MediaType, Credential json.RawMessage
			}
			if json.Unmarshal(first, &line) == nil && line.MediaType != nil && line.Credential != nil {
				return "a JSON Lines file of credentials: verify it with --jsonl"
			}
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return ""
		}
		// Anything with a member of a credential, a presentation or a
		// JWS is verified, whatever else it has.
		for _, name := range []string{"type", "credentialSubject", "verifiableCredential", "payload", "signatures", "protected", "signature", "vc", "vp"} {
			if m[name] != nil {
				return ""
			}
		}
		if p := bytes.TrimSpace(m["proof"]); len(p) > 0 && p[0] != '"' {
			return "" // an embedded proof (a manifest's proof is a name)
		}
		var list []json.RawMessage
		if m["@context"] == nil && json.Unmarshal(m["credentials"], &list) == nil && m["template"] != nil && m["profile"] != nil {
			return "a batch's manifest (manifest.json)"
		}
		var id string
		if m["proof"] == nil && json.Unmarshal(m["id"], &id) == nil && strings.HasPrefix(id, "did:") &&
			(m["verificationMethod"] != nil || m["assertionMethod"] != nil || m["authentication"] != nil) {
			return "the DID document of " + id
		}
	}
	return ""
}

// issuerColumn is the issuer as the table shows it: the verified issuer,
// the organisation of a seal that does not speak for the issuer it names,
// or the issuer claimed by a credential whose proof failed, in brackets.
func issuerColumn(rep *verifier.Report) string {
	switch {
	case rep.IssuerVerified:
		return rep.Issuer
	case rep.SealedBy != "":
		return "sealed by " + rep.SealedBy
	case rep.Issuer != "":
		return "(" + rep.Issuer + ")"
	}
	return ""
}

// colour reports whether stdout is a terminal (colour only there).
func (a *app) colour() bool {
	f, ok := a.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && a.getenv("NO_COLOR") == ""
}

// paint colours a verdict on a terminal.
func (a *app) paint(v verifier.Verdict) string {
	if !a.colour() {
		return string(v)
	}
	code := "31" // red
	switch verifier.Verdict(strings.ToLower(string(v))) {
	case verifier.Verified:
		code = "32"
	case verifier.Untrusted, verifier.Expired, verifier.Suspended:
		code = "33"
	}
	return "\x1b[" + code + "m" + string(v) + "\x1b[0m"
}

func (a *app) paintResult(r verifier.Result) string {
	s := fmt.Sprintf("%-7s", r)
	if !a.colour() {
		return s
	}
	switch r {
	case verifier.Passed:
		return "\x1b[32m" + s + "\x1b[0m"
	case verifier.Failed:
		return "\x1b[31m" + s + "\x1b[0m"
	case verifier.Warning:
		return "\x1b[33m" + s + "\x1b[0m"
	}
	return s
}

// printReport writes the report for a person: the verdict line, each check,
// then the summary.
func (a *app) printReport(rep *verifier.Report) error {
	w := &errWriter{w: a.stdout}
	what := rep.Envelope
	if what == "" {
		what = "input"
	}
	line := fmt.Sprintf("%s: %s", a.paint(verifier.Verdict(strings.ToUpper(string(rep.Verdict)))), what)
	if rep.Format != "" {
		line += " (" + rep.Format + ")"
	}
	line += headlineIssuer(rep)
	if rep.Trust != nil && rep.Trust.Trusted {
		line += fmt.Sprintf(" — %s (%s)", rep.Trust.Entity, rep.Trust.Country)
	}
	w.println(line)
	a.printChecks(w, rep, "  ")
	if rep.Summary != nil {
		w.println("")
		printSummary(w, rep.Summary, "  ")
	}
	for i, sub := range rep.Credentials {
		w.println("")
		w.println(fmt.Sprintf("credential %d: %s (%s)%s", i+1, a.paint(sub.Verdict), orDash(sub.Format), headlineIssuer(sub)))
		a.printChecks(w, sub, "  ")
		if sub.Summary != nil {
			printSummary(w, sub.Summary, "  ")
		}
	}
	return w.err
}

// headlineIssuer says who the input comes from, as far as its proof shows:
// the issuer when the proof binds it (and its seal, if any); the sealing
// organisation when a seal names an issuer that does not vouch for it (the
// seal is trusted by its certificate, not by that name); the issuer it
// claims, marked as such, when the proof did not verify.
func headlineIssuer(rep *verifier.Report) string {
	by := "issued by"
	if rep.Envelope == "presentation" {
		by = "presented by"
	}
	switch {
	case rep.IssuerVerified && rep.SealedBy != "":
		return fmt.Sprintf(" %s %s, sealed by %s", by, rep.Issuer, rep.SealedBy)
	case rep.IssuerVerified:
		return " " + by + " " + rep.Issuer
	case rep.SealedBy != "" && rep.Issuer != "":
		return fmt.Sprintf(" sealed by %s (it names %s as issuer; the seal, not that name, is what was checked)", rep.SealedBy, rep.Issuer)
	case rep.SealedBy != "":
		return " sealed by " + rep.SealedBy
	case rep.Issuer != "":
		return fmt.Sprintf(" claiming to be %s %s (not proven)", by, rep.Issuer)
	}
	return ""
}

func (a *app) printChecks(w *errWriter, rep *verifier.Report, indent string) {
	for _, c := range rep.Checks {
		w.println(fmt.Sprintf("%s%s %-11s %s", indent, a.paintResult(c.Result), c.ID, c.Message))
	}
}

func printSummary(w *errWriter, s *verifier.Summary, indent string) {
	row := func(k, v string) {
		if v != "" {
			w.println(fmt.Sprintf("%s%-14s %s", indent, k, v))
		}
	}
	if !s.ELM {
		keys := make([]string, 0, len(s.Claims))
		for k := range s.Claims {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.println(indent + "claims:")
		for _, k := range keys {
			row(" "+k, oneLine(fmt.Sprint(s.Claims[k]), 100))
		}
		return
	}
	holder := s.Holder
	if s.DateOfBirth != "" {
		holder += " (born " + day10(s.DateOfBirth) + ")"
	}
	row("holder", holder)
	row("title", s.Title)
	body := s.AwardingBody
	if s.Country != "" {
		body += " (" + s.Country + ")"
	}
	row("awarding body", body)
	row("date awarded", day10(s.DateAwarded))
	if s.EQFLevel > 0 {
		lvl := fmt.Sprint(s.EQFLevel)
		if s.NQFLevel != "" {
			lvl += " (national: " + s.NQFLevel + ")"
		}
		row("EQF level", lvl)
	}
	if s.ISCEDFCode != "" {
		row("field", strings.TrimSpace(s.ISCEDFCode+" "+s.ISCEDFLabel)+" (ISCED-F)")
	}
	row("ECTS", s.ECTS)
	grade := s.Grade
	if grade != "" && s.GradingScheme != "" {
		grade += " (" + s.GradingScheme + ")"
	}
	row("grade", grade)
	if len(s.InstructionLanguages) > 0 {
		var ls []string
		for _, l := range s.InstructionLanguages {
			ls = append(ls, languageName(l))
		}
		row("taught in", strings.Join(ls, ", "))
	}
	if s.DisplayLanguage != "" {
		row("displayed in", languageName(s.DisplayLanguage))
	}
	if len(s.Courses) > 0 {
		w.println(indent + "courses:")
		for _, c := range s.Courses {
			line := fmt.Sprintf("%s  %-40s %6s ECTS  %s", indent, oneLine(c.Title, 40), c.ECTS, c.Grade)
			if c.EQFLevel > 0 {
				line += fmt.Sprintf("  (EQF %d)", c.EQFLevel)
			}
			w.println(line)
		}
	}
}

// languageName writes an EU authority language IRI
// (".../authority/language/FRA") as its code and, when known, its English
// name: "FRA (French)".
func languageName(iri string) string {
	code := iri[strings.LastIndexByte(iri, '/')+1:]
	if tag, err := language.ParseBase(strings.ToLower(code)); err == nil {
		if name := display.English.Languages().Name(tag); name != "" {
			return code + " (" + name + ")"
		}
	}
	return code
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func day10(s string) string {
	if len(s) >= 10 && s[4] == '-' {
		return s[:10]
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine shortens s to n runes on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) println(s string) {
	if e.err == nil {
		_, e.err = fmt.Fprintln(e.w, s)
	}
}
