package sdjwt

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// StatusListJWT is the Status List Token of the IETF Token Status List in
// JWT form (draft-ietf-oauth-status-list §5.1, typ statuslist+jwt) as a
// credentials.Mechanism: the signed list an SD-JWT VC's status claim points
// at. The claims it signs and reads are status.ListToken's.
//
// Sign takes the claims set (status.ListToken.Claims) and signs it with the
// same keys and header rules as an SD-JWT VC: kid = key.ID, x5c =
// key.Chain, iss defaulting to the DID of key.ID (and equal to it when
// both are set), iat defaulting to now. Verify checks typ, the key (x5c, or
// kid/iss resolved and controlled by iss, as for SD-JWT VC), the signature,
// exp and iat, and that the claims are a status list token; it returns the
// claims as Verified.Document and iat as Verified.Signed. Whether the token
// is the one the referenced token names (sub = uri), and whether its signer
// is the credential's, is the verifier's to check.
type StatusListJWT struct{}

var _ credentials.Mechanism = StatusListJWT{}

// Name returns "statuslist+jwt".
func (StatusListJWT) Name() string { return status.TypStatusListJWT }

// Sign signs the claims set doc as a statuslist+jwt with key.
func (StatusListJWT) Sign(ctx context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := decodeClaims(doc)
	if err != nil {
		return nil, err
	}
	d := keyDID(key.ID)
	iss, _ := m["iss"].(string)
	switch {
	case iss == "" && d != "":
		m["iss"] = d
	case d != "" && iss != d:
		return nil, malformed("iss %q is not the DID of the signing key %q", iss, key.ID)
	}
	if _, ok := m["iat"]; !ok {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		m["iat"] = json.Number(fmt.Sprint(now().Unix()))
	}
	payload, err := jsonRaw(m)
	if err != nil {
		return nil, err
	}
	if _, err := status.ParseListToken(payload); err != nil {
		return nil, err
	}
	h := jwsHeader{Typ: status.TypStatusListJWT, Kid: key.ID}
	for _, c := range key.Chain {
		h.X5c = append(h.X5c, stdB64(c.Raw))
	}
	tok, err := signCompact(key.Signer, h, payload)
	if err != nil {
		return nil, err
	}
	return []byte(tok), nil
}

// Verify checks a statuslist+jwt (see StatusListJWT).
func (s StatusListJWT) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := s.verify(ctx, strings.TrimSpace(string(secured)), r, opts)
	if err != nil {
		return nil, fmt.Errorf("status list token: %w", err)
	}
	return v, nil
}

func (s StatusListJWT) verify(ctx context.Context, tok string, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	j, err := parseCompact("statuslist+jwt", tok)
	if err != nil {
		return nil, err
	}
	if typ := strings.TrimPrefix(strings.ToLower(j.header.Typ), "application/"); typ != status.TypStatusListJWT {
		return nil, malformed("typ header is %q, want %q", j.header.Typ, status.TypStatusListJWT)
	}
	if err := jsonx.Check(j.payload, jsonx.Limits{MaxBytes: status.MaxBytes * 2}); err != nil {
		return nil, malformed("payload: %v", err)
	}
	claims, err := status.ParseListToken(j.payload)
	if err != nil {
		return nil, err
	}
	out := &credentials.Verified{Mechanism: s.Name(), Issuer: claims.Issuer, Signed: claims.IssuedAt,
		Details: map[string]string{"typ": j.header.Typ, "sub": claims.Subject}}
	switch {
	case len(j.header.X5c) > 0 && claims.Issuer == "":
		// Sealed by certificate: the certificate path is the signer.
		chain, err := parseX5c(j.header.X5c)
		if err != nil {
			return nil, err
		}
		out.Key, out.Chain, out.KeyID = chain[0].PublicKey, chain, j.header.Kid
	case claims.Issuer == "":
		return nil, malformed("claim iss is missing, and no x5c names the signer")
	default:
		if err := issuerKey(ctx, r, Header{Kid: j.header.Kid, X5c: j.header.X5c}, claims.Issuer, false, out); err != nil {
			return nil, err
		}
	}
	if err := j.verify("statuslist+jwt", out.Key); err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()
	if !claims.Expires.IsZero() && !t.Before(claims.Expires.Add(opts.Skew)) {
		return nil, fmt.Errorf("expired at %s (exp): %w", claims.Expires.Format(time.RFC3339), credentials.ErrExpired)
	}
	if t.Add(opts.Skew).Before(claims.IssuedAt) {
		return nil, fmt.Errorf("issued in the future at %s (iat): %w", claims.IssuedAt.Format(time.RFC3339), credentials.ErrNotYetValid)
	}
	out.Document = j.payload
	return out, nil
}
