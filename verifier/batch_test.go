package verifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowCountingFetcher counts the fetches of each URL, each taking a while, so
// that concurrent verifications ask for a document at the same time.
type slowCountingFetcher struct {
	f     StatusFetcher
	delay time.Duration
	mu    sync.Mutex
	n     map[string]int
}

func (c *slowCountingFetcher) Fetch(ctx context.Context, url string) ([]byte, error) {
	c.mu.Lock()
	c.n[url]++
	c.mu.Unlock()
	time.Sleep(c.delay)
	return c.f.Fetch(ctx, url)
}

// sliceItems are items in memory.
type sliceItems []Item

func (s *sliceItems) Next() (Item, error) {
	if len(*s) == 0 {
		return Item{}, io.EOF
	}
	it := (*s)[0]
	*s = (*s)[1:]
	return it, nil
}

// TestVerifyAllFetchesEachDocumentOnceAndKeepsInputOrder: many credentials
// of one did:web issuer and one status list, verified on eight workers,
// fetch the DID document and the list once; the outcomes come in input
// order and the tally counts verdicts and failing checks.
func TestVerifyAllFetchesEachDocumentOnceAndKeepsInputOrder(t *testing.T) {
	w := newWorld(t)
	opts := w.options()
	cf := &slowCountingFetcher{f: opts.Fetcher, delay: 20 * time.Millisecond, n: map[string]int{}}
	opts.Fetcher = cf
	v, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var items sliceItems
	want := map[string]Verdict{}
	for k := range 60 {
		name := fmt.Sprintf("c%02d", k)
		var data []byte
		switch {
		case k%10 == 3: // revoked: bit 10 of the list is set
			data = w.vcJWT(func(m map[string]any) {
				m["id"] = "urn:uuid:" + name
				m["credentialStatus"] = w.statusEntry("/status/revocation", "revocation", 10)
			})
			want[name] = Revoked
		case k%10 == 7:
			data = tamperPayload(t, w.vcJWT(func(m map[string]any) { m["id"] = "urn:uuid:" + name }), name, "zz"+name[2:])
			want[name] = Invalid
		case k%20 == 9:
			data = []byte(`{"template": "diploma", "profile": "w3c", "credentials": []}`)
		default:
			data = w.vcJWT(func(m map[string]any) { m["id"] = "urn:uuid:" + name })
			want[name] = Verified
		}
		items = append(items, Item{Name: name, Data: data})
	}
	var names []string
	tally, err := v.VerifyAll(context.Background(), &items, Request{}, BatchOptions{
		Workers: 8,
		Skip: func(data []byte) string {
			if strings.Contains(string(data), `"template"`) {
				return "a manifest"
			}
			return ""
		},
	}, func(o Outcome) error {
		names = append(names, o.Name)
		if o.Skipped != "" {
			if _, ok := want[o.Name]; ok {
				t.Errorf("%s skipped: %s", o.Name, o.Skipped)
			}
			return nil
		}
		if o.Report.Verdict != want[o.Name] {
			t.Errorf("%s: %s, want %s\n%s", o.Name, o.Report.Verdict, want[o.Name], dump(o.Report))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range names {
		if n != fmt.Sprintf("c%02d", k) {
			t.Fatalf("outcome %d is %s: not in input order", k, n)
		}
	}
	if tally.Reports != 57 || tally.Skipped != 3 || tally.Verdicts[Verified] != 45 || tally.Verdicts[Revoked] != 6 || tally.Verdicts[Invalid] != 6 {
		t.Errorf("tally %+v", tally)
	}
	if tally.Failed[CheckStatus] != 6 || tally.Failed[CheckProof] != 6 || tally.AllVerified() {
		t.Errorf("failed checks %v", tally.Failed)
	}
	for url, n := range cf.n {
		if n != 1 {
			t.Errorf("%s fetched %d times, want once", url, n)
		}
	}
	if len(cf.n) != 2 {
		t.Errorf("fetched %v, want the DID document and the list", cf.n)
	}
}

// TestVerifyAllStopsAtAnErrorOfItsInput: an error of the items stops the
// batch and is returned.
func TestVerifyAllStopsAtAnErrorOfItsInput(t *testing.T) {
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	items := &failingItems{after: 3, err: boom}
	n := 0
	_, err = v.VerifyAll(context.Background(), items, Request{}, BatchOptions{Workers: 2}, func(Outcome) error { n++; return nil })
	if !errors.Is(err, boom) || n > 3 {
		t.Errorf("err %v after %d outcomes", err, n)
	}
}

type failingItems struct {
	after int
	err   error
}

func (f *failingItems) Next() (Item, error) {
	if f.after == 0 {
		return Item{}, f.err
	}
	f.after--
	return Item{Name: "x", Data: []byte("eyJ.x.y")}, nil
}

// TestJSONLinesTakesTheFormsIssueWrites: a line of issue --jsonl (the
// credential a string or an object), a bare JSON string, a credential
// object; blank lines are counted, not yielded; a line over the limit
// stops with its number.
func TestJSONLinesTakesTheFormsIssueWrites(t *testing.T) {
	in := strings.Join([]string{
		`{"row":2,"id":"urn:uuid:1","mediaType":"application/vc+jwt","credential":"eyJa.b.c"}`,
		``,
		`{"row":3,"id":"urn:uuid:2","mediaType":"application/vc+ld+json","credential":{"@context":["x"],"proof":{}}}`,
		`"eyJd.e.f"`,
		`{"@context":["y"],"type":["VerifiableCredential"]}`,
		`not json`,
		`{"row":9,"credential":"eyJg\u002eh.i"}`,
	}, "\n")
	items := JSONLines(strings.NewReader(in), "b.jsonl")
	want := []Item{
		{"b.jsonl line 1", []byte("eyJa.b.c")},
		{"b.jsonl line 3", []byte(`{"@context":["x"],"proof":{}}`)},
		{"b.jsonl line 4", []byte("eyJd.e.f")},
		{"b.jsonl line 5", []byte(`{"@context":["y"],"type":["VerifiableCredential"]}`)},
		{"b.jsonl line 6", []byte("not json")},
		{"b.jsonl line 7", []byte("eyJg.h.i")},
	}
	for _, w := range want {
		got, err := items.Next()
		if err != nil || got.Name != w.Name || string(got.Data) != string(w.Data) {
			t.Fatalf("got %q %q %v, want %q %q", got.Name, got.Data, err, w.Name, w.Data)
		}
	}
	if _, err := items.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last line: %v", err)
	}
	long := JSONLines(strings.NewReader("\"a\"\n\"b\"\n\""+strings.Repeat("x", MaxInputBytes+1)+"\"\n"), "l.jsonl")
	long.Next()
	long.Next()
	if _, err := long.Next(); err == nil || !strings.Contains(err.Error(), "l.jsonl line 3: over the limit") {
		t.Errorf("a line over the limit: %v", err)
	}
}

// TestOpenDirListsFilesInNameOrder: regular files only, no dot files, in
// name order; a file over the limit is read only to the limit and a byte.
func TestOpenDirListsFilesInNameOrder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.jwt", "a.jwt", ".hidden", "c.json"} {
		os.WriteFile(filepath.Join(dir, name), []byte(name), 0o600)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	big, _ := os.Create(filepath.Join(dir, "d.big"))
	big.Truncate(MaxInputBytes + 100)
	big.Close()
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got []string
	for {
		it, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it.Name)
		if it.Name == "d.big" && len(it.Data) != MaxInputBytes+1 {
			t.Errorf("d.big: %d bytes read", len(it.Data))
		}
	}
	if strings.Join(got, " ") != "a.jwt b.jwt c.json d.big" {
		t.Errorf("files %v", got)
	}
}

// FuzzJSONLines checks that reading JSON Lines never panics, that every
// item is named by its file and a line that grows, and that an error is
// only for a line over the limit.
func FuzzJSONLines(f *testing.F) {
	for _, s := range []string{
		"{\"row\":2,\"credential\":\"eyJa.b.c\"}\n\n\"eyJd\"\n",
		"{\"credential\":{\"a\":1}}\r\n{\"credential\":\"x\\\"y\"}",
		",\"credential\":\"\"}\n{\"credential\":\"a\"}}",
		"\n\n\n",
		"not json\n[1,2]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items := JSONLines(bytes.NewReader(data), "f.jsonl")
		last := 0
		for {
			it, err := items.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("error %v on %d bytes", err, len(data))
			}
			var line int
			if _, err := fmt.Sscanf(it.Name, "f.jsonl line %d", &line); err != nil || line <= last {
				t.Fatalf("item named %q after line %d", it.Name, last)
			}
			last = line
			if len(it.Data) == 0 && len(bytes.TrimSpace(data)) == 0 {
				t.Fatal("an item from blank input")
			}
		}
	})
}
