package keys

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTokensAreStoredHashedAndStopWorkingWhenRevokedOrExpired(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), DefaultFile), &Options{KDF: KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	secret, tok, err := s.CreateToken("sis", []string{ScopeIssue}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, TokenPrefix) || tok.Hash != TokenHash(secret) || strings.Contains(tok.Hash, secret) {
		t.Fatalf("secret %q, token %+v", secret, tok)
	}
	if _, _, err := s.CreateToken("sis", []string{ScopeIssue}, time.Time{}); !errors.Is(err, ErrExists) {
		t.Fatalf("second token of the same name: %v", err)
	}
	if _, _, err := s.CreateToken("x", []string{"root"}, time.Time{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown scope: %v", err)
	}
	got, err := s.AuthenticateToken(secret, now)
	if err != nil || got.ID != tok.ID || !got.Has(ScopeIssue) || got.Has(ScopeStatus) {
		t.Fatalf("authenticate: %+v, %v", got, err)
	}
	if _, err := s.AuthenticateToken(secret, now.Add(2*time.Hour)); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired token accepted: %v", err)
	}
	if _, err := s.AuthenticateToken(secret+"x", now); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("wrong secret accepted: %v", err)
	}
	if err := s.TouchToken(tok.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeToken("sis", "admin-token"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(secret, now); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("revoked token accepted: %v", err)
	}
	list, err := s.Tokens()
	if err != nil || len(list) != 1 || list[0].Revoked.IsZero() || list[0].LastUsed.IsZero() {
		t.Fatalf("tokens: %+v, %v", list, err)
	}
	recs, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if last.Op != "tokens.revoke" || last.Actor != "admin-token" || strings.Contains(last.Detail, secret) {
		t.Fatalf("audit: %+v", last)
	}
}
