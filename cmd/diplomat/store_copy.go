package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/store/postgres"
)

// storeCopyOptions are the flags of diplomat store copy.
type storeCopyOptions struct {
	from, to string
}

func (o *storeCopyOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.from, "from", "", "the store to copy: a store `FILE` or a postgres:// URL")
	f.StringVar(&o.to, "to", "", "the new store: a `FILE` that does not exist yet, or an empty PostgreSQL database")
}

func newStoreCopyCommand(a *app) *cobra.Command {
	o := &storeCopyOptions{}
	c := &cobra.Command{
		Use:   "copy --from STORE --to STORE",
		Short: "Copy a whole store between a file and PostgreSQL, and check the copy",
		Long: "Copy every record of a store (keys, sealed as they are, trust registry and snapshots, register,\n" +
			"status lists, tokens, audit log, batches, short-lived state) into a new store file or an empty\n" +
			"PostgreSQL database (its schema is created when missing), then read both again and compare them\n" +
			"bucket by bucket. The copy opens with the same passphrase. A database is copied as it was at\n" +
			"one moment, even in use (what nodes change after it is not in the copy); a store file in use\n" +
			"by a service cannot be opened: stop the service, or copy its backup (docs/deploy.md).",
		Example: `  diplomat store copy --from diplomat-data/diplomat.db --to postgres://diplomat@db.internal/diplomat
  diplomat store copy --from postgres://diplomat@db.internal/diplomat --to backup-2026-06-01.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), a) },
	}
	o.AddFlags(c)
	return c
}

func (o *storeCopyOptions) run(ctx context.Context, a *app) error {
	if o.from == "" || o.to == "" {
		return usagef("give both --from and --to (a store file or a postgres:// URL)")
	}
	if o.from == o.to {
		return usagef("--from and --to name the same store")
	}
	from, err := copyEnd(ctx, a, o.from, false)
	if err != nil {
		return err
	}
	to, err := copyEnd(ctx, a, o.to, true)
	if err != nil {
		return err
	}
	rep, err := postgres.Copy(ctx, from, to)
	if err != nil {
		if !postgres.IsURL(o.to) {
			// A file that is not a verified copy is not left to be taken
			// for one.
			a.onClose(func() error { return os.Remove(o.to) })
		}
		return err
	}
	if a.json {
		return a.printJSON(map[string]any{"from": from.Location(), "to": to.Location(), "verified": true, "records": rep.Records(), "buckets": rep.Buckets})
	}
	rows := [][]string{{"BUCKET", "RECORDS"}}
	for _, b := range rep.Buckets {
		rows = append(rows, []string{b.Bucket, fmt.Sprint(b.Records)})
	}
	if err := a.table(rows); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "copied %d records from %s to %s, and checked the copy: every bucket is the same\n", rep.Records(), from.Location(), to.Location())
	return nil
}

// copyEnd opens one end of a copy: a database (migrated when it is the
// destination), or a store file (which the destination must not be yet).
func copyEnd(ctx context.Context, a *app, name string, dest bool) (postgres.Store, error) {
	if postgres.IsURL(name) {
		if dest {
			if _, _, err := postgres.Migrate(ctx, name, nil); err != nil {
				return nil, err
			}
		}
		db, err := postgres.Open(ctx, name, nil)
		if err != nil {
			if errors.Is(err, postgres.ErrNoSchema) {
				return nil, fmt.Errorf("%s holds no store: %w", postgres.Location(name), err)
			}
			return nil, err
		}
		a.onClose(db.Close)
		return db, nil
	}
	_, err := os.Stat(name)
	switch {
	case dest && err == nil:
		return nil, usagef(fmt.Sprintf("--to %s exists: copy into a new file", name))
	case !dest && errors.Is(err, fs.ErrNotExist):
		return nil, usagef(fmt.Sprintf("--from %s: no such store file", name))
	}
	s, err := keys.Open(name, &keys.Options{KDF: a.kdf})
	if err != nil {
		return nil, err
	}
	a.onClose(s.Close)
	return postgres.FileStore(s), nil
}
