package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/store/postgres"
)

// storeMigrateOptions are the flags of diplomat store migrate.
type storeMigrateOptions struct {
	config string
}

func (o *storeMigrateOptions) AddFlags(c *cobra.Command) {
	c.Flags().StringVar(&o.config, "config", "", "read the database (store, database) from the service's configuration `FILE`")
}

func newStoreMigrateCommand(a *app) *cobra.Command {
	o := &storeMigrateOptions{}
	c := &cobra.Command{
		Use:   "migrate [postgres://…]",
		Short: "Create or upgrade the schema of a PostgreSQL store",
		Long: "Apply the schema migrations this diplomat carries to the PostgreSQL database (the URL, else\n" +
			"the store of --config, else DIPLOMAT_STORE), each once, under a lock, so that running it from\n" +
			"several nodes at once is safe. Run it before the first start and after every upgrade of\n" +
			"diplomat: a node refuses a database whose schema is older or newer than its own (docs/deploy.md).",
		Example: `  diplomat store migrate postgres://diplomat@db.internal/diplomat
  diplomat store migrate --config /etc/diplomat/serve.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, opts, err := o.database(a, args)
			if err != nil {
				return err
			}
			from, to, err := postgres.Migrate(cmd.Context(), u, opts)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"store": postgres.Location(u), "from": from, "to": to})
			}
			if from == to {
				fmt.Fprintf(a.stdout, "%s is at schema %d already: nothing to do\n", postgres.Location(u), to)
				return nil
			}
			fmt.Fprintf(a.stdout, "migrated %s from schema %d to %d\n", postgres.Location(u), from, to)
			return nil
		},
	}
	o.AddFlags(c)
	return c
}

// database returns the URL and options the command works on.
func (o *storeMigrateOptions) database(a *app, args []string) (string, *postgres.Options, error) {
	var u string
	var opts *postgres.Options
	if o.config != "" {
		cfg, err := server.LoadConfig(o.config)
		if err != nil {
			return "", nil, usagef(err.Error())
		}
		u, opts = cfg.Store, databaseOptions(cfg.Database)
	}
	if len(args) == 1 {
		u = args[0]
	} else if u == "" {
		u = a.getenv("DIPLOMAT_STORE")
	}
	if u == "" {
		return "", nil, withHint(usagef("which database? give its postgres:// URL"), "or --config FILE, or DIPLOMAT_STORE; a store file needs no migration")
	}
	if !postgres.IsURL(u) {
		return "", nil, usagef(fmt.Sprintf("%q is not a postgres:// URL: a store file needs no migration", postgres.Location(u)))
	}
	return u, opts, nil
}
