package keys

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clockStore opens an unlocked store file whose clock is *now.
func clockStore(t *testing.T, path string, now *time.Time) *Store {
	t.Helper()
	s, err := Open(path, &Options{KDF: cheapKDF, Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Unlock(passphrase); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEncryptionKeyIsMadeOnceAndKeptAcrossRestarts(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), DefaultFile)
	s := clockStore(t, path, &now)
	first, err := s.EncryptionKeys("openid4vci")
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || !first[0].Current() || first[0].Private == nil {
		t.Fatalf("a new set has one current key, got %+v", first)
	}
	again, err := s.EncryptionKeys("openid4vci")
	if err != nil {
		t.Fatal(err)
	}
	if again[0].ID != first[0].ID {
		t.Fatalf("a second call made another key: %s then %s", first[0].ID, again[0].ID)
	}
	s.Close()
	s = clockStore(t, path, &now)
	after, err := s.EncryptionKeys("openid4vci")
	if err != nil {
		t.Fatal(err)
	}
	if after[0].ID != first[0].ID || !after[0].Private.Equal(first[0].Private) {
		t.Fatalf("the key changed across a restart: %s then %s", first[0].ID, after[0].ID)
	}
	other, err := s.EncryptionKeys("other")
	if err != nil {
		t.Fatal(err)
	}
	if other[0].ID == first[0].ID {
		t.Fatal("two sets share a key")
	}
}

func TestEncryptionKeyNeedsTheUnlockedStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	s := openStore(t, path)
	if _, err := s.EncryptionKeys("openid4vci"); !errors.Is(err, ErrLocked) {
		t.Fatalf("a locked store gave %v, want ErrLocked", err)
	}
	if _, err := s.EncryptionKeys("no/slash"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a bad name gave %v, want ErrInvalid", err)
	}
}

func TestEncryptionKeyPrivatePartIsNeverInTheFile(t *testing.T) {
	now := time.Now()
	path := filepath.Join(t.TempDir(), DefaultFile)
	s := clockStore(t, path, &now)
	ks, err := s.EncryptionKeys("openid4vci")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RotateEncryptionKey("openid4vci", time.Hour); err != nil {
		t.Fatal(err)
	}
	ks2, err := s.EncryptionKeys("openid4vci")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range append(ks, ks2...) {
		d := k.Private.D.Bytes()
		der, err := x509.MarshalPKCS8PrivateKey(k.Private)
		if err != nil {
			t.Fatal(err)
		}
		std := base64.StdEncoding.EncodeToString
		for name, secret := range map[string][]byte{"scalar": d, "scalar (base64url)": []byte(b64(d)), "scalar (base64)": []byte(std(d)),
			"scalar (hex)": []byte(hexs(d)), "PKCS #8": der, "PKCS #8 (base64)": []byte(std(der))} {
			if bytes.Contains(raw, secret) {
				t.Errorf("the store file holds key %s's private %s in plaintext", k.ID, name)
			}
		}
		pub, _ := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
		if !bytes.Contains(raw, []byte(std(pub))) {
			t.Errorf("the public key of %s is not in the file: the test reads the wrong file", k.ID)
		}
	}
}

func TestRotatedEncryptionKeyDecryptsUntilItsGraceEnds(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := clockStore(t, filepath.Join(t.TempDir(), DefaultFile), &now)
	old, err := s.EncryptionKeys("openid4vci")
	if err != nil {
		t.Fatal(err)
	}
	set, err := s.RotateEncryptionKey("openid4vci", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 2 || set[0].ID == old[0].ID || !set[0].Current() || set[1].ID != old[0].ID || set[1].Current() {
		t.Fatalf("after a rotation: want the new key, then the old, got %+v", set)
	}
	if want := now.Add(24 * time.Hour); !set[1].NotAfter.Equal(want) {
		t.Fatalf("the old key decrypts until %s, want %s", set[1].NotAfter, want)
	}
	now = now.Add(24*time.Hour - time.Second)
	if got, _ := s.EncryptionKeys("openid4vci"); len(got) != 2 {
		t.Fatalf("within the grace period: %d keys, want 2", len(got))
	}
	now = now.Add(time.Second)
	got, err := s.EncryptionKeys("openid4vci")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != set[0].ID {
		t.Fatalf("at the end of the grace period: want only the new key, got %+v", got)
	}
	// The next rotation deletes what no longer decrypts, and grace 0
	// retires the current key at once (a compromised key).
	third, err := s.RotateEncryptionKey("openid4vci", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(third) != 1 || third[0].ID == set[0].ID {
		t.Fatalf("a rotation with no grace keeps only the new key, got %+v", third)
	}
	if err := s.view(func(tx Tx) error {
		st, err := readEncSet(tx, "openid4vci")
		if err != nil {
			return err
		}
		if len(st.Keys) != 1 {
			t.Errorf("the stored set keeps %d keys, want 1 (expired keys deleted)", len(st.Keys))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestTamperedEncryptionKeyDoesNotOpen(t *testing.T) {
	s, _ := unlockedStore(t)
	if _, err := s.EncryptionKeys("a"); err != nil {
		t.Fatal(err)
	}
	// A sealed key moved to another set does not open there.
	if err := s.update(func(tx Tx) error {
		v, err := tx.Get(TableMeta, []byte(metaEncPrefix+"a"))
		if err != nil {
			return err
		}
		return tx.Put(TableMeta, []byte(metaEncPrefix+"b"), bytes.Clone(v))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EncryptionKeys("b"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a key moved to another set gave %v, want ErrCorrupt", err)
	}
}

func TestConcurrentFirstCallsAgreeOnOneKey(t *testing.T) {
	s, _ := unlockedStore(t)
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			ks, err := s.EncryptionKeys("openid4vci")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = ks[0].ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent first calls got different keys: %v", ids)
		}
	}
}
