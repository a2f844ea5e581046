package postgres

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/pgtest"
	"github.com/diplomat-edu/diplomat/internal/storetest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
)

// BenchmarkBatch10000PostgresVsBolt issues a class of 10,000 diplomas (w3c
// vc+jwt, Ed25519, on every core, 1,024 credentials per register
// transaction) into a PostgreSQL store and into a store file, in the same
// run, each fresh, and reports both rates and their ratio (the target:
// PostgreSQL at least 0.7 of bbolt). The database syncs its commits (fsync
// on), as bbolt syncs its file:
//
//	go test ./store/postgres -run '^$' -bench Batch -benchtime 1x
func BenchmarkBatch10000PostgresVsBolt(b *testing.B) {
	c, err := pgtest.Start(&pgtest.Options{Durable: true})
	if err != nil {
		pgtest.Require(b, nil)
		b.Fatal(err)
	}
	b.Cleanup(c.Stop)
	const rows = 10_000
	recs := storetest.Graduates(b, rows, 21)
	tm, err := templates.Builtin("diploma")
	if err != nil {
		b.Fatal(err)
	}
	run := func(s *keys.Store) time.Duration {
		b.Helper()
		if err := s.Unlock([]byte(storetest.Passphrase)); err != nil {
			b.Fatal(err)
		}
		storetest.Configure(b, s)
		iss, err := issuer.New(s, nil)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := iss.Batch(context.Background(), tm, recs, issuer.Profile{Name: issuer.W3C}, issuer.BatchOptions{Output: discard{}})
		if err != nil {
			b.Fatal(err)
		}
		if res.Issued != rows {
			b.Fatalf("issued %d", res.Issued)
		}
		return time.Since(start)
	}
	var pg, bolt time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		file := func() {
			fs, err := keys.Open(filepath.Join(b.TempDir(), "diplomat.db"), &keys.Options{KDF: storetest.CheapKDF})
			if err != nil {
				b.Fatal(err)
			}
			bolt += run(fs)
			fs.Close()
		}
		database := func() {
			u := c.NewDB(b)
			if _, _, err := Migrate(context.Background(), u, nil); err != nil {
				b.Fatal(err)
			}
			ps := openStore(b, u)
			pg += run(ps)
			ps.Close()
		}
		// In turns, so that neither always runs on a warmer machine.
		if i%2 == 0 {
			file()
			database()
		} else {
			database()
			file()
		}
	}
	b.StopTimer()
	pgRate := float64(rows*b.N) / pg.Seconds()
	boltRate := float64(rows*b.N) / bolt.Seconds()
	b.ReportMetric(pgRate, "creds/s-postgres")
	b.ReportMetric(boltRate, "creds/s-bbolt")
	b.ReportMetric(pgRate/boltRate, "postgres/bbolt")
}

// discard is an Output that keeps nothing: the benchmark measures issuance
// and the store, not writing files.
type discard struct{}

func (discard) Put(_ context.Context, _ int, c *issuer.Issued) (string, error) {
	return issuer.FileName(c.Entry.ID, c.Ext), nil
}

func (discard) Finish(*issuer.Manifest) error { return nil }
