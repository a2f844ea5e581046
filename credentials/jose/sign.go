package jose

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// protected is the protected header a mechanism writes.
type protected struct {
	typ, cty string
}

// signCompact signs payload as a compact JWS with the algorithm that fits
// key.Signer among accepted, writing typ, cty, kid (key.ID) and x5c
// (key.Chain). It returns the token and the algorithm used. Errors for a key
// the mechanism cannot use wrap credentials.ErrUnsupportedKey.
func signCompact(name string, key credentials.SigningKey, accepted []string, p protected, payload []byte) ([]byte, string, error) {
	if key.Signer == nil {
		return nil, "", fmt.Errorf("%w: no signer", credentials.ErrUnsupportedKey)
	}
	pub := key.Signer.Public()
	alg, err := signingAlg(name, pub, accepted)
	if err != nil {
		return nil, "", err
	}
	if len(key.Chain) > 0 && jwa.KeyName(key.Chain[0].PublicKey) != jwa.KeyName(pub) {
		return nil, "", fmt.Errorf("%w: the leaf certificate's key (%s) is not the signer's key (%s)", credentials.ErrUnsupportedKey, jwa.KeyName(key.Chain[0].PublicKey), jwa.KeyName(pub))
	}
	tok, err := signCompactJWS(key, alg, p, payload)
	if err != nil {
		return nil, "", fmt.Errorf("signing %s with %s: %w", name, alg, err)
	}
	return tok, alg, nil
}

// signCompactJWS writes the compact JWS of payload: the protected header
// (alg, cty, kid, typ, x5c, in that order), the payload and the signature
// made by key.Signer with alg, which the caller matched to the key. The
// token is built in one buffer: the payload is base64url-encoded once.
func signCompactJWS(key credentials.SigningKey, alg string, p protected, payload []byte) ([]byte, error) {
	hdr := struct {
		Alg string   `json:"alg"`
		Cty string   `json:"cty,omitempty"`
		Kid string   `json:"kid,omitempty"`
		Typ string   `json:"typ,omitempty"`
		X5c []string `json:"x5c,omitempty"`
	}{Alg: alg, Typ: p.typ, Cty: p.cty, Kid: key.ID}
	for _, c := range key.Chain {
		hdr.X5c = append(hdr.X5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	hj, err := json.Marshal(hdr)
	if err != nil {
		return nil, err
	}
	hn, pn := b64.EncodedLen(len(hj)), b64.EncodedLen(len(payload))
	tok := make([]byte, hn+1+pn, hn+1+pn+1+b64.EncodedLen(132))
	b64.Encode(tok, hj)
	tok[hn] = '.'
	b64.Encode(tok[hn+1:], payload)
	sig, err := jwa.Sign(alg, key.Signer, tok)
	if err != nil {
		return nil, err
	}
	tok = append(tok, '.')
	return b64.AppendEncode(tok, sig), nil
}

// compactJSON checks doc as untrusted JSON and returns it without
// insignificant whitespace (doc itself when it has none, as the documents
// Diplomat renders), plus its top-level members. The members come from the
// checking pass itself when doc is already compact (one pass over the
// document instead of two).
func compactJSON(doc []byte, lim Limits) ([]byte, map[string]json.RawMessage, error) {
	m := make(map[string]json.RawMessage, 16)
	if err := jsonx.CheckMembers(doc, lim.payload(), func(name, value []byte) {
		m[string(name)] = value
	}); err != nil {
		return nil, nil, fmt.Errorf("%w: document: %v", credentials.ErrMalformed, err)
	}
	out := jsonx.CompactValid(doc)
	if len(out) == 0 || out[0] != '{' {
		return nil, nil, fmt.Errorf("%w: the document is not a JSON object", credentials.ErrMalformed)
	}
	if len(out) != len(doc) { // whitespace removed: the members of the copy
		var err error
		if m, err = claimsOf(out); err != nil {
			return nil, nil, fmt.Errorf("%w: the document is not a JSON object", credentials.ErrMalformed)
		}
	}
	return out, m, nil
}
