package keys

import (
	"crypto"
	"encoding/json"
	"fmt"
)

// SignerByID returns a crypto.Signer for the key version whose thumbprint is
// id, whether it is active or retired. A retired version signs only what
// stays bound to it after a rotation: the status lists of the credentials it
// signed, when its DID is the issuer (did:key, did:jwk), as package issuer
// publishes them. New credentials are signed with Signer(name). Errors are
// Signer's: ErrNotFound for an unknown id, ErrDestroyed for a destroyed
// version, ErrLocked before Unlock, ErrCorrupt for a sealed key that does
// not open under its id.
func (s *Store) SignerByID(id string) (crypto.Signer, error) {
	var r keyRecord
	if err := s.view(func(tx Tx) error {
		v, err := tx.Get(TableKeys, []byte(id))
		if err != nil {
			return err
		}
		if v == nil {
			return fmt.Errorf("keys: no key with id %q: %w", id, ErrNotFound)
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("keys: key record %q: %w", id, ErrCorrupt)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if r.State == Destroyed {
		return nil, fmt.Errorf("keys: key %q version %s was destroyed on %s: %w", r.Name, r.ID, r.Destroyed.Format("2006-01-02"), ErrDestroyed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg := s.signers[r.ID]; sg != nil {
		return sg, nil
	}
	master, err := s.masterKey()
	if err != nil {
		return nil, err
	}
	priv, err := openRecord(master, &r)
	if err != nil {
		return nil, err
	}
	sg := &signer{name: r.Name, pub: priv.Public(), priv: priv}
	s.signers[r.ID] = sg
	return sg, nil
}
