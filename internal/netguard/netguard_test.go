package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPublicRefusesNonPublicAddresses(t *testing.T) {
	cases := map[string]bool{
		"127.0.0.1":        false,
		"::1":              false,
		"10.1.2.3":         false,
		"172.16.0.1":       false,
		"192.168.1.1":      false,
		"169.254.169.254":  false,
		"fe80::1":          false,
		"fd00::1":          false,
		"0.0.0.0":          false,
		"::":               false,
		"224.0.0.1":        false,
		"ff02::1":          false,
		"255.255.255.255":  false,
		"100.64.0.1":       false,
		"192.0.2.7":        false,
		"::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1":  false,
		"2001:db8::1":      false,
		"93.184.216.34":    true,
		"2606:4700::1111":  true,
		"::ffff:1.1.1.1":   true,
	}
	for addr, want := range cases {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckAddressNamesTheAddress(t *testing.T) {
	for _, a := range []string{"127.0.0.1:443", "[::1]:443", "localhost:443", "nonsense"} {
		err := CheckAddress(a)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("CheckAddress(%q) = %v, want ErrForbiddenAddress", a, err)
		}
	}
	if err := CheckAddress("93.184.216.34:443"); err != nil {
		t.Errorf("public address refused: %v", err)
	}
}

// TestClientRefusesLoopbackWhenDialled: the refusal is on the address
// dialled, so "localhost" (a name, resolved by the dialer) is refused as
// 127.0.0.1 is, and the server never sees a connection.
func TestClientRefusesLoopbackWhenDialled(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	port := srv.Listener.Addr().String()
	port = port[strings.LastIndex(port, ":"):]
	strict := NewClient(Options{AllowHTTP: true})
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		_, err := strict.Do(req)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: err = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the server saw %d connections", n)
	}
	lab := NewClient(Options{AllowHTTP: true, AllowPrivateNetworks: true})
	resp, err := lab.Get(srv.URL)
	if err != nil {
		t.Fatalf("AllowPrivateNetworks: %v", err)
	}
	b, _ := ReadBody(resp.Body, resp.ContentLength, 10)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Fatalf("body %q", b)
	}
}

func TestRedirectPolicies(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("other")) }))
	defer other.Close()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/end", http.StatusFound)
		case "/cross":
			http.Redirect(w, r, other.URL+"/end", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/ftp":
			http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
		default:
			w.Write([]byte("end"))
		}
	}))
	defer srv.Close()
	cases := []struct {
		policy Redirects
		path   string
		body   string // "" when refused
		text   string
	}{
		{NoRedirects, "/same", "", "redirect not followed: redirect to"},
		{SameHost, "/same", "end", ""},
		{SameHost, "/cross", "", "only redirects within"},
		{SameHost, "/loop", "", "more than 3 redirects"},
		{AnyHost, "/cross", "other", ""},
		{AnyHost, "/ftp", "", "not an http or https URL"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			cl := NewClient(Options{AllowHTTP: true, AllowPrivateNetworks: true, Redirects: c.policy})
			resp, err := cl.Get(srv.URL + c.path)
			if c.body == "" {
				if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), c.text) {
					t.Fatalf("policy %d: err = %v, want ErrRedirect with %q", c.policy, err, c.text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := ReadBody(resp.Body, resp.ContentLength, 100)
			if string(b) != c.body {
				t.Fatalf("body %q, want %q", b, c.body)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	cases := []struct {
		url       string
		allowHTTP bool
		ok        bool
	}{
		{"https://example.com/x", false, true},
		{"http://example.com/x", false, false},
		{"http://example.com/x", true, true},
		{"https://user:pw@example.com/x", false, false},
		{"https:///x", false, false},
		{"file:///etc/passwd", true, false},
	}
	for _, c := range cases {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckURL(u, c.allowHTTP)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrURL) {
			t.Errorf("CheckURL(%s, %v) = %v", c.url, c.allowHTTP, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("the password is in the message: %v", err)
		}
	}
}

func TestReadBodyLimit(t *testing.T) {
	if _, err := ReadBody(strings.NewReader("12345"), 5, 4); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "5 bytes") {
		t.Errorf("declared: %v", err)
	}
	if _, err := ReadBody(strings.NewReader("12345"), -1, 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("undeclared: %v", err)
	}
	if b, err := ReadBody(strings.NewReader("1234"), -1, 4); err != nil || string(b) != "1234" {
		t.Errorf("at the limit: %q %v", b, err)
	}
}
