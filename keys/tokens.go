package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// API token scopes: what a bearer token of the HTTP service may do.
const (
	// ScopeIssue issues credentials and batches and reads the register.
	ScopeIssue = "issue"
	// ScopeStatus revokes, suspends and reinstates credentials, publishes
	// the status lists and reads the register.
	ScopeStatus = "status"
	// ScopeAdmin may do everything, and sign in to the console.
	ScopeAdmin = "admin"
)

// TokenPrefix starts every token secret, so that a leaked one is easy to
// recognise (secret scanners, logs).
const TokenPrefix = "dpl_"

// TableTokens holds the API tokens: "id/<id>" → Token JSON, "hash/<hex
// SHA-256 of the secret>" → id. The secret itself is never stored.

// Token is an API token of the HTTP service, as the store keeps it: its
// name, scopes and dates, never its secret (only the secret's SHA-256).
type Token struct {
	// ID is a short random identifier, shown in lists and audit records.
	ID string `json:"id"`
	// Name says whose or what the token is ("sis-export"); unique among
	// tokens that are not revoked.
	Name string `json:"name"`
	// Scopes are ScopeIssue, ScopeStatus and/or ScopeAdmin.
	Scopes []string `json:"scopes"`
	// Created, Expires (zero: never), Revoked (zero: not revoked) and
	// LastUsed (zero: never) are UTC times.
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
	LastUsed time.Time `json:"lastUsed,omitzero"`
	// Hash is the hex SHA-256 of the secret.
	Hash string `json:"hash"`
}

// Has reports whether the token carries scope, or ScopeAdmin.
func (t *Token) Has(scope string) bool {
	return slices.Contains(t.Scopes, scope) || slices.Contains(t.Scopes, ScopeAdmin)
}

// ErrTokenInvalid is wrapped by AuthenticateToken for a secret that is not
// a token of this store, or one revoked or expired. Callers answer all
// three the same way (401), so that a guess learns nothing.
var ErrTokenInvalid = errors.New("invalid, revoked or expired token")

// TokenHash returns the hex SHA-256 of a token secret: how the store finds
// a token without keeping its secret. Secrets are 256 random bits, so a
// fast hash is enough.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func checkScopes(scopes []string) error {
	if len(scopes) == 0 {
		return fmt.Errorf("keys: a token needs at least one scope (issue, status, admin): %w", ErrInvalid)
	}
	for _, s := range scopes {
		switch s {
		case ScopeIssue, ScopeStatus, ScopeAdmin:
		default:
			return fmt.Errorf("keys: unknown token scope %q (issue, status or admin): %w", s, ErrInvalid)
		}
	}
	return nil
}

// CreateToken makes a new API token named name with scopes, valid until
// expires (zero: never), and returns its secret, shown this once: the store
// keeps only its hash. A name already used by a token that is not revoked
// returns an error wrapping ErrExists. It needs no passphrase.
func (s *Store) CreateToken(name string, scopes []string, expires time.Time) (secret string, t *Token, err error) {
	if err := checkName(name); err != nil {
		return "", nil, err
	}
	if err := checkScopes(scopes); err != nil {
		return "", nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	if !expires.IsZero() && !expires.After(now) {
		return "", nil, fmt.Errorf("keys: token %q would expire at once (%s): %w", name, expires.UTC().Format(time.RFC3339), ErrInvalid)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	idb := make([]byte, 6)
	if _, err := rand.Read(idb); err != nil {
		return "", nil, err
	}
	sc := slices.Clone(scopes)
	slices.Sort(sc)
	t = &Token{ID: "tok_" + hex.EncodeToString(idb), Name: name, Scopes: slices.Compact(sc), Created: now, Hash: TokenHash(secret)}
	if !expires.IsZero() {
		t.Expires = expires.UTC().Truncate(time.Second)
	}
	err = s.update(func(tx Tx) error {
		if err := eachToken(tx, func(o *Token) error {
			if o.Name == name && o.Revoked.IsZero() {
				return fmt.Errorf("keys: a token named %q exists (%s): revoke it first or choose another name: %w", name, o.ID, ErrExists)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := putToken(tx, t); err != nil {
			return err
		}
		if err := tx.Put(TableTokens, []byte("hash/"+t.Hash), []byte(t.ID)); err != nil {
			return err
		}
		return appendAudit(tx, now, "tokens.create", t.ID, name, strings.Join(t.Scopes, ","))
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

func putToken(tx Tx, t *Token) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return tx.Put(TableTokens, []byte("id/"+t.ID), v)
}

func eachToken(tx Tx, fn func(*Token) error) error {
	return tx.ForEach(TableTokens, []byte("id/"), func(k, v []byte) error {
		var t Token
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("keys: token record %s: %w", k, ErrCorrupt)
		}
		return fn(&t)
	})
}

// getToken reads the token with id, or nil when there is none.
func getToken(tx Tx, id string) (*Token, error) {
	v, err := tx.Get(TableTokens, []byte("id/"+id))
	if err != nil || v == nil {
		return nil, err
	}
	t := new(Token)
	if err := json.Unmarshal(v, t); err != nil {
		return nil, fmt.Errorf("keys: token %s: %w", id, ErrCorrupt)
	}
	return t, nil
}

// Tokens returns every token, revoked ones included, by creation time.
func (s *Store) Tokens() ([]*Token, error) {
	var out []*Token
	err := s.view(func(tx Tx) error {
		return eachToken(tx, func(t *Token) error { out = append(out, t); return nil })
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// RevokeToken revokes the token whose id or (unrevoked) name is ref; it
// stops working at once. actor names who revoked it, for the audit log.
// An unknown ref wraps ErrNotFound.
func (s *Store) RevokeToken(ref, actor string) (*Token, error) {
	var out *Token
	err := s.update(func(tx Tx) error {
		if err := eachToken(tx, func(t *Token) error {
			if out == nil && (t.ID == ref || (t.Name == ref && t.Revoked.IsZero())) {
				out = t
			}
			return nil
		}); err != nil {
			return err
		}
		if out == nil {
			return fmt.Errorf("keys: no token %q: %w", ref, ErrNotFound)
		}
		if !out.Revoked.IsZero() {
			return nil
		}
		now := s.now().UTC().Truncate(time.Second)
		out.Revoked = now
		if err := putToken(tx, out); err != nil {
			return err
		}
		return appendAuditBy(tx, now, "tokens.revoke", out.ID, out.Name, "", actor)
	})
	return out, err
}

// AuthenticateToken returns the token whose secret is secret, when it is
// neither revoked nor expired at now. Anything else returns an error
// wrapping ErrTokenInvalid. It does not record the use (TouchToken does).
func (s *Store) AuthenticateToken(secret string, now time.Time) (*Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, ErrTokenInvalid
	}
	var t *Token
	err := s.view(func(tx Tx) error {
		id, err := tx.Get(TableTokens, []byte("hash/"+TokenHash(secret)))
		if err != nil {
			return err
		}
		if id == nil {
			return ErrTokenInvalid
		}
		if t, err = getToken(tx, string(id)); err == nil && t == nil {
			err = fmt.Errorf("keys: token %s: %w", id, ErrCorrupt)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !t.Usable(now) {
		return nil, ErrTokenInvalid
	}
	return t, nil
}

// TouchToken records that token id was used at at (its LastUsed), unless a
// later use is recorded already.
func (s *Store) TouchToken(id string, at time.Time) error {
	return s.update(func(tx Tx) error {
		t, err := getToken(tx, id)
		if err != nil || t == nil {
			return err
		}
		at = at.UTC().Truncate(time.Second)
		if !at.After(t.LastUsed) {
			return nil
		}
		t.LastUsed = at
		return putToken(tx, t)
	})
}

// Token returns the token with id, revoked or not, or an error wrapping
// ErrNotFound.
func (s *Store) Token(id string) (*Token, error) {
	var t *Token
	err := s.view(func(tx Tx) error {
		var err error
		if t, err = getToken(tx, id); err == nil && t == nil {
			err = fmt.Errorf("keys: no token %q: %w", id, ErrNotFound)
		}
		return err
	})
	return t, err
}

// Usable reports whether the token is neither revoked nor expired at now.
func (t *Token) Usable(now time.Time) bool {
	return t.Revoked.IsZero() && (t.Expires.IsZero() || now.Before(t.Expires))
}
