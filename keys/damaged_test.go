package keys

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// realStore is a store made the way the CLI makes one (keys of every kind,
// a seal, trust entries, a cached context, a passphrase), as the bytes of
// its file, with the secret bytes an error message must never show.
type realStore struct {
	file    []byte
	secrets [][]byte // the salt, the wrapped master key, the sealed private keys
}

// storeFixture is a real store file, made by makeStoreFixture (run the
// tests with DIPLOMAT_WRITE_STORE_FIXTURE=1 to make it again): keys of
// every kind, a rotation, a seal, trust entries, a cached context and a
// passphrase (the test passphrase, with cheapKDF). It is kept, not made at
// each run, so that a fuzz input names the same damage every time.
var storeFixture = filepath.Join("testdata", "store.db")

var (
	realStoreOnce sync.Once
	realStoreData realStore
	realStoreErr  error
)

func makeRealStore(t testing.TB) realStore {
	t.Helper()
	realStoreOnce.Do(func() {
		if os.Getenv("DIPLOMAT_WRITE_STORE_FIXTURE") == "1" {
			if realStoreErr = makeStoreFixture(storeFixture); realStoreErr != nil {
				return
			}
		}
		realStoreData, realStoreErr = readStoreFixture(storeFixture)
	})
	if realStoreErr != nil {
		t.Fatal(realStoreErr)
	}
	return realStoreData
}

func makeStoreFixture(path string) error {
	os.Remove(path)
	s, err := Open(path, &Options{KDF: cheapKDF})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Unlock(passphrase); err != nil {
		return err
	}
	for _, k := range []struct {
		name string
		typ  KeyType
	}{{"ed", Ed25519}, {"p256", P256}, {"p384", P384}} {
		if _, err := s.Create(k.name, k.typ, Assertion); err != nil {
			return err
		}
	}
	if _, err := s.Rotate("ed"); err != nil {
		return err
	}
	if _, err := s.CreateTestSeal("seal", TestSealOptions{Subject: SealSubject{Organization: "Université Exemple", Country: "FR"}, Validity: 100 * 365 * 24 * time.Hour}); err != nil {
		return err
	}
	if _, err := s.ImportTrust([]byte(trustFile), "test"); err != nil {
		return err
	}
	if err := s.PutContext("https://example.org/ctx/v1", []byte(`{"@context":{"name":"https://schema.org/name"}}`)); err != nil {
		return err
	}
	return s.SetWebDID("did:web:registrar.example.edu")
}

// readStoreFixture reads the store file and the secrets in it.
func readStoreFixture(path string) (realStore, error) {
	var rs realStore
	data, err := os.ReadFile(path)
	if err != nil {
		return rs, err
	}
	rs.file = data
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		return rs, err
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		m := tx.Bucket([]byte(TableMeta))
		kdf, err := readKDF(boltTx{tx: tx})
		if err != nil {
			return err
		}
		rs.secrets = append(rs.secrets, bytes.Clone(kdf.Salt), bytes.Clone(m.Get(metaWrapped)))
		return tx.Bucket([]byte(TableKeys)).ForEach(func(_, v []byte) error {
			var r keyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if len(r.Sealed) > 0 {
				rs.secrets = append(rs.secrets, bytes.Clone(r.Sealed))
			}
			return nil
		})
	})
	return rs, err
}

// maxErrorLen bounds what an error about a damaged store may print: a
// sentence or two, never the store's memory.
const maxErrorLen = 600

// useDamaged opens data as a store file and does what the CLI does with
// one: read the public material, unlock, sign, look trust up. It fails the
// test when an error shows stored bytes or runs long; a panic or a fault
// escaping the store fails it too (the fuzzer reports it).
func useDamaged(t *testing.T, data []byte, secrets [][]byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), DefaultFile)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		msg := err.Error()
		if len(msg) > maxErrorLen {
			t.Fatalf("%s: an error of %d bytes: %.200q…", what, len(msg), msg)
		}
		for _, sec := range secrets {
			if len(sec) >= 8 && (strings.Contains(msg, string(sec[:8])) || strings.Contains(msg, strings.Trim(strconv.Quote(string(sec[:8])), `"`))) {
				t.Fatalf("%s: the error shows stored secret bytes: %q", what, msg)
			}
		}
	}
	s, err := Open(path, &Options{KDF: cheapKDF})
	check("open", err)
	if err != nil {
		return
	}
	defer func() { check("close", s.Close()) }()
	_, err = s.Info()
	check("info", err)
	_, err = s.Keys()
	check("keys", err)
	_, err = s.TrustEntries()
	check("trust entries", err)
	_, err = s.Audit()
	check("audit", err)
	_, err = s.ListContexts()
	check("contexts", err)
	_, err = s.LookupContext("https://example.org/ctx/v1")
	check("context lookup", err)
	_, err = s.WebDID()
	check("web did", err)
	_, err = s.LookupTrust("did:web:uni.example.org")
	check("trust lookup", err)
	if chain, err := s.Chain("seal"); err == nil {
		_, err = s.LookupTrustCertificate(chain...)
		check("trust certificate lookup", err)
	} else {
		check("chain", err)
	}
	_, err = s.WebDocument("did:web:registrar.example.edu")
	check("web document", err)
	err = s.Unlock(passphrase)
	check("unlock", err)
	if err != nil {
		return
	}
	for _, name := range []string{"ed", "p256", "seal"} {
		sg, err := s.Signer(name)
		check("signer "+name, err)
		if err != nil {
			continue
		}
		digest := sha256.Sum256([]byte("diploma"))
		var opts crypto.SignerOpts = crypto.SHA256
		var msg = digest[:]
		if name == "ed" {
			opts, msg = crypto.Hash(0), []byte("diploma")
		}
		_, err = sg.Sign(nil, msg, opts)
		check("sign "+name, err)
	}
	_, err = s.Create("new", Ed25519, Assertion)
	check("create", err)
	err = s.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("issuer.test"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	check("update", err)
}

// TestDamagedStoreGivesAClearErrorNeverACrash flips bytes all over a real
// store file, and truncates it, and uses each copy as the CLI would: every
// failure is an error, short, with no stored bytes in it, never a panic,
// a SIGSEGV or a SIGBUS.
func TestDamagedStoreGivesAClearErrorNeverACrash(t *testing.T) {
	rs := makeRealStore(t)
	step := len(rs.file) / 300
	if testing.Short() {
		step = len(rs.file) / 40
	}
	for off := 0; off < len(rs.file); off += step {
		data := bytes.Clone(rs.file)
		data[off] ^= 0xff
		t.Run("flip", func(t *testing.T) { useDamaged(t, data, rs.secrets) })
	}
	for _, n := range []int{len(rs.file) - 1, len(rs.file) - 4096, len(rs.file) / 2, 3 * 4096, 4096 + 100, 100} {
		if n <= 0 || n >= len(rs.file) {
			continue
		}
		t.Run("truncated", func(t *testing.T) { useDamaged(t, bytes.Clone(rs.file[:n]), rs.secrets) })
	}
}

// TestDamagedStoreSaysRestoreABackup: a damaged page gives the one message
// the user can act on, naming the file, and wraps ErrCorrupt.
func TestDamagedStoreSaysRestoreABackup(t *testing.T) {
	rs := makeRealStore(t)
	var seen bool
	for off := 2 * 4096; off < len(rs.file) && !seen; off += 4096 {
		// Wreck a whole page header: its id, flags and count.
		data := bytes.Clone(rs.file)
		for i := range 16 {
			data[off+i] ^= 0xa5
		}
		path := filepath.Join(t.TempDir(), DefaultFile)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, &Options{KDF: cheapKDF})
		if err == nil {
			_, err = s.Keys()
			if err == nil {
				_, err = s.TrustEntries()
			}
			if err == nil {
				_, err = s.Audit()
			}
			s.Close()
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("page at %d: error %v does not wrap ErrCorrupt", off, err)
		}
		if strings.Contains(err.Error(), "restore a backup") {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("the message does not name the file: %v", err)
			}
			seen = true
		}
	}
	if !seen {
		t.Fatal("no damaged page gave \"restore a backup\"")
	}
}

// TestEmptyStoreFileIsAnErrorNotANewStore: a zero-byte file (a failed copy,
// a full disk) is reported, and left as it is; it never becomes a new,
// empty store that hides what was lost.
func TestEmptyStoreFileIsAnErrorNotANewStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, &Options{KDF: cheapKDF})
	if err == nil {
		s.Close()
		t.Fatal("a zero-byte store file opened as a new store")
	}
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("error %v: want ErrCorrupt saying the file is empty", err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != 0 {
		t.Errorf("the empty file was changed: %v, %d bytes", err, st.Size())
	}
}

// TestForeignBoltFileIsNotTakenForANewStore: a bbolt file with buckets but
// no Diplomat schema (another program's, or a store whose meta bucket was
// lost) is refused, not written into.
func TestForeignBoltFileIsNotTakenForANewStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("other"))
		if err != nil {
			return err
		}
		return b.Put([]byte("a"), []byte("b"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := fileSum(t, path)
	s, err := Open(path, &Options{KDF: cheapKDF})
	if err == nil {
		s.Close()
		t.Fatal("a foreign bbolt file opened as a new store")
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("error %v does not wrap ErrCorrupt", err)
	}
	if fileSum(t, path) != before {
		t.Error("the foreign file was written to")
	}
}

// FuzzOpenDamagedStore opens copies of a real store file with bytes
// changed and the end cut off, and uses them as the CLI does.
func FuzzOpenDamagedStore(f *testing.F) {
	f.Add(uint32(0), byte(0xff), uint32(0))
	f.Add(uint32(16), byte(0x01), uint32(0))      // meta page 0
	f.Add(uint32(4096+16), byte(0x01), uint32(0)) // meta page 1
	f.Add(uint32(2*4096), byte(0x80), uint32(0))  // a page header
	f.Add(uint32(2*4096+10), byte(0xff), uint32(0))
	f.Add(uint32(3*4096+20), byte(0x7f), uint32(0))
	f.Add(uint32(5*4096+2), byte(0x10), uint32(0))
	f.Add(uint32(0), byte(0), uint32(4096*3))
	f.Add(uint32(0), byte(0), uint32(100))
	f.Add(uint32(9000), byte(0x40), uint32(4096*4+7))
	f.Fuzz(func(t *testing.T, off uint32, x byte, cut uint32) {
		rs := makeRealStore(t)
		data := bytes.Clone(rs.file)
		if cut > 0 && int(cut) < len(data) {
			data = data[:cut]
		}
		if len(data) > 0 {
			data[int(off)%len(data)] ^= x
		}
		useDamaged(t, data, rs.secrets)
	})
}
