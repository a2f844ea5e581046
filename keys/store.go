package keys

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// SchemaVersion is the version of the store layout this build writes and the
// newest it reads. Open refuses a store with a higher version.
const SchemaVersion = 1

// DefaultFile is the store file name inside the store folder.
const DefaultFile = "diplomat.db"

// The buckets keys owns in a store file: its tables. Every bucket whose
// name starts with "keys." belongs to this package; other packages must not
// open them (see Store.Update).
var ownBuckets = []Table{TableMeta, TableKeys, TableTrust, TableContexts, TableAudit}

// Meta table entries.
var (
	metaSchema  = []byte("schema")
	metaCreated = []byte("created")
	metaKDF     = []byte("kdf")
	metaWrapped = []byte("master")
	metaWebDID  = []byte("web-did")
)

// Options configure Open. A nil *Options means the zero value, which is the
// right choice outside tests.
type Options struct {
	// Timeout is how long Open waits for another process to release the
	// store file before failing with an error wrapping ErrInUse. Zero means
	// one second.
	Timeout time.Duration

	// KDF are the Argon2id parameters recorded when Open creates a new
	// store. The zero value means 64 MiB of memory, three passes and four
	// lanes (OWASP and RFC 9106's second recommended option). They are ignored for an
	// existing store, which always uses the parameters stored in it; tests
	// set cheap ones (for example KDFParams{Time: 1, MemoryKiB: 64,
	// Threads: 1}) to stay fast.
	KDF KDFParams

	// Now is the clock for creation times and audit records. Nil means
	// time.Now.
	Now func() time.Time
}

// Store is an open store: keys, certificates, the trust registry, the
// JSON-LD context cache and the audit log, in a bbolt file (Open) or another
// Backend (New). Public material is readable at once; private keys need
// Unlock first.
//
// A Store is safe for concurrent use by multiple goroutines. Only one process
// may have a store file open at a time; a database backend is shared by
// every process that opens it, each unlocking it with the passphrase.
type Store struct {
	b   Backend
	now func() time.Time

	mu      sync.Mutex
	master  []byte             // the data key; nil while locked
	signers map[string]*signer // by key id, filled by Signer

	keys keyCache // Key's answers, for a store file
}

// Open opens the store file at path, creating it (mode 0600) and its folder
// (mode 0700, only if the folder does not exist) when absent. A second
// process opening the same file waits opts.Timeout and then fails with an
// error wrapping ErrInUse whose message reads "the store PATH is in use by
// another diplomat process". A store written by a newer schema fails with a
// *SchemaError wrapping ErrNewerSchema. A file that is empty, is not a
// Diplomat store, or whose pages bbolt cannot read fails with a
// *DamagedError (wrapping ErrCorrupt) and is left as it is: Open checks the
// file's page structure before bbolt maps it (see checkPages).
//
// Open does not ask for the passphrase; see Unlock. The caller must Close the
// store.
func Open(path string, opts *Options) (*Store, error) {
	o, kdf, err := options(opts)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("keys: creating the store folder: %w", err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("keys: creating the store folder: %w", err)
		}
	}
	st, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	if statErr == nil && st.Mode().IsRegular() && st.Size() == 0 {
		// A failed copy or a full disk, not a new store: creating one
		// here would hide what was lost.
		return nil, &DamagedError{Path: path, Reason: reasonEmpty}
	}
	b := &boltBackend{path: path}
	if statErr == nil {
		// bbolt trusts the file's page headers: read them first, under a
		// read-only open that holds the file's lock (a second process
		// is in the middle of nothing while we read).
		ro, err := b.openBolt(&bbolt.Options{Timeout: o.Timeout, ReadOnly: true})
		if err != nil {
			return nil, err
		}
		err = checkPages(path)
		b.guard(ro.Close)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("keys: opening the store %s: %w", path, err)
			}
			return nil, &DamagedError{Path: path, Reason: err.Error()}
		}
	}
	db, err := b.openBolt(&bbolt.Options{Timeout: o.Timeout})
	if err != nil {
		return nil, err
	}
	b.db = db
	if created {
		// bbolt creates with the mode given, less the umask; make sure.
		_ = os.Chmod(path, 0o600)
	}
	return newStore(b, o, kdf)
}

// New returns the store kept in backend b (a database: see Backend),
// creating its records when b holds none, with the same rules as Open: a
// store written by a newer schema fails with a *SchemaError, and Unlock
// sets or checks the passphrase. The Store owns b from then on, and closes
// it when it is closed (or when New fails).
func New(b Backend, opts *Options) (*Store, error) {
	o, kdf, err := options(opts)
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	return newStore(b, o, kdf)
}

// options fills the defaults of opts and checks the KDF parameters.
func options(opts *Options) (Options, KDFParams, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	kdf := o.KDF
	if kdf.Time == 0 && kdf.MemoryKiB == 0 && kdf.Threads == 0 {
		kdf = defaultKDF
	}
	return o, kdf, kdf.check()
}

// newStore makes the Store over b and creates or checks its records.
func newStore(b Backend, o Options, kdf KDFParams) (*Store, error) {
	s := &Store{b: b, now: o.Now, signers: map[string]*signer{}}
	if err := s.init(kdf); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// openBolt opens the store file with bbolt under guard, mapping its errors.
func (b *boltBackend) openBolt(o *bbolt.Options) (*bbolt.DB, error) {
	var db *bbolt.DB
	err := b.guard(func() error {
		var err error
		db, err = bbolt.Open(b.path, 0o600, o)
		return err
	})
	if err == nil {
		return db, nil
	}
	var pe *fs.PathError
	switch {
	case errors.Is(err, bbolt.ErrTimeout):
		return nil, &inUseError{path: b.path}
	case errors.Is(err, ErrCorrupt):
		return nil, err
	case errors.As(err, &pe):
		return nil, fmt.Errorf("keys: opening the store %s: %w", b.path, err)
	}
	// bbolt's own verdict on the file (invalid database, checksum error,
	// version mismatch): fixed strings, no file contents.
	return nil, &DamagedError{Path: b.path, Reason: err.Error()}
}

// init creates the tables and meta entries of a new store, or checks the
// schema of an existing one.
func (s *Store) init(kdf KDFParams) error {
	var found int
	check := func(tx Tx) error {
		found = 0
		v, err := tx.Get(TableMeta, metaSchema)
		if err != nil {
			return err
		}
		if v == nil {
			// A new file has no bucket at all; one with buckets but no
			// meta is someone else's, or a store that lost its meta.
			if bt, ok := tx.(boltTx); ok {
				if c := bt.tx.Cursor(); c != nil {
					if k, _ := c.First(); k != nil {
						return &DamagedError{Path: s.Path(), Reason: "a bbolt file with no Diplomat schema: not a Diplomat store, or one that lost its keys.meta bucket"}
					}
				}
			}
			return nil
		}
		n, err := strconv.Atoi(string(v))
		if err != nil || n <= 0 {
			return &DamagedError{Path: s.Path(), Reason: "its schema version cannot be read"}
		}
		found = n
		return nil
	}
	if err := s.view(check); err != nil {
		return err
	}
	if found > SchemaVersion {
		return &SchemaError{Path: s.Path(), Found: found, Readable: SchemaVersion}
	}
	if found == SchemaVersion {
		return nil
	}
	// A new store (found == 0): tables, schema, KDF parameters and salt.
	return s.update(func(tx Tx) error {
		// Another process sharing the backend may have created it since.
		if err := check(tx); err != nil || found != 0 {
			return err
		}
		if bt, ok := tx.(boltTx); ok {
			for _, name := range ownBuckets {
				if _, err := bt.tx.CreateBucketIfNotExists([]byte(name)); err != nil {
					return err
				}
			}
		}
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return err
		}
		kdf.Salt = salt
		kj, err := json.Marshal(kdfRecord(kdf))
		if err != nil {
			return err
		}
		now := s.now().UTC()
		for k, v := range map[string][]byte{
			string(metaSchema):  []byte(strconv.Itoa(SchemaVersion)),
			string(metaCreated): []byte(now.Format(time.RFC3339Nano)),
			string(metaKDF):     kj,
		} {
			if err := tx.Put(TableMeta, []byte(k), v); err != nil {
				return err
			}
		}
		return appendAudit(tx, now, "store.create", "", "", "schema "+strconv.Itoa(SchemaVersion))
	})
}

// Path returns the file the store was opened from, or for another backend
// its location (a database URL without its password).
func (s *Store) Path() string { return s.b.Location() }

// Backend returns the backend the store keeps its records in, so that
// other packages can find the abilities they need on it (see Backend).
func (s *Store) Backend() Backend { return s.b }

// Close locks the store (forgetting the master key and every cached signer,
// so signers handed out before fail with ErrLocked) and closes the file or
// the backend. It is safe to call more than once.
//
// A store found damaged (see DamagedError) is closed as far as bbolt lets
// it: a failure inside bbolt can leave one of its locks held, and then the
// file stays open, and locked, until the process exits, rather than Close
// waiting for ever.
func (s *Store) Close() error {
	s.Lock()
	return s.b.Close()
}

// damagedCloseWait is how long Close waits for bbolt to close a damaged
// store.
const damagedCloseWait = 200 * time.Millisecond

// view and update run fn in a transaction of the backend. The Store's own
// calls are short and take no context: a database backend bounds them
// itself (store/postgres: its statement timeout).
func (s *Store) view(fn func(Tx) error) error   { return s.b.View(context.Background(), fn) }
func (s *Store) update(fn func(Tx) error) error { return s.b.Update(context.Background(), fn) }

// bolt returns the store file's backend, or an error wrapping ErrNotBolt.
func (s *Store) bolt() (*boltBackend, error) {
	if b, ok := s.b.(*boltBackend); ok {
		return b, nil
	}
	return nil, fmt.Errorf("keys: the store %s: %w", s.Path(), ErrNotBolt)
}

// Update runs fn in a read-write bbolt transaction on the store file,
// committing if fn returns nil and rolling back otherwise. It is how other
// packages of this module (issuer, verifier, wallet) keep their own data in
// the same file: each creates and uses only buckets whose names start with
// its own package name and a dot (for example "issuer.register"), and keeps
// its own schema version in one of them if it needs one. Buckets named
// "keys.*" belong to this package and must not be opened: their contents are
// not an API. The transaction and everything read from it are valid only
// inside fn.
//
// A panic inside fn, bbolt's or fn's own, is recovered and returned as a
// *DamagedError (see DamagedError); so is a memory fault reading a damaged
// page. A store that is not a bbolt file (another Backend) returns an error
// wrapping ErrNotBolt.
func (s *Store) Update(fn func(tx *bbolt.Tx) error) error {
	b, err := s.bolt()
	if err != nil {
		return err
	}
	// Whatever fn wrote, Key reads the key records again afterwards.
	defer b.keyWrites.Add(1)
	return b.update(fn)
}

// Batch is Update for many goroutines writing at once: concurrent calls
// share one transaction and one fsync (group commit: a call that finds no
// commit under way commits at once, with the calls queued by then; those
// that come while it commits are committed together next). fn may
// therefore run more than once, so it must have no effect outside the
// transaction: when one function of a group fails, the others run again
// without it and it runs alone, as with bbolt's DB.Batch. A call returns
// only once its writes are committed. Panics, faults and another backend
// are as for Update.
func (s *Store) Batch(fn func(tx *bbolt.Tx) error) error {
	b, err := s.bolt()
	if err != nil {
		return err
	}
	return b.batch(fn)
}

// View runs fn in a read-only bbolt transaction, with the same rules as
// Update. Byte slices read in fn are owned by bbolt and valid only inside
// fn; copy what you keep. Panics and faults are as for Update.
func (s *Store) View(fn func(tx *bbolt.Tx) error) error {
	b, err := s.bolt()
	if err != nil {
		return err
	}
	return b.view(fn)
}

// Info describes a store, for "diplomat store info".
type Info struct {
	Path          string    `json:"path"`
	Size          int64     `json:"size"` // bytes of the file
	SchemaVersion int       `json:"schemaVersion"`
	Created       time.Time `json:"created"`
	Initialised   bool      `json:"initialised"` // a passphrase has been set
	KDF           KDFParams `json:"kdf"`
	Keys          int       `json:"keys"`         // key records, every version and state
	Certificates  int       `json:"certificates"` // keys with an X.509 chain
	TrustEntries  int       `json:"trustEntries"`
	Contexts      int       `json:"contexts"`
	AuditRecords  int       `json:"auditRecords"`
}

// Info returns counts and facts about the store. It needs no passphrase.
func (s *Store) Info() (*Info, error) {
	in := &Info{Path: s.Path(), SchemaVersion: SchemaVersion}
	err := s.view(func(tx Tx) error {
		created, err := tx.Get(TableMeta, metaCreated)
		if err != nil {
			return err
		}
		in.Created, _ = time.Parse(time.RFC3339Nano, string(created))
		wrapped, err := tx.Get(TableMeta, metaWrapped)
		if err != nil {
			return err
		}
		in.Initialised = wrapped != nil
		k, err := readKDF(tx)
		if err != nil {
			return err
		}
		k.Salt = nil
		in.KDF = k
		if err := tx.ForEach(TableKeys, nil, func(_, v []byte) error {
			in.Keys++
			var r keyRecord
			if json.Unmarshal(v, &r) == nil && len(r.Chain) > 0 {
				in.Certificates++
			}
			return nil
		}); err != nil {
			return err
		}
		for _, c := range []struct {
			t Table
			n *int
		}{{TableTrust, &in.TrustEntries}, {TableContexts, &in.Contexts}, {TableAudit, &in.AuditRecords}} {
			if *c.n, err = tx.Count(c.t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := s.b.(*boltBackend); ok {
		if st, err := os.Stat(s.Path()); err == nil {
			in.Size = st.Size()
		}
	} else if sz, ok := s.b.(interface {
		Size(context.Context) (int64, error)
	}); ok {
		in.Size, _ = sz.Size(context.Background())
	}
	return in, nil
}

// Backup writes a consistent copy of the whole store file to w while the
// store stays open and usable, and records the backup in the audit log. The
// copy holds the same encrypted keys and opens with the same passphrase. It
// returns the number of bytes written.
//
// Only a store file can be backed up this way (an error wrapping ErrNotBolt
// otherwise): a database has its own tools (docs/deploy.md).
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("keys: backup of %s: %w", s.Path(), err)
	}
	return n, s.audit("store.backup", "", "", strconv.FormatInt(n, 10)+" bytes")
}

// BackupFile writes a backup to a new file at path, created with mode 0600;
// it refuses to overwrite an existing file. On failure the partial file is
// removed.
func (s *Store) BackupFile(path string) error {
	if _, err := s.bolt(); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keys: backup: %w", err)
	}
	_, err = s.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// SetWebDID records the did:web the store's keys are published under (for
// example "did:web:registrar.example.edu"), for WebDocument callers that do
// not pass one. An empty did clears it.
func (s *Store) SetWebDID(did string) error {
	return s.update(func(tx Tx) error {
		if did == "" {
			return tx.Delete(TableMeta, metaWebDID)
		}
		if err := tx.Put(TableMeta, metaWebDID, []byte(did)); err != nil {
			return err
		}
		return appendAudit(tx, s.now().UTC(), "store.web-did", did, "", "")
	})
}

// WebDID returns the did:web recorded with SetWebDID, or "" if none.
func (s *Store) WebDID() (string, error) {
	var did string
	err := s.view(func(tx Tx) error {
		v, err := tx.Get(TableMeta, metaWebDID)
		did = string(v)
		return err
	})
	return did, err
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func cloneBytes(b []byte) []byte { return bytes.Clone(b) }
