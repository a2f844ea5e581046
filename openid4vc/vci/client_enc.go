package vci

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"slices"

	"github.com/diplomat-edu/diplomat/openid4vc"
)

// openid4vcKey is an ephemeral key the wallet asks the response to be
// encrypted to: one per request.
type openid4vcKey struct {
	priv *ecdsa.PrivateKey
	kid  string
	jwk  json.RawMessage
}

func newResponseKey() (*openid4vcKey, error) {
	k, err := openid4vc.NewEncryptionKey()
	if err != nil {
		return nil, err
	}
	kid := openid4vc.NewHandle()[:16]
	pub, err := openid4vc.PublicEncryptionJWK(k, kid)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(pub)
	return &openid4vcKey{priv: k, kid: kid, jwk: b}, nil
}

// pickEnc chooses the first enc of ours the issuer supports.
func pickEnc(e *ResponseEncryption) string {
	if e == nil || !slices.Contains(e.AlgValuesSupported, openid4vc.AlgECDHES) {
		return ""
	}
	for _, enc := range openid4vc.EncValues {
		if slices.Contains(e.EncValuesSupported, enc) {
			return enc
		}
	}
	return ""
}

// encryptRequest encrypts a credential request to the issuer's first
// ECDH-ES P-256 key.
func encryptRequest(body []byte, e *RequestEncryption) (string, error) {
	if e == nil {
		return "", errors.New("the issuer takes no encrypted requests, and OpenID4VCI 1.0 forbids asking for an encrypted response over a plain request")
	}
	enc := ""
	for _, v := range openid4vc.EncValues {
		if slices.Contains(e.EncValuesSupported, v) {
			enc = v
			break
		}
	}
	if enc == "" {
		return "", errors.New("the issuer's request encryption uses no enc this wallet supports")
	}
	for _, k := range e.JWKS.Keys {
		b, _ := json.Marshal(k)
		r, err := openid4vc.ParseRecipient(b)
		if err != nil {
			continue
		}
		return openid4vc.Encrypt(body, r, enc, nil)
	}
	return "", errors.New("the issuer's credential_request_encryption has no EC P-256 ECDH-ES key")
}
