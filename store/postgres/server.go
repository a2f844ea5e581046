package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// ServerRecords returns the server's short-lived records in the database
// (server.StorageProvider): OpenID4VC codes and nonces, replay records,
// console sessions, batch leases. now is the clock of their expiry (nil:
// time.Now); every node's clock counts, so keep them in step (NTP).
func (db *DB) ServerRecords(now func() time.Time) openid4vc.Records {
	if now == nil {
		now = time.Now
	}
	return &records{db: db, now: now}
}

// ServerBatches returns the server's batches in the database
// (server.StorageProvider).
func (db *DB) ServerBatches() server.BatchStore { return batches{db} }

// SnapshotStorage returns the trust snapshots in the database
// (snapshot.StorageProvider).
func (db *DB) SnapshotStorage() snapshot.Storage { return snapshots{db} }

// records implements openid4vc.Records in the table server_records: Create
// is one INSERT that takes the place of an expired record only, Update
// locks the row (FOR UPDATE) for its read-modify-write, so a single-use
// code or nonce is taken by one request however many nodes race for it.
type records struct {
	db  *DB
	now func() time.Time
}

var (
	_ openid4vc.Records = (*records)(nil)
	_ server.BatchStore = batches{}
)

func checkRecordKey(kind, key string) error {
	if strings.ContainsRune(kind, 0) || strings.ContainsRune(key, 0) {
		return fmt.Errorf("%s record: a kind or key with a NUL byte", kind)
	}
	return nil
}

// Create implements openid4vc.Records.
func (r *records) Create(ctx context.Context, kind, key string, rec openid4vc.Record) error {
	if err := checkRecordKey(kind, key); err != nil {
		return err
	}
	tag, err := r.db.pool.Exec(ctx, `INSERT INTO server_records (kind, key, expires, value) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, key) DO UPDATE SET expires = EXCLUDED.expires, value = EXCLUDED.value
		WHERE server_records.expires <= $5`, kind, key, rec.Expires.UnixNano(), nonNil(rec.Value), r.now().UnixNano())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s record: %w", kind, openid4vc.ErrExists)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Get implements openid4vc.Records.
func (r *records) Get(ctx context.Context, kind, key string) (openid4vc.Record, error) {
	var exp int64
	var v []byte
	err := r.db.pool.QueryRow(ctx, "SELECT expires, value FROM server_records WHERE kind = $1 AND key = $2 AND expires > $3",
		kind, key, r.now().UnixNano()).Scan(&exp, &v)
	if errors.Is(err, pgx.ErrNoRows) {
		return openid4vc.Record{}, fmt.Errorf("%s record: %w", kind, openid4vc.ErrNotFound)
	}
	if err != nil {
		return openid4vc.Record{}, err
	}
	return openid4vc.Record{Value: v, Expires: time.Unix(0, exp)}, nil
}

// Update implements openid4vc.Records with the row locked until it commits.
func (r *records) Update(ctx context.Context, kind, key string, fn func(rec openid4vc.Record) (*openid4vc.Record, error)) error {
	var fnErr error
	err := r.db.inTx(ctx, func(tx pgx.Tx) error {
		var exp int64
		var v []byte
		err := tx.QueryRow(ctx, "SELECT expires, value FROM server_records WHERE kind = $1 AND key = $2 AND expires > $3 FOR UPDATE",
			kind, key, r.now().UnixNano()).Scan(&exp, &v)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s record: %w", kind, openid4vc.ErrNotFound)
		}
		if err != nil {
			return err
		}
		next, err := fn(openid4vc.Record{Value: v, Expires: time.Unix(0, exp)})
		if err != nil {
			fnErr = err
			return err
		}
		if next == nil {
			_, err = tx.Exec(ctx, "DELETE FROM server_records WHERE kind = $1 AND key = $2", kind, key)
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE server_records SET expires = $3, value = $4 WHERE kind = $1 AND key = $2",
			kind, key, next.Expires.UnixNano(), nonNil(next.Value))
		return err
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// Delete implements openid4vc.Records.
func (r *records) Delete(ctx context.Context, kind, key string) error {
	_, err := r.db.pool.Exec(ctx, "DELETE FROM server_records WHERE kind = $1 AND key = $2", kind, key)
	return err
}

// PurgeExpired removes every record expired at now (the server calls it
// every few minutes, on every node: one DELETE).
func (r *records) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	tag, err := r.db.pool.Exec(ctx, "DELETE FROM server_records WHERE expires <= $1", now.UnixNano())
	return int(tag.RowsAffected()), err
}

// batches implements server.BatchStore.
type batches struct{ db *DB }

func (b batches) CreateBatch(ctx context.Context, rec *server.BatchRecord, input []byte) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = b.db.pool.Exec(ctx, "INSERT INTO server_batches (id, record, input) VALUES ($1, $2, $3)", rec.ID, v, input)
	if isUnique(err, "") {
		return fmt.Errorf("batch %s: %w", rec.ID, keys.ErrExists)
	}
	return err
}

func (b batches) GetBatch(ctx context.Context, id string) (*server.BatchRecord, error) {
	var v []byte
	err := b.db.pool.QueryRow(ctx, "SELECT record FROM server_batches WHERE id = $1 AND record IS NOT NULL", id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", server.ErrBatchNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	rec := new(server.BatchRecord)
	if err := json.Unmarshal(v, rec); err != nil {
		return nil, fmt.Errorf("batch %s: %w", id, keys.ErrCorrupt)
	}
	return rec, nil
}

func (b batches) UpdateBatch(ctx context.Context, rec *server.BatchRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	tag, err := b.db.pool.Exec(ctx, "UPDATE server_batches SET record = $2 WHERE id = $1 AND record IS NOT NULL", rec.ID, v)
	if err == nil && tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", server.ErrBatchNotFound, rec.ID)
	}
	return err
}

func (b batches) ListBatches(ctx context.Context) ([]*server.BatchRecord, error) {
	var out []*server.BatchRecord
	err := eachKV(ctx, b.db.pool, func(id string, v []byte) error {
		rec := new(server.BatchRecord)
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("batch %s: %w", id, keys.ErrCorrupt)
		}
		out = append(out, rec)
		return nil
	}, `SELECT id, record FROM server_batches WHERE record IS NOT NULL ORDER BY id COLLATE "C"`)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, err
}

func (b batches) BatchInput(ctx context.Context, id string) ([]byte, error) {
	var v []byte
	err := b.db.pool.QueryRow(ctx, "SELECT input FROM server_batches WHERE id = $1", id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

func (b batches) DropBatchInput(ctx context.Context, id string) error {
	_, err := b.db.pool.Exec(ctx, "UPDATE server_batches SET input = NULL WHERE id = $1", id)
	return err
}

// credValue is a stored credential as a store file keeps it: its header
// JSON, a newline, the credential.
func credValue(c server.StoredCredential) ([]byte, error) {
	h, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return append(append(h, '\n'), c.Credential...), nil
}

func readCred(id string, v []byte) (*server.StoredCredential, error) {
	h, body, ok := bytes.Cut(v, []byte{'\n'})
	c := new(server.StoredCredential)
	if !ok || json.Unmarshal(h, c) != nil {
		return nil, fmt.Errorf("batch credential %s: %w", id, keys.ErrCorrupt)
	}
	c.Credential = body
	return c, nil
}

func (b batches) PutBatchCredentials(ctx context.Context, id string, creds []server.StoredCredential) error {
	last := map[string]int{}
	var ids []string
	var vals [][]byte
	for _, c := range creds {
		v, err := credValue(c)
		if err != nil {
			return err
		}
		if k, ok := last[c.ID]; ok {
			vals[k] = v
			continue
		}
		last[c.ID] = len(ids)
		ids, vals = append(ids, c.ID), append(vals, v)
	}
	_, err := b.db.pool.Exec(ctx, `INSERT INTO server_batch_credentials (batch_id, credential_id, value)
		SELECT $1, * FROM unnest($2::text[], $3::bytea[])
		ON CONFLICT (batch_id, credential_id) DO UPDATE SET value = EXCLUDED.value`, id, ids, vals)
	return err
}

func (b batches) BatchCredential(ctx context.Context, id, credID string) (*server.StoredCredential, bool, error) {
	var v []byte
	err := b.db.pool.QueryRow(ctx, "SELECT value FROM server_batch_credentials WHERE batch_id = $1 AND credential_id = $2", id, credID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	c, err := readCred(credID, v)
	return c, err == nil, err
}

func (b batches) EachBatchCredential(ctx context.Context, id string, fn func(*server.StoredCredential) error) error {
	return eachKV(ctx, b.db.pool, func(cid string, v []byte) error {
		c, err := readCred(cid, v)
		if err != nil {
			return err
		}
		return fn(c)
	}, "SELECT credential_id, value FROM server_batch_credentials WHERE batch_id = $1", id)
}

func (b batches) DeleteBatch(ctx context.Context, id string) error {
	return b.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM server_batch_credentials WHERE batch_id = $1", id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM server_batches WHERE id = $1", id)
		return err
	})
}

// snapshots implements snapshot.Storage.
type snapshots struct{ db *DB }

// snapshotLock serialises the writes of snapshots (rare: trust imports).
const snapshotLock = 0x6469706c736e6170 // "diplsnap"

func (s snapshots) Swap(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) error {
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(snapshotLock)); err != nil {
			return err
		}
		var old []byte
		err := tx.QueryRow(ctx, "SELECT v FROM snapshot_lists WHERE k = $1", key).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		v, err := fn(old)
		if err != nil || v == nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO snapshot_lists (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", key, v); err != nil {
			return err
		}
		return bumpGeneration(ctx, tx)
	})
}

func (s snapshots) Get(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.pool.QueryRow(ctx, "SELECT v FROM snapshot_lists WHERE k = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

func (s snapshots) Each(ctx context.Context, fn func(key string, v []byte) error) error {
	return eachKV(ctx, s.db.pool, fn, `SELECT k, v FROM snapshot_lists ORDER BY k COLLATE "C"`)
}
