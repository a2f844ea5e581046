package sdjwt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/status"
)

func listClaims(t *testing.T, sub string, iat time.Time, set ...int) []byte {
	t.Helper()
	l, err := status.NewTokenList(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range set {
		_ = l.SetStatus(i, status.TokenInvalid)
	}
	b, err := (&status.ListToken{Subject: sub, IssuedAt: iat, Expires: iat.Add(48 * time.Hour), List: l}).Claims()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStatusListJWTSignsAndVerifies(t *testing.T) {
	iss := newParty(t, "uni", newP256(t))
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	opts := credentials.VerifyOptions{Now: func() time.Time { return now }}
	tok, err := StatusListJWT{}.Sign(context.Background(), listClaims(t, "https://uni.example/status/1", now.Add(-time.Hour), 7), iss.key(), credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vd, err := StatusListJWT{}.Verify(context.Background(), tok, resolverFor(iss), opts)
	if err != nil {
		t.Fatal(err)
	}
	if vd.Issuer != iss.did || vd.KeyID != iss.kid || vd.Details["sub"] != "https://uni.example/status/1" {
		t.Fatalf("verified %+v", vd)
	}
	claims, err := status.ParseListToken(vd.Document)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := claims.List.Status(7); v != status.TokenInvalid {
		t.Errorf("status 7 = %d", v)
	}

	other := newParty(t, "other", newP256(t))
	for name, c := range map[string]struct {
		tok  []byte
		opts credentials.VerifyOptions
		want error
	}{
		"expired":               {tok, credentials.VerifyOptions{Now: func() time.Time { return now.Add(72 * time.Hour) }}, credentials.ErrExpired},
		"future iat":            {tok, credentials.VerifyOptions{Now: func() time.Time { return now.Add(-2 * time.Hour) }}, credentials.ErrNotYetValid},
		"another typ":           {[]byte(strings.TrimSuffix(craft(t, iss.signer, jwsHeader{Typ: "JWT", Kid: iss.kid}, withIss(decodeMap(t, listClaims(t, "https://uni.example/status/1", now)), iss.did), nil, ""), "~")), opts, credentials.ErrMalformed},
		"a key of someone else": {[]byte(strings.TrimSuffix(craft(t, other.signer, jwsHeader{Typ: status.TypStatusListJWT, Kid: other.kid}, withIss(decodeMap(t, listClaims(t, "https://uni.example/status/1", now)), iss.did), nil, ""), "~")), opts, credentials.ErrInvalidProof},
		"tampered":              {tamper(tok), opts, credentials.ErrInvalidProof},
		"no iss, no x5c":        {[]byte(strings.TrimSuffix(craft(t, iss.signer, jwsHeader{Typ: status.TypStatusListJWT, Kid: iss.kid}, decodeMap(t, listClaims(t, "https://uni.example/status/1", now)), nil, ""), "~")), opts, credentials.ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := StatusListJWT{}.Verify(context.Background(), c.tok, resolverFor(iss, other), c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}

	// Sealed by certificate: the path is returned for the verifier to judge.
	key, chain := testChain(t, "https://uni.example")
	sealed, err := StatusListJWT{}.Sign(context.Background(), listClaims(t, "https://uni.example/status/2", now.Add(-time.Hour)), credentials.SigningKey{Signer: key, Chain: chain}, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vd, err = StatusListJWT{}.Verify(context.Background(), sealed, nil, opts)
	if err != nil || len(vd.Chain) != 2 {
		t.Fatalf("sealed list: %v, chain %d", err, len(vd.Chain))
	}
}

func withIss(m map[string]any, iss string) map[string]any { m["iss"] = iss; return m }

// tamper changes the signature of a compact JWS.
func tamper(tok []byte) []byte {
	s := []byte(string(tok))
	i := strings.LastIndexByte(string(s), '.') + 3
	if s[i] == 'A' {
		s[i] = 'B'
	} else {
		s[i] = 'A'
	}
	return s
}
