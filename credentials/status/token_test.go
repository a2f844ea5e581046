package status

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// The examples of draft-ietf-oauth-status-list §4.1: a 1-bit and a 2-bit
// list, their statuses, and their lst (as the draft prints them, ZLIB at
// the best compression).
func TestTokenListDraftExamples(t *testing.T) {
	for _, ex := range []struct {
		bits     int
		lst      string
		statuses []byte
	}{
		{1, "eNrbuRgAAhcBXQ", []byte{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}},
		{2, "eNo76fITAAPfAgc", []byte{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}},
	} {
		t.Run(fmt.Sprintf("%d bits", ex.bits), func(t *testing.T) {
			l, err := DecodeTokenList(ex.lst, ex.bits)
			if err != nil {
				t.Fatal(err)
			}
			if l.Len() != len(ex.statuses) {
				t.Fatalf("%d statuses, want %d", l.Len(), len(ex.statuses))
			}
			for i, want := range ex.statuses {
				if got, err := l.Status(i); err != nil || got != want {
					t.Errorf("status %d = %d (%v), want %d", i, got, err, want)
				}
			}
			// Built from the statuses, the same list decodes back.
			built, err := NewTokenList(len(ex.statuses), ex.bits)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range ex.statuses {
				if err := built.SetStatus(i, v); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(built.b, l.b) {
				t.Fatalf("built %x, want %x", built.b, l.b)
			}
			enc, err := built.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeTokenList(enc, ex.bits)
			if err != nil || !bytes.Equal(back.b, l.b) {
				t.Fatalf("round trip: %v", err)
			}
		})
	}
}

func TestTokenListSetKeepsItsNeighbours(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		l, err := NewTokenList(100, bits)
		if err != nil {
			t.Fatal(err)
		}
		top := byte(1<<bits - 1)
		for i := range l.Len() {
			if err := l.SetStatus(i, byte(i)&top); err != nil {
				t.Fatal(err)
			}
		}
		_ = l.SetStatus(7, 0)
		for i := range l.Len() {
			want := byte(i) & top
			if i == 7 {
				want = 0
			}
			if got, _ := l.Status(i); got != want {
				t.Fatalf("%d bits: status %d = %d, want %d", bits, i, got, want)
			}
		}
		if err := l.SetStatus(0, top+1); bits < 8 && !errors.Is(err, ErrRange) {
			t.Errorf("%d bits: value %d accepted", bits, top+1)
		}
		if _, err := l.Status(l.Len()); !errors.Is(err, ErrRange) {
			t.Errorf("%d bits: index past the end: %v", bits, err)
		}
	}
	if _, err := NewTokenList(10, 3); !errors.Is(err, ErrRange) {
		t.Errorf("3 bits accepted: %v", err)
	}
}

func zlibOf(b []byte) string {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func TestDecodeTokenListRefusesBadInput(t *testing.T) {
	bomb := zlibOf(make([]byte, MaxBytes+1))
	for name, c := range map[string]struct {
		lst  string
		bits int
	}{
		"bits 3":        {zlibOf([]byte{1}), 3},
		"bits 0":        {zlibOf([]byte{1}), 0},
		"not base64url": {"eNo+/", 1},
		"padded":        {base64.URLEncoding.EncodeToString([]byte("xx")), 1},
		"not zlib":      {base64.RawURLEncoding.EncodeToString([]byte("plain bytes")), 1},
		"gzip":          {"H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA", 1},
		"truncated":     {zlibOf(make([]byte, 1000))[:10], 1},
		"empty":         {zlibOf(nil), 1},
		"bomb":          {bomb, 1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeTokenList(c.lst, c.bits); !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("DecodeTokenList = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestParseListTokenReadsTheClaims(t *testing.T) {
	l, _ := NewTokenList(16, 2)
	_ = l.SetStatus(3, TokenSuspended)
	iat := time.Unix(1686920170, 0).UTC()
	tok := &ListToken{Subject: "https://example.com/statuslists/1", Issuer: "did:example:issuer", IssuedAt: iat, Expires: iat.Add(48 * time.Hour), TTL: 12 * time.Hour, List: l}
	claims, err := tok.Claims()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseListToken(claims)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != tok.Subject || got.Issuer != tok.Issuer || !got.IssuedAt.Equal(iat) || !got.Expires.Equal(tok.Expires) || got.TTL != tok.TTL || got.List.Bits() != 2 {
		t.Fatalf("parsed %+v", got)
	}
	if v, _ := got.List.Status(3); v != TokenSuspended {
		t.Errorf("status 3 = %d, want suspended", v)
	}

	// The draft's example claims (§5.1).
	draft := `{"exp": 2291720170, "iat": 1686920170, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}, "sub": "https://example.com/statuslists/1", "ttl": 43200}`
	if got, err = ParseListToken([]byte(draft)); err != nil || got.TTL != 12*time.Hour || got.List.Len() != 16 {
		t.Fatalf("draft example: %+v, %v", got, err)
	}
}

func TestParseListTokenRefusesWhatIsMissingOrWrong(t *testing.T) {
	good := map[string]any{"sub": "https://x.example/1", "iat": 1686920170, "status_list": map[string]any{"bits": 1, "lst": "eNrbuRgAAhcBXQ"}}
	for name, edit := range map[string]func(m map[string]any){
		"no sub":          func(m map[string]any) { delete(m, "sub") },
		"sub a number":    func(m map[string]any) { m["sub"] = 1 },
		"no iat":          func(m map[string]any) { delete(m, "iat") },
		"iat a string":    func(m map[string]any) { m["iat"] = "1686920170" },
		"exp negative":    func(m map[string]any) { m["exp"] = -1 },
		"ttl zero":        func(m map[string]any) { m["ttl"] = 0 },
		"ttl a string":    func(m map[string]any) { m["ttl"] = "43200" },
		"no status_list":  func(m map[string]any) { delete(m, "status_list") },
		"status_list [] ": func(m map[string]any) { m["status_list"] = []any{} },
		"no bits":         func(m map[string]any) { delete(m["status_list"].(map[string]any), "bits") },
		"bits 1.5":        func(m map[string]any) { m["status_list"].(map[string]any)["bits"] = 1.5 },
		"bits 16":         func(m map[string]any) { m["status_list"].(map[string]any)["bits"] = 16 },
		"no lst":          func(m map[string]any) { delete(m["status_list"].(map[string]any), "lst") },
	} {
		t.Run(name, func(t *testing.T) {
			m := map[string]any{}
			b, _ := json.Marshal(good)
			_ = json.Unmarshal(b, &m)
			edit(m)
			b, _ = json.Marshal(m)
			if _, err := ParseListToken(b); !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("ParseListToken = %v, want ErrMalformed", err)
			}
		})
	}
	// A member name in another case is not the claim.
	if _, err := ParseListToken([]byte(`{"SUB":"https://x.example/1","iat":1,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)); err == nil {
		t.Error("SUB taken for sub")
	}
	// Duplicate names are refused.
	if _, err := ParseListToken([]byte(`{"sub":"https://a","sub":"https://b","iat":1,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)); err == nil {
		t.Error("duplicate sub accepted")
	}
}

func TestParseStatusClaim(t *testing.T) {
	ref, err := ParseStatusClaim([]byte(`{"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}`))
	if err != nil || ref.Index != 0 || ref.URI != "https://example.com/statuslists/1" {
		t.Fatalf("ParseStatusClaim = %+v, %v", ref, err)
	}
	if _, err := ParseStatusClaim([]byte(`{"status_attestation": {}}`)); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "status_attestation") {
		t.Errorf("another mechanism only: %v, want ErrUnsupported naming it", err)
	}
	for name, in := range map[string]string{
		"empty":          `{}`,
		"not an object":  `"https://x"`,
		"no idx":         `{"status_list": {"uri": "https://x"}}`,
		"idx negative":   `{"status_list": {"idx": -1, "uri": "https://x"}}`,
		"idx fractional": `{"status_list": {"idx": 1.5, "uri": "https://x"}}`,
		"idx a string":   `{"status_list": {"idx": "1", "uri": "https://x"}}`,
		"no uri":         `{"status_list": {"idx": 1}}`,
		"uri a number":   `{"status_list": {"idx": 1, "uri": 5}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseStatusClaim([]byte(in)); !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("ParseStatusClaim = %v, want ErrMalformed", err)
			}
		})
	}
}

func FuzzDecodeTokenList(f *testing.F) {
	f.Add("eNrbuRgAAhcBXQ", 1)
	f.Add("eNo76fITAAPfAgc", 2)
	f.Add(zlibOf(make([]byte, 64)), 4)
	f.Add(zlibOf([]byte{0xff}), 8)
	f.Add("", 1)
	f.Fuzz(func(t *testing.T, lst string, bits int) {
		l, err := DecodeTokenList(lst, bits)
		if err != nil {
			if !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if l.Len() < 1 || len(l.b) > MaxBytes {
			t.Fatalf("decoded %d statuses", l.Len())
		}
		if _, err := l.Status(l.Len() - 1); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseListToken(f *testing.F) {
	f.Add([]byte(`{"exp": 2291720170, "iat": 1686920170, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}, "sub": "https://example.com/statuslists/1", "ttl": 43200}`))
	f.Add([]byte(`{"iat": 1, "status_list": {"bits": 2, "lst": "eNo76fITAAPfAgc", "aggregation_uri": "https://x"}, "sub": "https://x/1", "iss": "did:x"}`))
	f.Add([]byte(`{"status_list": {}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseListToken(data)
		if err != nil {
			if !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if tok.Subject == "" || tok.IssuedAt.IsZero() || tok.List == nil || tok.TTL < 0 {
			t.Fatalf("accepted %+v", tok)
		}
	})
}

func FuzzParseStatusClaim(f *testing.F) {
	f.Add([]byte(`{"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}`))
	f.Add([]byte(`{"status_list": {"idx": 131071, "uri": "https://x"}, "other": {}}`))
	f.Add([]byte(`{"status_attestation": {}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ref, err := ParseStatusClaim(data)
		if err != nil {
			if !errors.Is(err, credentials.ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrUnsupported", err)
			}
			return
		}
		if ref.Index < 0 || ref.URI == "" {
			t.Fatalf("accepted %+v", ref)
		}
	})
}
