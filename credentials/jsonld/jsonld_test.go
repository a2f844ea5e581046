package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hyperledger/aries-framework-go/pkg/doc/ldcontext/embed"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

type memCache map[string][]byte

func (c memCache) LookupContext(url string) ([]byte, error) {
	if b, ok := c[url]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%s: %w", url, fs.ErrNotExist)
}

func (c memCache) PutContext(url string, data []byte) error { c[url] = data; return nil }

func TestBuiltinContextsArePinned(t *testing.T) {
	if len(embed.Contexts) < 10 {
		t.Fatalf("aries embeds %d contexts", len(embed.Contexts))
	}
	for _, d := range embed.Contexts {
		if err := check(d.URL, "builtin", d.Content); err != nil {
			t.Errorf("%s: %v", d.URL, err)
		}
	}
}

// TestPinsMatchReferenceContexts: every reference context (one subtest per
// file) has its digest pinned for its URL, including the second copy of VC
// 2.0 from the W3C repository and its 2024 snapshot.
func TestPinsMatchReferenceContexts(t *testing.T) {
	dir := reftest.Path(t, "contexts")
	files := map[string]string{
		"credentials-v2.w3c-repo-raw.jsonld":     "https://www.w3.org/ns/credentials/v2",
		"credentials-v2.2024-07-snapshot.jsonld": "https://www.w3.org/ns/credentials/v2",
	}
	var index map[string]string
	readIndex(t, dir, &index)
	for u, f := range index {
		files[f] = u
	}
	for f, u := range files {
		t.Run(f, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := check(u, f, b); err != nil {
				t.Error(err)
			}
		})
	}
	if len(Pinned("https://www.w3.org/ns/credentials/v2")) != 3 {
		t.Errorf("VC 2.0 pins: %v", Pinned("https://www.w3.org/ns/credentials/v2"))
	}
}

func readIndex(t *testing.T, dir string, v *map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := jsonUnmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestLoaderSources(t *testing.T) {
	ctx := context.Background()
	v2 := "https://www.w3.org/ns/credentials/v2"
	ref := reftest.Read(t, "contexts", "credentials-v2.jsonld")
	for _, tc := range []struct {
		name       string
		cache      Cache
		url        string
		wantSource string
		wantErr    error
		wantText   string
	}{
		{"builtin first", memCache{}, "https://www.w3.org/2018/credentials/v1", "builtin", nil, ""},
		{"from the cache", memCache{v2: ref}, v2, "cache", nil, ""},
		{"not installed", memCache{}, v2, "", ErrUnknownContext, "install it with `diplomat contexts import DIR`, or fetch it once with `diplomat contexts fetch URL`"},
		{"no cache", nil, v2, "", ErrUnknownContext, v2},
		{"not pinned", memCache{"https://example.com/c": []byte(`{"@context":{}}`)}, "https://example.com/c", "", ErrUnknownContext, "not among the contexts Diplomat accepts"},
		{"tampered in cache", memCache{v2: append([]byte(" "), ref...)}, v2, "", ErrContextMismatch, "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f"},
		{"cache failure", failingCache{}, v2, "", errDisk, "reading the context cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New(Options{Cache: tc.cache})
			_, src, err := l.Context(ctx, tc.url)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if src != tc.wantSource {
				t.Errorf("source %q, want %q", src, tc.wantSource)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q lacks %q", err, tc.wantText)
			}
			if err != nil && !strings.Contains(err.Error(), tc.url) {
				t.Errorf("error %q does not name the URL", err)
			}
			// LoadDocument gives the same answer, parsed.
			rd, err2 := l.LoadDocument(tc.url)
			if (err == nil) != (err2 == nil) {
				t.Fatalf("LoadDocument: %v", err2)
			}
			if err == nil {
				if _, ok := rd.Document.(map[string]any)["@context"]; !ok || rd.DocumentURL != tc.url {
					t.Errorf("LoadDocument returned %v", rd)
				}
			}
		})
	}
}

var errDisk = errors.New("disk on fire")

type failingCache struct{}

func (failingCache) LookupContext(string) ([]byte, error) { return nil, errDisk }

func TestMismatchErrorNamesBothDigests(t *testing.T) {
	v2 := "https://www.w3.org/ns/credentials/v2"
	_, _, err := New(Options{Cache: memCache{v2: []byte(`{"@context":{}}`)}}).Context(context.Background(), v2)
	var ce *ContextError
	if !errors.As(err, &ce) || !errors.Is(err, ErrContextMismatch) {
		t.Fatalf("got %v", err)
	}
	if ce.Got != Digest([]byte(`{"@context":{}}`)) || len(ce.Want) != 3 || !strings.Contains(err.Error(), ce.Got) {
		t.Errorf("ContextError %+v, message %q", ce, err)
	}
}

func TestImport(t *testing.T) {
	dir := reftest.Path(t, "contexts")
	c := memCache{}
	got, err := Import(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]string
	readIndex(t, dir, &index)
	if len(got) != len(index) || len(c) != len(index) {
		t.Fatalf("imported %d, stored %d, index has %d", len(got), len(c), len(index))
	}
	for _, im := range got {
		if index[im.URL] != im.File || Digest(c[im.URL]) != im.SHA256 || len(c[im.URL]) != im.Size {
			t.Errorf("%+v", im)
		}
	}
	// After import, a loader with this cache serves VC 2.0 and edc-ap.
	l := New(Options{Cache: c})
	for _, u := range []string{"https://www.w3.org/ns/credentials/v2", "http://data.europa.eu/snb/model/context/edc-ap"} {
		if _, src, err := l.Context(context.Background(), u); err != nil || src != "cache" {
			t.Errorf("%s: %q %v", u, src, err)
		}
	}
}

// TestImportAllOrNothing: one bad file and nothing is stored.
func TestImportAllOrNothing(t *testing.T) {
	ref := reftest.Path(t, "contexts")
	good, err := os.ReadFile(filepath.Join(ref, "credentials-v2.jsonld"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		index string
		want  error
	}{
		{"tampered file", map[string]string{"a.jsonld": string(good), "b.jsonld": `{"@context":{"x":"urn:x"}}`},
			`{"https://www.w3.org/ns/credentials/v2":"a.jsonld","https://w3id.org/security/data-integrity/v2":"b.jsonld"}`, ErrContextMismatch},
		{"unpinned URL", map[string]string{"a.jsonld": string(good), "b.jsonld": `{"@context":{}}`},
			`{"https://www.w3.org/ns/credentials/v2":"a.jsonld","https://example.com/mine":"b.jsonld"}`, ErrUnknownContext},
		{"missing file", map[string]string{"a.jsonld": string(good)},
			`{"https://www.w3.org/ns/credentials/v2":"a.jsonld","https://w3id.org/security/data-integrity/v2":"nope.jsonld"}`, ErrImport},
		{"path outside", map[string]string{"a.jsonld": string(good)},
			`{"https://www.w3.org/ns/credentials/v2":"../a.jsonld"}`, ErrImport},
		{"duplicate key in index", map[string]string{"a.jsonld": string(good)},
			`{"https://www.w3.org/ns/credentials/v2":"a.jsonld","https://www.w3.org/ns/credentials/v2":"a.jsonld"}`, ErrImport},
		{"index not an object", nil, `[]`, ErrImport},
		{"empty index", nil, `{}`, ErrImport},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, body := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(tc.index), 0o600); err != nil {
				t.Fatal(err)
			}
			c := memCache{}
			if _, err := Import(dir, c); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if len(c) != 0 {
				t.Errorf("stored %d contexts after a failed import", len(c))
			}
		})
	}
}

// fetchTo returns FetchOptions whose client sends every request to srv.
func fetchTo(srv *httptest.Server, store CacheWriter) *FetchOptions {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig.ServerName = "example.com"
	return &FetchOptions{Client: &http.Client{Transport: tr}, Store: store, MaxBytes: 64 << 10}
}

func TestOptInFetch(t *testing.T) {
	ref := reftest.Read(t, "contexts", "data-integrity-v2.jsonld")
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/security/data-integrity/v2":
			w.Write(ref)
		case "/security/multikey/v1":
			w.Write([]byte(`{"@context":{"evil":"urn:evil"}}`))
		case "/ns/credentials/v2":
			w.Write([]byte(`{"@context":{"` + strings.Repeat("a", 70<<10) + `":"x"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	store := memCache{}
	l := New(Options{Fetch: fetchTo(srv, store)})
	ctx := context.Background()

	b, src, err := l.Context(ctx, "https://w3id.org/security/data-integrity/v2")
	if err != nil || src != "fetch" || string(b) != string(ref) {
		t.Fatalf("fetch: %q %v", src, err)
	}
	if string(store["https://w3id.org/security/data-integrity/v2"]) != string(ref) {
		t.Error("the fetched context was not stored")
	}
	for _, tc := range []struct {
		url  string
		want error
		text string
	}{
		{"https://w3id.org/security/multikey/v1", ErrContextMismatch, "sha256"},
		{"https://www.w3.org/ns/credentials/v2", ErrUnknownContext, "over the limit"},
		{"https://w3id.org/citizenship/v4rc1", ErrUnknownContext, "HTTP status 404"},
		{"http://data.europa.eu/snb/model/context/edc-ap", ErrUnknownContext, "only https"},
		{"https://example.com/not-pinned", ErrUnknownContext, "not among"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			before := hits.Load()
			_, _, err := l.Context(ctx, tc.url)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v, want %v with %q", err, tc.want, tc.text)
			}
			if tc.text == "not among" && hits.Load() != before {
				t.Error("an unpinned URL was fetched")
			}
		})
	}
	if _, ok := store["https://w3id.org/security/multikey/v1"]; ok {
		t.Error("a mismatching fetched context was stored")
	}
}

// TestNoFetchWithoutOptIn: the zero Options never open a connection.
func TestNoFetchWithoutOptIn(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, _, err := New(Options{}).Context(context.Background(), "https://www.w3.org/ns/credentials/v2")
	if !errors.Is(err, ErrUnknownContext) || hits.Load() != 0 {
		t.Fatalf("got %v, %d requests", err, hits.Load())
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
