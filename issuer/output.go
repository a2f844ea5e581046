package issuer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
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

var (
	_ Resumable = (*Dir)(nil)
	_ Output    = (*JSONL)(nil)
	_ Output    = (*Memory)(nil)
)

// Dir writes one file per credential into a folder, named by FileName (its
// UUID and the format's extension), through a temporary name (the file name
// and ".tmp") and a rename so that a file is either whole or absent; Finish
// writes manifest.json and rejects.json (removed when no row was rejected).
// A credential whose file is present is not signed again when a batch
// resumes, and the *.tmp files an interrupted batch left are removed when a
// batch opens the folder.
type Dir struct {
	// Path is the folder, created (0700) if missing.
	Path string
}

// open creates the folder if missing and removes the *.tmp files an
// interrupted batch left in it (a kill -9 between write and rename), so that
// nothing reads a partial credential. A folder takes one batch at a time.
func (d *Dir) open() error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return err
	}
	ents, err := os.ReadDir(d.Path)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".tmp") {
			if err := os.Remove(filepath.Join(d.Path, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// Written reports whether FileName(e.ID, ext) exists, and its SHA-256.
func (d *Dir) Written(e *Entry, ext string) (string, [32]byte, bool, error) {
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

// Put writes c to its file.
func (d *Dir) Put(_ context.Context, _ int, c *Issued) (string, error) {
	name := FileName(c.Entry.ID, c.Ext)
	path := filepath.Join(d.Path, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, c.Credential, 0o600); err != nil {
		return "", err
	}
	return name, os.Rename(tmp, path)
}

// Finish writes manifest.json and rejects.json.
func (d *Dir) Finish(m *Manifest) error {
	if err := writeJSON(filepath.Join(d.Path, "manifest.json"), m); err != nil {
		return err
	}
	rj := filepath.Join(d.Path, "rejects.json")
	if len(m.Rejected) > 0 {
		return writeJSON(rj, m.Rejected)
	}
	if err := os.Remove(rj); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
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

// Put writes one line.
func (o *JSONL) Put(_ context.Context, row int, c *Issued) (string, error) {
	line := make([]byte, 0, len(c.Credential)+160)
	line = append(line, `{"row":`...)
	line = strconv.AppendInt(line, int64(row), 10)
	line = append(line, `,"id":`...)
	line = strconv.AppendQuote(line, c.Entry.ID)
	line = append(line, `,"mediaType":`...)
	line = strconv.AppendQuote(line, c.MediaType)
	line = append(line, `,"credential":`...)
	if cred := bytes.TrimSpace(c.Credential); len(cred) > 0 && cred[0] == '{' {
		var b bytes.Buffer
		if err := json.Compact(&b, cred); err != nil {
			return "", err
		}
		line = append(line, b.Bytes()...)
	} else {
		q, err := json.Marshal(string(cred))
		if err != nil {
			return "", err
		}
		line = append(line, q...)
	}
	line = append(line, "}\n"...)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		_, o.err = o.w.Write(line)
	}
	return "", o.err
}

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
