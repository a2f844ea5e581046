package keys

import (
	"context"
	"errors"
)

// Table names one of the tables a Store keeps its records in: the bbolt
// bucket of the same name in a store file, or a table of a database
// (store/postgres). Keys and values are the same bytes in every backend, so
// that a store copied from one backend to another is the same store.
type Table string

// The tables of package keys.
const (
	// TableMeta holds the schema version, creation time, key-derivation
	// parameters, the wrapped master key and the store's did:web.
	TableMeta Table = "keys.meta"
	// TableKeys holds one key record (JSON, private half sealed) per key
	// version, by id.
	TableKeys Table = "keys.keys"
	// TableTrust holds the trust registry, by entry id.
	TableTrust Table = "keys.trust"
	// TableContexts holds the JSON-LD context cache, by URL.
	TableContexts Table = "keys.contexts"
	// TableAudit holds the audit log, by 8-byte big-endian sequence number.
	TableAudit Table = "keys.audit"
	// TableTokens holds the API tokens ("id/…" records, "hash/…" index).
	TableTokens Table = "keys.tokens"
)

// Tables returns every table of package keys.
func Tables() []Table {
	return []Table{TableMeta, TableKeys, TableTrust, TableContexts, TableAudit, TableTokens}
}

// Backend is where a Store keeps its records: a bbolt file (Open), or a
// database shared by several processes (store/postgres, through New). The
// Store does the cryptography: a Backend only ever holds private keys
// sealed, and never sees the passphrase or the master key.
//
// Other packages keep their own records beside the Store's: in a bbolt
// file through Store.Update and Store.View; with another backend through
// interfaces they declare themselves, which the Backend implements as
// optional abilities that they find by type assertion on Store.Backend
// (for example issuer.StorageProvider).
type Backend interface {
	// View runs fn in a read-only transaction: every read in fn sees one
	// consistent state of the store. An error from fn is returned as it
	// is.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction that commits if fn
	// returns nil and rolls back otherwise (returning fn's error as it
	// is). Updates run one after the other, across every process sharing
	// the backend, so that a record read in fn does not change before fn
	// returns.
	Update(ctx context.Context, fn func(Tx) error) error
	// Location names the store in messages: a file path, or a database
	// URL without its password.
	Location() string
	// Close releases the backend. A Store closes its backend when it is
	// closed.
	Close() error
}

// Tx is one transaction of a Backend over the tables of package keys.
// Byte slices it returns are valid only until the transaction ends; copy
// what you keep. A table with no records behaves as an empty table.
type Tx interface {
	// Get returns the value under key, or nil when there is none.
	Get(t Table, key []byte) ([]byte, error)
	// Put stores value under key, replacing any value there. Update only.
	Put(t Table, key, value []byte) error
	// Delete removes key; deleting an absent key is not an error. Update
	// only.
	Delete(t Table, key []byte) error
	// ForEach calls fn for each record whose key starts with prefix (every
	// record when prefix is empty), in byte order of the keys; an error
	// from fn stops it and is returned.
	ForEach(t Table, prefix []byte, fn func(key, value []byte) error) error
	// Count returns the number of records of t.
	Count(t Table) (int, error)
	// NextSequence returns the next number of t's sequence: 1, 2, 3…
	// without gaps as long as the transaction commits. Update only.
	NextSequence(t Table) (uint64, error)
}

// ErrNotBolt is wrapped by Store.Update and Store.View when the store is
// not a bbolt file: its records are reached through the interfaces its
// backend implements instead.
var ErrNotBolt = errors.New("not a bbolt store file")

// get reads key of t, copied out of the transaction.
func get(tx Tx, t Table, key []byte) ([]byte, error) {
	v, err := tx.Get(t, key)
	return cloneBytes(v), err
}
