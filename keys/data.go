package keys

import "fmt"

// adData prefixes the associated data of SealData: private keys are sealed
// with their id (a base64url thumbprint) as associated data, which never
// starts with this, so data sealed here never opens as a key and no key
// opens as data.
const adData = "diplomat data\x00"

// SealData encrypts plaintext under the store's master key, binding ad, for
// another package that keeps secret data in the store (the wallet's
// credentials): XChaCha20-Poly1305 with a random nonce, as private keys
// are sealed. ad should name the record, so that a ciphertext moved to
// another record does not open there. It needs Unlock (ErrLocked before).
func (s *Store) SealData(ad, plaintext []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	master, err := s.masterKey()
	if err != nil {
		return nil, err
	}
	return seal(master, plaintext, append([]byte(adData), ad...))
}

// OpenData decrypts what SealData sealed with the same ad. It returns
// ErrLocked before Unlock and an error wrapping ErrCorrupt when the
// ciphertext does not open (altered, or sealed for another ad or store),
// never a word of the contents.
func (s *Store) OpenData(ad, sealed []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	master, err := s.masterKey()
	if err != nil {
		return nil, err
	}
	pt, err := open(master, sealed, append([]byte(adData), ad...))
	if err != nil {
		return nil, fmt.Errorf("keys: sealed data does not open: %w", ErrCorrupt)
	}
	return pt, nil
}
