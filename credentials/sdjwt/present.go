package sdjwt

import (
	"crypto"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// PresentOptions are the holder's choices for one presentation. The zero
// value discloses nothing selectively disclosable and adds no KB-JWT.
type PresentOptions struct {
	// Disclose lists the claims to reveal, by path in the processed claims
	// (the same paths a Frame uses; nil steps match every element). A
	// listed claim is revealed with everything inside it, and with the
	// disclosures of the claims that contain it, so that it can be placed.
	Disclose []Path
	// Holder signs the KB-JWT. Nil means no KB-JWT: the result ends in ~.
	Holder crypto.Signer
	// Nonce and Audience go into the KB-JWT; both are required with Holder.
	Nonce    string
	Audience string
	// Now is the clock for the KB-JWT iat. Nil means time.Now.
	Now func() time.Time
}

// Present takes an issued SD-JWT (as Issue returns it, or as a wallet stored
// it) and returns a presentation with only the Disclosures opts selects and,
// with opts.Holder, a KB-JWT over it. The holder key must be the one in
// cnf.jwk. Errors wrap credentials.ErrMalformed (bad input or options),
// ErrInvalidProof (disclosures that do not check out) or ErrUnsupportedKey.
func Present(issued string, opts PresentOptions) (string, error) {
	out, err := present(issued, opts)
	if err != nil {
		return "", fmt.Errorf("sd-jwt: %w", err)
	}
	return out, nil
}

func present(issued string, opts PresentOptions) (string, error) {
	sd, err := parse(issued)
	if err != nil {
		return "", err
	}
	if sd.KeyBinding != "" {
		return "", malformed("input already carries a KB-JWT; present from the issued SD-JWT")
	}
	proc, err := sd.process()
	if err != nil {
		return "", err
	}
	var keep []*Disclosure
	for _, dc := range proc.Disclosed {
		for _, sel := range opts.Disclose {
			if sel.covers(dc.Path) || dc.Path.covers(sel) {
				keep = append(keep, dc.Disclosure)
				break
			}
		}
	}
	var sb strings.Builder
	sb.WriteString(sd.jwt)
	sb.WriteByte('~')
	for _, d := range keep {
		sb.WriteString(d.Encoded)
		sb.WriteByte('~')
	}
	if opts.Holder == nil {
		return sb.String(), nil
	}
	if opts.Nonce == "" || opts.Audience == "" {
		return "", malformed("a KB-JWT needs both a nonce and an audience")
	}
	cnf, err := sd.holderKey()
	if err != nil {
		return "", err
	}
	if cnf == nil {
		return "", malformed("the SD-JWT has no cnf holder key to bind to")
	}
	if !sameKey(opts.Holder.Public(), cnf) {
		return "", fmt.Errorf("holder key is not the cnf.jwk key of the SD-JWT: %w", credentials.ErrUnsupportedKey)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	payload, err := json.Marshal(map[string]any{
		"iat":     now().Unix(),
		"aud":     opts.Audience,
		"nonce":   opts.Nonce,
		"sd_hash": digest(sd.hash, sb.String()),
	})
	if err != nil {
		return "", err
	}
	kb, err := signCompact(opts.Holder, jwsHeader{Typ: TypKB}, payload)
	if err != nil {
		return "", err
	}
	sb.WriteString(kb)
	return sb.String(), nil
}
