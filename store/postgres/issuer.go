package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
)

// IssuerStorage returns the issuer's Storage in the database
// (issuer.StorageProvider).
func (db *DB) IssuerStorage() issuer.Storage { return issuerStorage{db} }

type issuerStorage struct{ db *DB }

var _ issuer.Storage = issuerStorage{}

func (s issuerStorage) Config(ctx context.Context) (config, salt []byte, err error) {
	err = eachKV(ctx, s.db.pool, func(k string, v []byte) error {
		if k == "config" {
			config = v
		} else {
			salt = v
		}
		return nil
	}, "SELECT k, v FROM issuer_config WHERE k IN ('config', 'salt')")
	if err != nil {
		return nil, nil, err
	}
	if config == nil {
		return nil, nil, issuer.ErrNotConfigured
	}
	return config, salt, nil
}

func (s issuerStorage) SaveConfig(ctx context.Context, config []byte) error {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		// The first node to save creates the salt; it never changes.
		if _, err := tx.Exec(ctx, "INSERT INTO issuer_config (k, v) VALUES ('salt', $1) ON CONFLICT (k) DO NOTHING", salt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO issuer_config (k, v) VALUES ('config', $1) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", config); err != nil {
			return err
		}
		return bumpGeneration(ctx, tx)
	})
}

// reserveTries bounds how often Reserve starts again after losing a race for
// an idempotency key to another node.
const reserveTries = 5

func (s issuerStorage) Reserve(ctx context.Context, owner issuer.ListOwner, rs []*issuer.Reservation, now time.Time) error {
	orig := make([]issuer.Reservation, len(rs))
	for k, r := range rs {
		orig[k] = *r
	}
	var err error
	for try := 0; try < reserveTries; try++ {
		for k, r := range rs {
			*r = orig[k]
		}
		err = s.db.inTx(ctx, func(tx pgx.Tx) error { return reserve(ctx, tx, owner, rs, now) })
		// Another node recorded one of the keys since this one looked:
		// look again, and take its credential.
		if !isUnique(err, "issuer_idempotency_pkey") {
			return err
		}
	}
	return fmt.Errorf("recording %d credentials: the idempotency keys kept changing under %d tries: %w", len(rs), reserveTries, err)
}

func reserve(ctx context.Context, tx pgx.Tx, owner issuer.ListOwner, rs []*issuer.Reservation, now time.Time) error {
	ks := make([]string, len(rs))
	for k, r := range rs {
		ks[k] = r.Key
	}
	known := map[string]*issuer.Entry{}
	err := eachKV(ctx, tx, func(k string, v []byte) error {
		e, err := decodeEntry(k, v)
		known[k] = e
		return err
	}, `SELECT i.key, r.entry FROM issuer_idempotency i JOIN issuer_register r ON r.id = i.credential_id WHERE i.key = ANY($1)`, ks)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if e := known[r.Key]; e != nil {
			r.Entry, r.Existing = *e, true
		}
	}
	if err := issuer.Allocate(&pgLists{ctx: ctx, tx: tx}, owner, rs, now); err != nil {
		return err
	}
	var (
		ids, templates, profiles, states, subjects, lists, idemKeys []string
		issued                                                      []time.Time
		indexes                                                     []int32
		entries                                                     [][]byte
	)
	for _, r := range rs {
		if r.Existing {
			continue
		}
		e := &r.Entry
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		ids, issued, templates, profiles = append(ids, e.ID), append(issued, e.Issued), append(templates, e.Template), append(profiles, e.Profile)
		states, subjects, lists = append(states, e.State), append(subjects, e.SubjectHash), append(lists, e.StatusList)
		indexes, entries, idemKeys = append(indexes, int32(e.StatusIndex)), append(entries, data), append(idemKeys, r.Key)
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO issuer_register (id, issued, template, profile, state, subject_hash, status_list, status_index, entry)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::bytea[])`,
		ids, issued, templates, profiles, states, subjects, lists, indexes, entries); err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, "INSERT INTO issuer_idempotency (key, credential_id) SELECT * FROM unnest($1::text[], $2::text[])", idemKeys, ids); err != nil {
		return err
	}
	// The audit records of the new entries, in the same transaction: the
	// log's sequence row is locked until it ends, as the keys' are.
	kt := &keysTx{ctx: ctx, tx: tx, write: true}
	for _, r := range rs {
		if a := r.Audit; a != nil && !r.Existing {
			if err := keys.AppendAudit(kt, now, a.Op, r.Entry.ID, a.Actor, a.Detail); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeEntry(id string, v []byte) (*issuer.Entry, error) {
	var e issuer.Entry
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, fmt.Errorf("register entry %s: %v: %w", id, err, keys.ErrCorrupt)
	}
	return &e, nil
}

// pgLists are the issuer.Lists of a transaction: the open list's head row
// is locked (FOR UPDATE) until the transaction ends, so nodes allocating
// from one list take turns, and the one that finds it full opens the next
// while the others wait.
type pgLists struct {
	ctx context.Context
	tx  pgx.Tx
}

func (l *pgLists) Open(o issuer.ListOwner) (*issuer.OpenList, error) {
	const head = "SELECT list_id FROM issuer_list_heads WHERE profile = $1 AND key_id = $2 AND issuer = $3 FOR UPDATE"
	var id *string
	err := l.tx.QueryRow(l.ctx, head, o.Profile, o.KeyID, o.Issuer).Scan(&id)
	if err == pgx.ErrNoRows {
		// The owner's first list: make its head row to lock (a node
		// racing here waits for this one's insert to commit or roll back).
		if _, err := l.tx.Exec(l.ctx, `INSERT INTO issuer_list_heads (profile, key_id, issuer) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, o.Profile, o.KeyID, o.Issuer); err != nil {
			return nil, err
		}
		err = l.tx.QueryRow(l.ctx, head, o.Profile, o.KeyID, o.Issuer).Scan(&id)
	}
	if err != nil || id == nil {
		return nil, err
	}
	var rec, alloc []byte
	if err := l.tx.QueryRow(l.ctx, "SELECT record, alloc FROM issuer_lists WHERE id = $1", *id).Scan(&rec, &alloc); err != nil {
		return nil, fmt.Errorf("status list %s: %v", *id, err)
	}
	var m issuer.ListRecord
	if err := json.Unmarshal(rec, &m); err != nil {
		return nil, fmt.Errorf("status list %s: %v: %w", *id, err, keys.ErrCorrupt)
	}
	bits, err := issuer.DecodeBits(*id+"/alloc", alloc)
	if err != nil {
		return nil, err
	}
	return &issuer.OpenList{Record: m, Alloc: bits}, nil
}

func (l *pgLists) Next(o issuer.ListOwner, now time.Time) (*issuer.OpenList, error) {
	var n uint64
	if err := l.tx.QueryRow(l.ctx, `INSERT INTO issuer_list_counters (profile, next) VALUES ($1, 2)
		ON CONFLICT (profile) DO UPDATE SET next = issuer_list_counters.next + 1 RETURNING next - 1`, o.Profile).Scan(&n); err != nil {
		return nil, err
	}
	ol, err := issuer.NewOpenList(o, n, now)
	if err != nil {
		return nil, err
	}
	if err := l.Save(ol); err != nil {
		return nil, err
	}
	if _, err = l.tx.Exec(l.ctx, "UPDATE issuer_list_heads SET list_id = $4 WHERE profile = $1 AND key_id = $2 AND issuer = $3",
		o.Profile, o.KeyID, o.Issuer, ol.Record.ID); err != nil {
		return nil, err
	}
	// Other nodes forget that this list's URL had no list.
	return ol, bumpGeneration(l.ctx, l.tx)
}

func (l *pgLists) Save(ol *issuer.OpenList) error {
	rec, err := json.Marshal(ol.Record)
	if err != nil {
		return err
	}
	alloc, err := issuer.EncodeBits(ol.Alloc)
	if err != nil {
		return err
	}
	_, err = l.tx.Exec(l.ctx, `INSERT INTO issuer_lists (id, record, alloc) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, alloc = EXCLUDED.alloc`, ol.Record.ID, rec, alloc)
	return err
}

func (s issuerStorage) Registered(ctx context.Context, key string) (*issuer.Entry, error) {
	var id string
	var v []byte
	err := s.db.pool.QueryRow(ctx, `SELECT r.id, r.entry FROM issuer_idempotency i JOIN issuer_register r ON r.id = i.credential_id
		WHERE i.key = $1`, key).Scan(&id, &v)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeEntry(id, v)
}

func (s issuerStorage) Entry(ctx context.Context, id string) (*issuer.Entry, error) {
	var v []byte
	err := s.db.pool.QueryRow(ctx, "SELECT entry FROM issuer_register WHERE id = $1", id).Scan(&v)
	if err == pgx.ErrNoRows {
		return nil, fmt.Errorf("%w: %s", issuer.ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	return decodeEntry(id, v)
}

func (s issuerStorage) Entries(ctx context.Context, q issuer.Query) ([]issuer.Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	for _, f := range []struct {
		col, v string
	}{{"template", q.Template}, {"profile", q.Profile}, {"state", q.State}, {"subject_hash", q.SubjectHash}} {
		if f.v != "" {
			add(f.col+" = $%d", f.v)
		}
	}
	// The column holds microseconds; Match below decides to the
	// nanosecond, so the bounds here are a microsecond wider.
	if !q.From.IsZero() {
		add("issued >= $%d", q.From.Add(-time.Microsecond))
	}
	if !q.To.IsZero() {
		add("issued < $%d", q.To.Add(time.Microsecond))
	}
	sql := "SELECT id, entry FROM issuer_register"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	var out []issuer.Entry
	err := eachKV(ctx, s.db.pool, func(id string, v []byte) error {
		e, err := decodeEntry(id, v)
		// The columns hold what the entry says; the entry decides (and
		// Issued to the nanosecond, which timestamptz rounds).
		if err == nil && q.Match(e) {
			out = append(out, *e)
		}
		return err
	}, sql, args...)
	return out, err
}

// emptyBits is an all-clear bitmap, encoded: the revocation or suspension
// bitmap of a list before its first change.
func emptyBits() ([]byte, error) {
	b, err := status.New(issuer.ListSize)
	if err != nil {
		return nil, err
	}
	return issuer.EncodeBits(b)
}

func (s issuerStorage) ChangeEntry(ctx context.Context, id string, fn func(e *issuer.Entry) (issuer.StatusBit, error)) (*issuer.Entry, error) {
	var out *issuer.Entry
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var v []byte
		err := tx.QueryRow(ctx, "SELECT entry FROM issuer_register WHERE id = $1 FOR UPDATE", id).Scan(&v)
		if err == pgx.ErrNoRows {
			return fmt.Errorf("%w: %s", issuer.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		e, err := decodeEntry(id, v)
		if err != nil {
			return err
		}
		bit, err := fn(e)
		if err != nil {
			return err
		}
		// Lock the bitmap's row, making it first if the list has none
		// yet (a node racing here waits, then finds this one's).
		empty, err := emptyBits()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO issuer_bits (list_id, purpose, bits) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			e.StatusList, bit.Purpose, empty); err != nil {
			return err
		}
		var enc []byte
		if err := tx.QueryRow(ctx, "SELECT bits FROM issuer_bits WHERE list_id = $1 AND purpose = $2 FOR UPDATE", e.StatusList, bit.Purpose).Scan(&enc); err != nil {
			return err
		}
		bm, err := issuer.DecodeBits(e.StatusList+"/"+bit.Purpose, enc)
		if err != nil {
			return err
		}
		if err := bm.Set(e.StatusIndex, bit.Set); err != nil {
			return fmt.Errorf("status list %s: %w", e.StatusList, err)
		}
		if enc, err = issuer.EncodeBits(bm); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE issuer_bits SET bits = $3 WHERE list_id = $1 AND purpose = $2", e.StatusList, bit.Purpose, enc); err != nil {
			return err
		}
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE issuer_register SET entry = $2, state = $3 WHERE id = $1", id, data, e.State); err != nil {
			return err
		}
		out = e
		// Every node serves the change within its status.sync.
		return bumpGeneration(ctx, tx)
	})
	return out, err
}

func (s issuerStorage) StatusLists(ctx context.Context, ids ...string) ([]issuer.StoredList, error) {
	if ids == nil {
		ids = []string{}
	}
	rows, err := s.db.pool.Query(ctx, `SELECT l.id, l.record, r.bits, u.bits FROM issuer_lists l
		LEFT JOIN issuer_bits r ON r.list_id = l.id AND r.purpose = 'revocation'
		LEFT JOIN issuer_bits u ON u.list_id = l.id AND u.purpose = 'suspension'
		WHERE cardinality($1::text[]) = 0 OR l.id = ANY($1)
		ORDER BY l.id COLLATE "C"`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []issuer.StoredList
	for rows.Next() {
		var id string
		var rec, rev, sus []byte
		if err := rows.Scan(&id, &rec, &rev, &sus); err != nil {
			return nil, err
		}
		var sl issuer.StoredList
		if err := json.Unmarshal(rec, &sl.Record); err != nil {
			return nil, fmt.Errorf("a status list record in the store is damaged (%v): restore a backup: %w", err, keys.ErrCorrupt)
		}
		if sl.Revocation, err = issuer.DecodeBits(id+"/"+issuer.PurposeRevocation, rev); err != nil {
			return nil, err
		}
		if sl.Suspension, err = issuer.DecodeBits(id+"/"+issuer.PurposeSuspension, sus); err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	return out, rows.Err()
}

func (s issuerStorage) Keep(ctx context.Context, creds []issuer.Kept) error {
	// One row per id, the last given winning, as a store file keeps them.
	last := map[string]int{}
	var ids []string
	var data [][]byte
	for _, c := range creds {
		if k, ok := last[c.ID]; ok {
			data[k] = c.Credential
			continue
		}
		last[c.ID] = len(ids)
		ids, data = append(ids, c.ID), append(data, c.Credential)
	}
	_, err := s.db.pool.Exec(ctx, `INSERT INTO issuer_credentials (id, credential) SELECT * FROM unnest($1::text[], $2::bytea[])
		ON CONFLICT (id) DO UPDATE SET credential = EXCLUDED.credential`, ids, data)
	return err
}

func (s issuerStorage) Credential(ctx context.Context, id string) ([]byte, error) {
	var v []byte
	err := s.db.pool.QueryRow(ctx, "SELECT credential FROM issuer_credentials WHERE id = $1", id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && len(v) == 0) {
		return nil, fmt.Errorf("%w: no stored copy of %s (the store keeps only register entries unless keepCredentials is set)", issuer.ErrNotFound, id)
	}
	return v, err
}
