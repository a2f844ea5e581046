package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/pgtest"
	"github.com/diplomat-edu/diplomat/internal/storetest"
	"github.com/diplomat-edu/diplomat/keys"
)

// cluster is this package's PostgreSQL, one for all its tests.
var cluster *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &cluster, nil)) }

// newDB returns the URL of a fresh, migrated database.
func newDB(t testing.TB) string {
	t.Helper()
	u := cluster.NewDB(t)
	if _, _, err := Migrate(context.Background(), u, nil); err != nil {
		t.Fatal(err)
	}
	return u
}

// openStore opens the store in the database at u, as one node does.
func openStore(t testing.TB, u string) *keys.Store {
	t.Helper()
	db, err := Open(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := keys.New(db, &keys.Options{KDF: storetest.CheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPostgresStore runs the behaviours every backend has against
// PostgreSQL: the same table as the store file's (internal/storetest).
func TestPostgresStore(t *testing.T) {
	pgtest.Require(t, cluster)
	storetest.Run(t, storetest.Backend{Name: "postgres", New: func(t *testing.T) (*keys.Store, func(t *testing.T) *keys.Store) {
		u := newDB(t)
		return openStore(t, u), func(t *testing.T) *keys.Store { return openStore(t, u) }
	}})
}
