package jose

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/cert"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/diplomat-edu/diplomat/credentials"
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
	if len(key.Chain) > 0 && keyName(key.Chain[0].PublicKey) != keyName(pub) {
		return nil, "", fmt.Errorf("%w: the leaf certificate's key (%s) is not the signer's key (%s)", credentials.ErrUnsupportedKey, keyName(key.Chain[0].PublicKey), keyName(pub))
	}
	if alg == ES256K {
		tok, err := signES256KCompact(key, p, payload)
		return tok, alg, err
	}
	h := jws.NewHeaders()
	set := func(k string, v any) {
		if err == nil {
			err = h.Set(k, v)
		}
	}
	if p.typ != "" {
		set(jws.TypeKey, p.typ)
	}
	if p.cty != "" {
		set(jws.ContentTypeKey, p.cty)
	}
	if key.ID != "" {
		set(jws.KeyIDKey, key.ID)
	}
	if len(key.Chain) > 0 {
		var c cert.Chain
		for _, crt := range key.Chain {
			_ = c.AddString(base64.StdEncoding.EncodeToString(crt.Raw))
		}
		set(jws.X509CertChainKey, &c)
	}
	if err != nil {
		return nil, "", fmt.Errorf("writing the protected header: %w", err)
	}
	tok, err := jws.Sign(payload, jws.WithKey(jwa.SignatureAlgorithm(alg), key.Signer, jws.WithProtectedHeaders(h)))
	if err != nil {
		return nil, "", fmt.Errorf("signing %s with %s: %w", name, alg, err)
	}
	return tok, alg, nil
}

// signES256KCompact is signCompact for secp256k1 keys, which jwx signs
// only when built with the jwx_es256k tag.
func signES256KCompact(key credentials.SigningKey, p protected, payload []byte) ([]byte, error) {
	hdr := struct {
		Alg string   `json:"alg"`
		Typ string   `json:"typ,omitempty"`
		Cty string   `json:"cty,omitempty"`
		Kid string   `json:"kid,omitempty"`
		X5c []string `json:"x5c,omitempty"`
	}{Alg: ES256K, Typ: p.typ, Cty: p.cty, Kid: key.ID}
	for _, c := range key.Chain {
		hdr.X5c = append(hdr.X5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	hj, err := json.Marshal(hdr)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(b64.EncodeToString(hj))
	buf.WriteByte('.')
	buf.WriteString(b64.EncodeToString(payload))
	sig, err := signECDSA(rand.Reader, key.Signer, ES256K, buf.Bytes(), 32)
	if err != nil {
		return nil, err
	}
	buf.WriteByte('.')
	buf.WriteString(b64.EncodeToString(sig))
	return buf.Bytes(), nil
}

// verifyToken checks the signature of tok with k: the algorithm must fit
// the key, and the signature must verify over the signing input.
func verifyToken(tok *compactJWS, k *signerKey) error {
	if err := checkKeyForAlg(tok.header.Alg, k.key); err != nil {
		return err
	}
	return verifySignature(tok.header.Alg, k.key, tok.signingInput, tok.signature)
}

// compactJSON checks doc as untrusted JSON and returns it without
// insignificant whitespace, plus its top-level members.
func compactJSON(doc []byte, lim Limits) ([]byte, map[string]json.RawMessage, error) {
	if err := jsonxCheck(doc, lim); err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, doc); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", credentials.ErrMalformed, err)
	}
	m, err := claimsOf(buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the document is not a JSON object", credentials.ErrMalformed)
	}
	return buf.Bytes(), m, nil
}
