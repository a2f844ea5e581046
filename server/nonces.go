package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/verifier"
)

// stateNonces is the verifier's NonceStore over the StateStore: a
// presentation's challenge is accepted once, on every node sharing the
// store, for nonceTTL.
type stateNonces struct {
	state StateStore
	now   func() time.Time
}

var _ verifier.NonceStore = stateNonces{}

// nonceTTL is how long a used challenge is remembered: longer than any
// presentation lifetime the default policy accepts.
const nonceTTL = 10 * time.Minute

// Use records nonce (by its SHA-256) as used; a second use wraps
// verifier.ErrReplay.
func (n stateNonces) Use(nonce string) error {
	if nonce == "" {
		return fmt.Errorf("empty nonce: %w", verifier.ErrReplay)
	}
	sum := sha256.Sum256([]byte(nonce))
	err := n.state.AddState(context.Background(), "vp.nonce", hex.EncodeToString(sum[:]), nil, n.now().Add(nonceTTL))
	if errors.Is(err, ErrStateExists) {
		return fmt.Errorf("challenge used before: %w", verifier.ErrReplay)
	}
	return err
}
