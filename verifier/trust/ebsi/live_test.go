package ebsi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

const (
	tirPath = "/trusted-issuers-registry/v5"
	didPath = "/did-registry/v5"
)

// tirServer is a TIR v5 and DID registry v5 on 127.0.0.1 serving the
// records of snapshots: issuer records, attributes by id, paginated lists
// (page[after] is the page number, as the EBSI API counts), DID documents.
type tirServer struct {
	*httptest.Server
	pageSize int

	mu       sync.Mutex
	issuers  map[string]Issuer
	docs     map[string]json.RawMessage
	requests atomic.Int64
	paths    []string
	// hook, when set, handles a request first; it returns true when it
	// answered.
	hook func(w http.ResponseWriter, r *http.Request) bool
}

func newTIRServer(t testing.TB, pageSize int, snaps ...*Snapshot) *tirServer {
	t.Helper()
	s := &tirServer{pageSize: pageSize, issuers: map[string]Issuer{}, docs: map[string]json.RawMessage{}}
	for _, sn := range snaps {
		for _, is := range sn.Issuers {
			s.issuers[is.DID] = is
		}
		for _, raw := range sn.DIDDocuments {
			d, err := did.ParseDocument(raw)
			if err != nil {
				t.Fatal(err)
			}
			s.docs[d.ID] = raw
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+tirPath+"/issuers", s.listIssuers)
	mux.HandleFunc("GET "+tirPath+"/issuers/{did}", s.issuer)
	mux.HandleFunc("GET "+tirPath+"/issuers/{did}/attributes", s.listAttributes)
	mux.HandleFunc("GET "+tirPath+"/issuers/{did}/attributes/{id}", s.attribute)
	mux.HandleFunc("GET "+didPath+"/identifiers/{did}", s.document)
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.RequestURI())
		hook := s.hook
		s.mu.Unlock()
		if hook != nil && hook(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *tirServer) setHook(h func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

func (s *tirServer) client(t testing.TB, opts ClientOptions) *Client {
	t.Helper()
	opts.BaseURL = s.URL + tirPath
	if opts.HTTPClient == nil {
		opts.HTTPClient = s.Client()
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"title":"Not found","status":404,"detail":"Not found"}`))
}

// attrIDs are the ids an attribute is found by: its reservedAttributeId (the
// TIR's attribute id) and its hash.
func attrIDs(a Attribute) []string {
	ids := []string{a.Hash}
	if c, err := peek(a.Body); err == nil && c.VC.CredentialSubject.ReservedAttributeID != "" {
		ids = append([]string{c.VC.CredentialSubject.ReservedAttributeID}, ids...)
	}
	return ids
}

func (s *tirServer) paginate(w http.ResponseWriter, r *http.Request, self string, items []map[string]string) {
	n := 1
	if v := r.URL.Query().Get("page[after]"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	size := s.pageSize
	if v := r.URL.Query().Get("page[size]"); v != "" {
		if k, _ := strconv.Atoi(v); k > 0 && k < size {
			size = k
		}
	}
	pages := max(1, (len(items)+size-1)/size)
	link := func(p int) string { return fmt.Sprintf("%s?page[after]=%d&page[size]=%d", self, p, size) }
	lo, hi := min((n-1)*size, len(items)), min(n*size, len(items))
	writeJSON(w, map[string]any{
		"self": link(n), "items": items[lo:hi], "total": len(items), "pageSize": size,
		// The last page names itself as next, as the EBSI API does.
		"links": map[string]string{"first": link(1), "prev": link(max(1, n-1)), "next": link(min(pages, n+1)), "last": link(pages)},
	})
}

func (s *tirServer) listIssuers(w http.ResponseWriter, r *http.Request) {
	var dids []string
	for d := range s.issuers {
		dids = append(dids, d)
	}
	slices.Sort(dids)
	items := make([]map[string]string, len(dids))
	for i, d := range dids {
		items[i] = map[string]string{"did": d, "href": s.URL + tirPath + "/issuers/" + d}
	}
	s.paginate(w, r, s.URL+tirPath+"/issuers", items)
}

func (s *tirServer) issuer(w http.ResponseWriter, r *http.Request) {
	is, ok := s.issuers[r.PathValue("did")]
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, is)
}

func (s *tirServer) listAttributes(w http.ResponseWriter, r *http.Request) {
	is, ok := s.issuers[r.PathValue("did")]
	if !ok {
		notFound(w)
		return
	}
	base := s.URL + tirPath + "/issuers/" + is.DID + "/attributes"
	var items []map[string]string
	for _, a := range is.Attributes {
		id := attrIDs(a)[0]
		items = append(items, map[string]string{"id": id, "href": base + "/" + id})
	}
	s.paginate(w, r, base, items)
}

func (s *tirServer) attribute(w http.ResponseWriter, r *http.Request) {
	is, ok := s.issuers[r.PathValue("did")]
	if ok {
		for _, a := range is.Attributes {
			if slices.Contains(attrIDs(a), r.PathValue("id")) {
				writeJSON(w, map[string]any{"did": is.DID, "attribute": a})
				return
			}
		}
	}
	notFound(w)
}

func (s *tirServer) document(w http.ResponseWriter, r *http.Request) {
	raw, ok := s.docs[r.PathValue("did")]
	if !ok {
		notFound(w)
		return
	}
	w.Header().Set("Content-Type", "application/did+ld+json")
	_, _ = w.Write(raw)
}

// sameAnswer fails unless the live answer says what the snapshot's says.
func sameAnswer(t *testing.T, snap, live *verifier.TrustAnswer) {
	t.Helper()
	if snap.Trusted != live.Trusted || snap.Reason != live.Reason || snap.Scope != live.Scope ||
		snap.Status != live.Status || snap.Entity != live.Entity || snap.Level != live.Level {
		t.Fatalf("answers differ\nsnapshot: %+v\nlive:     %+v\n%s", snap, live, strings.Join(live.Steps, "\n"))
	}
}

func TestLiveChainGivesTheSnapshotsAnswer(t *testing.T) {
	m := newMock(t, nil)
	pilot, err := Import(pilotSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	mockSnap, err := Import(m.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	// One registry each: the mock's RootTAO has the DID of the pilot's
	// Support Office, with another key.
	servers := map[*Snapshot]*tirServer{mockSnap: newTIRServer(t, 2, mockSnap), pilot: newTIRServer(t, 2, pilot)}
	pilotCred := credential(pilotTAO, "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5/issuers/"+pilotTAO+"/attributes/cca3ca9406b45a8f7a9453dc48e99aed0f72de70475e9e7e107db85b73e74fcb",
		pilotSchema, "VerifiableCredential", "VerifiableAttestation", "CTRevocable")
	pilotQ := verifier.TrustQuery{Issuer: pilotTAO, Credential: pilotCred, IssuedAt: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)}
	root := []string{mockRoot}
	unnamed := m.query()
	unnamed.Credential = credential(m.ti, "", pilotSchemaV3, "VerifiableCredential", "VerifiableAttestation", "eu.europa.ec.eudi.pid")
	expired := m.query()
	expired.IssuedAt = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		snap    *Snapshot
		q       verifier.TrustQuery
		roots   []string
		trusted bool
	}{
		{"mock TI to TAO to RootTAO", mockSnap, m.query(), root, true},
		{"mock, no IssuanceCertificate in the credential", mockSnap, unnamed, root, true},
		{"mock, types not covered", mockSnap, m.query("VerifiableCredential", "VerifiableDiploma"), root, false},
		{"mock, accreditation expired", mockSnap, expired, root, false},
		{"mock, root not configured", mockSnap, m.query(), []string{"did:ebsi:zNotTheRoot"}, false},
		{"pilot TAO to RootTAO to the Support Office", pilot, pilotQ, []string{pilotSupport}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := NewSource(c.snap, Options{Roots: c.roots}).Trust(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			srv := servers[c.snap]
			live := NewLiveSource(srv.client(t, ClientOptions{}), Options{Roots: c.roots})
			got, err := live.Trust(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			sameAnswer(t, want, got)
			if got.Trusted != c.trusted {
				t.Fatalf("trusted = %v: %s", got.Trusted, got.Reason)
			}
			if got.Source != "ebsi-tir:"+srv.Listener.Addr().String() || !strings.Contains(strings.Join(got.Steps, "\n"), "fetched from the Trusted Issuers Registry at "+srv.URL) {
				t.Fatalf("source %q, steps:\n%s", got.Source, strings.Join(got.Steps, "\n"))
			}
		})
	}
}

func TestLiveFetchesOnlyWhatTheSnapshotLacks(t *testing.T) {
	m := newMock(t, nil)
	full, _ := Import(m.bytes(t))
	srv := newTIRServer(t, 2, full)
	// The held snapshot has the TAO and the RootTAO, not the TI.
	partial := m.snap
	partial.Issuers = partial.Issuers[1:]
	raw, _ := json.Marshal(partial)
	held, err := Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.client(t, ClientOptions{})
	src := NewSource(held, Options{Roots: []string{mockRoot}, Live: c})
	a, err := src.Trust(context.Background(), m.query())
	if err != nil || !a.Trusted {
		t.Fatalf("answer %+v, err %v", a, err)
	}
	if n := srv.requests.Load(); n != 1 || !strings.HasSuffix(srv.paths[0], "/issuers/"+m.ti+"/attributes/"+m.tiAttr) {
		t.Fatalf("%d requests: %v", n, srv.paths)
	}
	// Without Live, the same snapshot does not know the TI.
	a, _ = NewSource(held, Options{Roots: []string{mockRoot}}).Trust(context.Background(), m.query())
	if a.Trusted || !strings.Contains(a.Reason, "not in the TIR snapshot") {
		t.Fatalf("answer %+v", a)
	}
}

func TestLiveCacheServesRepeatsUntilTTL(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	srv := newTIRServer(t, 2, snap)
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	c := srv.client(t, ClientOptions{CacheTTL: time.Minute, Now: func() time.Time { return now }})
	src := NewLiveSource(c, Options{Roots: []string{mockRoot}})
	ask := func() {
		t.Helper()
		if a, err := src.Trust(context.Background(), m.query()); err != nil || !a.Trusted {
			t.Fatalf("answer %+v, err %v", a, err)
		}
	}
	ask()
	first := srv.requests.Load()
	// TI attribute, TAO record, RootTAO attribute, DID documents of the TAO and the RootTAO.
	if first != 5 {
		t.Fatalf("first walk: %d requests: %v", first, srv.paths)
	}
	ask()
	if n := srv.requests.Load(); n != first {
		t.Fatalf("second walk made %d requests, want none (cache)", n-first)
	}
	now = now.Add(2 * time.Minute)
	ask()
	if n := srv.requests.Load(); n != 2*first {
		t.Fatalf("after the TTL: %d requests in all, want %d", n, 2*first)
	}
	// A 404 is cached too.
	before := srv.requests.Load()
	for range 2 {
		if _, err := c.Issuer(context.Background(), "did:ebsi:zNobody"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	}
	if n := srv.requests.Load() - before; n != 1 {
		t.Fatalf("two lookups of a missing issuer: %d requests, want 1", n)
	}
}

func TestLiveCacheIsBounded(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	srv := newTIRServer(t, 2, snap)
	c := srv.client(t, ClientOptions{CacheEntries: 2})
	for _, d := range []string{m.ti, mockTAO, mockRoot, m.ti} {
		if _, err := c.Issuer(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	n := len(c.cache)
	c.mu.Unlock()
	// The TI's record was evicted (the oldest) when the RootTAO's came in.
	if n != 2 || srv.requests.Load() != 4 {
		t.Fatalf("%d entries, %d requests", n, srv.requests.Load())
	}
}

func TestLiveTimeoutIsAClearError(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	srv := newTIRServer(t, 2, snap)
	srv.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
		// Never complete the response: returning would send an empty 200
		// that a slow client could still read.
		panic(http.ErrAbortHandler)
	})
	c := srv.client(t, ClientOptions{Timeout: 150 * time.Millisecond})
	start := time.Now()
	a, err := NewLiveSource(c, Options{Roots: []string{mockRoot}}).Trust(context.Background(), m.query())
	if a != nil || !errors.Is(err, ErrFetch) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("answer %+v, err %v", a, err)
	}
	if msg := err.Error(); !strings.Contains(msg, srv.URL+tirPath+"/issuers/"+m.ti) || !strings.Contains(msg, "no complete response within 150ms") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestLiveOversizedResponseRefused(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			srv := newTIRServer(t, 2, snap)
			srv.setHook(func(w http.ResponseWriter, r *http.Request) bool {
				body := `{"did":"` + m.ti + `","attributes":[],"padding":"` + strings.Repeat("x", 64<<10) + `"}`
				if chunked {
					_, _ = w.Write([]byte(body[:100]))
					w.(http.Flusher).Flush()
					_, _ = w.Write([]byte(body[100:]))
					return true
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				_, _ = w.Write([]byte(body))
				return true
			})
			c := srv.client(t, ClientOptions{MaxBytes: 16 << 10})
			_, err := c.Issuer(context.Background(), m.ti)
			if !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), "over the limit") || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestLiveRedirects(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	srv := newTIRServer(t, 2, snap)
	other := newTIRServer(t, 2, snap)
	srv.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "/issuers/"+m.ti):
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
			return true
		case strings.HasSuffix(r.URL.Path, "/issuers/"+mockTAO):
			http.Redirect(w, r, tirPath+"/issuers/"+mockTAO+"/", http.StatusMovedPermanently)
			return true
		case strings.HasSuffix(r.URL.Path, "/issuers/"+mockTAO+"/"):
			r.URL.Path = strings.TrimSuffix(r.URL.Path, "/")
			writeJSON(w, snap.Issuers[1])
			return true
		}
		return false
	})
	c := srv.client(t, ClientOptions{})
	_, err := c.Issuer(context.Background(), m.ti)
	if !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), "redirect to "+other.URL) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("redirect to another host: err = %v", err)
	}
	if other.requests.Load() != 0 {
		t.Fatalf("the other host was asked")
	}
	if is, err := c.Issuer(context.Background(), mockTAO); err != nil || is.DID != mockTAO {
		t.Fatalf("redirect on the same host: %v", err)
	}
}

func TestLiveBrokenHashFromTheServerRefused(t *testing.T) {
	m := newMock(t, nil)
	m.snap.Issuers[1].Attributes[0].Hash = strings.Repeat("ab", 32) // the TAO's
	bad, err := Parse(m.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := newTIRServer(t, 2, bad)
	a, err := NewLiveSource(srv.client(t, ClientOptions{}), Options{Roots: []string{mockRoot}}).Trust(context.Background(), m.query())
	if err != nil {
		t.Fatal(err)
	}
	if a.Trusted || !strings.Contains(a.Reason, "not the SHA-256 of the body") || !strings.Contains(a.Reason, srv.URL+tirPath+"/issuers/"+mockTAO) {
		t.Fatalf("answer %+v", a)
	}
	if _, err := srv.client(t, ClientOptions{}).Issuer(context.Background(), mockTAO); !errors.Is(err, trust.ErrSignature) {
		t.Fatalf("client: err = %v", err)
	}
}

func TestLiveUnknownIssuerIsNotTrusted(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	srv := newTIRServer(t, 2, snap)
	src := NewLiveSource(srv.client(t, ClientOptions{}), Options{Roots: []string{mockRoot}})
	for _, q := range []verifier.TrustQuery{
		{Issuer: "did:ebsi:zUnknownIssuer"},
		{Issuer: "did:ebsi:zUnknownIssuer", Credential: credential("did:ebsi:zUnknownIssuer", "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5/issuers/did:ebsi:zUnknownIssuer/attributes/00ff", pilotSchemaV3, "VerifiableCredential")},
	} {
		a, err := src.Trust(context.Background(), q)
		if err != nil {
			t.Fatalf("err = %v", err)
		}
		if a.Trusted || !strings.Contains(a.Reason, "did:ebsi:zUnknownIssuer is not in the Trusted Issuers Registry at "+srv.URL) || !strings.Contains(a.Reason, "404") {
			t.Fatalf("answer %+v", a)
		}
	}
}

func TestLiveListsFollowPagination(t *testing.T) {
	m := newMock(t, nil)
	mockSnap, _ := Import(m.bytes(t))
	pilot, err := Import(pilotSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := newTIRServer(t, 2, mockSnap, pilot) // 5 issuers: 3 pages of 2
	c := srv.client(t, ClientOptions{PageSize: 2})
	dids, err := c.IssuerDIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{m.ti, mockTAO, mockRoot, pilotTAO, pilotRootTAO}
	slices.Sort(want)
	if !slices.Equal(dids, want) || srv.requests.Load() != 3 {
		t.Fatalf("%d requests: %v\n%v", srv.requests.Load(), dids, srv.paths)
	}
	ids, err := c.AttributeIDs(context.Background(), m.ti)
	if err != nil || !slices.Equal(ids, []string{m.tiAttr}) {
		t.Fatalf("ids %v, err %v", ids, err)
	}
	t.Run("page bound", func(t *testing.T) {
		c := srv.client(t, ClientOptions{PageSize: 2, MaxPages: 2, CacheTTL: -1})
		if _, err := c.IssuerDIDs(context.Background()); !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), "past 2 pages") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("next link to another host", func(t *testing.T) {
		srv.setHook(func(w http.ResponseWriter, r *http.Request) bool {
			writeJSON(w, map[string]any{"items": []map[string]string{{"did": m.ti}}, "total": 9, "links": map[string]string{"next": "https://elsewhere.example/trusted-issuers-registry/v5/issuers?page[after]=2"}})
			return true
		})
		defer srv.setHook(nil)
		c := srv.client(t, ClientOptions{CacheTTL: -1})
		if _, err := c.IssuerDIDs(context.Background()); !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), "links.next https://elsewhere.example") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLiveResolverFetchesDIDDocuments(t *testing.T) {
	m := newMock(t, nil)
	snap, _ := Import(m.bytes(t))
	srv := newTIRServer(t, 2, snap)
	r := NewLiveSource(srv.client(t, ClientOptions{}), Options{}).Resolver()
	vm, err := r.ResolveKey(context.Background(), mockTAO+"#k1")
	if err != nil || vm.Controller != mockTAO || vm.Key == nil {
		t.Fatalf("vm %+v, err %v", vm, err)
	}
	// Without a live client, the same resolver knows nothing.
	if _, err := NewSource(&Snapshot{Name: "x"}, Options{}).Resolver().ResolveKey(context.Background(), mockTAO+"#k1"); err == nil {
		t.Fatal("resolved without a document")
	}
}

func TestNewClientRefusesUnsafeBaseURLs(t *testing.T) {
	cases := map[string]ClientOptions{
		"empty":            {},
		"http":             {BaseURL: "http://127.0.0.1/trusted-issuers-registry/v5"},
		"query":            {BaseURL: "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5?x=1"},
		"user info":        {BaseURL: "https://u:p@api-pilot.ebsi.eu/trusted-issuers-registry/v5"},
		"http registry":    {BaseURL: "https://api-pilot.ebsi.eu/x", DIDRegistry: "http://api-pilot.ebsi.eu/did-registry/v5"},
		"not a URL at all": {BaseURL: "api-pilot.ebsi.eu"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := NewClient(o); !errors.Is(err, trust.ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	c, err := NewClient(ClientOptions{BaseURL: "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5/"})
	if err != nil || c.didRegistry.String() != "https://api-pilot.ebsi.eu/did-registry/v5" || c.BaseURL() != "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5" {
		t.Fatalf("client %v, err %v", c, err)
	}
	if _, err := NewClient(ClientOptions{BaseURL: "http://127.0.0.1:1/trusted-issuers-registry/v5", AllowHTTP: true}); err != nil {
		t.Fatalf("AllowHTTP: %v", err)
	}
}
