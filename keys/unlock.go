package keys

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// KDFParams are the Argon2id parameters that turn the passphrase into the
// key-encryption key. They are stored in the store's meta bucket when the
// store is created, so a store is always opened with its own.
type KDFParams struct {
	// Time is the number of passes. Zero is invalid when other fields are set.
	Time uint32 `json:"time"`
	// MemoryKiB is the memory cost in KiB; at least 8 per thread.
	MemoryKiB uint32 `json:"memoryKiB"`
	// Threads is the degree of parallelism.
	Threads uint8 `json:"threads"`
	// Salt is the 16-byte random salt, set by Open when it creates the
	// store; ignored in Options.
	Salt []byte `json:"salt,omitempty"`
}

// defaultKDF is used for new stores when Options.KDF is zero: 64 MiB, three
// passes, four lanes (OWASP and RFC 9106 second recommended option), about a
// quarter of a second on a laptop.
var defaultKDF = KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

func (k KDFParams) check() error {
	if k.Time < 1 || k.Threads < 1 || k.MemoryKiB < 8*uint32(k.Threads) || k.MemoryKiB > 4<<20 || k.Time > 100 {
		return fmt.Errorf("keys: Argon2id parameters time=%d memory=%dKiB threads=%d are out of range: %w", k.Time, k.MemoryKiB, k.Threads, ErrInvalid)
	}
	return nil
}

type kdfJSON struct {
	Alg string `json:"alg"`
	KDFParams
}

func kdfRecord(k KDFParams) kdfJSON { return kdfJSON{Alg: "argon2id", KDFParams: k} }

func readKDF(tx Tx) (KDFParams, error) {
	v, err := tx.Get(TableMeta, metaKDF)
	if err != nil {
		return KDFParams{}, err
	}
	var k kdfJSON
	if err := json.Unmarshal(v, &k); err != nil || k.Alg != "argon2id" || len(k.Salt) < 16 || k.check() != nil {
		return KDFParams{}, fmt.Errorf("keys: the store's key derivation parameters are unreadable: %w", ErrCorrupt)
	}
	return k.KDFParams, nil
}

// adMaster is the associated data of the wrapped master key.
const adMaster = "diplomat store master key"

// Unlock derives the key-encryption key from passphrase with the store's
// Argon2id parameters and opens the store's master key with it; private keys
// are sealed under the master key. The first Unlock of a new store sets the
// passphrase: it creates a random master key and stores it wrapped, which
// also serves as the verifier for later unlocks.
//
// A passphrase that does not open the master key returns ErrWrongPassphrase
// and changes nothing. An empty passphrase is refused with ErrInvalid.
// Unlock derives the key every time it is called (Argon2id is slow on
// purpose): call it once per process; signers are cached after that. The
// caller keeps ownership of passphrase and may wipe it after Unlock returns.
func (s *Store) Unlock(passphrase []byte) error {
	if len(passphrase) == 0 {
		return fmt.Errorf("keys: empty passphrase: %w", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		kdf     KDFParams
		wrapped []byte
	)
	err := s.view(func(tx Tx) error {
		var err error
		if kdf, err = readKDF(tx); err != nil {
			return err
		}
		wrapped, err = get(tx, TableMeta, metaWrapped)
		return err
	})
	if err != nil {
		return err
	}
	// Derive outside any transaction: Argon2id takes a while.
	kek := argon2.IDKey(passphrase, kdf.Salt, kdf.Time, kdf.MemoryKiB, kdf.Threads, chacha20poly1305.KeySize)
	defer wipe(kek)
	var master []byte
	if wrapped != nil {
		if master, err = open(kek, wrapped, []byte(adMaster)); err != nil {
			return ErrWrongPassphrase
		}
	} else {
		master = make([]byte, chacha20poly1305.KeySize)
		if _, err := rand.Read(master); err != nil {
			return err
		}
		w, err := seal(kek, master, []byte(adMaster))
		if err != nil {
			return err
		}
		var theirs []byte
		err = s.update(func(tx Tx) error {
			old, err := tx.Get(TableMeta, metaWrapped)
			if err != nil {
				return err
			}
			if old != nil {
				// Another Unlock set it first (in this process s.mu makes
				// this unreachable; another process sharing a database
				// may have): never overwrite a master key, open it.
				theirs = cloneBytes(old)
				return nil
			}
			if err := tx.Put(TableMeta, metaWrapped, w); err != nil {
				return err
			}
			return appendAudit(tx, s.now().UTC(), "store.passphrase-set", "", "", "")
		})
		if err != nil {
			return fmt.Errorf("keys: unlock: %w", err)
		}
		if theirs != nil {
			wipe(master)
			if master, err = open(kek, theirs, []byte(adMaster)); err != nil {
				return ErrWrongPassphrase
			}
		}
	}
	if s.master != nil && subtle.ConstantTimeCompare(s.master, master) == 1 {
		wipe(master)
		return nil
	}
	s.master = master
	return nil
}

// Unlocked reports whether Unlock has succeeded since the store was opened
// or last locked.
func (s *Store) Unlocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.master != nil
}

// Initialised reports whether a passphrase has been set (a first Unlock has
// happened). The CLI uses it to ask for a new passphrase twice.
func (s *Store) Initialised() (bool, error) {
	var ok bool
	err := s.view(func(tx Tx) error {
		v, err := tx.Get(TableMeta, metaWrapped)
		ok = v != nil
		return err
	})
	return ok, err
}

// Lock forgets the master key and every cached private key; signers handed
// out before return ErrLocked from then on.
func (s *Store) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	wipe(s.master)
	s.master = nil
	for id, sg := range s.signers {
		sg.locked.Store(true)
		delete(s.signers, id)
	}
}

// masterKey returns the master key or ErrLocked. s.mu must be held.
func (s *Store) masterKey() ([]byte, error) {
	if s.master == nil {
		return nil, ErrLocked
	}
	return s.master, nil
}

// seal encrypts plaintext with XChaCha20-Poly1305 under key, binding ad;
// the result is the 24-byte random nonce followed by the ciphertext.
func seal(key, plaintext, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plaintext, ad), nil
}

// open reverses seal. Any failure (wrong key, wrong ad, altered bytes) is
// one error, ErrCorrupt, with nothing about the contents.
func open(key, sealed, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	pt, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], ad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
