package issuer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestBatchIntoMemoryWritesNoFileAndKeepsEveryCredentialInRowOrder(t *testing.T) {
	dir := t.TempDir()
	s := newTestStore(t, dir)
	iss := newTestIssuer(t, s)
	mem := &Memory{}
	res, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 40, 5), Profile{Name: W3C}, BatchOptions{Output: mem, ChunkSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if res.Issued != 40 {
		t.Fatalf("issued %d, want 40", res.Issued)
	}
	creds := mem.Credentials()
	if len(creds) != 40 {
		t.Fatalf("memory holds %d credentials, want 40", len(creds))
	}
	for k, r := range res.Manifest.Credentials {
		if r.File != "" || creds[k].Entry.ID != r.ID {
			t.Fatalf("row %d: memory has %s, manifest %s (file %q)", r.Row, creds[k].Entry.ID, r.ID, r.File)
		}
	}
	v := verify(t, s, Profile{Name: W3C}, creds[0].Credential)
	if !bytes.Contains(v.Document, []byte(res.Manifest.Credentials[0].ID)) {
		t.Error("the first credential is not the first row's")
	}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if e.Name() != "diplomat.db" {
			t.Errorf("a batch into memory wrote %s", e.Name())
		}
	}
	// Again: the same ids and indexes, signed again.
	again := &Memory{}
	res2, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 40, 5), Profile{Name: W3C}, BatchOptions{Output: again})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Issued != 0 || res2.Recovered != 40 {
		t.Errorf("second run issued %d, recovered %d; want 0, 40", res2.Issued, res2.Recovered)
	}
	for k, c := range again.Credentials() {
		// The same document (ECDSA signatures differ from one signing to the next).
		p1, _ := decodeSegment(c.Credential)
		p0, _ := decodeSegment(creds[k].Credential)
		if c.Entry.ID != creds[k].Entry.ID || c.Entry.StatusIndex != creds[k].Entry.StatusIndex || len(p0) == 0 || !bytes.Equal(p1, p0) {
			t.Fatalf("row %d signed again differs: %s/%d, first %s/%d", k, c.Entry.ID, c.Entry.StatusIndex, creds[k].Entry.ID, creds[k].Entry.StatusIndex)
		}
	}
}

func TestBatchIntoJSONLWritesOneLinePerCredential(t *testing.T) {
	for _, p := range []Profile{{Name: W3C}, {Name: EDC}} {
		t.Run(p.Name, func(t *testing.T) {
			s := newTestStore(t, t.TempDir())
			iss := newTestIssuer(t, s)
			path := filepath.Join(t.TempDir(), "batch.jsonl")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 25, 9), p, BatchOptions{Output: NewJSONL(f)})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			f, _ = os.Open(path)
			defer f.Close()
			ids := map[string]int{}
			for _, r := range res.Manifest.Credentials {
				ids[r.ID] = r.Row
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			lines := 0
			for sc.Scan() {
				lines++
				var line struct {
					Row        int             `json:"row"`
					ID         string          `json:"id"`
					MediaType  string          `json:"mediaType"`
					Credential json.RawMessage `json:"credential"`
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("line %d: %v", lines, err)
				}
				if ids[line.ID] != line.Row || line.MediaType == "" {
					t.Fatalf("line %d: row %d, id %s, media type %q; manifest row %d", lines, line.Row, line.ID, line.MediaType, ids[line.ID])
				}
				cred := []byte(line.Credential)
				if p.Name == W3C {
					var tok string
					if err := json.Unmarshal(cred, &tok); err != nil {
						t.Fatalf("line %d: a vc+jwt credential is not a string: %v", lines, err)
					}
					cred = []byte(tok)
				}
				if lines == 1 {
					verify(t, s, p, cred)
				}
			}
			if lines != 25 {
				t.Errorf("%d lines, want 25", lines)
			}
		})
	}
}

func TestBatchRefusesBothAFolderAndAnOutput(t *testing.T) {
	iss := newTestIssuer(t, newTestStore(t, t.TempDir()))
	_, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 2, 1), Profile{Name: W3C}, BatchOptions{Out: t.TempDir(), Output: &Memory{}})
	if err == nil {
		t.Fatal("a batch with both Out and Output ran")
	}
}

// decodeSegment returns the decoded payload of a compact JWS.
func decodeSegment(tok []byte) ([]byte, error) {
	parts := bytes.Split(tok, []byte("."))
	return base64.RawURLEncoding.DecodeString(string(parts[1]))
}
