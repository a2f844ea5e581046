package vci

import (
	"context"
	"crypto"
	"crypto/x509"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// TypProof is the typ of a jwt key proof (OpenID4VCI 1.0 appendix F.1).
const TypProof = "openid4vci-proof+jwt"

// maxProof bounds one key proof JWT.
const maxProof = 64 << 10

// ProofCheck is what the issuer expects of a jwt key proof.
type ProofCheck struct {
	// Audience is the Credential Issuer Identifier; aud must be it.
	Audience string
	// Algs are the accepted algorithms (the configuration's
	// proof_signing_alg_values_supported).
	Algs []string
	// ClientID, when the token was issued to a client_id, is what iss must
	// be when present.
	ClientID string
	// Now and MaxAge bound iat: not older than MaxAge, not newer than
	// openid4vc.DefaultSkew.
	Now    time.Time
	MaxAge time.Duration
	// Resolver resolves a kid DID URL; nil: did:key and did:jwk offline.
	Resolver credentials.KeyResolver
	// Roots, when set, are the CAs an x5c chain must chain to.
	Roots *x509.CertPool
}

// Proof is a key proof that passed CheckProof.
type Proof struct {
	Holder
	// Nonce is the c_nonce the proof carries ("" none).
	Nonce string
}

// CheckProof checks one jwt key proof as OpenID4VCI 1.0 appendix F.4 says:
// typ openid4vci-proof+jwt, an accepted asymmetric alg (never none), the key
// in exactly one of kid (a DID URL, resolved), jwk (public) or x5c, the
// signature with that key, aud the issuer, iat within the window, and a
// nonce claim when there is one (it is returned: the caller checks it
// against its c_nonces). Every failure is an *openid4vc.Error with code
// invalid_proof; a resolver that fails is reported the same way (the
// wallet named a key that cannot be had).
func CheckProof(ctx context.Context, proof string, c ProofCheck) (*Proof, error) {
	bad := func(format string, args ...any) error {
		return openid4vc.Errorf(openid4vc.CodeInvalidProof, "key proof: "+format, args...)
	}
	j, err := jwt.Parse(proof, maxProof)
	if err != nil {
		return nil, bad("%v", err)
	}
	if j.Typ != TypProof {
		return nil, bad("typ is %q, want %q", j.Typ, TypProof)
	}
	if err := j.CheckAlg(c.Algs); err != nil {
		return nil, bad("%v", err)
	}
	n := 0
	for _, h := range []string{"kid", "jwk", "x5c"} {
		if j.Has(h) {
			n++
		}
	}
	if n != 1 {
		return nil, bad("the header must name the key in exactly one of kid, jwk and x5c (it has %d)", n)
	}
	var h Holder
	switch {
	case j.Has("jwk"):
		pub, _, err := j.JWK()
		if err != nil {
			return nil, bad("%v", err)
		}
		h.Key = pub
	case j.Has("x5c"):
		chain, err := j.X5C()
		if err != nil {
			return nil, bad("%v", err)
		}
		trusted, err := openid4vc.CheckChain(chain, c.Roots, c.Now)
		if err != nil {
			return nil, bad("x5c: %v", err)
		}
		if c.Roots != nil && !trusted {
			return nil, bad("x5c: the chain does not lead to a trusted root")
		}
		h.Key, h.Chain = chain[0].PublicKey, chain
	default:
		if !strings.HasPrefix(j.Kid, "did:") || !strings.Contains(j.Kid, "#") {
			return nil, bad("kid %q is not a DID URL with a fragment naming the key", clip(j.Kid))
		}
		r := c.Resolver
		if r == nil {
			r = did.Resolver{}
		}
		vm, err := r.ResolveKey(ctx, j.Kid)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, bad("kid %s does not resolve: %v", clip(j.Kid), err)
		}
		h.Key, h.KeyID = vm.Key, j.Kid
		h.DID, _, _ = strings.Cut(j.Kid, "#")
	}
	if err := j.Verify(h.Key, c.Algs); err != nil {
		return nil, bad("the signature does not verify with the key of its header: %v", err)
	}
	if h.DID == "" {
		if h.DID, err = did.JWKDID(h.Key); err != nil {
			return nil, bad("key: %v", err)
		}
	}
	aud, err := j.Audience()
	if err != nil {
		return nil, bad("%v", err)
	}
	if !slices.Contains(aud, c.Audience) {
		return nil, bad("aud %q is not this credential issuer (%s)", aud, c.Audience)
	}
	iat, ok, err := j.Time("iat")
	if err != nil || !ok {
		return nil, bad("iat is missing or not a NumericDate")
	}
	if iat.After(c.Now.Add(openid4vc.DefaultSkew)) {
		return nil, bad("iat is %s in the future", iat.Sub(c.Now).Round(time.Second))
	}
	if iat.Before(c.Now.Add(-c.MaxAge)) {
		return nil, bad("iat is %s old, more than %s", c.Now.Sub(iat).Round(time.Second), c.MaxAge)
	}
	if iss, has, err := j.String("iss"); err != nil {
		return nil, bad("%v", err)
	} else if has && c.ClientID != "" && iss != c.ClientID {
		return nil, bad("iss %q is not the client_id the token was issued to", clip(iss))
	}
	nonce, _, err := j.String("nonce")
	if err != nil {
		return nil, bad("%v", err)
	}
	return &Proof{Holder: h, Nonce: nonce}, nil
}

// ProofSigner makes jwt key proofs with a holder key (the wallet side).
type ProofSigner struct {
	Signer crypto.Signer
	// KeyID, when set, is a DID URL naming the key (the proof then carries
	// kid instead of jwk).
	KeyID string
	// Algs to choose from; nil: ES256, ES384, ES512, EdDSA.
	Algs []string
}

// Proof returns a jwt key proof for audience (the credential issuer) with
// nonce (the c_nonce, "" when the issuer has no nonce endpoint).
func (p ProofSigner) Proof(audience, nonce, clientID string, now time.Time) (string, error) {
	h := map[string]any{"typ": TypProof}
	if p.KeyID != "" {
		h["kid"] = p.KeyID
	} else {
		jwk, err := jwt.PublicJWK(p.Signer.Public())
		if err != nil {
			return "", err
		}
		h["jwk"] = jwk
	}
	claims := map[string]any{"aud": audience, "iat": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if clientID != "" {
		claims["iss"] = clientID
	}
	algs := p.Algs
	if algs == nil {
		algs = jwt.AllAlgs
	}
	return jwt.Sign(p.Signer, algs, h, claims)
}
