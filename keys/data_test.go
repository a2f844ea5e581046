package keys

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealDataOpensOnlyWithItsStoreAndRecord(t *testing.T) {
	s, _ := unlockedStore(t)
	secret := []byte(`{"diploma":"Master of Science"}`)
	sealed, err := s.SealData([]byte("wallet:c1"), secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret[:10]) {
		t.Fatal("the sealed data shows its plaintext")
	}
	got, err := s.OpenData([]byte("wallet:c1"), sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenData = %q, %v", got, err)
	}
	if _, err := s.OpenData([]byte("wallet:c2"), sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("opened for another record: %v", err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := s.OpenData([]byte("wallet:c1"), tampered); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered data opened: %v", err)
	}
	other, _ := unlockedStore(t)
	if _, err := other.OpenData([]byte("wallet:c1"), sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("opened in another store: %v", err)
	}
	s.Lock()
	if _, err := s.OpenData([]byte("wallet:c1"), sealed); !errors.Is(err, ErrLocked) {
		t.Fatalf("opened while locked: %v", err)
	}
	if _, err := s.SealData([]byte("wallet:c1"), secret); !errors.Is(err, ErrLocked) {
		t.Fatalf("sealed while locked: %v", err)
	}
}
