package templates

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Record is one input record: a JSON object as decoded (nested objects for
// multilingual texts and arrays of objects for lists, numbers as
// json.Number), or a CSV row (string values under the header's column
// names, such as "title.fr" or "course.3.ects"; empty cells are left out).
// ReadCSV and ReadJSON also record where the record came from, under the
// reserved keys "@row" and "@item", which Row and Item read and which are
// not fields.
type Record map[string]any

const (
	rowKey  = "@row"
	itemKey = "@item"
)

// MaxInputBytes is the largest file ReadCSV and ReadJSON accept: 64 MiB,
// over 50,000 graduates with a full transcript each.
const MaxInputBytes = 64 << 20

// Row returns the spreadsheet row the record was read from (header = row
// 1), or 0 when it did not come from ReadCSV.
func (r Record) Row() int { n, _ := r[rowKey].(int); return n }

// Item returns the 1-based position of the record in a JSON array, or 0.
func (r Record) Item() int { n, _ := r[itemKey].(int); return n }

// Canonical returns the record's data as JSON with sorted member names and
// without the position keys: the same input row gives the same bytes
// wherever it sits in its file (an idempotency key for batch issuance).
func (r Record) Canonical() []byte {
	m := maps.Clone(map[string]any(r))
	delete(m, rowKey)
	delete(m, itemKey)
	b, err := json.Marshal(m)
	if err != nil { // only for values ReadCSV and ReadJSON never produce
		return []byte(fmt.Sprintf("%#v", m))
	}
	return b
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ReadCSV reads the rows of a CSV file whose header row names the fields.
// The file is UTF-8, with or without a byte-order mark; its delimiter is a
// comma or a semicolon, whichever the header row uses more (outside quoted
// names); fields may be quoted, and quoted fields may hold delimiters,
// quotes ("") and line breaks. Values are trimmed of surrounding spaces, and
// empty cells are left out of the record; rows whose cells are all empty
// are skipped but still counted, so that Row matches the row a spreadsheet
// shows. file names the file in messages.
//
// A file that is not UTF-8, has no header, an empty, duplicate or reserved
// ("@…") column name, a row with more or fewer cells than the header, a
// quoting error, or no record row at all, is an error wrapping
// ErrMalformedInput that names the file and the row.
func ReadCSV(data []byte, file string) ([]Record, error) {
	data, fail, err := csvText(data, file)
	if err != nil {
		return nil, err
	}
	r, header, err := readHeader(data, fail)
	if err != nil {
		return nil, err
	}
	prevEnd := 1 + newlines(header)
	row := 1
	var out []Record
	for {
		cells, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fail(row+1+max(0, pe.StartLine-prevEnd-1), "%s", csvReason(err))
			}
			return nil, fail(row+1, "%v", err)
		}
		line, _ := r.FieldPos(0)
		row += 1 + max(0, line-prevEnd-1)
		prevEnd = line + newlines(cells)
		if blank(cells) {
			continue
		}
		if len(cells) != len(header) {
			return nil, fail(row, "%d cells where the header has %d columns", len(cells), len(header))
		}
		rec := make(Record, len(cells)+1)
		for i, c := range cells {
			if c = strings.TrimSpace(c); c != "" {
				rec[header[i]] = c
			}
		}
		rec[rowKey] = row
		out = append(out, rec)
	}
	if len(out) == 0 {
		return nil, fail(0, "no records after the header row")
	}
	return out, nil
}

// CSVColumns returns the column names of a CSV file's header row, trimmed,
// read as ReadCSV reads them (and with the same errors for a bad header):
// what Template.CheckColumns checks before any row is.
func CSVColumns(data []byte, file string) ([]string, error) {
	data, fail, err := csvText(data, file)
	if err != nil {
		return nil, err
	}
	_, header, err := readHeader(data, fail)
	return header, err
}

// csvFail makes the error of a CSV file's problem at a row (0: the file).
type csvFail func(row int, format string, args ...any) error

// csvText checks a CSV file's size and encoding and returns its text
// without the byte-order mark, and the function that words its errors
// (wrapping ErrMalformedInput, naming file and row).
func csvText(data []byte, file string) ([]byte, csvFail, error) {
	fail := func(row int, format string, args ...any) error {
		where := file
		if row > 0 {
			where = fmt.Sprintf("%s row %d", file, row)
		}
		return fmt.Errorf("%s: %w: %s", strings.TrimSpace(where), ErrMalformedInput, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxInputBytes {
		return nil, nil, fail(0, "%d bytes, over the limit of %d", len(data), MaxInputBytes)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return nil, nil, fail(1+badUTF8Line(data), "not UTF-8 text (save or export the file as \"CSV UTF-8\")")
	}
	return data, fail, nil
}

// readHeader returns a reader positioned after the header row of data
// (UTF-8, without its byte-order mark) and the header's trimmed column
// names, or the error fail makes for a missing, empty, reserved or
// repeated column name.
func readHeader(data []byte, fail csvFail) (*csv.Reader, []string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = detectDelimiter(data)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fail(0, "empty file: the first row must name the fields")
	}
	if err != nil {
		return nil, nil, fail(1, "%s", csvReason(err))
	}
	seen := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			return nil, nil, fail(1, "column %d has no name in the header", i+1)
		case strings.HasPrefix(h, "@"):
			return nil, nil, fail(1, "column name %q is reserved", h)
		}
		if j, dup := seen[h]; dup {
			return nil, nil, fail(1, "column %q appears twice in the header (columns %d and %d)", h, j+1, i+1)
		}
		seen[h] = i
	}
	return r, header, nil
}

// detectDelimiter returns ';' when the header row has more semicolons than
// commas outside quotes, else ','.
func detectDelimiter(data []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

func newlines(cells []string) int {
	n := 0
	for _, c := range cells {
		n += strings.Count(c, "\n")
	}
	return n
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func badUTF8Line(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return bytes.Count(data[:i], []byte{'\n'})
		}
		i += size
	}
	return 0
}

// csvReason words an encoding/csv error without its own line numbers,
// which count text lines, not rows.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return fmt.Sprintf("character %d: a quote (\") inside a field that is not quoted; quote the field and double the quote (\"\")", pe.Column)
		case errors.Is(pe.Err, csv.ErrQuote):
			return fmt.Sprintf("character %d: a quoted field is not closed, or its closing quote is followed by other characters", pe.Column)
		}
		return fmt.Sprintf("character %d: %v", pe.Column, pe.Err)
	}
	return err.Error()
}

// ReadJSON reads one record (a JSON object) or several (an array of
// objects). The input is checked by internal/jsonx first (size up to
// MaxInputBytes, depth, duplicate member names); numbers are kept as
// json.Number. Records of an array know their position (Item). Member names
// beginning with "@" are reserved. Errors wrap ErrMalformedInput and name
// the file.
func ReadJSON(data []byte, file string) ([]Record, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", file, ErrMalformedInput, fmt.Sprintf(format, args...))
	}
	if err := jsonx.Check(data, jsonx.Limits{MaxBytes: MaxInputBytes}); err != nil {
		return nil, fail("%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fail("%v", err)
	}
	toRecord := func(v any, item int) (Record, error) {
		obj, ok := v.(map[string]any)
		if !ok {
			if item > 0 {
				return nil, fail("item %d: a record must be a JSON object, found %s", item, jsonx.Kind(v))
			}
			return nil, fail("a record must be a JSON object or an array of objects, found %s", jsonx.Kind(v))
		}
		for k := range obj {
			if strings.HasPrefix(k, "@") {
				return nil, fail("member name %q is reserved", k)
			}
		}
		if item > 0 {
			obj[itemKey] = item
		}
		return Record(obj), nil
	}
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil, fail("no records: the array is empty")
		}
		out := make([]Record, 0, len(arr))
		for i, e := range arr {
			rec, err := toRecord(e, i+1)
			if err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		return out, nil
	}
	rec, err := toRecord(v, 0)
	if err != nil {
		return nil, err
	}
	return []Record{rec}, nil
}
