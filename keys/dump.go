package keys

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// Record is one record of a store in its portable form: what a store file
// holds under Bucket (and, in a bucket that nests one bucket per item, such
// as the service's batch credentials, the nested bucket Sub), Key and Value.
// "diplomat store copy" moves a whole store between a file and a database
// as these records, every package's alike, and compares them after.
type Record struct {
	Bucket, Sub string
	Key, Value  []byte
}

// Dump calls fn with every record of the store file: every bucket, every
// package's, in byte order of bucket names and keys. The byte slices are
// valid only during fn. It needs no passphrase: private keys stay sealed.
// A store that is not a file returns an error wrapping ErrNotBolt.
func (s *Store) Dump(fn func(Record) error) error {
	return s.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v != nil {
					return fn(Record{Bucket: string(name), Key: k, Value: v})
				}
				sub := b.Bucket(k)
				if sub == nil {
					return nil
				}
				return sub.ForEach(func(k2, v2 []byte) error {
					if v2 == nil {
						return fmt.Errorf("keys: bucket %s/%s nests a bucket in a nested bucket, which a store does not", name, k)
					}
					return fn(Record{Bucket: string(name), Sub: string(k), Key: k2, Value: v2})
				})
			})
		})
	})
}

// Restore replaces everything the store file holds by the records fill
// puts, in one transaction: on error the file is left as it was. The audit
// log's sequence continues after its largest record. It is how a store is
// copied into a new file. The store is locked afterwards, since its meta
// records (key-derivation parameters, wrapped master key) changed.
func (s *Store) Restore(fill func(put func(Record) error) error) error {
	defer s.Lock() // what it unlocked is not this store any more
	return s.Update(func(tx *bbolt.Tx) error {
		var names [][]byte
		if err := tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, append([]byte(nil), name...))
			return nil
		}); err != nil {
			return err
		}
		for _, n := range names {
			if err := tx.DeleteBucket(n); err != nil {
				return err
			}
		}
		var lastAudit uint64
		err := fill(func(r Record) error {
			if r.Bucket == "" || len(r.Key) == 0 {
				return fmt.Errorf("keys: a record without bucket or key")
			}
			b, err := tx.CreateBucketIfNotExists([]byte(r.Bucket))
			if err != nil {
				return err
			}
			if r.Sub != "" {
				if b, err = b.CreateBucketIfNotExists([]byte(r.Sub)); err != nil {
					return err
				}
			}
			if r.Bucket == string(TableAudit) && len(r.Key) == 8 {
				lastAudit = max(lastAudit, binary.BigEndian.Uint64(r.Key))
			}
			return b.Put(append([]byte(nil), r.Key...), append([]byte{}, r.Value...))
		})
		if err != nil {
			return err
		}
		for _, t := range ownBuckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(t)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte(TableAudit)).SetSequence(lastAudit)
	})
}
