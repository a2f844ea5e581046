package templates

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Limits of the streaming readers. A file may be of any size: only one
// record is in memory at a time, and each is bounded.
const (
	// MaxRecordBytes is the largest record a reader accepts: one CSV row
	// (with the line breaks of its quoted cells), one JSON Lines line, one
	// element of a JSON array, or a file's single JSON object. 1 MiB is
	// hundreds of times a diploma row with a full transcript.
	MaxRecordBytes = 1 << 20
	// MaxCellBytes is the largest CSV cell: 64 KiB, sixteen times the
	// longest text a built-in template takes.
	MaxCellBytes = 64 << 10
)

// Reader reads the records of one input, one at a time, in input order.
// *CSVReader and *JSONReader are Readers.
type Reader interface {
	// Read returns the next record, or io.EOF after the last. Any other
	// error ends the input: for a file that is not well-formed it wraps
	// ErrMalformedInput and names the file and the row (or line, or item).
	Read() (Record, error)
}

var (
	_ Reader = (*CSVReader)(nil)
	_ Reader = (*JSONReader)(nil)
)

// errTooLong is what limitReader returns past its limit.
var errTooLong = errors.New("over the limit")

// limitReader lets a parser read up to max bytes in all; the reader moves
// max forward before each record, so that one record, not the file, is
// bounded.
type limitReader struct {
	r   io.Reader
	n   int64 // bytes delivered
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.max {
		return 0, errTooLong
	}
	if rest := l.max - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// CSVReader reads a CSV file's records one row at a time, as ReadCSV
// describes, in memory bounded by MaxRecordBytes whatever the file's size.
// A row over MaxRecordBytes or a cell over MaxCellBytes is an error naming
// the row.
type CSVReader struct {
	file    string
	closer  io.Closer
	lim     *limitReader
	r       *csv.Reader
	header  []string
	prevEnd int // text line where the last row read ended
	row     int // spreadsheet row of the last row read
	n       int // records returned
	err     error
}

// NewCSVReader reads the header row of r and returns a reader positioned at
// the first record. file names the input in errors. A bad header is an
// error wrapping ErrMalformedInput.
func NewCSVReader(r io.Reader, file string) (*CSVReader, error) {
	br := bufio.NewReaderSize(r, MaxRecordBytes)
	head, err := br.Peek(MaxRecordBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if bytes.HasPrefix(head, utf8BOM) {
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return nil, err
		}
		head = head[len(utf8BOM):]
	}
	c := &CSVReader{file: file, lim: &limitReader{r: br, max: MaxRecordBytes}}
	c.r = csv.NewReader(c.lim)
	c.r.Comma = detectDelimiter(head)
	c.r.FieldsPerRecord = -1
	header, err := c.r.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, c.fail(0, "empty file: the first row must name the fields")
	case errors.Is(err, errTooLong):
		return nil, c.fail(1, "the header row is over the limit of %d bytes", MaxRecordBytes)
	case err != nil:
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return nil, err
		}
		return nil, c.fail(1, "%s", csvReason(err))
	}
	if err := c.checkText(1, header); err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			return nil, c.fail(1, "column %d has no name in the header", i+1)
		case strings.HasPrefix(h, "@"):
			return nil, c.fail(1, "column name %q is reserved", h)
		}
		if j, dup := seen[h]; dup {
			return nil, c.fail(1, "column %q appears twice in the header (columns %d and %d)", h, j+1, i+1)
		}
		seen[h] = i
	}
	c.header = header
	c.prevEnd = 1 + newlines(header)
	c.row = 1
	return c, nil
}

// OpenCSV opens the CSV file at path (see NewCSVReader); errors name the
// file by its base name. Close closes the file.
func OpenCSV(path string) (*CSVReader, error) {
	c, f, err := openWith(path, NewCSVReader)
	if err != nil {
		return nil, err
	}
	c.closer = f
	return c, nil
}

// openWith opens the file at path and reads it with newReader, naming it
// by its base name; the file is closed if newReader fails.
func openWith[R any](path string, newReader func(io.Reader, string) (R, error)) (R, io.Closer, error) {
	var zero R
	f, err := os.Open(path)
	if err != nil {
		return zero, nil, err
	}
	r, err := newReader(f, filepath.Base(path))
	if err != nil {
		f.Close()
		return zero, nil, err
	}
	return r, f, nil
}

// Columns returns the header's column names, trimmed: what
// Template.CheckColumns checks before any row is.
func (c *CSVReader) Columns() []string { return append([]string(nil), c.header...) }

// Close closes the file OpenCSV opened; it does nothing for NewCSVReader.
func (c *CSVReader) Close() error {
	if c.closer == nil {
		return nil
	}
	return c.closer.Close()
}

func (c *CSVReader) fail(row int, format string, args ...any) error {
	where := c.file
	if row > 0 {
		where = fmt.Sprintf("%s row %d", c.file, row)
	}
	return fmt.Errorf("%s: %w: %s", strings.TrimSpace(where), ErrMalformedInput, fmt.Sprintf(format, args...))
}

// checkText refuses cells that are not UTF-8 or over MaxCellBytes.
func (c *CSVReader) checkText(row int, cells []string) error {
	for i, s := range cells {
		if !utf8.ValidString(s) {
			return c.fail(row, "not UTF-8 text (save or export the file as \"CSV UTF-8\")")
		}
		if len(s) > MaxCellBytes {
			name := fmt.Sprintf("column %d", i+1)
			if i < len(c.header) {
				name = "column " + c.header[i]
			}
			return c.fail(row, "%s: a cell of %d bytes, over the limit of %d", name, len(s), MaxCellBytes)
		}
	}
	return nil
}

// Read returns the next row's record (its spreadsheet row under Row), or
// io.EOF after the last. Rows whose cells are all empty are skipped but
// counted. A file with no record row is an error at the end.
func (c *CSVReader) Read() (Record, error) {
	if c.err != nil {
		return nil, c.err
	}
	rec, err := c.read()
	if err != nil {
		c.err = err
	}
	return rec, err
}

func (c *CSVReader) read() (Record, error) {
	for {
		c.lim.max = c.r.InputOffset() + MaxRecordBytes
		cells, err := c.r.Read()
		if errors.Is(err, io.EOF) {
			if c.n == 0 {
				return nil, c.fail(0, "no records after the header row")
			}
			return nil, io.EOF
		}
		if errors.Is(err, errTooLong) {
			return nil, c.fail(c.row+1, "a row over the limit of %d bytes (is a quote not closed?)", MaxRecordBytes)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, c.fail(c.row+1+max(0, pe.StartLine-c.prevEnd-1), "%s", csvReason(err))
			}
			return nil, fmt.Errorf("%s row %d: %w", c.file, c.row+1, err)
		}
		line, _ := c.r.FieldPos(0)
		c.row += 1 + max(0, line-c.prevEnd-1)
		c.prevEnd = line + newlines(cells)
		if err := c.checkText(c.row, cells); err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		if len(cells) != len(c.header) {
			return nil, c.fail(c.row, "%d cells where the header has %d columns", len(cells), len(c.header))
		}
		rec := make(Record, len(cells)+1)
		for i, s := range cells {
			if s = strings.TrimSpace(s); s != "" {
				rec[c.header[i]] = s
			}
		}
		rec[rowKey] = c.row
		c.n++
		return rec, nil
	}
}

// JSONReader reads JSON records one at a time, in memory bounded by
// MaxRecordBytes whatever the input's size. The input is one of:
//
//   - a JSON array of objects, read element by element with a token
//     decoder; each record knows its position (Item);
//   - JSON Lines: one object per line (blank lines are skipped); each
//     record knows its line (Line);
//   - one object, which may span lines; it has neither Item nor Line.
//
// A file whose first object is written on one line is read as JSON Lines;
// if it holds that one record only, the record has no Line, as a single
// object. Every record is checked by internal/jsonx (depth, duplicate
// member names) and numbers are kept as json.Number; member names
// beginning with "@" are reserved. Errors wrap ErrMalformedInput and name
// the file and the item or line.
type JSONReader struct {
	file   string
	closer io.Closer
	br     *bufio.Reader
	mode   int
	line   int // JSON Lines: the last line read
	item   int // array: the last item read
	dec    *json.Decoder
	lim    *limitReader
	next   Record // JSON Lines: the record read ahead
	single Record // the record of a single-object input, until read
	n      int
	err    error
}

const (
	modeSingle = iota
	modeLines
	modeArray
)

// NewJSONReader sniffs r (an array, JSON Lines or one object) and returns a
// reader at its first record. file names the input in errors.
func NewJSONReader(r io.Reader, file string) (*JSONReader, error) {
	j := &JSONReader{file: file, br: bufio.NewReaderSize(r, readerSize(r))}
	if err := j.start(); err != nil {
		return nil, err
	}
	return j, nil
}

// readerSize is the buffer a JSONReader of r needs: MaxRecordBytes (the
// longest line it reads), or for input in memory shorter than that, its
// length and one byte (so that a last line without a newline meets the end
// of the input, not a full buffer). A record offered to a wallet is read
// at every credential request: a megabyte to clear each time was most of
// the reading.
func readerSize(r io.Reader) int {
	if br, ok := r.(*bytes.Reader); ok && br.Len() < MaxRecordBytes {
		return br.Len() + 1
	}
	return MaxRecordBytes
}

// OpenJSON opens the JSON or JSON Lines file at path (see NewJSONReader);
// errors name the file by its base name. Close closes the file.
func OpenJSON(path string) (*JSONReader, error) {
	j, f, err := openWith(path, NewJSONReader)
	if err != nil {
		return nil, err
	}
	j.closer = f
	return j, nil
}

// Close closes the file OpenJSON opened; it does nothing for NewJSONReader.
func (j *JSONReader) Close() error {
	if j.closer == nil {
		return nil
	}
	return j.closer.Close()
}

func (j *JSONReader) fail(where, format string, args ...any) error {
	if where != "" {
		where = " " + where
	}
	return fmt.Errorf("%s%s: %w: %s", j.file, where, ErrMalformedInput, fmt.Sprintf(format, args...))
}

// start skips leading white space and reads the input's shape.
func (j *JSONReader) start() error {
	j.line = 1
	for {
		b, err := j.br.ReadByte()
		if errors.Is(err, io.EOF) {
			return j.fail("", "empty: a record must be a JSON object or an array of objects")
		}
		if err != nil {
			return err
		}
		switch b {
		case ' ', '\t', '\r':
			continue
		case '\n':
			j.line++
			continue
		}
		if err := j.br.UnreadByte(); err != nil {
			return err
		}
		switch b {
		case '[':
			return j.startArray()
		case '{':
			return j.startObject()
		}
		// Not a record: say what it is, if it is JSON at all.
		j.lim = &limitReader{r: j.br, max: MaxRecordBytes}
		dec := json.NewDecoder(j.lim)
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return j.fail("", "%v", err)
		}
		return j.fail("", "a record must be a JSON object or an array of objects, found %s", jsonx.Kind(v))
	}
}

func (j *JSONReader) startArray() error {
	j.mode = modeArray
	j.lim = &limitReader{r: j.br, max: MaxRecordBytes}
	j.dec = json.NewDecoder(j.lim)
	j.dec.UseNumber()
	if _, err := j.dec.Token(); err != nil { // the '['
		return j.fail("", "%v", err)
	}
	return nil
}

// startObject reads the first line: a whole object on it means JSON Lines,
// else the input is one object over several lines.
func (j *JSONReader) startObject() error {
	first, err := j.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return j.fail(fmt.Sprintf("line %d", j.line), "a line over the limit of %d bytes", MaxRecordBytes)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if json.Valid(bytes.TrimSpace(first)) {
		j.mode = modeLines
		rec, err := j.record(bytes.TrimSpace(first), fmt.Sprintf("line %d", j.line))
		if err != nil {
			return err
		}
		rec[lineKey] = j.line
		j.next = rec
		return nil
	}
	// One object over several lines.
	j.mode = modeSingle
	prefix := append([]byte(nil), first...)
	j.lim = &limitReader{r: io.MultiReader(bytes.NewReader(prefix), j.br), max: MaxRecordBytes}
	dec := json.NewDecoder(j.lim)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, errTooLong) {
			return j.fail("", "a record over the limit of %d bytes", MaxRecordBytes)
		}
		return j.fail("", "%v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return j.fail("", "more than one JSON value: give one object, an array of objects, or JSON Lines (one object per line)")
	}
	rec, err := j.record(raw, "")
	if err != nil {
		return err
	}
	j.single = rec
	return nil
}

// record checks and decodes one record's JSON.
func (j *JSONReader) record(raw []byte, where string) (Record, error) {
	if err := jsonx.Check(raw, jsonx.Limits{MaxBytes: MaxRecordBytes}); err != nil {
		return nil, j.fail(where, "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, j.fail(where, "%v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		if where == "" {
			return nil, j.fail("", "a record must be a JSON object or an array of objects, found %s", jsonx.Kind(v))
		}
		return nil, j.fail(where, "a record must be a JSON object, found %s", jsonx.Kind(v))
	}
	for k := range obj {
		if strings.HasPrefix(k, "@") {
			return nil, j.fail(where, "member name %q is reserved", k)
		}
	}
	return Record(obj), nil
}

// Read returns the next record, or io.EOF after the last.
func (j *JSONReader) Read() (Record, error) {
	if j.err != nil {
		return nil, j.err
	}
	var rec Record
	var err error
	switch j.mode {
	case modeSingle:
		rec, j.single = j.single, nil
		if rec == nil {
			err = io.EOF
		}
	case modeLines:
		rec, err = j.readLine()
	default:
		rec, err = j.readItem()
	}
	if err != nil {
		j.err = err
		return nil, err
	}
	j.n++
	return rec, nil
}

// readLine returns the record read ahead and reads the next; the only
// record of a file has no line.
func (j *JSONReader) readLine() (Record, error) {
	rec := j.next
	if rec == nil {
		return nil, io.EOF
	}
	next, err := j.nextLine()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	j.next = next
	if next == nil && j.n == 0 {
		delete(rec, lineKey) // a file of one object
	}
	return rec, nil
}

func (j *JSONReader) nextLine() (Record, error) {
	for {
		line, err := j.br.ReadSlice('\n')
		if len(line) == 0 && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		j.line++
		where := fmt.Sprintf("line %d", j.line)
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, j.fail(where, "a line over the limit of %d bytes", MaxRecordBytes)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			continue
		}
		if line[0] != '{' || !json.Valid(line) {
			var why string
			if e := json.Unmarshal(line, new(any)); e != nil {
				why = ": " + e.Error()
			}
			return nil, j.fail(where, "not a JSON object on one line (JSON Lines holds one record per line)%s", why)
		}
		rec, rerr := j.record(line, where)
		if rerr != nil {
			return nil, rerr
		}
		rec[lineKey] = j.line
		return rec, nil
	}
}

func (j *JSONReader) readItem() (Record, error) {
	j.lim.max = j.dec.InputOffset() + MaxRecordBytes
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil { // the ']'
			return nil, j.fail("", "%v", err)
		}
		if _, err := j.dec.Token(); !errors.Is(err, io.EOF) {
			return nil, j.fail("", "more input after the array of records")
		}
		if j.n == 0 {
			return nil, j.fail("", "no records: the array is empty")
		}
		return nil, io.EOF
	}
	j.item++
	where := fmt.Sprintf("item %d", j.item)
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		if errors.Is(err, errTooLong) {
			return nil, j.fail(where, "a record over the limit of %d bytes", MaxRecordBytes)
		}
		return nil, j.fail(where, "%v", err)
	}
	rec, err := j.record(raw, where)
	if err != nil {
		return nil, err
	}
	rec[itemKey] = j.item
	return rec, nil
}
