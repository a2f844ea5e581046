package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/verifier"
)

// recordNonces is the verifier's NonceStore over the Records: a
// presentation's challenge sent to /presentations/verify is accepted once,
// on every node sharing the records, for nonceTTL.
type recordNonces struct {
	records openid4vc.Records
	now     func() time.Time
}

var _ verifier.NonceStore = recordNonces{}

// kindVCAPINonce is the kind of the challenges the VC-API's presentation
// verification has accepted (apart from the OpenID4VP flow's own).
const kindVCAPINonce = "vcapi-nonce"

// nonceTTL is how long a used challenge is remembered: longer than any
// presentation lifetime the default policy accepts.
const nonceTTL = 10 * time.Minute

// Use records nonce (by its digest) as used; a second use wraps
// verifier.ErrReplay.
func (n recordNonces) Use(nonce string) error {
	if nonce == "" {
		return fmt.Errorf("empty nonce: %w", verifier.ErrReplay)
	}
	err := openid4vc.Once(context.Background(), n.records, kindVCAPINonce, openid4vc.Key(nonce), n.now().Add(nonceTTL))
	if errors.Is(err, openid4vc.ErrExists) {
		return fmt.Errorf("challenge used before: %w", verifier.ErrReplay)
	}
	return err
}
