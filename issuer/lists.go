package issuer

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/keys"
)

// ListSize is the number of entries of every status list this package
// creates: 131,072, the minimum the W3C Bitstring Status List and
// StatusList2021 set so that one credential hides among many.
const ListSize = 131072

// Status purposes. Every credential has one index in one list, used for both
// purposes: list N is published twice, once per purpose.
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// PurposeToken names the IETF Token Status List an eudi list is also
// published as (docs/status.md): one list of 2-bit statuses for both
// purposes, at <statusBaseURL>/eudi/<n>/token.
const PurposeToken = "token"

// listMeta describes one status list. A list is bound to one profile, one
// key version and one issuer: every credential in it was signed by that key
// version with that issuer, and the list is published under the same issuer
// (PublishStatus), which verifiers require.
type listMeta struct {
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

func listKey(id string) []byte       { return []byte("list/" + id) }
func bitsKey(id, what string) []byte { return []byte(id + "/" + what) }
func nextKey(profile string) []byte  { return []byte("next/" + profile) }

// curKey names the open list of a profile, key version and issuer.
func curKey(profile, keyID, issuer string) []byte {
	return []byte("cur/" + profile + "/" + keyID + "/" + issuer)
}

// loadBits reads the bitmap key of the bits bucket: a Bitstring Status List
// encodedList (credentials/status). Absent, it is an all-clear list of
// ListSize entries; unreadable or of another size, the store is corrupt.
func loadBits(bits *bbolt.Bucket, key []byte) (*status.Bitstring, error) {
	v := bits.Get(key)
	if v == nil {
		return status.New(ListSize)
	}
	b, err := status.Decode(string(v))
	if err != nil {
		return nil, fmt.Errorf("status bitmap %s: %v: %w", key, err, keys.ErrCorrupt)
	}
	if b.Len() != ListSize {
		return nil, fmt.Errorf("status bitmap %s: %d entries, want %d: %w", key, b.Len(), ListSize, keys.ErrCorrupt)
	}
	return b, nil
}

func putBits(bits *bbolt.Bucket, key []byte, b *status.Bitstring) error {
	enc, err := b.Encode()
	if err != nil {
		return err
	}
	return bits.Put(key, []byte(enc))
}

// allocator hands out random free indexes inside one read-write transaction.
// It keeps the lists it touched in memory and writes them back in flush, so a
// transaction recording many credentials writes each bitmap once.
type allocator struct {
	lists, bits *bbolt.Bucket
	open        map[string]*openList // by curKey
	rnd         []byte
	now         time.Time
}

type openList struct {
	meta  listMeta
	alloc *status.Bitstring
}

func newAllocator(tx *bbolt.Tx, now time.Time) (*allocator, error) {
	lists, err := tx.CreateBucketIfNotExists(bucketLists)
	if err != nil {
		return nil, err
	}
	bits, err := tx.CreateBucketIfNotExists(bucketBits)
	if err != nil {
		return nil, err
	}
	return &allocator{lists: lists, bits: bits, open: map[string]*openList{}, now: now}, nil
}

// random returns a uniformly random index below ListSize (a power of two,
// so masking is unbiased), from crypto/rand read in blocks.
func (a *allocator) random() (int, error) {
	if len(a.rnd) < 4 {
		a.rnd = make([]byte, 4096)
		if _, err := rand.Read(a.rnd); err != nil {
			return 0, err
		}
	}
	v := binary.BigEndian.Uint32(a.rnd)
	a.rnd = a.rnd[4:]
	return int(v % ListSize), nil
}

// allocate returns a fresh (list, index) for a credential of profile signed
// with key version keyID (named keyName) as issuer, opening a new list when
// there is none for them yet or the current one is full.
func (a *allocator) allocate(profile, keyName, keyID, issuer string) (string, int, error) {
	ck := string(curKey(profile, keyID, issuer))
	ol := a.open[ck]
	if ol == nil {
		var err error
		if ol, err = a.load(ck); err != nil {
			return "", 0, err
		}
	}
	if ol == nil || ol.meta.Used >= ol.meta.Size {
		if ol != nil {
			if err := a.write(ol); err != nil {
				return "", 0, err
			}
		}
		var err error
		if ol, err = a.create(profile, keyName, keyID, issuer); err != nil {
			return "", 0, err
		}
	}
	a.open[ck] = ol
	free := func(i int) bool { used, err := ol.alloc.Get(i); return err == nil && !used }
	idx := -1
	for try := 0; try < 32; try++ {
		i, err := a.random()
		if err != nil {
			return "", 0, err
		}
		if free(i) {
			idx = i
			break
		}
	}
	if idx < 0 { // a crowded list: scan from a random place
		start, err := a.random()
		if err != nil {
			return "", 0, err
		}
		for k := 0; k < ol.meta.Size; k++ {
			if i := (start + k) % ol.meta.Size; free(i) {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return "", 0, fmt.Errorf("status list %s: no free index although %d of %d are used", ol.meta.ID, ol.meta.Used, ol.meta.Size)
	}
	if err := ol.alloc.Set(idx, true); err != nil {
		return "", 0, err
	}
	ol.meta.Used++
	return ol.meta.ID, idx, nil
}

func (a *allocator) load(ck string) (*openList, error) {
	id := a.lists.Get([]byte(ck))
	if id == nil {
		return nil, nil
	}
	var m listMeta
	if err := json.Unmarshal(a.lists.Get(listKey(string(id))), &m); err != nil {
		return nil, fmt.Errorf("status list %s: %v: %w", id, err, keys.ErrCorrupt)
	}
	alloc, err := loadBits(a.bits, bitsKey(m.ID, "alloc"))
	if err != nil {
		return nil, err
	}
	if alloc.Len() != m.Size {
		return nil, fmt.Errorf("status list %s: allocation bitmap of %d entries, want %d: %w", m.ID, alloc.Len(), m.Size, keys.ErrCorrupt)
	}
	return &openList{meta: m, alloc: alloc}, nil
}

func (a *allocator) create(profile, keyName, keyID, issuer string) (*openList, error) {
	n := uint64(1)
	if v := a.lists.Get(nextKey(profile)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	if err := a.lists.Put(nextKey(profile), binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
		return nil, err
	}
	m := listMeta{ID: profile + "/" + strconv.FormatUint(n, 10), Profile: profile, KeyName: keyName, KeyID: keyID,
		Issuer: issuer, Size: ListSize, Created: a.now}
	if err := a.lists.Put(curKey(profile, keyID, issuer), []byte(m.ID)); err != nil {
		return nil, err
	}
	alloc, err := status.New(ListSize)
	if err != nil {
		return nil, err
	}
	return &openList{meta: m, alloc: alloc}, nil
}

func (a *allocator) write(ol *openList) error {
	data, err := json.Marshal(ol.meta)
	if err != nil {
		return err
	}
	if err := a.lists.Put(listKey(ol.meta.ID), data); err != nil {
		return err
	}
	return putBits(a.bits, bitsKey(ol.meta.ID, "alloc"), ol.alloc)
}

// flush writes back every list the allocator changed.
func (a *allocator) flush() error {
	for _, ol := range a.open {
		if err := a.write(ol); err != nil {
			return err
		}
	}
	return nil
}

// setStatus sets or clears the purpose bit of index in list id.
func setStatus(tx *bbolt.Tx, id, purpose string, index int, v bool) error {
	bits, err := tx.CreateBucketIfNotExists(bucketBits)
	if err != nil {
		return err
	}
	k := bitsKey(id, purpose)
	b, err := loadBits(bits, k)
	if err != nil {
		return err
	}
	if err := b.Set(index, v); err != nil {
		return fmt.Errorf("status list %s: %w", id, err)
	}
	return putBits(bits, k, b)
}

// ListURL returns the URL of status list id for purpose under base.
func ListURL(base, id, purpose string) string {
	return strings.TrimRight(base, "/") + "/" + id + "/" + purpose
}
