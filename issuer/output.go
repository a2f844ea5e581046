package issuer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Output is where a batch puts the credentials it signs (BatchOptions.Output).
// Dir writes one file per credential (the CLI's --out), JSONL one line per
// credential to a stream, Memory keeps them in memory.
type Output interface {
	// Put stores one signed credential, from input row row. It is called
	// from several goroutines at once. It returns the name the manifest
	// lists the credential under (a file name; "" when the output has no
	// names). An error stops the batch; credentials already put stay put,
	// and running the batch again resumes it.
	Put(ctx context.Context, row int, c *Issued) (name string, err error)
	// Finish is called once, after the last Put, when the whole batch
	// succeeded, with its manifest (credentials in row order). An error is
	// the batch's error.
	Finish(m *Manifest) error
}

// Resumable is an Output that keeps what an earlier run of the same batch
// put, such as a folder. For a row the register already holds, Batch asks
// Written first and signs the credential again only when it reports false.
type Resumable interface {
	Output
	// Written reports whether the credential with register entry e is
	// already whole in the output, with the name it is stored under and the
	// SHA-256 of its bytes. Missing or partial means false; an error stops
	// the batch.
	Written(e *Entry, ext string) (name string, sum [32]byte, ok bool, err error)
}

// ManifestWriter is an ability an Output may have: it keeps the manifest
// itself, written as the batch makes it, so that the batch keeps no row in
// memory (BatchFrom then leaves BatchResult.Manifest's rows empty). *Dir
// has it. For an Output without it, the rows are kept in
// BatchResult.Manifest and handed whole to Finish.
type ManifestWriter interface {
	Output
	// BeginManifest is called once, before the first Put, with the
	// manifest's header (no rows yet). An error stops the batch.
	BeginManifest(m *Manifest) error
	// WriteCredential and WriteRejected are called from one goroutine,
	// each row once, in row order, after the credential's Put. Finish
	// then completes the manifest from its header (and ignores the rows
	// of the Manifest it is given). An error stops the batch.
	WriteCredential(r ManifestRow) error
	WriteRejected(r Rejected) error
}

var (
	_ Resumable      = (*Dir)(nil)
	_ ManifestWriter = (*Dir)(nil)
	_ Output         = (*JSONL)(nil)
	_ Output         = (*Memory)(nil)
)

// Dir writes a batch into a folder: one file per credential, named by
// FileName (its UUID and the format's extension), through a temporary name
// (the file name and ".tmp") and a rename so that a file is either whole or
// absent; or, with JSONL, every credential as one line of credentials.jsonl.
// It writes manifest.json and rejects.json (removed when no row was
// rejected) as the batch goes, through temporary names renamed when the
// batch ends, so that their size on disk, not in memory, grows with the
// batch. A credential whose file is present is not signed again when a
// batch resumes, and the *.tmp files an interrupted batch left are removed
// when a batch opens the folder. A Dir takes one batch at a time.
type Dir struct {
	// Path is the folder, created (0700) if missing.
	Path string
	// JSONL writes the credentials as JSON Lines (as the JSONL output
	// writes them) to one file, credentials.jsonl, instead of one file per
	// credential. Such a folder is not resumable the way files are: a batch
	// run again writes every credential again (see JSONL).
	JSONL bool

	lines    *JSONL
	linesF   *os.File
	man, rej *jsonArray
}

// Names of the files a Dir writes besides the credentials.
const (
	ManifestFile = "manifest.json"
	RejectsFile  = "rejects.json"
	JSONLFile    = "credentials.jsonl"
)

// open creates the folder if missing and removes the *.tmp files an
// interrupted batch left in it (a kill -9 between write and rename), so that
// nothing reads a partial credential. A folder takes one batch at a time.
func (d *Dir) open() error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return err
	}
	f, err := os.Open(d.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		// In slices, so that a folder of a million credentials is not
		// listed in memory at once.
		ents, err := f.ReadDir(4096)
		for _, e := range ents {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".tmp") {
				if err := os.Remove(filepath.Join(d.Path, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
		}
		if errors.Is(err, io.EOF) || len(ents) == 0 {
			break
		}
		if err != nil {
			return err
		}
	}
	if d.JSONL {
		if d.linesF, err = os.OpenFile(filepath.Join(d.Path, JSONLFile+".tmp"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return err
		}
		d.lines = NewJSONL(d.linesF)
	}
	return nil
}

// abort closes what an unfinished batch left open; its *.tmp files stay,
// for the next open to remove.
func (d *Dir) abort() {
	if d.linesF != nil {
		d.linesF.Close()
		d.linesF, d.lines = nil, nil
	}
	for _, a := range []*jsonArray{d.man, d.rej} {
		if a != nil {
			a.f.Close()
		}
	}
	d.man, d.rej = nil, nil
}

// Written reports whether FileName(e.ID, ext) exists, and its SHA-256;
// always false in JSONL mode.
func (d *Dir) Written(e *Entry, ext string) (string, [32]byte, bool, error) {
	if d.JSONL {
		return "", [32]byte{}, false, nil
	}
	name := FileName(e.ID, ext)
	data, err := os.ReadFile(filepath.Join(d.Path, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return name, [32]byte{}, false, nil
		}
		return name, [32]byte{}, false, err
	}
	return name, sha256.Sum256(data), true, nil
}

// Put writes c to its file, or its line of credentials.jsonl.
func (d *Dir) Put(ctx context.Context, row int, c *Issued) (string, error) {
	if d.JSONL {
		if d.lines == nil {
			return "", errors.New("batch: the JSON Lines file of the folder is not open")
		}
		return d.lines.Put(ctx, row, c)
	}
	name := FileName(c.Entry.ID, c.Ext)
	path := filepath.Join(d.Path, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, c.Credential, 0o600); err != nil {
		return "", err
	}
	return name, os.Rename(tmp, path)
}

// manifestHeader is the manifest without its rows and time.
type manifestHeader struct {
	Source   string `json:"source,omitempty"`
	Template string `json:"template"`
	Profile  string `json:"profile"`
	Proof    string `json:"proof"`
	Key      string `json:"key"`
	KeyID    string `json:"keyId"`
	Issuer   string `json:"issuer"`
}

// BeginManifest starts manifest.json.tmp and rejects.json.tmp.
func (d *Dir) BeginManifest(m *Manifest) error {
	head, err := json.MarshalIndent(manifestHeader{m.Source, m.Template, m.Profile, m.Proof, m.Key, m.KeyID, m.Issuer}, "", "  ")
	if err != nil {
		return err
	}
	head = append(bytes.TrimSuffix(head, []byte("\n}")), ",\n  \"credentials\": ["...)
	if d.man, err = newJSONArray(filepath.Join(d.Path, ManifestFile+".tmp"), head, "\n    ", false); err != nil {
		return err
	}
	if d.rej, err = newJSONArray(filepath.Join(d.Path, RejectsFile+".tmp"), []byte("["), "\n  ", true); err != nil {
		return err
	}
	return nil
}

// WriteCredential adds a row to manifest.json.
func (d *Dir) WriteCredential(r ManifestRow) error { return d.man.add(r) }

// WriteRejected adds a row to rejects.json.
func (d *Dir) WriteRejected(r Rejected) error { return d.rej.add(r) }

// Finish completes credentials.jsonl, rejects.json and manifest.json and
// gives them their names. Without BeginManifest (a Dir used by a program as
// a plain Output) it writes the manifest m whole.
func (d *Dir) Finish(m *Manifest) error {
	if d.lines != nil {
		if err := d.lines.Finish(m); err != nil {
			return err
		}
		if err := d.linesF.Close(); err != nil {
			return err
		}
		d.lines = nil
		if err := os.Rename(d.linesF.Name(), filepath.Join(d.Path, JSONLFile)); err != nil {
			return err
		}
	}
	man, rej := filepath.Join(d.Path, ManifestFile), filepath.Join(d.Path, RejectsFile)
	if d.man == nil {
		if err := writeJSON(man, m); err != nil {
			return err
		}
		if len(m.Rejected) > 0 {
			return writeJSON(rej, m.Rejected)
		}
		if err := os.Remove(rej); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	written, err := json.Marshal(m.Written)
	if err != nil {
		return err
	}
	if err := d.man.end("\n  ]"); err != nil {
		return err
	}
	if d.rej.n > 0 {
		if err := d.rej.end("\n]"); err != nil {
			return err
		}
		if err := d.rej.close(rej); err != nil {
			return err
		}
		// The manifest lists the rejected rows too.
		f, err := os.Open(rej)
		if err != nil {
			return err
		}
		_, werr := d.man.w.WriteString(",\n  \"rejected\": ")
		if werr == nil {
			_, werr = io.Copy(d.man.w, f)
		}
		f.Close()
		if werr != nil {
			return werr
		}
	} else {
		d.rej.f.Close()
		if err := os.Remove(d.rej.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.Remove(rej); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if _, err := d.man.w.WriteString(",\n  \"written\": " + string(written) + "\n}\n"); err != nil {
		return err
	}
	err = d.man.close(man)
	d.man, d.rej = nil, nil
	return err
}

// jsonArray writes a JSON array to a temporary file, one element at a
// time.
type jsonArray struct {
	f      *os.File
	w      *bufio.Writer
	sep    string // before each element
	indent bool   // elements indented, else one line each
	n      int
}

func newJSONArray(tmp string, head []byte, sep string, indent bool) (*jsonArray, error) {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	a := &jsonArray{f: f, w: bufio.NewWriterSize(f, 64<<10), sep: sep, indent: indent}
	if _, err := a.w.Write(head); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

func (a *jsonArray) add(v any) error {
	var data []byte
	var err error
	if a.indent {
		data, err = json.MarshalIndent(v, strings.TrimLeft(a.sep, "\n"), "  ")
	} else {
		data, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	if a.n > 0 {
		a.w.WriteByte(',')
	}
	a.n++
	a.w.WriteString(a.sep)
	_, err = a.w.Write(data)
	return err
}

// end closes the array: its last line break and bracket when it has
// elements, a bare bracket when it has none.
func (a *jsonArray) end(tail string) error {
	if a.n == 0 {
		tail = "]"
	}
	_, err := a.w.WriteString(tail)
	return err
}

// close flushes and syncs the file and renames it to path.
func (a *jsonArray) close(path string) error {
	err := a.w.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(a.f.Name(), path)
}

// JSONL writes the credentials to W as JSON Lines, one object per
// credential, in the order they are signed (not row order):
//
//	{"row":2,"id":"urn:uuid:…","mediaType":"application/vc+jwt","credential":"eyJ…"}
//
// credential is a string for the compact forms (JWT, SD-JWT) and the JSON
// object itself for Data Integrity and JAdES. Writes are buffered; Finish
// flushes. A JSONL stream is not Resumable: a batch run again writes every
// credential again (rows already registered keep their id, time and status
// index), so the stream of the last run covers the whole input. Closing W
// is the caller's.
type JSONL struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

// NewJSONL returns a JSONL output writing to w.
func NewJSONL(w io.Writer) *JSONL { return &JSONL{w: bufio.NewWriterSize(w, 256<<10)} }

// Put writes one line. The line is written straight into the buffer under
// the lock (no copy of the credential is made first): the credential is
// the only large part, and it is checked as it is copied.
func (o *JSONL) Put(_ context.Context, row int, c *Issued) (string, error) {
	cred := bytes.TrimSpace(c.Credential)
	var obj []byte // the compact JSON object, for Data Integrity and JAdES
	if len(cred) > 0 && cred[0] == '{' {
		// Checked (jsonx is stricter than encoding/json's Compact, and
		// three times faster) with no limit but the credential's own
		// size, then copied without whitespace only if it has some.
		if err := jsonx.Check(cred, jsonx.Limits{MaxBytes: len(cred), MaxDepth: len(cred)}); err != nil {
			return "", fmt.Errorf("credential %s: %w", c.Entry.ID, err)
		}
		obj = jsonx.CompactValid(cred)
	}
	var quoted []byte // a credential that is neither an object nor compact
	if obj == nil && !compactSafe(cred) {
		q, err := json.Marshal(string(cred))
		if err != nil {
			return "", err
		}
		quoted = q
	}
	var head [160]byte
	line := append(head[:0], `{"row":`...)
	line = strconv.AppendInt(line, int64(row), 10)
	line = append(line, `,"id":`...)
	line = strconv.AppendQuote(line, c.Entry.ID)
	line = append(line, `,"mediaType":`...)
	line = strconv.AppendQuote(line, c.MediaType)
	line = append(line, `,"credential":`...)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return "", o.err
	}
	o.w.Write(line)
	switch {
	case obj != nil:
		o.w.Write(obj)
	case quoted != nil:
		o.w.Write(quoted)
	default:
		// A JWS or SD-JWT: base64url, dots and tildes need no escaping.
		o.w.WriteByte('"')
		o.w.Write(cred)
		o.w.WriteByte('"')
	}
	_, o.err = o.w.WriteString("}\n")
	return "", o.err
}

// compactSafe reports whether b holds only the characters of a compact
// serialization (base64url, '.', '~'), which a JSON string holds as they
// are.
func compactSafe(b []byte) bool {
	for _, c := range b {
		if !compactChars[c] {
			return false
		}
	}
	return true
}

// compactChars are the bytes compactSafe accepts.
var compactChars = func() (t [256]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// Finish flushes the buffered lines.
func (o *JSONL) Finish(*Manifest) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		o.err = o.w.Flush()
	}
	return o.err
}

// Memory keeps the credentials of a batch in memory, for a program that
// sends them on itself (and for benchmarks). Like JSONL it is not
// Resumable: every row is signed, rows already registered again with their
// recorded id, time and status index.
type Memory struct {
	mu   sync.Mutex
	rows []int
	out  []*Issued
}

// Put keeps c.
func (o *Memory) Put(_ context.Context, row int, c *Issued) (string, error) {
	o.mu.Lock()
	o.rows = append(o.rows, row)
	o.out = append(o.out, c)
	o.mu.Unlock()
	return "", nil
}

// Finish does nothing.
func (o *Memory) Finish(*Manifest) error { return nil }

// Credentials returns the credentials put so far, in input row order.
func (o *Memory) Credentials() []*Issued {
	o.mu.Lock()
	defer o.mu.Unlock()
	idx := make([]int, len(o.out))
	for k := range idx {
		idx[k] = k
	}
	sort.SliceStable(idx, func(a, b int) bool { return o.rows[idx[a]] < o.rows[idx[b]] })
	out := make([]*Issued, len(idx))
	for k, i := range idx {
		out[k] = o.out[i]
	}
	return out
}

// writeJSON writes v indented to path through a temporary file and a rename.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
