package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/diplomat-edu/diplomat/keys"
)

// Options configure Open and Migrate. A nil *Options means the zero value,
// whose every field has the meaning its comment gives.
type Options struct {
	// MaxConns is the largest number of connections the pool opens. Zero
	// means 10 (or pool_max_conns in the URL).
	MaxConns int32
	// MinConns is the number of connections kept open when idle. Zero:
	// none (or pool_min_conns in the URL).
	MinConns int32
	// MaxConnLifetime and MaxConnIdleTime bound a connection's life and
	// idleness. Zero: one hour and thirty minutes.
	MaxConnLifetime time.Duration
	MaxConnIdleTime time.Duration
	// ConnectTimeout bounds connecting to the database. Zero: 10 seconds.
	ConnectTimeout time.Duration
	// StatementTimeout bounds every statement on the server side. Zero: 30
	// seconds.
	StatementTimeout time.Duration
	// TLS sets the connection's TLS, overriding the URL's sslmode,
	// sslrootcert, sslcert and sslkey.
	TLS TLSOptions
}

// TLSOptions configure TLS to the database, as libpq's parameters do.
type TLSOptions struct {
	// Mode is disable, allow, prefer, require, verify-ca or verify-full.
	// Empty: the URL's sslmode, else PGSSLMODE, else prefer for a database
	// on a loopback address or a Unix socket and verify-full for any
	// other host: a remote database is never reached in the clear, nor
	// through an unverified certificate, unless the operator says so.
	Mode string
	// CA is a PEM file of the certificates that sign the server's
	// (sslrootcert); empty: the system's roots.
	CA string
	// Cert and Key are a client certificate and its key (PEM files), for
	// servers that authenticate clients by certificate.
	Cert, Key string
}

// DB is a store in PostgreSQL: a pool of connections to its database. It
// implements keys.Backend; close it through the keys.Store that owns it, or
// with Close.
type DB struct {
	pool     *pgxpool.Pool
	location string
}

var _ keys.Backend = (*DB)(nil)

// Errors of Open, for errors.Is.
var (
	// ErrNoSchema: the database holds no Diplomat schema yet (run
	// Migrate: diplomat store migrate).
	ErrNoSchema = errors.New("the database has no Diplomat schema")
	// ErrOlderSchema: the database's schema is older than this build's
	// (run Migrate).
	ErrOlderSchema = errors.New("the database's schema is older than this diplomat's")
)

// SchemaError is returned by Open for a database migrated by a newer
// Diplomat than this one. It matches keys.ErrNewerSchema.
type SchemaError struct {
	Location       string
	Found, Newest  int
	AppliedByBuild string // the version of diplomat that applied it, when recorded
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("the database %s was migrated by a newer diplomat (schema %d, this diplomat knows up to %d): upgrade diplomat on this node", e.Location, e.Found, e.Newest)
}

// Is reports whether target is keys.ErrNewerSchema.
func (e *SchemaError) Is(target error) bool { return target == keys.ErrNewerSchema }

// IsURL reports whether s names a PostgreSQL database (postgres:// or
// postgresql://) rather than a store file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at rawURL (postgres://user@host/db?…; the
// password is better given in PGPASSWORD or ~/.pgpass than in the URL) and
// checks its schema: a database with no schema, or an older one, fails with
// an error wrapping ErrNoSchema or ErrOlderSchema (run Migrate), one with a
// newer schema with a *SchemaError. The DB does not hold a store's keys yet
// until keys.New creates them.
func Open(ctx context.Context, rawURL string, opts *Options) (*DB, error) {
	db, err := connect(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	v, err := db.schemaVersion(ctx)
	if err == nil {
		switch n := latest(); {
		case v == 0:
			err = fmt.Errorf("%s: %w: run 'diplomat store migrate' with this database first", db.location, ErrNoSchema)
		case v > n:
			err = &SchemaError{Location: db.location, Found: v, Newest: n}
		case v < n:
			err = fmt.Errorf("%s: schema %d, this diplomat's is %d: %w: run 'diplomat store migrate'", db.location, v, n, ErrOlderSchema)
		}
	}
	if err != nil {
		db.pool.Close()
		return nil, err
	}
	return db, nil
}

// connect makes the pool and checks that the database answers.
func connect(ctx context.Context, rawURL string, opts *Options) (*DB, error) {
	cfg, err := poolConfig(rawURL, opts)
	if err != nil {
		return nil, err
	}
	loc := location(rawURL)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v", loc, err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store %s: cannot connect: %v", loc, connError(err))
	}
	return &DB{pool: pool, location: loc}, nil
}

// poolConfig reads the URL and the options into the pool's configuration.
func poolConfig(rawURL string, opts *Options) (*pgxpool.Config, error) {
	if opts == nil {
		opts = &Options{}
	}
	u, err := url.Parse(rawURL)
	if err != nil || !IsURL(rawURL) {
		return nil, fmt.Errorf("store %q is not a postgres:// URL", location(rawURL))
	}
	loc := location(rawURL)
	q := u.Query()
	tlsParam := func(name, v string) {
		if v != "" {
			q.Set(name, v)
		}
	}
	tlsParam("sslmode", opts.TLS.Mode)
	tlsParam("sslrootcert", opts.TLS.CA)
	tlsParam("sslcert", opts.TLS.Cert)
	tlsParam("sslkey", opts.TLS.Key)
	if q.Get("sslmode") == "" && os.Getenv("PGSSLMODE") == "" && !localHost(u) {
		q.Set("sslmode", "verify-full")
	}
	u.RawQuery = q.Encode()
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		// pgx's message may quote the URL; say what is wrong without it.
		return nil, fmt.Errorf("store %s: the URL does not parse as a PostgreSQL connection string: %v", loc, errors.Unwrap(err))
	}
	if !strings.Contains(rawURL, "pool_max_conns") {
		cfg.MaxConns = 10
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.MinConns > 0 {
		cfg.MinConns = opts.MinConns
	}
	if opts.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = opts.MaxConnLifetime
	}
	if opts.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = opts.MaxConnIdleTime
	}
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	st := 30 * time.Second
	if opts.StatementTimeout > 0 {
		st = opts.StatementTimeout
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["statement_timeout"] = strconv.FormatInt(st.Milliseconds(), 10)
	// A node that dies in the middle of a transaction (its machine gone,
	// no TCP reset) must not hold the rows it locked for ever.
	rp["idle_in_transaction_session_timeout"] = "60000"
	rp["application_name"] = "diplomat"
	return cfg, nil
}

// connError shortens pgx's connection errors, which name the host and
// port already given, to their cause.
func connError(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		if u := errors.Unwrap(ce); u != nil {
			return u
		}
	}
	return err
}

// localHost reports whether u names a database on this machine: a loopback
// address, localhost, or a Unix socket (no host, or a path).
func localHost(u *url.URL) bool {
	h := u.Hostname()
	if h == "" || strings.HasPrefix(h, "/") || h == "localhost" {
		return u.Query().Get("host") == "" || strings.HasPrefix(u.Query().Get("host"), "/")
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// location is Location.
func location(rawURL string) string { return Location(rawURL) }

// Location returns rawURL without its password or query, for messages.
func Location(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	u.RawQuery, u.Fragment = "", ""
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// Location is the database's URL without its password (keys.Backend).
func (db *DB) Location() string { return db.location }

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping returns nil when the database answers within ctx (server.Pinger).
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Size returns the size of the database in bytes (keys.Store.Info).
func (db *DB) Size(ctx context.Context) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
	return n, err
}

// Generation returns the count of changes every node's caches depend on
// (server.Generations).
func (db *DB) Generation(ctx context.Context) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, "SELECT n FROM diplomat_generation WHERE id = 1").Scan(&n)
	return n, err
}

// bumpGeneration counts a change other nodes must see, inside tx.
func bumpGeneration(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "UPDATE diplomat_generation SET n = n + 1 WHERE id = 1")
	return err
}

// inTx runs fn in a read-write transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// querier runs queries: the pool, or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// eachKV runs sql, whose rows are a text and a bytea, and calls fn with
// each row; an error from fn stops it and is returned. The bytes are fn's.
func eachKV(ctx context.Context, q querier, fn func(k string, v []byte) error, sql string, args ...any) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// isUnique reports whether err is a unique violation of constraint (any
// constraint when it is empty).
func isUnique(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}
