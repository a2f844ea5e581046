package issuer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/templates"
	gen "github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

// csvSource writes data to a file and returns a Source reading it with
// templates.OpenCSV, as the CLI does.
func csvSource(t *testing.T, data []byte) Source {
	t.Helper()
	path := filepath.Join(t.TempDir(), "graduates.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return SourceFunc(func() (templates.Reader, error) { return templates.OpenCSV(path) })
}

// TestBatchFromFindsABadLastRowBeforeSigning: the one invalid row is the
// last of a file; the batch reads the whole file, names that row, and has
// signed, recorded and written nothing.
func TestBatchFromFindsABadLastRowBeforeSigning(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	const n = 3000
	data := gen.Graduates(n, 21)
	data = append(data, []byte("urn:schac:personalUniqueCode:int:esi:fr:99,Ana,Lopez,2001-01-01,Master,Master,2025-07-01,7,0533,-5,15,fr-20\n")...)
	out := t.TempDir()
	_, err := iss.BatchFrom(context.Background(), builtin(t, "diploma"), csvSource(t, data), Profile{Name: W3C},
		BatchOptions{Out: out, Source: "graduates.csv"})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "graduates.csv row 3002, field ects: must be ≥ 0") {
		t.Fatalf("err = %v, want the last row (3002) named", err)
	}
	if files, _ := os.ReadDir(out); len(files) != 0 {
		t.Errorf("%d files written although the last row is invalid", len(files))
	}
	if es, _ := List(s, Filter{}); len(es) != 0 {
		t.Errorf("register holds %d entries although the last row is invalid", len(es))
	}
}

// TestBatchFromListsTheFirstProblemsAndCountsTheRest: many invalid and
// repeated rows give the first MaxProblems of each, in input order, and how
// many more.
func TestBatchFromListsTheFirstProblemsAndCountsTheRest(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	recs := graduates(t, 200, 22)
	for k := 10; k < 200; k += 10 {
		recs[k]["ects"] = "-1" // 19 invalid rows: 12, 22, …
	}
	for k := 5; k < 200; k += 20 {
		recs = append(recs, again(recs[k], len(recs)+2)) // 10 repeats of rows 7, 27, … as rows 202, 203, …
	}
	_, err := iss.Batch(context.Background(), builtin(t, "diploma"), recs, Profile{Name: W3C},
		BatchOptions{Out: t.TempDir(), Source: "g.csv", MaxProblems: 3, Workers: 4})
	var ie *InputError
	var de *DuplicateError
	if !errors.As(err, &ie) || !errors.As(err, &de) {
		t.Fatalf("err = %v, want an *InputError and a *DuplicateError", err)
	}
	var rows []int
	for _, fe := range ie.Err.Errors {
		rows = append(rows, fe.Row)
	}
	if len(rows) != 3 || rows[0] != 12 || rows[1] != 22 || rows[2] != 32 || ie.Err.More != 16 {
		t.Errorf("problems at rows %v and %d more; want [12 22 32] and 16", rows, ie.Err.More)
	}
	if !strings.Contains(err.Error(), "… and 16 more problems in g.csv") || !strings.Contains(err.Error(), "… and 7 more repeated rows in g.csv") {
		t.Errorf("error does not count the rest:\n%v", err)
	}
	if len(de.Rows) != 3 || de.Rows[0] != (Duplicate{Row: 202, Of: 7}) || de.Rows[2] != (Duplicate{Row: 204, Of: 47}) || de.More != 7 {
		t.Errorf("repeats %+v and %d more", de.Rows, de.More)
	}
}

// TestBatchFromRefusesAnInputThatChangedBetweenPasses: a source whose
// second pass differs from the first is an error wrapping ErrInputChanged.
func TestBatchFromRefusesAnInputThatChangedBetweenPasses(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	cases := map[string]func(pass int, recs []templates.Record) []templates.Record{
		"a row more": func(pass int, recs []templates.Record) []templates.Record {
			if pass == 2 {
				return append(recs, recs[0])
			}
			return recs
		},
		"a row less": func(pass int, recs []templates.Record) []templates.Record {
			if pass == 2 {
				return recs[:len(recs)-1]
			}
			return recs
		},
		"a row changed": func(pass int, recs []templates.Record) []templates.Record {
			if pass == 2 {
				c := append([]templates.Record(nil), recs...)
				c[3] = templates.Record{"@row": 5}
				for k, v := range recs[3] {
					c[3][k] = v
				}
				c[3]["grade"] = "11"
				return c
			}
			return recs
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			recs := graduates(t, 20, int64(len(name)))
			pass := 0
			src := SourceFunc(func() (templates.Reader, error) {
				pass++
				return &sliceReader{recs: change(pass, recs)}, nil
			})
			_, err := iss.BatchFrom(context.Background(), builtin(t, "diploma"), src, Profile{Name: W3C}, BatchOptions{Output: &Memory{}})
			if !errors.Is(err, ErrInputChanged) {
				t.Errorf("err = %v, want ErrInputChanged", err)
			}
		})
	}
}

// TestDirJSONLWritesEveryRowOnceAndTheManifestInRowOrder: a folder in JSON
// Lines mode gets credentials.jsonl (every valid row once), manifest.json
// with its rows in input order, and rejects.json; run again, the stream is
// written whole again with the ids of the first run.
func TestDirJSONLWritesEveryRowOnceAndTheManifestInRowOrder(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	recs := graduates(t, 300, 23)
	recs[7]["ects"] = "x"
	recs = append(recs, again(recs[11], 302))
	out := t.TempDir()
	run := func() (*BatchResult, map[int]string) {
		res, err := iss.BatchFrom(context.Background(), builtin(t, "diploma"), Records(recs), Profile{Name: W3C},
			BatchOptions{Output: &Dir{Path: out, JSONL: true}, SkipInvalid: true, ChunkSize: 16})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Manifest.Credentials) != 0 {
			t.Errorf("BatchFrom kept %d manifest rows in memory with a Dir", len(res.Manifest.Credentials))
		}
		f, err := os.Open(filepath.Join(out, JSONLFile))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ids := map[int]string{}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				Row        int    `json:"row"`
				ID         string `json:"id"`
				Credential string `json:"credential"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			if _, dup := ids[line.Row]; dup {
				t.Fatalf("row %d twice in credentials.jsonl", line.Row)
			}
			ids[line.Row] = line.ID
			verify(t, s, Profile{Name: W3C}, []byte(line.Credential))
		}
		return res, ids
	}
	res, ids := run()
	if res.Issued != 299 || res.Rejected != 2 || res.Records != 301 || len(ids) != 299 {
		t.Fatalf("issued %d, rejected %d of %d records, %d lines", res.Issued, res.Rejected, res.Records, len(ids))
	}
	m := readManifest(t, out)
	if len(m.Credentials) != 299 || !sort.SliceIsSorted(m.Credentials, func(a, b int) bool { return m.Credentials[a].Row < m.Credentials[b].Row }) {
		t.Errorf("manifest lists %d credentials, in row order: %v", len(m.Credentials), sort.SliceIsSorted(m.Credentials, func(a, b int) bool { return m.Credentials[a].Row < m.Credentials[b].Row }))
	}
	for _, r := range m.Credentials {
		if ids[r.Row] != r.ID || r.File != "" {
			t.Fatalf("manifest row %+v, the stream says %s", r, ids[r.Row])
		}
	}
	if len(m.Rejected) != 2 || m.Rejected[0].Row != 9 || m.Rejected[1].Row != 302 || !strings.Contains(m.Rejected[1].Errors[0].Message, "duplicates row 13") {
		t.Errorf("manifest rejects %+v", m.Rejected)
	}
	var rej []Rejected
	data, _ := os.ReadFile(filepath.Join(out, RejectsFile))
	if err := json.Unmarshal(data, &rej); err != nil || len(rej) != 2 {
		t.Errorf("rejects.json: %v, %s", err, data)
	}
	res, again := run()
	if res.Issued != 0 || res.Recovered != 299 {
		t.Errorf("second run issued %d, recovered %d; want 0 and 299", res.Issued, res.Recovered)
	}
	for row, id := range ids {
		if again[row] != id {
			t.Fatalf("row %d: id %s then %s", row, id, again[row])
		}
	}
	left, _ := filepath.Glob(filepath.Join(out, "*.tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

// TestBatchFromReadsJSONLinesAndNamesLines: records from a JSON Lines file
// are rows by their line.
func TestBatchFromReadsJSONLinesAndNamesLines(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	var b strings.Builder
	for k, rec := range graduates(t, 5, 24) {
		delete(rec, "@row")
		line, _ := json.Marshal(rec)
		b.Write(line)
		b.WriteString("\n")
		if k == 1 {
			b.WriteString("\n") // a blank line: line numbers go on
		}
	}
	path := filepath.Join(t.TempDir(), "g.jsonl")
	os.WriteFile(path, []byte(b.String()), 0o600)
	src := SourceFunc(func() (templates.Reader, error) { return templates.OpenJSON(path) })
	res, err := iss.BatchFrom(context.Background(), builtin(t, "diploma"), src, Profile{Name: W3C}, BatchOptions{Output: &Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, r := range res.Manifest.Credentials {
		rows = append(rows, r.Row)
	}
	if len(rows) != 5 || rows[0] != 1 || rows[2] != 4 || rows[4] != 6 {
		t.Errorf("rows %v, want [1 2 4 5 6]", rows)
	}
}

var _ io.Closer = (*templates.CSVReader)(nil)

// again is rec as a later row of the same CSV file would give it.
func again(rec templates.Record, row int) templates.Record {
	c := templates.Record{}
	for k, v := range rec {
		c[k] = v
	}
	c["@row"] = row
	return c
}
