package templates

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Record is one input record: a JSON object as decoded (nested objects for
// multilingual texts and arrays of objects for lists, numbers as
// json.Number), or a CSV row (string values under the header's column
// names, such as "title.fr" or "course.3.ects"; empty cells are left out).
// The readers also record where the record came from, under the reserved
// keys "@row", "@item" and "@line", which Row, Item and Line read and which
// are not fields.
type Record map[string]any

const (
	rowKey  = "@row"
	itemKey = "@item"
	lineKey = "@line"
)

// MaxInputBytes is the largest input ReadCSV and ReadJSON accept, which
// hold it whole in memory: 64 MiB. CSVReader and JSONReader read files of
// any size.
const MaxInputBytes = 64 << 20

// Row returns the spreadsheet row the record was read from (header = row
// 1), or 0 when it did not come from a CSV file.
func (r Record) Row() int { n, _ := r[rowKey].(int); return n }

// Item returns the 1-based position of the record in a JSON array, or 0.
func (r Record) Item() int { n, _ := r[itemKey].(int); return n }

// Line returns the line of a JSON Lines file the record was read from, or
// 0.
func (r Record) Line() int { n, _ := r[lineKey].(int); return n }

// Canonical returns the record's data as JSON with sorted member names and
// without the position keys: the same input row gives the same bytes
// wherever it sits in its file (an idempotency key for batch issuance).
func (r Record) Canonical() []byte {
	return r.AppendCanonical(nil)
}

// AppendCanonical appends Canonical's bytes to b. A record of strings (a
// CSV row) is written directly, byte for byte as encoding/json writes the
// map (members sorted by name, strings escaped as it escapes them); any
// other record through encoding/json.
func (r Record) AppendCanonical(b []byte) []byte {
	var names [32]string
	keys := names[:0]
	for k, v := range r {
		if k == rowKey || k == itemKey || k == lineKey {
			continue
		}
		if _, ok := v.(string); !ok {
			return append(b, r.canonicalJSON()...)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for k, name := range keys {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = appendJSONString(b, r[name].(string))
	}
	return append(b, '}')
}

// canonicalJSON is Canonical through encoding/json.
func (r Record) canonicalJSON() []byte {
	m := maps.Clone(map[string]any(r))
	delete(m, rowKey)
	delete(m, itemKey)
	delete(m, lineKey)
	b, err := json.Marshal(m)
	if err != nil { // only for values ReadCSV and ReadJSON never produce
		return []byte(fmt.Sprintf("%#v", m))
	}
	return b
}

// appendJSONString appends s as encoding/json's Marshal writes a string:
// as it is when it holds nothing encoding/json escapes (control
// characters, '"', '\\', '<', '>', '&', invalid UTF-8, U+2028, U+2029),
// else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for k := 0; k < len(s); {
		c := s[k]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshaled(b, s)
			}
			k++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[k:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return appendMarshaled(b, s)
		}
		k += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendMarshaled(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
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
// A file over MaxInputBytes, not UTF-8, with no header, an empty, duplicate
// or reserved ("@…") column name, a row with more or fewer cells than the
// header, a quoting error, a row over MaxRecordBytes or a cell over
// MaxCellBytes, or no record row at all, is an error wrapping
// ErrMalformedInput that names the file and the row. ReadCSV holds the
// whole file in memory; CSVReader reads a file of any size row by row.
func ReadCSV(data []byte, file string) ([]Record, error) {
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes, over the limit of %d", file, ErrMalformedInput, len(data), MaxInputBytes)
	}
	r, err := NewCSVReader(bytes.NewReader(data), file)
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

// readAll reads every record of r.
func readAll(r Reader) ([]Record, error) {
	var out []Record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// CSVColumns returns the column names of a CSV file's header row, trimmed,
// read as ReadCSV reads them (and with the same errors for a bad header):
// what Template.CheckColumns checks before any row is.
func CSVColumns(data []byte, file string) ([]string, error) {
	r, err := NewCSVReader(bytes.NewReader(data), file)
	if err != nil {
		return nil, err
	}
	return r.Columns(), nil
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
// objects, or JSON Lines: one object per line), as JSONReader describes.
// The whole input is checked by internal/jsonx first (size up to
// MaxInputBytes, depth, duplicate member names); numbers are kept as
// json.Number. Records of an array know their position (Item), those of
// JSON Lines their line (Line). Member names beginning with "@" are
// reserved. Errors wrap ErrMalformedInput and name the file.
func ReadJSON(data []byte, file string) ([]Record, error) {
	if len(bytes.TrimSpace(data)) > 0 && bytes.TrimSpace(data)[0] == '[' {
		// An array is one JSON value: check it whole, as a file of one
		// object is checked by JSONReader.
		if err := jsonx.Check(data, jsonx.Limits{MaxBytes: MaxInputBytes}); err != nil {
			return nil, fmt.Errorf("%s: %w: %v", file, ErrMalformedInput, err)
		}
	} else if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes, over the limit of %d", file, ErrMalformedInput, len(data), MaxInputBytes)
	}
	r, err := NewJSONReader(bytes.NewReader(data), file)
	if err != nil {
		return nil, err
	}
	return readAll(r)
}
