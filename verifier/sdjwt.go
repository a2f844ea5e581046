package verifier

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// sdVCByPayload verifies an SD-JWT of typ "vc+sd-jwt": with sdjwt.VC when
// its payload is a VC 2.0 document (it has @context), with the SD-JWT VC
// mechanism otherwise (the typ of SD-JWT VC before "dc+sd-jwt").
type sdVCByPayload struct {
	vc   sdjwt.VC
	sdvc sdjwt.Mechanism
}

var _ credentials.Mechanism = sdVCByPayload{}

func (sdVCByPayload) Name() string { return sdjwt.TypVC }

func (m sdVCByPayload) Sign(ctx context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	return m.vc.Sign(ctx, doc, key, opts)
}

func (m sdVCByPayload) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	isVC, err := hasContext(secured)
	if err != nil {
		return nil, err
	}
	if isVC {
		return m.vc.Verify(ctx, secured, r, opts)
	}
	return m.sdvc.Verify(ctx, secured, r, opts)
}

// hasContext reports whether the issuer-signed JWT of an SD-JWT has a
// top-level @context in its payload.
func hasContext(secured []byte) (bool, error) {
	jwt, _, _ := bytes.Cut(bytes.TrimSpace(secured), []byte("~"))
	parts := bytes.Split(jwt, []byte("."))
	if len(parts) != 3 {
		return false, fmt.Errorf("%w: the SD-JWT does not start with a compact JWS", credentials.ErrMalformed)
	}
	payload, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
	if err != nil {
		return false, fmt.Errorf("%w: the SD-JWT payload is not base64url: %v", credentials.ErrMalformed, err)
	}
	found := false
	err = jsonx.Members(payload, func(name string, _ []byte) bool {
		found = name == "@context"
		return !found
	})
	if err != nil {
		return false, fmt.Errorf("%w: the SD-JWT payload: %w", credentials.ErrMalformed, err)
	}
	return found, nil
}
