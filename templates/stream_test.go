package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// readEach reads every record of r (readAll), or returns the first error.
func readEach(t *testing.T, r Reader) ([]Record, error) {
	t.Helper()
	return readAll(r)
}

// TestCSVReaderRowsAreSpreadsheetRowsWhateverTheReads: blank rows, rows of
// empty cells and cells over several lines are counted as a spreadsheet
// counts rows, also when the file arrives one byte at a time.
func TestCSVReaderRowsAreSpreadsheetRowsWhateverTheReads(t *testing.T) {
	data := "\xEF\xBB\xBFa;b\r\n1;2\r\n\r\n\"multi\nline\";3\n;\n4;\"5\"\"\"\n"
	for name, src := range map[string]func() io.Reader{
		"whole":       func() io.Reader { return strings.NewReader(data) },
		"byte a time": func() io.Reader { return iotest.OneByteReader(strings.NewReader(data)) },
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewCSVReader(src(), "f.csv")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Columns(), []string{"a", "b"}) {
				t.Errorf("columns %q", r.Columns())
			}
			recs, err := readEach(t, r)
			if err != nil {
				t.Fatal(err)
			}
			var rows []int
			for _, rec := range recs {
				rows = append(rows, rec.Row())
			}
			if !slices.Equal(rows, []int{2, 4, 6}) || recs[2]["b"] != `5"` {
				t.Errorf("rows %v, records %v; want rows [2 4 6]", rows, recs)
			}
		})
	}
}

// TestCSVReaderBoundsEachRowNotTheFile: a file far over MaxInputBytes is
// read; a row over MaxRecordBytes (an unclosed quote swallowing the rest
// of the file) and a cell over MaxCellBytes are errors naming their row.
func TestCSVReaderBoundsEachRowNotTheFile(t *testing.T) {
	t.Run("large file", func(t *testing.T) {
		const rows = 300_000 // about 70 MiB, over MaxInputBytes
		row := "urn:x:" + strings.Repeat("y", 230) + ",b\n"
		src := io.MultiReader(strings.NewReader("a,b\n"), &repeatReader{s: row, n: rows})
		r, err := NewCSVReader(src, "big.csv")
		if err != nil {
			t.Fatal(err)
		}
		n, last := 0, 0
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n, last = n+1, rec.Row()
		}
		if n != rows || last != rows+1 {
			t.Errorf("read %d records, last row %d; want %d and %d", n, last, rows, rows+1)
		}
	})
	cases := []struct{ name, data, want string }{
		{"unclosed quote", "a,b\n1,2\n3,\"" + strings.Repeat("x\n", MaxRecordBytes), "f.csv row 3: malformed input: a row over the limit"},
		{"long cell", "a,b\n1,2\n\n3," + strings.Repeat("x", MaxCellBytes+1) + "\n", "f.csv row 4: malformed input: column b: a cell of 65537 bytes"},
		{"not UTF-8 in the header", "a,\xff\n1,2\n", "f.csv row 1: malformed input: not UTF-8"},
		{"not UTF-8 after a multi-line cell", "a,b\n\"1\n2\",3\n4,\xff\n", "f.csv row 3: malformed input: not UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewCSVReader(strings.NewReader(c.data), "f.csv")
			if err == nil {
				_, err = readEach(t, r)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrMalformedInput) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// repeatReader reads s n times.
type repeatReader struct {
	s   string
	n   int
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) {
		if r.n == 0 {
			if w == 0 {
				return 0, io.EOF
			}
			break
		}
		k := copy(p[w:], r.s[r.off:])
		w += k
		if r.off += k; r.off == len(r.s) {
			r.off, r.n = 0, r.n-1
		}
	}
	return w, nil
}

// TestJSONReaderTakesArraysLinesAndOneObject: each shape gives its records
// with the position its errors name.
func TestJSONReaderTakesArraysLinesAndOneObject(t *testing.T) {
	cases := []struct {
		name, data string
		ids        []string
		pos        func(Record) int
		want       []int
	}{
		{"array", " [ {\"id\": \"a\", \"ects\": 7.5},\n{\"id\": \"b\"} ]\n", []string{"a", "b"}, Record.Item, []int{1, 2}},
		{"lines", "\n{\"id\": \"a\"}\n\n{\"id\": \"b\"}\r\n{\"id\": \"c\"}", []string{"a", "b", "c"}, Record.Line, []int{2, 4, 5}},
		{"one object over lines", "{\n  \"id\": \"a\"\n}\n", []string{"a"}, Record.Line, []int{0}},
		{"one object on a line", "{\"id\": \"a\"}\n\n", []string{"a"}, Record.Line, []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewJSONReader(iotest.HalfReader(strings.NewReader(c.data)), "r.json")
			if err != nil {
				t.Fatal(err)
			}
			recs, err := readEach(t, r)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			var pos []int
			for _, rec := range recs {
				ids = append(ids, rec["id"].(string))
				pos = append(pos, c.pos(rec))
			}
			if !slices.Equal(ids, c.ids) || !slices.Equal(pos, c.want) {
				t.Errorf("ids %v at %v, want %v at %v", ids, pos, c.ids, c.want)
			}
			if c.name == "array" && recs[0]["ects"] != json.Number("7.5") {
				t.Errorf("ects %#v, want json.Number", recs[0]["ects"])
			}
		})
	}
}

func TestJSONReaderErrorsNameTheLineOrItem(t *testing.T) {
	big := `{"id": "` + strings.Repeat("x", MaxRecordBytes) + `"}`
	cases := []struct{ name, data, want string }{
		{"bad line", "{\"id\": \"a\"}\n{\"id\": \n", "r.json line 2: malformed input: not a JSON object on one line"},
		{"array in lines", "{\"id\": \"a\"}\n[1]\n", "r.json line 2: malformed input: not a JSON object"},
		{"duplicate member on a line", "{\"id\": \"a\"}\n\n{\"a\":1,\"a\":2}\n", "r.json line 3: malformed input: json: duplicate member name"},
		{"reserved name", "{\"id\": \"a\"}\n{\"@line\": 3}\n", `r.json line 2: malformed input: member name "@line" is reserved`},
		{"item not an object", `[{"id":"a"}, 2]`, "r.json item 2: malformed input: a record must be a JSON object, found a number"},
		{"item too large", `[{"id":"a"}, ` + big + `]`, "r.json item 2: malformed input: a record over the limit"},
		{"line too long", "{\"id\": \"a\"}\n" + big + "\n", "r.json line 2: malformed input: a line over the limit"},
		{"after the array", `[{"id":"a"}] {}`, "more input after the array"},
		{"empty array", `[ ]`, "no records: the array is empty"},
		{"two objects over lines", "{\n\"id\": \"a\"}\n{\n\"id\": \"b\"}", "more than one JSON value"},
		{"string", `"x"`, "found a string"},
		{"empty", " \n", "empty"},
		{"unclosed", `{`, "malformed input"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewJSONReader(strings.NewReader(c.data), "r.json")
			if err == nil {
				_, err = readEach(t, r)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrMalformedInput) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestProblemsOfJSONLinesNameTheLine: validation names a JSON Lines record
// by its line.
func TestProblemsOfJSONLinesNameTheLine(t *testing.T) {
	tp := mustBuiltin(t, "diploma")
	recs, err := ReadJSON([]byte("{\"id\": \"x\"}\n\n{\"id\": \"y\"}\n"), "g.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	errs := tp.Validate(recs[1])
	if len(errs) == 0 || errs[0].Line != 3 {
		t.Fatalf("problems %v, want them at line 3", errs)
	}
	msg := (&RecordsError{File: "g.jsonl", Errors: errs[:1], More: 4}).Error()
	if !strings.HasPrefix(msg, "g.jsonl line 3, field ") || !strings.HasSuffix(msg, "\n… and 4 more problems in g.jsonl") {
		t.Errorf("message %q", msg)
	}
}

// FuzzJSONReader checks that the JSON reader never panics, that it fails
// only with ErrMalformedInput, and that it reads what ReadJSON reads.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "{\"a\":1}\n{\"b\":[1,2]}\n", "[{\"a\":1},\n{\"b\":{\"c\":\"d\"}}]", "{\n\"a\": 1\n}", `[`, "{\"a\":1}\n{", `[{"a":1}]]`, "\n\n{\"@x\":1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewJSONReader(bytes.NewReader(data), "f.json")
		var recs []Record
		if err == nil {
			recs, err = readEach(t, r)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformedInput) {
				t.Fatalf("error %v does not wrap ErrMalformedInput", err)
			}
			return
		}
		if len(recs) == 0 {
			t.Fatal("no record and no error")
		}
		for _, rec := range recs {
			if !json.Valid(rec.Canonical()) {
				t.Fatalf("canonical form is not JSON: %s", rec.Canonical())
			}
		}
	})
}
