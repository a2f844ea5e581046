package issuer

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/keys"
)

// Storage is where an Issuer keeps what it records: the configuration and
// the store's secret salt, the issued register with its idempotency index,
// the status lists, and the credentials it keeps (Config.KeepCredentials).
// BoltStorage keeps them in the bbolt file of package keys; a database
// shared by several service nodes implements Storage itself
// (store/postgres), and StorageOf finds it on the store's backend.
//
// Every method is safe for concurrent use, by several Issuers in several
// processes when the storage is shared: Reserve never gives one status
// index, nor one idempotency key, to two credentials.
type Storage interface {
	// Config returns the stored configuration (JSON) and the secret salt,
	// or an error wrapping ErrNotConfigured when none is stored.
	Config(ctx context.Context) (config, salt []byte, err error)
	// SaveConfig stores config (JSON), replacing the one stored. The first
	// call also creates the salt (32 random bytes), which never changes
	// afterwards.
	SaveConfig(ctx context.Context, config []byte) error
	// Reserve records every reservation of rs in the register, in one
	// transaction: one whose Key is recorded already takes the entry
	// recorded then (Existing); every other gets a free index of owner's
	// open status list (see Allocate) and is recorded under its Key, with
	// its Audit record. On error nothing is recorded.
	Reserve(ctx context.Context, owner ListOwner, rs []*Reservation, now time.Time) error
	// Registered returns the entry recorded under idempotency key key, or
	// nil when there is none.
	Registered(ctx context.Context, key string) (*Entry, error)
	// Entry returns the register entry of credential id, or an error
	// wrapping ErrNotFound.
	Entry(ctx context.Context, id string) (*Entry, error)
	// Entries returns the register entries q selects, in no particular
	// order.
	Entries(ctx context.Context, q Query) ([]Entry, error)
	// ChangeEntry changes the entry of credential id atomically: it reads
	// it (an error wrapping ErrNotFound when absent) and calls fn, which
	// changes the entry and says which of its status bits to set or clear;
	// it then stores both, or nothing when fn returns an error (returned
	// as it is). It returns the entry stored.
	ChangeEntry(ctx context.Context, id string, fn func(e *Entry) (StatusBit, error)) (*Entry, error)
	// StatusLists returns the status lists whose ids are given, or every
	// list when none is, ordered by id (byte order). A list whose record
	// or bitmaps do not read is an error wrapping keys.ErrCorrupt.
	StatusLists(ctx context.Context, ids ...string) ([]StoredList, error)
	// Keep stores secured credentials, replacing any of the same id.
	Keep(ctx context.Context, creds []Kept) error
	// Credential returns the credential kept for id, or an error wrapping
	// ErrNotFound.
	Credential(ctx context.Context, id string) ([]byte, error)
}

// StorageProvider is the optional ability of a keys.Backend to keep the
// issuer's records itself: a database shares them between the processes
// that open it. A store file keeps them in its own buckets (BoltStorage).
type StorageProvider interface {
	// IssuerStorage returns the backend's Storage.
	IssuerStorage() Storage
}

// StorageOf returns the Storage of store s: its backend's when the backend
// provides one (StorageProvider), else BoltStorage(s).
func StorageOf(s *keys.Store) Storage {
	if p, ok := s.Backend().(StorageProvider); ok {
		return p.IssuerStorage()
	}
	return BoltStorage(s)
}

// Reservation is one credential on its way into the register (Storage.Reserve).
type Reservation struct {
	// Key is its idempotency key.
	Key string
	// Entry is the entry to record. Reserve sets its StatusList and
	// StatusIndex, or replaces it by the entry recorded earlier under Key.
	Entry Entry
	// Existing is set by Reserve when Key was recorded earlier.
	Existing bool
	// Audit, when not nil, is recorded in the store's audit log (subject
	// the entry's id) in the transaction that records the entry, when it
	// is recorded: not when Existing.
	Audit *Audit
}

// Audit is an audit log record to make with a reservation (see
// keys.Store.RecordAudit): who issued, how.
type Audit struct {
	Op, Actor, Detail string
}

// ListOwner is what a status list is bound to: a profile, a key version
// and an issuer (see ListRecord).
type ListOwner struct {
	Profile, KeyName, KeyID, Issuer string
}

// Query selects register entries in Storage.Entries; an empty field selects
// any value.
type Query struct {
	Template, Profile, State string
	// SubjectHash is the subject's SubjectHash.
	SubjectHash string
	// From and To bound Issued (inclusive From, exclusive To); zero: open.
	From, To time.Time
}

// Match reports whether q selects e.
func (q Query) Match(e *Entry) bool {
	return (q.Template == "" || e.Template == q.Template) &&
		(q.Profile == "" || e.Profile == q.Profile) &&
		(q.State == "" || e.State == q.State) &&
		(q.SubjectHash == "" || e.SubjectHash == q.SubjectHash) &&
		(q.From.IsZero() || !e.Issued.Before(q.From)) &&
		(q.To.IsZero() || e.Issued.Before(q.To))
}

// StatusBit is a status change Storage.ChangeEntry applies: the bit of the
// entry's index in its list for Purpose (revocation or suspension), set or
// cleared.
type StatusBit struct {
	Purpose string
	Set     bool
}

// StoredList is a status list as a Storage returns it.
type StoredList struct {
	Record                 ListRecord
	Revocation, Suspension *status.Bitstring
}

// Kept is a secured credential to keep (Storage.Keep).
type Kept struct {
	ID         string
	Credential []byte
}

// ListRecord describes one status list. A list is bound to one profile, one
// key version and one issuer: every credential in it was signed by that key
// version with that issuer, and the list is published under the same issuer
// (PublishStatus), which verifiers require. Its JSON form is how storages
// keep it.
type ListRecord struct {
	// ID is "<profile>/<n>", n counting from 1 per profile.
	ID      string `json:"id"`
	Profile string `json:"profile"`
	// KeyName and KeyID are the key version its credentials are signed
	// with; Issuer is their issuer (a DID, or for an eSeal without DID its
	// urn:x509 name).
	KeyName string    `json:"keyName"`
	KeyID   string    `json:"keyId"`
	Issuer  string    `json:"issuer"`
	Size    int       `json:"size"`
	Used    int       `json:"used"`
	Created time.Time `json:"created"`
}

// ListID returns the id of list n of profile.
func ListID(profile string, n uint64) string { return fmt.Sprintf("%s/%d", profile, n) }

// OpenList is the open status list of an owner, with its allocation
// bitmap, as a Storage holds it inside Reserve (Lists).
type OpenList struct {
	Record ListRecord
	Alloc  *status.Bitstring
}

// Lists is what Allocate needs of a Storage inside the transaction of its
// Reserve.
type Lists interface {
	// Open returns the open list of owner, kept from changes by others
	// until the transaction ends, or nil when owner has none yet.
	Open(owner ListOwner) (*OpenList, error)
	// Next creates the next list of owner.Profile (lists are numbered from
	// 1 per profile: ListID), records it as owner's open list and returns
	// it, empty (Record.Size ListSize).
	Next(owner ListOwner, now time.Time) (*OpenList, error)
	// Save writes back the record (Used) and the allocation bitmap of l.
	Save(l *OpenList) error
}

// Allocate gives every reservation of rs that is not Existing a random free
// index of owner's open list, opening the next list (Lists.Next) when there
// is none or it is full, and writes back each list it changed once. It is
// how every Storage allocates, inside the transaction that records rs: a
// crash never hands out an index twice, and two Storages sharing a database
// never give one index to two credentials as long as Open keeps the list
// from changes by others.
func Allocate(src Lists, owner ListOwner, rs []*Reservation, now time.Time) error {
	var (
		ol   *OpenList
		err  error
		pk   picker
		seen = map[string]*Reservation{}
	)
	for _, r := range rs {
		if r.Existing {
			continue
		}
		if first := seen[r.Key]; first != nil {
			// The same key twice in rs: one credential.
			r.Entry, r.Existing = first.Entry, true
			continue
		}
		seen[r.Key] = r
		if ol == nil {
			if ol, err = src.Open(owner); err != nil {
				return err
			}
		}
		if ol == nil || ol.Record.Used >= ol.Record.Size {
			if ol != nil {
				if err := src.Save(ol); err != nil {
					return err
				}
			}
			if ol, err = src.Next(owner, now); err != nil {
				return err
			}
		}
		idx, err := pk.pick(ol)
		if err != nil {
			return err
		}
		r.Entry.StatusList, r.Entry.StatusIndex = ol.Record.ID, idx
	}
	if ol != nil {
		return src.Save(ol)
	}
	return nil
}

// picker hands out random free indexes, from crypto/rand read in blocks.
type picker struct{ rnd []byte }

// random returns a uniformly random index below ListSize (a power of two,
// so masking is unbiased).
func (p *picker) random() (int, error) {
	if len(p.rnd) < 4 {
		p.rnd = make([]byte, 4096)
		if _, err := rand.Read(p.rnd); err != nil {
			return 0, err
		}
	}
	v := binary.BigEndian.Uint32(p.rnd)
	p.rnd = p.rnd[4:]
	return int(v % ListSize), nil
}

// pick marks a random free index of ol used and returns it.
func (p *picker) pick(ol *OpenList) (int, error) {
	if ol.Alloc.Len() != ol.Record.Size {
		return 0, fmt.Errorf("status list %s: allocation bitmap of %d entries, want %d: %w", ol.Record.ID, ol.Alloc.Len(), ol.Record.Size, keys.ErrCorrupt)
	}
	free := func(i int) bool { used, err := ol.Alloc.Get(i); return err == nil && !used }
	idx := -1
	for try := 0; try < 32; try++ {
		i, err := p.random()
		if err != nil {
			return 0, err
		}
		if free(i) {
			idx = i
			break
		}
	}
	if idx < 0 { // a crowded list: scan from a random place
		start, err := p.random()
		if err != nil {
			return 0, err
		}
		for k := 0; k < ol.Record.Size; k++ {
			if i := (start + k) % ol.Record.Size; free(i) {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return 0, fmt.Errorf("status list %s: no free index although %d of %d are used", ol.Record.ID, ol.Record.Used, ol.Record.Size)
	}
	if err := ol.Alloc.Set(idx, true); err != nil {
		return 0, err
	}
	ol.Record.Used++
	return idx, nil
}

// NewOpenList returns list n of owner's profile, empty, created at now: what
// Lists.Next returns.
func NewOpenList(owner ListOwner, n uint64, now time.Time) (*OpenList, error) {
	alloc, err := status.New(ListSize)
	if err != nil {
		return nil, err
	}
	return &OpenList{Record: ListRecord{ID: ListID(owner.Profile, n), Profile: owner.Profile, KeyName: owner.KeyName, KeyID: owner.KeyID,
		Issuer: owner.Issuer, Size: ListSize, Created: now}, Alloc: alloc}, nil
}

// rawBits starts a status bitmap stored as its bits: EncodeBits' form.
// The form DecodeBits also reads, an encodedList, starts with "u".
const rawBits = 0

// DecodeBits reads a status bitmap as storages keep it, named name in
// errors: EncodeBits' form (a zero byte, then the bits), or a Bitstring
// Status List encodedList (credentials/status), the form stores written
// before kept. Absent (nil), it is an all-clear list of ListSize entries;
// unreadable or of another size, the store is corrupt (an error wrapping
// keys.ErrCorrupt).
func DecodeBits(name string, v []byte) (*status.Bitstring, error) {
	if v == nil {
		return status.New(ListSize)
	}
	var (
		b   *status.Bitstring
		err error
	)
	if len(v) > 0 && v[0] == rawBits {
		if len(v)-1 != ListSize/8 {
			return nil, fmt.Errorf("status bitmap %s: %d bytes, want %d: %w", name, len(v)-1, ListSize/8, keys.ErrCorrupt)
		}
		b, err = status.FromBytes(v[1:])
	} else {
		b, err = status.Decode(string(v))
	}
	if err != nil {
		return nil, fmt.Errorf("status bitmap %s: %v: %w", name, err, keys.ErrCorrupt)
	}
	if b.Len() != ListSize {
		return nil, fmt.Errorf("status bitmap %s: %d entries, want %d: %w", name, b.Len(), ListSize, keys.ErrCorrupt)
	}
	return b, nil
}

// EncodeBits is the form DecodeBits reads, in a new slice: a zero byte,
// then the bits as they are. A storage reads and writes a list's
// allocation bitmap at every issuance, inside the transaction that every
// issuance of the list waits for: kept as an encodedList, compressing and
// decompressing it took a quarter of a millisecond each time (most of the
// work done under bbolt's single writer), where copying 16 KiB takes a
// microsecond. The lists published are encoded apart, compressed.
func EncodeBits(b *status.Bitstring) ([]byte, error) {
	raw := b.Bytes()
	if len(raw) != ListSize/8 {
		return nil, fmt.Errorf("status bitmap of %d entries, want %d", len(raw)*8, ListSize)
	}
	return append(append(make([]byte, 0, 1+len(raw)), rawBits), raw...), nil
}
