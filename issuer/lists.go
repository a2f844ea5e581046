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

// listMeta describes one status list.
type listMeta struct {
	// ID is "<profile>/<n>", n counting from 1 per profile.
	ID      string    `json:"id"`
	Profile string    `json:"profile"`
	KeyName string    `json:"keyName"` // the key its credentials (and the list) are signed with
	KeyID   string    `json:"keyId"`
	Size    int       `json:"size"`
	Used    int       `json:"used"`
	Created time.Time `json:"created"`
}

func listKey(id string) []byte              { return []byte("list/" + id) }
func bitsKey(id, what string) []byte        { return []byte(id + "/" + what) }
func curKey(profile, keyName string) []byte { return []byte("cur/" + profile + "/" + keyName) }
func nextKey(profile string) []byte         { return []byte("next/" + profile) }

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
	alloc []byte
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
// with the key keyName, opening a new list when the current one is full.
func (a *allocator) allocate(profile, keyName, keyID string) (string, int, error) {
	ck := string(curKey(profile, keyName))
	ol := a.open[ck]
	if ol == nil {
		var err error
		if ol, err = a.load(profile, keyName); err != nil {
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
		if ol, err = a.create(profile, keyName, keyID); err != nil {
			return "", 0, err
		}
	}
	a.open[ck] = ol
	idx := -1
	for try := 0; try < 32; try++ {
		i, err := a.random()
		if err != nil {
			return "", 0, err
		}
		if !getBit(ol.alloc, i) {
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
			if i := (start + k) % ol.meta.Size; !getBit(ol.alloc, i) {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return "", 0, fmt.Errorf("status list %s: no free index although %d of %d are used", ol.meta.ID, ol.meta.Used, ol.meta.Size)
	}
	setBit(ol.alloc, idx, true)
	ol.meta.Used++
	return ol.meta.ID, idx, nil
}

func (a *allocator) load(profile, keyName string) (*openList, error) {
	id := a.lists.Get(curKey(profile, keyName))
	if id == nil {
		return nil, nil
	}
	var m listMeta
	if err := json.Unmarshal(a.lists.Get(listKey(string(id))), &m); err != nil {
		return nil, fmt.Errorf("status list %s: %v", id, err)
	}
	alloc := append([]byte(nil), a.bits.Get(bitsKey(m.ID, "alloc"))...)
	if len(alloc) != m.Size/8 {
		return nil, fmt.Errorf("status list %s: allocation bitmap has %d bytes, want %d", m.ID, len(alloc), m.Size/8)
	}
	return &openList{meta: m, alloc: alloc}, nil
}

func (a *allocator) create(profile, keyName, keyID string) (*openList, error) {
	n := uint64(1)
	if v := a.lists.Get(nextKey(profile)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	if err := a.lists.Put(nextKey(profile), binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
		return nil, err
	}
	m := listMeta{ID: profile + "/" + strconv.FormatUint(n, 10), Profile: profile, KeyName: keyName, KeyID: keyID, Size: ListSize, Created: a.now}
	if err := a.lists.Put(curKey(profile, keyName), []byte(m.ID)); err != nil {
		return nil, err
	}
	return &openList{meta: m, alloc: make([]byte, ListSize/8)}, nil
}

func (a *allocator) write(ol *openList) error {
	data, err := json.Marshal(ol.meta)
	if err != nil {
		return err
	}
	if err := a.lists.Put(listKey(ol.meta.ID), data); err != nil {
		return err
	}
	return a.bits.Put(bitsKey(ol.meta.ID, "alloc"), ol.alloc)
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
	b := append([]byte(nil), bits.Get(k)...)
	if b == nil {
		b = make([]byte, ListSize/8)
	}
	if index < 0 || index >= len(b)*8 {
		return fmt.Errorf("status list %s: index %d out of range", id, index)
	}
	setBit(b, index, v)
	return bits.Put(k, b)
}

// bit order of both specifications: index 0 is the most significant bit of byte 0.
func getBit(b []byte, i int) bool { return b[i/8]&(0x80>>(i%8)) != 0 }

func setBit(b []byte, i int, v bool) {
	if v {
		b[i/8] |= 0x80 >> (i % 8)
	} else {
		b[i/8] &^= 0x80 >> (i % 8)
	}
}

// ListURL returns the URL of status list id for purpose under base.
func ListURL(base, id, purpose string) string {
	return strings.TrimRight(base, "/") + "/" + id + "/" + purpose
}
