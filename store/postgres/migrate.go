package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles are the schema's versions: migrations/NNNN_name.sql, each
// applied once, in order, in a transaction of its own.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Their numbers start
// at 1 and have no gaps (a test checks it).
func migrations() []migration {
	ents, _ := fs.ReadDir(migrationFiles, "migrations")
	var out []migration
	for _, e := range ents {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			continue
		}
		b, _ := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// SchemaVersion returns the newest schema version this build knows.
func SchemaVersion() int { return latest() }

func latest() int {
	m := migrations()
	if len(m) == 0 {
		return 0
	}
	return m[len(m)-1].version
}

// migrationLock is the advisory lock two Migrates of one database take in
// turn.
const migrationLock = 0x6469706c6d6967 // "diplmig"

// schemaTable records the versions applied.
const schemaTable = `CREATE TABLE IF NOT EXISTS diplomat_schema (
	version integer PRIMARY KEY,
	name    text NOT NULL,
	applied timestamptz NOT NULL DEFAULT now()
)`

// Migrate brings the database at rawURL to this build's schema, applying
// each missing migration in its own transaction, under a lock so that two
// nodes migrating at once apply each migration once. It returns the version
// found and the version now. A database with a newer schema is left as it
// is (a *SchemaError). Migrations only add: a node of the previous version
// keeps running on the migrated schema until it is upgraded.
func Migrate(ctx context.Context, rawURL string, opts *Options) (from, to int, err error) {
	db, err := connect(ctx, rawURL, opts)
	if err != nil {
		return 0, 0, err
	}
	defer db.pool.Close()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return 0, 0, fmt.Errorf("store %s: waiting for another migration: %v", db.location, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck
	if _, err := conn.Exec(ctx, schemaTable); err != nil {
		return 0, 0, fmt.Errorf("store %s: creating the schema table: %v", db.location, err)
	}
	from, err = db.schemaVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	if n := latest(); from > n {
		return from, from, &SchemaError{Location: db.location, Found: from, Newest: n}
	}
	to = from
	for _, m := range migrations() {
		if m.version <= from {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO diplomat_schema (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			return from, to, fmt.Errorf("store %s: migration %04d (%s): %v", db.location, m.version, m.name, err)
		}
		to = m.version
	}
	return from, to, nil
}

// schemaVersion returns the newest version applied, 0 when none is.
func (db *DB) schemaVersion(ctx context.Context) (int, error) {
	var exists bool
	if err := db.pool.QueryRow(ctx, "SELECT to_regclass('diplomat_schema') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("store %s: reading the schema version: %v", db.location, err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := db.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM diplomat_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("store %s: reading the schema version: %v", db.location, err)
	}
	return v, nil
}
