package openid4vc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Sealer protects the secret parts of records in Records (a presentation
// request's response decryption key), so that a copy of the store alone
// does not decrypt what wallets encrypted: the key that seals is kept
// elsewhere (the service's master key, unlocked with its passphrase, the
// same on every node). *keys.Store implements it.
type Sealer interface {
	// SealData encrypts plaintext with an AEAD, binding ad (which names
	// the record, so that a sealed value moved to another record does not
	// open there).
	SealData(ad, plaintext []byte) ([]byte, error)
	// OpenData decrypts what SealData sealed with the same ad. It returns
	// an error when sealed was altered, sealed for another ad or under
	// another key; the error holds nothing of the contents.
	OpenData(ad, sealed []byte) ([]byte, error)
}

// ErrSealed is wrapped by the errors of ProcessSealer.OpenData.
var ErrSealed = errors.New("sealed data does not open")

// ProcessSealer is a Sealer under a random key that lives in this process
// only (AES-256-GCM, random nonces): what it seals opens in no other process
// and after no restart. For a single process and tests; a service whose
// nodes share a store gives them a Sealer they share.
type ProcessSealer struct{ aead cipher.AEAD }

var _ Sealer = (*ProcessSealer)(nil)

// NewProcessSealer makes a ProcessSealer with a fresh key.
func NewProcessSealer() (*ProcessSealer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &ProcessSealer{aead: aead}, nil
}

// SealData implements Sealer: the nonce, then the ciphertext.
func (p *ProcessSealer) SealData(ad, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, p.aead.NonceSize(), p.aead.NonceSize()+len(plaintext)+p.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return p.aead.Seal(nonce, nonce, plaintext, ad), nil
}

// OpenData implements Sealer; errors wrap ErrSealed.
func (p *ProcessSealer) OpenData(ad, sealed []byte) ([]byte, error) {
	n := p.aead.NonceSize()
	if len(sealed) < n+p.aead.Overhead() {
		return nil, fmt.Errorf("openid4vc: %w (too short)", ErrSealed)
	}
	pt, err := p.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, fmt.Errorf("openid4vc: %w (altered, or sealed elsewhere)", ErrSealed)
	}
	return pt, nil
}
