package server

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
)

// EncryptionKeySet names the store's encryption key set that wallets
// encrypt OpenID4VCI credential requests to (credential_request_encryption
// in the metadata): one key for every node sharing the store, kept across
// restarts, rotated with `diplomat openid4vc rotate-encryption-key`.
const EncryptionKeySet = "openid4vci-request"

// encKeyRing is the node's copy of the store's request encryption keys:
// the key the metadata publishes (read at start) and every key of the set
// that still decrypts. A change in the shared store (a rotation on another
// node or with the CLI) makes the node read the set again (Server.sync);
// a key stops decrypting when its grace period ends, by this node's clock.
type encKeyRing struct {
	store *keys.Store
	now   func() time.Time

	mu   sync.RWMutex
	keys map[string]keys.EncryptionKey // by id (the kid)
	// published is the key the metadata names (the current one when the
	// node started).
	published keys.EncryptionKey
	warned    bool // the node said it publishes a rotated key
}

func newEncKeyRing(store *keys.Store, now func() time.Time) (*encKeyRing, error) {
	r := &encKeyRing{store: store, now: now}
	if err := r.load(); err != nil {
		return nil, err
	}
	r.published = r.current()
	return r, nil
}

// load reads the set from the store (making it on the first start).
func (r *encKeyRing) load() error {
	set, err := r.store.EncryptionKeys(EncryptionKeySet)
	if err != nil {
		return fmt.Errorf("the OpenID4VCI request encryption key: %w", err)
	}
	m := make(map[string]keys.EncryptionKey, len(set))
	for _, k := range set {
		m[k.ID] = k
	}
	r.mu.Lock()
	r.keys = m
	r.mu.Unlock()
	return nil
}

// current is the set's current key as last read.
func (r *encKeyRing) current() keys.EncryptionKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range r.keys {
		if k.Current() {
			return k
		}
	}
	return keys.EncryptionKey{}
}

// stale reports whether the store's current key is no longer the one the
// metadata publishes (a rotation since this node started).
func (r *encKeyRing) stale() bool { return r.current().ID != r.published.ID }

// decryptionKey implements vci.Options.DecryptionKey.
func (r *encKeyRing) decryptionKey(_ context.Context, kid string) (*ecdsa.PrivateKey, error) {
	r.mu.RLock()
	k, ok := r.keys[kid]
	r.mu.RUnlock()
	if !ok || !k.NotAfter.IsZero() && !r.now().Before(k.NotAfter) {
		return nil, fmt.Errorf("encryption key %q: %w", kid, openid4vc.ErrNotFound)
	}
	return k.Private, nil
}

// reloadEncKeys reads the request encryption keys again after another node
// changed the store, and says when this node's metadata names a key that
// is no longer the current one (restart the node to publish the new one).
func (s *Server) reloadEncKeys() {
	if s.oid == nil || s.oid.enc == nil {
		return
	}
	r := s.oid.enc
	if err := r.load(); err != nil {
		s.log.Error("reading the OpenID4VCI encryption keys", slog.String("error", err.Error()))
		return
	}
	if r.stale() && !r.warned {
		r.warned = true
		s.log.Warn("the OpenID4VCI request encryption key was rotated: restart this node to publish the new one before the old one's grace period ends",
			slog.String("published", r.published.ID), slog.String("current", r.current().ID))
	}
}

// The store seals the response keys of presentation requests under its
// master key: every node unlocked with the passphrase opens them.
var _ openid4vc.Sealer = (*keys.Store)(nil)
