package keys

import (
	"errors"
	"fmt"
)

// Errors callers branch on with errors.Is. Messages never contain secret
// material: no passphrase, key bytes or ciphertext.
var (
	// ErrInUse is wrapped when another process holds the store open.
	ErrInUse = errors.New("store in use by another process")
	// ErrNewerSchema is wrapped when the store was written by a newer
	// version of Diplomat than this one.
	ErrNewerSchema = errors.New("store written by a newer diplomat")
	// ErrLocked is returned when an operation needs private key material
	// and Unlock has not succeeded.
	ErrLocked = errors.New("store is locked: unlock it with the passphrase first")
	// ErrWrongPassphrase is returned by Unlock for a passphrase that does
	// not open the store.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNotFound is wrapped when a named key, trust entry or context does
	// not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists is wrapped when creating something whose name or id is
	// taken.
	ErrExists = errors.New("already exists")
	// ErrDestroyed is wrapped when signing with a key whose private half
	// was destroyed.
	ErrDestroyed = errors.New("private key destroyed")
	// ErrCorrupt is wrapped when stored data fails its integrity check: a
	// sealed private key that does not open under its own id (tampered, or
	// moved from another record), or a record that does not decode.
	ErrCorrupt = errors.New("store data failed its integrity check")
	// ErrInvalid is wrapped for input that breaks a rule: a bad key name,
	// an unsupported key type, a certificate that does not match its key,
	// an invalid trust entry.
	ErrInvalid = errors.New("invalid input")
	// ErrWrongPKCS12Password is wrapped when a PKCS#12 file does not
	// decrypt with the given password.
	ErrWrongPKCS12Password = errors.New("wrong PKCS#12 password")
)

// inUseError says which store is busy; it matches ErrInUse.
type inUseError struct{ path string }

func (e *inUseError) Error() string {
	return "the store " + e.path + " is in use by another diplomat process"
}

func (e *inUseError) Is(target error) bool { return target == ErrInUse }

// SchemaError is returned by Open for a store written by a newer schema
// than this build reads. It matches ErrNewerSchema.
type SchemaError struct {
	Path     string
	Found    int // the store's schema version
	Readable int // the newest version this build reads
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("the store %s was written by a newer diplomat (schema %d, this diplomat reads up to %d): upgrade diplomat to open it", e.Path, e.Found, e.Readable)
}

// Is reports whether target is ErrNewerSchema.
func (e *SchemaError) Is(target error) bool { return target == ErrNewerSchema }
