package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/diplomat-edu/diplomat/keys"
)

// Store is one end of a Copy: a store file (FileStore) or a database (*DB),
// read and written as keys.Records, the form a store file holds them in.
type Store interface {
	// Dump calls fn with every record of the store.
	Dump(ctx context.Context, fn func(keys.Record) error) error
	// Restore fills the store, which must hold none yet, with the records
	// fill puts, in one transaction.
	Restore(ctx context.Context, fill func(put func(keys.Record) error) error) error
	// Location names it in messages.
	Location() string
}

// FileStore returns a store file as an end of a Copy. It need not be
// unlocked.
func FileStore(s *keys.Store) Store { return fileStore{s} }

type fileStore struct{ s *keys.Store }

func (f fileStore) Dump(_ context.Context, fn func(keys.Record) error) error { return f.s.Dump(fn) }

func (f fileStore) Restore(_ context.Context, fill func(put func(keys.Record) error) error) error {
	// A file made for the copy holds only what creating it wrote.
	if in, err := f.s.Info(); err != nil {
		return err
	} else if in.Keys+in.TrustEntries+in.Contexts > 0 || in.AuditRecords > 1 {
		return fmt.Errorf("the store %s is not empty: copy into a new file", f.s.Path())
	}
	return f.s.Restore(fill)
}

func (f fileStore) Location() string { return f.s.Path() }

// Report says what Copy copied: per bucket, the number of records and a
// digest of them, the same at both ends.
type Report struct {
	Buckets []BucketSum `json:"buckets"`
}

// BucketSum is the records of one bucket: how many, and the SHA-256 based
// sum of their keys and values (order does not count).
type BucketSum struct {
	Bucket  string `json:"bucket"`
	Records int    `json:"records"`
	Sum     string `json:"sum"`
}

// Records returns the number of records copied.
func (r *Report) Records() int {
	n := 0
	for _, b := range r.Buckets {
		n += b.Records
	}
	return n
}

// Copy copies every record of from into to (which must be empty), summing
// them per bucket as they go, then reads the copy and compares its sums:
// the copy is verified, or Copy fails saying which bucket differs. The
// records are read in one transaction of from, so a database in use is
// copied as it was at one moment. Private keys travel sealed, as they are
// stored: the copy opens with the same passphrase.
func Copy(ctx context.Context, from, to Store) (*Report, error) {
	var src summer
	err := to.Restore(ctx, func(put func(keys.Record) error) error {
		return from.Dump(ctx, func(r keys.Record) error {
			src.add(r)
			return put(r)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("copying %s to %s: %w", from.Location(), to.Location(), err)
	}
	b, err := Sums(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("reading the copy %s: %w", to.Location(), err)
	}
	if a := src.report(); !equalSums(a, b) {
		return b, fmt.Errorf("the copy %s differs from %s: %s", to.Location(), from.Location(), diffSums(a, b))
	}
	return b, nil
}

// Sums reads every record of s and sums them per bucket.
func Sums(ctx context.Context, s Store) (*Report, error) {
	var sm summer
	if err := s.Dump(ctx, func(r keys.Record) error { sm.add(r); return nil }); err != nil {
		return nil, err
	}
	return sm.report(), nil
}

// summer sums records per bucket: their count, and the sum modulo 2^256 of
// the SHA-256 of each (its nested bucket, key and value, length-prefixed),
// which does not depend on their order.
type summer struct {
	by map[string]*bucketAcc
}

type bucketAcc struct {
	n   int
	sum *big.Int
}

var mod256 = new(big.Int).Lsh(big.NewInt(1), 256)

func (s *summer) add(r keys.Record) {
	if s.by == nil {
		s.by = map[string]*bucketAcc{}
	}
	a := s.by[r.Bucket]
	if a == nil {
		a = &bucketAcc{sum: new(big.Int)}
		s.by[r.Bucket] = a
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(r.Sub), r.Key, r.Value} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
		h.Write(part)
	}
	a.n++
	a.sum.Add(a.sum, new(big.Int).SetBytes(h.Sum(nil)))
	a.sum.Mod(a.sum, mod256)
}

func (s *summer) report() *Report {
	rep := &Report{}
	for name, a := range s.by {
		sum := make([]byte, 32)
		a.sum.FillBytes(sum)
		rep.Buckets = append(rep.Buckets, BucketSum{Bucket: name, Records: a.n, Sum: hex.EncodeToString(sum)})
	}
	sort.Slice(rep.Buckets, func(i, j int) bool { return rep.Buckets[i].Bucket < rep.Buckets[j].Bucket })
	return rep
}

func equalSums(a, b *Report) bool { return diffSums(a, b) == "" }

func diffSums(a, b *Report) string {
	m := map[string][2]BucketSum{}
	for _, s := range a.Buckets {
		v := m[s.Bucket]
		v[0] = s
		m[s.Bucket] = v
	}
	for _, s := range b.Buckets {
		v := m[s.Bucket]
		v[1] = s
		m[s.Bucket] = v
	}
	var diffs []string
	for name, v := range m {
		if v[0].Records != v[1].Records || v[0].Sum != v[1].Sum {
			diffs = append(diffs, fmt.Sprintf("bucket %s: %d records, %d in the copy", name, v[0].Records, v[1].Records))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}

// The buckets of a store file and their tables here. Every bucket a store
// file may hold is listed: Restore refuses a record of any other, so that
// nothing is left behind silently.
var (
	kvBuckets = map[string]string{ // bucket → table (k bytea, v bytea)
		string(keys.TableMeta): "keys_meta", string(keys.TableKeys): "keys_keys", string(keys.TableTrust): "keys_trust",
		string(keys.TableContexts): "keys_contexts", string(keys.TableAudit): "keys_audit", string(keys.TableTokens): "keys_tokens",
	}
)

// Dump implements Store: every record, in the form a store file holds it.
func (db *DB) Dump(ctx context.Context, fn func(keys.Record) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		each := func(sql string, rec func(row pgx.Rows) (keys.Record, bool, error)) error {
			rows, err := tx.Query(ctx, sql)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				r, ok, err := rec(rows)
				if err != nil {
					return err
				}
				if ok {
					if err := fn(r); err != nil {
						return err
					}
				}
			}
			return rows.Err()
		}
		kv := func(bucket string) func(row pgx.Rows) (keys.Record, bool, error) {
			return func(row pgx.Rows) (keys.Record, bool, error) {
				r := keys.Record{Bucket: bucket}
				var k string
				if err := row.Scan(&k, &r.Value); err != nil {
					return r, false, err
				}
				r.Key = []byte(k)
				return r, true, nil
			}
		}
		names := make([]string, 0, len(kvBuckets))
		for b := range kvBuckets {
			names = append(names, b)
		}
		sort.Strings(names)
		for _, b := range names {
			if err := each("SELECT k, v FROM "+kvBuckets[b]+" ORDER BY k", func(row pgx.Rows) (keys.Record, bool, error) {
				r := keys.Record{Bucket: b}
				err := row.Scan(&r.Key, &r.Value)
				return r, err == nil, err
			}); err != nil {
				return err
			}
		}
		queries := []struct {
			sql string
			rec func(pgx.Rows) (keys.Record, bool, error)
		}{
			{"SELECT k, v FROM issuer_config", kv("issuer.config")},
			{"SELECT id, entry FROM issuer_register", kv("issuer.register")},
			{"SELECT key, convert_to(credential_id, 'UTF8') FROM issuer_idempotency", kv("issuer.idempotency")},
			{"SELECT id, credential FROM issuer_credentials", kv("issuer.credentials")},
			{"SELECT 'list/' || id, record FROM issuer_lists WHERE record IS NOT NULL", kv("issuer.lists")},
			{"SELECT 'cur/' || profile || '/' || key_id || '/' || issuer, convert_to(list_id, 'UTF8') FROM issuer_list_heads WHERE list_id IS NOT NULL", kv("issuer.lists")},
			{"SELECT 'next/' || profile, int8send(next) FROM issuer_list_counters", kv("issuer.lists")},
			{"SELECT id || '/alloc', alloc FROM issuer_lists WHERE alloc IS NOT NULL", kv("issuer.bits")},
			{"SELECT list_id || '/' || purpose, bits FROM issuer_bits", kv("issuer.bits")},
			// "kind\x00key" is no text PostgreSQL holds: made as bytes.
			{"SELECT convert_to(kind, 'UTF8') || '\\x00'::bytea || convert_to(key, 'UTF8'), int8send(expires) || value FROM server_records",
				func(row pgx.Rows) (keys.Record, bool, error) {
					r := keys.Record{Bucket: "server.records"}
					err := row.Scan(&r.Key, &r.Value)
					return r, err == nil, err
				}},
			{"SELECT 'rec/' || id, record FROM server_batches WHERE record IS NOT NULL", kv("server.batches")},
			{"SELECT 'in/' || id, input FROM server_batches WHERE input IS NOT NULL", kv("server.batches")},
			{"SELECT batch_id, credential_id, value FROM server_batch_credentials", func(row pgx.Rows) (keys.Record, bool, error) {
				r := keys.Record{Bucket: "server.batch-creds"}
				var k string
				err := row.Scan(&r.Sub, &k, &r.Value)
				r.Key = []byte(k)
				return r, err == nil, err
			}},
			{"SELECT k, v FROM snapshot_lists", kv("snapshot.lists")},
		}
		for _, q := range queries {
			if err := each(q.sql, q.rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// Restore implements Store: into a database that holds no store yet
// (migrated first when it has no schema), in one transaction.
func (db *DB) Restore(ctx context.Context, fill func(put func(keys.Record) error) error) error {
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM keys_meta) + (SELECT count(*) FROM issuer_register) + (SELECT count(*) FROM keys_keys)").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database %s already holds a store: copy into an empty database", db.location)
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var lastAudit uint64
		err := fill(func(r keys.Record) error {
			if r.Bucket == string(keys.TableAudit) && len(r.Key) == 8 {
				lastAudit = max(lastAudit, binary.BigEndian.Uint64(r.Key))
			}
			return restoreRecord(ctx, tx, r)
		})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO keys_sequences (t, n) VALUES ($1, $2) ON CONFLICT (t) DO UPDATE SET n = EXCLUDED.n",
			string(keys.TableAudit), int64(lastAudit)); err != nil {
			return err
		}
		var broken int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM issuer_lists WHERE record IS NULL OR alloc IS NULL").Scan(&broken); err != nil {
			return err
		}
		if broken > 0 {
			return fmt.Errorf("the source holds %d status lists without their record or allocation bitmap: it is damaged", broken)
		}
		return bumpGeneration(ctx, tx)
	})
}

// errUnknownBucket is wrapped for a record of a bucket this build cannot
// keep in the database.
var errUnknownBucket = errors.New("a bucket this diplomat does not keep in PostgreSQL")

func restoreRecord(ctx context.Context, tx pgx.Tx, r keys.Record) error {
	k := string(r.Key)
	exec := func(sql string, args ...any) error {
		_, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("bucket %s, record %q: %w", r.Bucket, printable(k), err)
		}
		return nil
	}
	bad := func(why string) error {
		return fmt.Errorf("bucket %s, record %q: %s", r.Bucket, printable(k), why)
	}
	if r.Sub != "" && r.Bucket != "server.batch-creds" {
		return bad("a nested bucket where none is expected")
	}
	if t, ok := kvBuckets[r.Bucket]; ok {
		return exec("INSERT INTO "+t+" (k, v) VALUES ($1, $2)", r.Key, r.Value)
	}
	switch r.Bucket {
	case "issuer.config":
		return exec("INSERT INTO issuer_config (k, v) VALUES ($1, $2)", k, r.Value)
	case "issuer.register":
		e, err := decodeEntry(k, r.Value)
		if err != nil {
			return err
		}
		if e.ID != k {
			return bad("an entry whose id is not its key")
		}
		return exec(`INSERT INTO issuer_register (id, issued, template, profile, state, subject_hash, status_list, status_index, entry)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, k, e.Issued, e.Template, e.Profile, e.State, e.SubjectHash, e.StatusList, e.StatusIndex, r.Value)
	case "issuer.idempotency":
		return exec("INSERT INTO issuer_idempotency (key, credential_id) VALUES ($1, $2)", k, string(r.Value))
	case "issuer.credentials":
		return exec("INSERT INTO issuer_credentials (id, credential) VALUES ($1, $2)", k, r.Value)
	case "issuer.lists":
		switch {
		case strings.HasPrefix(k, "list/"):
			return exec("INSERT INTO issuer_lists (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
				strings.TrimPrefix(k, "list/"), r.Value)
		case strings.HasPrefix(k, "cur/"):
			parts := strings.SplitN(strings.TrimPrefix(k, "cur/"), "/", 3)
			if len(parts) != 3 {
				return bad("not cur/<profile>/<key id>/<issuer>")
			}
			return exec("INSERT INTO issuer_list_heads (profile, key_id, issuer, list_id) VALUES ($1, $2, $3, $4)", parts[0], parts[1], parts[2], string(r.Value))
		case strings.HasPrefix(k, "next/"):
			if len(r.Value) != 8 {
				return bad("a list counter that is not 8 bytes")
			}
			return exec("INSERT INTO issuer_list_counters (profile, next) VALUES ($1, $2)", strings.TrimPrefix(k, "next/"), int64(binary.BigEndian.Uint64(r.Value)))
		}
	case "issuer.bits":
		i := strings.LastIndexByte(k, '/')
		if i <= 0 {
			return bad("not <list id>/<bitmap>")
		}
		id, what := k[:i], k[i+1:]
		if what == "alloc" {
			return exec("INSERT INTO issuer_lists (id, alloc) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET alloc = EXCLUDED.alloc", id, r.Value)
		}
		return exec("INSERT INTO issuer_bits (list_id, purpose, bits) VALUES ($1, $2, $3)", id, what, r.Value)
	case "server.records":
		kind, key, ok := strings.Cut(k, "\x00")
		if !ok || len(r.Value) < 8 {
			return bad("not a record with an expiry")
		}
		return exec("INSERT INTO server_records (kind, key, expires, value) VALUES ($1, $2, $3, $4)",
			kind, key, int64(binary.BigEndian.Uint64(r.Value)), r.Value[8:])
	case "server.batches":
		switch {
		case strings.HasPrefix(k, "rec/"):
			return exec("INSERT INTO server_batches (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
				strings.TrimPrefix(k, "rec/"), r.Value)
		case strings.HasPrefix(k, "in/"):
			return exec("INSERT INTO server_batches (id, input) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET input = EXCLUDED.input",
				strings.TrimPrefix(k, "in/"), r.Value)
		}
	case "server.batch-creds":
		if r.Sub == "" {
			return bad("a batch credential outside its batch's bucket")
		}
		return exec("INSERT INTO server_batch_credentials (batch_id, credential_id, value) VALUES ($1, $2, $3)", r.Sub, k, r.Value)
	case "snapshot.lists":
		return exec("INSERT INTO snapshot_lists (k, v) VALUES ($1, $2)", k, r.Value)
	default:
		return fmt.Errorf("bucket %s: %w: nothing was copied (a newer diplomat may know it)", r.Bucket, errUnknownBucket)
	}
	return bad("a record this diplomat does not know")
}

// printable shortens a key for messages and shows its control bytes.
func printable(k string) string {
	if len(k) > 80 {
		k = k[:80] + "…"
	}
	return strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", `\0`), "?")
}
