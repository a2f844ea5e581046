package keys

import (
	"fmt"
	"runtime/debug"

	"go.etcd.io/bbolt"
)

// DamagedError is returned for a store file whose structure cannot be read:
// bbolt failed (a panic, or a memory fault on a page that points nowhere)
// while reading or writing it, or the file is empty, or it is a bbolt file
// that is not a Diplomat store. It matches ErrCorrupt. Its message names the
// file and says what to do; it never shows the file's contents.
//
// Once a Store has met a damaged page it refuses every further operation
// with the same error: nothing more is read from, or written to, a file
// known to be damaged.
type DamagedError struct {
	Path string
	// Reason says in a few words what was found ("empty file", "not a
	// Diplomat store", or bbolt's own error); "" when bbolt failed
	// reading a page.
	Reason string
}

func (e *DamagedError) Error() string {
	if e.Reason == reasonEmpty {
		return fmt.Sprintf("the store file %s is empty (0 bytes), so it holds no store: restore a backup, or remove the file to start a new store", e.Path)
	}
	why := "is damaged"
	if e.Reason != "" {
		why += " (" + e.Reason + ")"
	}
	return fmt.Sprintf("the store file %s %s: restore a backup (diplomat store backup makes one); the file was left as it is", e.Path, why)
}

// reasonEmpty is the Reason of an empty store file.
const reasonEmpty = "empty file"

// Is reports whether target is ErrCorrupt.
func (e *DamagedError) Is(target error) bool { return target == ErrCorrupt }

// guard runs fn, which reads or writes the store file through bbolt, and
// turns a panic inside it into a *DamagedError. bbolt reads the file through
// a memory map and trusts its page headers: a damaged page makes it panic,
// or read through a pointer that points outside the map (SIGSEGV) or past
// the end of a truncated file (SIGBUS). debug.SetPanicOnFault turns those
// faults into panics of this goroutine, which bbolt's transaction closures
// unwind (rolling back) before they reach here.
//
// A panic inside a transaction closure of another package (Store.Update,
// Store.View) is taken for damage too: it cannot be told apart from bbolt's.
func (b *boltBackend) guard(fn func() error) (err error) {
	if b.damaged.Load() {
		return &DamagedError{Path: b.path}
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			b.damaged.Store(true)
			err = &DamagedError{Path: b.path}
		}
	}()
	return fn()
}

// view is db.View under guard.
func (b *boltBackend) view(fn func(tx *bbolt.Tx) error) error {
	return b.guard(func() error { return b.db.View(fn) })
}

// update is db.Update under guard.
func (b *boltBackend) update(fn func(tx *bbolt.Tx) error) error {
	return b.guard(func() error { return b.db.Update(fn) })
}

// damagedRecord is the error for a record of this package that does not
// decode. It names the kind of record only: its key and its bytes come from
// the damaged page and are not shown.
func damagedRecord(what string) error {
	return fmt.Errorf("keys: a %s in the store is damaged (it does not decode): restore a backup: %w", what, ErrCorrupt)
}
