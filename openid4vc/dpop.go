package openid4vc

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// TypDPoP is the typ of a DPoP proof JWT (RFC 9449 section 4.2).
const TypDPoP = "dpop+jwt"

// DPoP defaults.
const (
	// DefaultDPoPMaxAge is how old a DPoP proof's iat may be.
	DefaultDPoPMaxAge = time.Minute
	// DefaultSkew is the clock difference tolerated on iat in the future,
	// for DPoP and key proofs alike.
	DefaultSkew = 30 * time.Second
	// maxDPoP bounds a DPoP header.
	maxDPoP = 8 << 10
)

// DPoPCheck is what a server expects of one DPoP proof (RFC 9449 section
// 4.3). Method and URL are required.
type DPoPCheck struct {
	// Method is the HTTP method of the request; htm must equal it.
	Method string
	// URL is the endpoint's URL as the service publishes it (not as the
	// request's Host header says); htu must equal it once both are
	// normalised (scheme and host in lower case, default port dropped, no
	// query or fragment).
	URL string
	// AccessToken, when the proof comes with an access token, is that
	// token: ath must be its base64url SHA-256. Empty: the proof must have
	// no ath.
	AccessToken string
	// Thumbprint, when set, is the RFC 7638 thumbprint the access token is
	// bound to: the proof's jwk must have it.
	Thumbprint string
	// Nonce, when set, is the DPoP nonce the server gave: the proof's nonce
	// must equal it.
	Nonce string
	// Now is the time to judge iat at; zero means time.Now().
	Now time.Time
	// MaxAge bounds how old iat may be (zero: DefaultDPoPMaxAge), Skew how
	// far in the future it may be (zero: DefaultSkew).
	MaxAge, Skew time.Duration
	// Algs are the accepted algorithms; nil means ES256, ES384, ES512 and
	// EdDSA.
	Algs []string
	// Replay, when set, remembers each proof (thumbprint and jti) until it
	// could no longer pass the iat window, so that a proof is used once.
	Replay Records
}

// DPoPProof is a DPoP proof that passed CheckDPoP.
type DPoPProof struct {
	// Thumbprint is the RFC 7638 SHA-256 thumbprint of the proof's key:
	// the jkt an access token is bound to.
	Thumbprint string
	Key        crypto.PublicKey
	JTI        string
	IssuedAt   time.Time
}

// CheckDPoP checks a DPoP proof as RFC 9449 section 4.3 says: one compact
// JWT, typ dpop+jwt, an accepted asymmetric alg, a public jwk header (no
// private members) whose key verifies the signature, jti, htm equal to
// Method, htu equal to URL, iat within the window, ath when (and only when)
// an access token comes with it, the server's nonce when one is expected,
// the key's thumbprint when the token is bound to one, and a jti not seen
// before. Every failure is an *Error with code invalid_dpop_proof (or
// use_dpop_nonce); a failure of the replay store is returned as it is.
func CheckDPoP(ctx context.Context, proof string, c DPoPCheck) (*DPoPProof, error) {
	bad := func(format string, args ...any) error {
		return &Error{Code: CodeInvalidDPoPProof, Description: "DPoP proof: " + fmt.Sprintf(format, args...)}
	}
	if proof == "" {
		return nil, bad("missing")
	}
	if len(proof) > maxDPoP {
		return nil, bad("of %d bytes is over the limit of %d", len(proof), maxDPoP)
	}
	j, err := jwt.Parse(proof, maxDPoP)
	if err != nil {
		return nil, bad("%v", err)
	}
	if j.Typ != TypDPoP {
		return nil, bad("typ is %q, want %q", j.Typ, TypDPoP)
	}
	algs := c.Algs
	if algs == nil {
		algs = jwt.AllAlgs
	}
	if err := j.CheckAlg(algs); err != nil {
		return nil, bad("%v", err)
	}
	pub, _, err := j.JWK()
	if err != nil {
		return nil, bad("%v", err)
	}
	if pub == nil {
		return nil, bad("the header has no jwk")
	}
	if err := j.Verify(pub, algs); err != nil {
		return nil, bad("the signature does not verify with its jwk: %v", err)
	}
	jkt, err := did.Thumbprint(pub)
	if err != nil {
		return nil, bad("jwk: %v", err)
	}
	if c.Thumbprint != "" && !Equal(jkt, c.Thumbprint) {
		return nil, bad("signed with another key than the one the access token is bound to")
	}
	jti, _, err := j.String("jti")
	if err != nil || jti == "" || len(jti) > 256 {
		return nil, bad("jti is missing, not a string or over 256 characters")
	}
	htm, _, err := j.String("htm")
	if err != nil || htm != c.Method {
		return nil, bad("htm is %q, want %q", htm, c.Method)
	}
	htu, _, err := j.String("htu")
	if err != nil {
		return nil, bad("%v", err)
	}
	want, err := NormalizeHTU(c.URL)
	if err != nil {
		return nil, fmt.Errorf("openid4vc: DPoP check of an endpoint URL that does not parse: %w", err)
	}
	got, err := NormalizeHTU(htu)
	if err != nil || got != want {
		return nil, bad("htu %q is not this endpoint (%s)", clip(htu), want)
	}
	iat, ok, err := j.Time("iat")
	if err != nil || !ok {
		return nil, bad("iat is missing or not a NumericDate")
	}
	now := c.Now
	if now.IsZero() {
		now = time.Now()
	}
	maxAge, skew := c.MaxAge, c.Skew
	if maxAge <= 0 {
		maxAge = DefaultDPoPMaxAge
	}
	if skew <= 0 {
		skew = DefaultSkew
	}
	if iat.After(now.Add(skew)) {
		return nil, bad("iat is %s in the future", iat.Sub(now).Round(time.Second))
	}
	if iat.Before(now.Add(-maxAge)) {
		return nil, bad("iat is %s old, more than %s", now.Sub(iat).Round(time.Second), maxAge)
	}
	ath, hasAth, err := j.String("ath")
	if err != nil {
		return nil, bad("%v", err)
	}
	switch {
	case c.AccessToken != "" && !hasAth:
		return nil, bad("ath is missing: a proof presented with an access token must carry its hash")
	case c.AccessToken != "" && !Equal(ath, AccessTokenHash(c.AccessToken)):
		return nil, bad("ath is not the hash of the access token presented")
	case c.AccessToken == "" && hasAth:
		return nil, bad("ath is present but no access token comes with the proof")
	}
	nonce, _, err := j.String("nonce")
	if err != nil {
		return nil, bad("%v", err)
	}
	if c.Nonce != "" && !Equal(nonce, c.Nonce) {
		return nil, &Error{Code: CodeUseDPoPNonce, Description: "DPoP proof: use the DPoP nonce the server provided", DPoPNonce: c.Nonce}
	}
	if c.Replay != nil {
		// Remembered until the proof's iat leaves the window.
		exp := iat.Add(maxAge + skew)
		if err := Once(ctx, c.Replay, KindDPoPProof, Key(jkt+"\x00"+jti), exp); err != nil {
			if errors.Is(err, ErrExists) {
				return nil, bad("this proof (jti) was already used")
			}
			return nil, err
		}
	}
	return &DPoPProof{Thumbprint: jkt, Key: pub, JTI: jti, IssuedAt: iat}, nil
}

// AccessTokenHash is the ath of a DPoP proof: base64url SHA-256 of the
// access token's ASCII bytes.
func AccessTokenHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return b64.EncodeToString(s[:])
}

// NormalizeHTU returns u without query and fragment, with scheme and host in
// lower case and the scheme's default port dropped (RFC 9449 section 4.3,
// RFC 3986 sections 6.2.2 and 6.2.3). Only http and https URLs are accepted.
func NormalizeHTU(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", clip(raw))
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, nil
}

// DPoPSigner makes DPoP proofs with one key (the wallet side).
type DPoPSigner struct {
	Signer crypto.Signer
	// Algs are the algorithms to choose from, in order; nil: ES256,
	// ES384, ES512, EdDSA.
	Algs []string
}

// Proof returns a DPoP proof for a request with method to u, carrying ath
// when accessToken is set and nonce when the server gave one.
func (d DPoPSigner) Proof(method, u, accessToken, nonce string, now time.Time) (string, error) {
	if d.Signer == nil {
		return "", errors.New("openid4vc: DPoP signer has no key")
	}
	jwk, err := jwt.PublicJWK(d.Signer.Public())
	if err != nil {
		return "", err
	}
	htu, err := NormalizeHTU(u)
	if err != nil {
		return "", err
	}
	claims := map[string]any{"jti": NewHandle(), "htm": method, "htu": htu, "iat": now.Unix()}
	if accessToken != "" {
		claims["ath"] = AccessTokenHash(accessToken)
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	algs := d.Algs
	if algs == nil {
		algs = jwt.AllAlgs
	}
	return jwt.Sign(d.Signer, algs, map[string]any{"typ": TypDPoP, "jwk": jwk}, claims)
}

// Thumbprint returns the RFC 7638 thumbprint of the signer's key.
func (d DPoPSigner) Thumbprint() (string, error) { return did.Thumbprint(d.Signer.Public()) }

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
