package verifier

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParsePolicyReadsYAMLAndJSON(t *testing.T) {
	for name, in := range map[string]string{
		"yaml": "profiles: [edc, w3c]\nalgorithms: [ES256, EdDSA]\nskew: 2m\nelm: fail\nstatusUnavailable: warn\nfetch:\n  timeout: 3s\n  maxBytes: 65536\ncache:\n  ttl: 1m\n  maxEntries: 10\nat: 2025-01-01T00:00:00Z\n",
		"json": `{"profiles":["edc","w3c"],"algorithms":["ES256","EdDSA"],"skew":"2m","elm":"fail","statusUnavailable":"warn","fetch":{"timeout":"3s","maxBytes":65536},"cache":{"ttl":"1m","maxEntries":10},"at":"2025-01-01T00:00:00Z"}`,
	} {
		t.Run(name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Profiles) != 2 || p.Skew != Duration(2*time.Minute) || p.ELM != Fail || p.StatusUnavailable != Warn ||
				p.Fetch.timeout() != 3*time.Second || p.Fetch.maxBytes() != 65536 || p.Cache.ttl() != time.Minute || p.Cache.maxEntries() != 10 ||
				!p.At.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("policy %+v", p)
			}
		})
	}
}

func TestParsePolicyRefusesUnknownFieldsAndBadValues(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"skw: 2m\n", "field skw not found"},
		{"fetch:\n  timout: 2s\n", "field timout not found"},
		{"profiles: [edc, dc4eu]\n", `"dc4eu" is not a profile`},
		{"algorithms: [HS256]\n", `"HS256" is not an accepted JOSE algorithm`},
		{"mechanisms: [ldp_vc]\n", `"ldp_vc" is not a mechanism`},
		{"elm: sometimes\n", `"sometimes" is not a severity`},
		{"skew: soon\n", "not a duration"},
		{"skew: -1m\n", "negative"},
	} {
		_, err := ParsePolicy([]byte(c.in))
		if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want ErrPolicy with %q", c.in, err, c.want)
		}
	}
}

func TestZeroPolicyHasTheDocumentedDefaults(t *testing.T) {
	p, err := ParsePolicy(nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Fetch.timeout() != DefaultFetchTimeout || p.Fetch.maxBytes() != DefaultFetchMaxBytes || p.Cache.ttl() != DefaultCacheTTL ||
		p.Cache.maxTTL() != DefaultCacheMaxTTL || p.Cache.maxEntries() != DefaultCacheMaxEntries || p.Fetch.AllowPrivateNetworks {
		t.Errorf("defaults %+v", p)
	}
}

func TestHTTPFetcherRules(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/big":
			w.Write(make([]byte, 2048))
		case "/ok":
			w.Write([]byte("{}"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	lab := NewHTTPFetcher(FetchLimits{AllowPrivateNetworks: true, MaxBytes: 1024}, pool)
	strict := NewHTTPFetcher(FetchLimits{}, pool)
	ctx := context.Background()
	if b, err := lab.Fetch(ctx, srv.URL+"/ok"); err != nil || string(b) != "{}" {
		t.Fatalf("ok: %q %v", b, err)
	}
	for _, c := range []struct {
		f    *HTTPFetcher
		url  string
		want string
	}{
		{strict, srv.URL + "/ok", "address not allowed"},
		{lab, srv.URL + "/redirect", "redirect"},
		{lab, srv.URL + "/big", "over the limit"},
		{lab, srv.URL + "/missing", "HTTP status 404"},
		{lab, strings.Replace(srv.URL, "https", "http", 1) + "/ok", "not an https URL"},
	} {
		_, err := c.f.Fetch(ctx, c.url)
		if !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrFetch with %q", c.url, err, c.want)
		}
	}
	if _, err := strict.Fetch(ctx, srv.URL+"/ok"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("strict: %v, want ErrForbiddenAddress", err)
	}
}

func TestMemoryNoncesRefuseASecondUseUntilExpiry(t *testing.T) {
	s := NewMemoryNonces(time.Minute)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	if err := s.Use("a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Use("a"); !errors.Is(err, ErrReplay) {
		t.Fatalf("second use: %v, want ErrReplay", err)
	}
	if err := s.Use(""); !errors.Is(err, ErrReplay) {
		t.Fatalf("empty nonce: %v, want ErrReplay", err)
	}
	now = now.Add(2 * time.Minute)
	if err := s.Use("a"); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

func TestCacheEvictsWhenFull(t *testing.T) {
	c := newCache[int](2)
	c.put("a", 1, time.Minute)
	c.put("b", 2, 2*time.Minute)
	c.put("c", 3, 3*time.Minute)
	if _, ok := c.get("a"); ok {
		t.Error("a kept, want evicted (closest to expiry)")
	}
	if v, ok := c.get("c"); !ok || v != 3 {
		t.Error("c missing")
	}
}
