package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

var cluster *Cluster

func TestMain(m *testing.M) { os.Exit(Main(m, &cluster, nil)) }

// TestEachTestGetsItsOwnEmptyDatabase: two databases of one cluster do not
// see each other's tables, and a dropped one is gone.
func TestEachTestGetsItsOwnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	a, b := cluster.NewDB(t), cluster.NewDB(t)
	if a == b {
		t.Fatal("two tests got one database")
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 't'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the second database sees %d tables named t (%v)", n, err)
	}
	ca.Close(ctx)
	if err := cluster.DropDB(ctx, a); err != nil {
		t.Fatal(err)
	}
	if c, err := pgx.Connect(ctx, a); err == nil {
		c.Close(ctx)
		t.Fatal("a dropped database still accepts connections")
	}
}
