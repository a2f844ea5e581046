package keys

import (
	"crypto"
	"crypto/ed25519"
	"errors"
	"testing"
)

// A retired version still signs through SignerByID (for what stays bound to
// it, such as the status lists of the credentials it signed), with its own
// key; a destroyed one does not, nor an unknown id, nor a locked store.
func TestSignerByIDSignsWithRetiredButNotDestroyedVersions(t *testing.T) {
	s, _ := unlockedStore(t)
	old, err := s.Create("registrar", Ed25519, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate("registrar"); err != nil {
		t.Fatal(err)
	}
	sg, err := s.SignerByID(old.ID)
	if err != nil {
		t.Fatalf("retired version: %v", err)
	}
	msg := []byte("status list")
	sig, err := sg.Sign(nil, msg, crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(old.Public.(ed25519.PublicKey), msg, sig) {
		t.Error("the retired version's signer signed with another key")
	}
	if _, err := s.SignerByID("no-such-id"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if err := s.Destroy("registrar"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignerByID(old.ID); !errors.Is(err, ErrDestroyed) {
		t.Errorf("destroyed version: %v, want ErrDestroyed", err)
	}
	if _, err := sg.Sign(nil, msg, crypto.Hash(0)); !errors.Is(err, ErrDestroyed) {
		t.Errorf("signer handed out before destroy: %v, want ErrDestroyed", err)
	}
}

func TestSignerByIDNeedsTheStoreUnlocked(t *testing.T) {
	s, _ := unlockedStore(t)
	k, err := s.Create("registrar", Ed25519, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if _, err := s.SignerByID(k.ID); !errors.Is(err, ErrLocked) {
		t.Errorf("locked store: %v, want ErrLocked", err)
	}
}
