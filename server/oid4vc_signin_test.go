package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The registrar's channels for sign-in codes: a command gets the contact
// as its last argument and the code on standard input; a webhook gets both
// as JSON; a failure of either is an error naming it, without the code.
func TestSignInChannels(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Run("a command", func(t *testing.T) {
		h := &hookSender{cfg: SignInConfig{Command: []string{"/bin/sh", "-c", `cat > "` + dir + `/$0"`}, Timeout: 5 * time.Second}, log: slog.New(slog.DiscardHandler)}
		if err := h.SendSignInCode(ctx, "camille@uni.example", "123456"); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "camille@uni.example"))
		if err != nil || string(b) != "123456\n" {
			t.Fatalf("%q %v", b, err)
		}
		h.cfg.Command = []string{"/bin/sh", "-c", "echo mail server down >&2; exit 3"}
		err = h.SendSignInCode(ctx, "camille@uni.example", "654321")
		if err == nil || !strings.Contains(err.Error(), "mail server down") || strings.Contains(err.Error(), "654321") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a webhook", func(t *testing.T) {
		var got map[string]string
		status := http.StatusNoContent
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &got)
			w.WriteHeader(status)
		}))
		defer srv.Close()
		h := &hookSender{cfg: SignInConfig{Webhook: srv.URL, Timeout: 5 * time.Second}}
		if err := h.SendSignInCode(ctx, "camille@uni.example", "123456"); err != nil {
			t.Fatal(err)
		}
		if got["contact"] != "camille@uni.example" || got["code"] != "123456" {
			t.Fatalf("%v", got)
		}
		status = http.StatusInternalServerError
		if err := h.SendSignInCode(ctx, "camille@uni.example", "654321"); err == nil || strings.Contains(err.Error(), "654321") {
			t.Fatalf("%v", err)
		}
	})
}

func TestOpenID4VCConfigRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  OpenID4VCConfig
		want string
	}{
		{"an unknown format", OpenID4VCConfig{Formats: []string{"mso_mdoc"}}, `unknown format "mso_mdoc"`},
		{"a command and a webhook", OpenID4VCConfig{SignIn: SignInConfig{Command: []string{"x"}, Webhook: "https://a.example"}}, "not both"},
		{"an http webhook elsewhere than loopback", OpenID4VCConfig{SignIn: SignInConfig{Webhook: "http://mail.example/x"}}, "not an https URL"},
		{"an unknown prefix", OpenID4VCConfig{Verifier: VerifierConfig{Prefix: "web-origin"}}, `unknown prefix "web-origin"`},
		{"an unknown response mode", OpenID4VCConfig{Verifier: VerifierConfig{ResponseMode: "fragment"}}, `"fragment" is neither`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.cfg.defaults(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v, want %q", err, c.want)
			}
		})
	}
	var c OpenID4VCConfig
	if err := c.defaults(); err != nil || c.OfferTTL != 7*24*time.Hour || c.MaxAttempts != 5 || c.Verifier.ResponseMode != "direct_post.jwt" || c.Verifier.Key != "verifier" {
		t.Fatalf("%v %+v", err, c)
	}
}

// Over http elsewhere than loopback, wallets could not use the service:
// OpenID4VC is off, and the start-up status says why.
func TestOpenID4VCOffWithoutHTTPS(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.PublicURL = "http://registrar.example.edu" }})
	issuing, presenting := e.srv.OpenID4VCStatus()
	if !strings.Contains(issuing, "https") || !strings.Contains(presenting, "https") {
		t.Fatalf("%q %q", issuing, presenting)
	}
	if code, _, _ := e.do("GET", "/.well-known/openid-credential-issuer", "", "", nil); code != http.StatusNotFound {
		t.Fatalf("metadata served: %d", code)
	}
	code, m := e.postJSON("/offers", "issue", map[string]any{"template": "diploma", "format": "dc+sd-jwt", "record": map[string]any{}})
	if code != http.StatusServiceUnavailable {
		t.Fatalf("%d %v", code, m)
	}
}
