package postgres

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/diplomat-edu/diplomat/keys"
)

// keysTables maps the tables of package keys to theirs here.
var keysTables = map[keys.Table]string{
	keys.TableMeta:     "keys_meta",
	keys.TableKeys:     "keys_keys",
	keys.TableTrust:    "keys_trust",
	keys.TableContexts: "keys_contexts",
	keys.TableAudit:    "keys_audit",
	keys.TableTokens:   "keys_tokens",
}

// keysLock is the advisory lock every read-write transaction of package keys
// takes (but one that only appends to the audit log): keys.Backend's
// Updates run one after the other, across nodes, as in a store file.
const keysLock = 0x6469706c6b657973 // "diplkeys"

// View implements keys.Backend: a read-only transaction on one snapshot.
func (db *DB) View(ctx context.Context, fn func(keys.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return fn(&keysTx{ctx: ctx, tx: tx, locked: true})
	})
}

// Update implements keys.Backend. The transaction takes the keys lock at
// its first statement, except for appending to the audit log, which only
// locks the log's sequence: a node recording a revocation in the log does
// not wait for another creating a key.
func (db *DB) Update(ctx context.Context, fn func(keys.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		t := &keysTx{ctx: ctx, tx: tx, write: true}
		if err := fn(t); err != nil {
			return err
		}
		if t.changed {
			return bumpGeneration(ctx, tx)
		}
		return nil
	})
}

// keysTx is a keys.Tx over a PostgreSQL transaction.
type keysTx struct {
	ctx     context.Context
	tx      pgx.Tx
	write   bool
	locked  bool // holds the keys lock (or needs none: read-only)
	changed bool // wrote what other nodes cache
}

func table(t keys.Table) (string, error) {
	if n, ok := keysTables[t]; ok {
		return n, nil
	}
	return "", fmt.Errorf("keys table %q: no such table in the database", t)
}

// lock takes the keys lock before the first statement that needs it.
func (t *keysTx) lock(tb keys.Table) error {
	if t.locked || tb == keys.TableAudit {
		return nil
	}
	if _, err := t.tx.Exec(t.ctx, "SELECT pg_advisory_xact_lock($1)", int64(keysLock)); err != nil {
		return err
	}
	t.locked = true
	return nil
}

func (t *keysTx) Get(tb keys.Table, key []byte) ([]byte, error) {
	n, err := table(tb)
	if err != nil {
		return nil, err
	}
	if err := t.lock(tb); err != nil {
		return nil, err
	}
	var v []byte
	err = t.tx.QueryRow(t.ctx, "SELECT v FROM "+n+" WHERE k = $1", key).Scan(&v)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	return v, err
}

func (t *keysTx) Put(tb keys.Table, key, value []byte) error {
	n, err := t.writable(tb)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(t.ctx, "INSERT INTO "+n+" (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", key, value)
	return err
}

func (t *keysTx) Delete(tb keys.Table, key []byte) error {
	n, err := t.writable(tb)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(t.ctx, "DELETE FROM "+n+" WHERE k = $1", key)
	return err
}

// writable checks a write is allowed, takes the lock and notes what other
// nodes must see.
func (t *keysTx) writable(tb keys.Table) (string, error) {
	n, err := table(tb)
	if err != nil {
		return "", err
	}
	if !t.write {
		return "", fmt.Errorf("keys table %s: a write in a read-only transaction", tb)
	}
	if err := t.lock(tb); err != nil {
		return "", err
	}
	switch tb {
	case keys.TableKeys, keys.TableTrust, keys.TableMeta, keys.TableContexts:
		t.changed = true
	}
	return n, nil
}

func (t *keysTx) ForEach(tb keys.Table, prefix []byte, fn func(key, value []byte) error) error {
	n, err := table(tb)
	if err != nil {
		return err
	}
	if err := t.lock(tb); err != nil {
		return err
	}
	q, args := "SELECT k, v FROM "+n+" ORDER BY k", []any(nil)
	if len(prefix) > 0 {
		if end := prefixEnd(prefix); end != nil {
			q, args = "SELECT k, v FROM "+n+" WHERE k >= $1 AND k < $2 ORDER BY k", []any{prefix, end}
		} else {
			q, args = "SELECT k, v FROM "+n+" WHERE k >= $1 ORDER BY k", []any{prefix}
		}
	}
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var k, v []byte
	for rows.Next() {
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if !bytes.HasPrefix(k, prefix) {
			continue
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// prefixEnd returns the smallest key greater than every key starting with
// prefix, or nil when there is none (a prefix of 0xff bytes).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (t *keysTx) Count(tb keys.Table) (int, error) {
	n, err := table(tb)
	if err != nil {
		return 0, err
	}
	if err := t.lock(tb); err != nil {
		return 0, err
	}
	var c int
	err = t.tx.QueryRow(t.ctx, "SELECT count(*) FROM "+n).Scan(&c)
	return c, err
}

// NextSequence implements keys.Tx: one row per table, locked until the
// transaction ends, so the numbers have no gaps.
func (t *keysTx) NextSequence(tb keys.Table) (uint64, error) {
	if _, err := t.writable(tb); err != nil {
		return 0, err
	}
	var n int64
	err := t.tx.QueryRow(t.ctx, `INSERT INTO keys_sequences (t, n) VALUES ($1, 1)
		ON CONFLICT (t) DO UPDATE SET n = keys_sequences.n + 1 RETURNING n`, string(tb)).Scan(&n)
	return uint64(n), err
}
