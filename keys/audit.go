package keys

import (
	"encoding/binary"
	"encoding/json"
	"time"

	"go.etcd.io/bbolt"
)

// AuditRecord is one entry of the append-only audit log: what was done to
// which key, entry or context, and when. It never holds secret material.
type AuditRecord struct {
	// Seq is the record's position in the log, from 1, without gaps.
	Seq uint64 `json:"seq"`
	// Time is when the operation committed, in UTC.
	Time time.Time `json:"time"`
	// Op names the operation, "group.verb": store.create,
	// store.passphrase-set, store.backup, store.web-did, keys.create,
	// keys.import, keys.rotate, keys.retire, keys.destroy, keys.csr,
	// keys.chain, seal.import, seal.test-create, trust.add, trust.remove,
	// trust.import, contexts.put, tokens.create, tokens.revoke, and those
	// other packages record (RecordAudit).
	Op string `json:"op"`
	// Subject is the key id, trust entry id or context URL, if any.
	Subject string `json:"subject,omitempty"`
	// Name is the key name, if any.
	Name string `json:"name,omitempty"`
	// Detail is a short human-readable note (a key type, a source file).
	Detail string `json:"detail,omitempty"`
	// Actor says who did it when it was not the store's owner at the
	// command line: the name of the API token of the HTTP service.
	Actor string `json:"actor,omitempty"`
}

// appendAudit adds a record in tx, so it commits or rolls back with the
// operation it describes.
func appendAudit(tx Tx, now time.Time, op, subject, name, detail string) error {
	return appendAuditBy(tx, now, op, subject, name, detail, "")
}

// appendAuditBy is appendAudit with the actor who did it.
func appendAuditBy(tx Tx, now time.Time, op, subject, name, detail, actor string) error {
	seq, err := tx.NextSequence(TableAudit)
	if err != nil {
		return err
	}
	v, err := json.Marshal(AuditRecord{Seq: seq, Time: now, Op: op, Subject: subject, Name: name, Detail: detail, Actor: actor})
	if err != nil {
		return err
	}
	return tx.Put(TableAudit, u64(seq), v)
}

func (s *Store) audit(op, subject, name, detail string) error {
	return s.update(func(tx Tx) error {
		return appendAudit(tx, s.now().UTC(), op, subject, name, detail)
	})
}

// RecordAudit appends a record of an operation done outside this package,
// such as a credential revoked through the HTTP service: op is
// "group.verb" (credentials.revoke), subject what it was done to (a
// credential id), actor who did it (an API token's name), detail a short
// note. None of them may hold personal data or secrets.
//
// In a store file, records made at once (a service issuing many
// credentials) share one transaction and fsync (see Batch); each call
// returns once its record is committed.
func (s *Store) RecordAudit(op, subject, actor, detail string) error {
	fn := func(tx Tx) error {
		return appendAuditBy(tx, s.now().UTC(), op, subject, "", detail, actor)
	}
	if b, ok := s.b.(*boltBackend); ok {
		return b.batch(func(tx *bbolt.Tx) error { return fn(boltTx{tx: tx}) })
	}
	return s.update(fn)
}

// Audit returns the audit log, oldest first. It needs no passphrase.
// The store offers no way to change or delete records.
func (s *Store) Audit() ([]AuditRecord, error) {
	var out []AuditRecord
	err := s.view(func(tx Tx) error {
		return tx.ForEach(TableAudit, nil, func(k, v []byte) error {
			var r AuditRecord
			if err := json.Unmarshal(v, &r); err != nil || len(k) != 8 || binary.BigEndian.Uint64(k) != r.Seq {
				return damagedRecord("audit record")
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// AppendAudit appends a record to the audit log inside tx, a transaction
// of the store's backend (BoltTx for a store file), so that it commits or
// rolls back with the change it records: RecordAudit in another package's
// transaction. Its arguments are RecordAudit's, now the time recorded.
func AppendAudit(tx Tx, now time.Time, op, subject, actor, detail string) error {
	return appendAuditBy(tx, now.UTC(), op, subject, "", detail, actor)
}

// BoltTx is a transaction of a store file as a Tx, for AppendAudit.
func BoltTx(tx *bbolt.Tx) Tx { return boltTx{tx: tx} }
