package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/store/postgres"
)

// serveOptions are the flags of diplomat serve; each overrides the
// configuration file and the environment (docs/serve.md).
type serveOptions struct {
	config    string
	dev       bool
	listen    string
	publicURL string
	tlsCert   string
	tlsKey    string
	devTLS    bool
	logFormat string
	contexts  string
}

func (o *serveOptions) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.config, "config", "", "YAML configuration `FILE` (default $DIPLOMAT_CONFIG)")
	f.BoolVar(&o.dev, "dev", false, "start a throw-away development instance: keys for every profile, a TEST eSeal, demo credentials")
	f.StringVar(&o.listen, "listen", "", "address to listen on (default 127.0.0.1:8080)")
	f.StringVar(&o.publicURL, "public-url", "", "the service's URL as others reach it (default http(s)://LISTEN)")
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate `FILE`")
	f.StringVar(&o.tlsKey, "tls-key", "", "and this PEM private key `FILE`")
	f.BoolVar(&o.devTLS, "tls", false, "with --dev: serve HTTPS with a self-signed certificate made at start")
	f.StringVar(&o.logFormat, "log-format", "", "text or json (default text)")
	f.StringVar(&o.contexts, "contexts", "", "with --dev: JSON-LD contexts folder to import, for Data Integrity proofs")
}

func newServeCommand(a *app) *cobra.Command {
	o := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve [--dev]",
		Short: "Run the HTTP service: VC-API, hosting, the verification page and the registrar console",
		Long: "Serve the VC-API (issue, verify, status, batches), the DID document and status lists verifiers\n" +
			"fetch, a verification page at / and the registrar console at /console, until SIGTERM or Ctrl-C.\n" +
			"With --dev it needs nothing: a throw-away store with keys for every profile, a TEST eSeal, itself\n" +
			"in its own trust registry and the demo credentials, removed on exit. Without --dev it uses the\n" +
			"store (--home), needs the passphrase, and refuses to start when something is missing.\n" +
			"Configuration: a YAML file, then DIPLOMAT_* variables, then flags (docs/serve.md).",
		Example: `  diplomat serve --dev
  diplomat serve --config /etc/diplomat/serve.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd, a) },
	}
	o.AddFlags(c)
	return c
}

// config builds the configuration: file, environment, flags.
func (o *serveOptions) configuration(a *app) (*server.Config, error) {
	cfg := &server.Config{}
	path := o.config
	if path == "" {
		path = a.getenv("DIPLOMAT_CONFIG")
	}
	if path != "" {
		c, err := server.LoadConfig(path)
		if err != nil {
			return nil, usagef(err.Error())
		}
		cfg = c
	}
	if err := cfg.ApplyEnv(a.getenv); err != nil {
		return nil, usagef(err.Error())
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Listen, o.listen)
	set(&cfg.PublicURL, o.publicURL)
	set(&cfg.TLS.Cert, o.tlsCert)
	set(&cfg.TLS.Key, o.tlsKey)
	set(&cfg.Log.Format, o.logFormat)
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	return cfg, nil
}

func (o *serveOptions) run(cmd *cobra.Command, a *app) error {
	if !o.dev && (o.devTLS || o.contexts != "") {
		return usagef("--tls and --contexts are for --dev; serve HTTPS with --tls-cert and --tls-key")
	}
	cfg, err := o.configuration(a)
	if err != nil {
		return err
	}
	if o.dev && cfg.Store != "" {
		return usagef("--dev makes a throw-away store file: remove the store setting (or DIPLOMAT_STORE) to try it")
	}
	if cfg.Store != "" {
		a.db, a.dbOpts = cfg.Store, databaseOptions(cfg.Database)
	}
	var tlsConf *tls.Config
	if cfg.TLS.Cert != "" || cfg.TLS.Key != "" {
		if cfg.TLS.Cert == "" || cfg.TLS.Key == "" {
			return usagef("give both the TLS certificate and key (--tls-cert, --tls-key)")
		}
		cert, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
		if err != nil {
			return fmt.Errorf("loading the TLS certificate: %v", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	// Listen first: a development instance names its own address in its
	// DID and status URLs, and a busy port is better said at once.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return withHint(fmt.Errorf("cannot listen on %s: %v", cfg.Listen, errors.Unwrap(err)),
			"another program uses that address: choose another with --listen (e.g. 127.0.0.1:8081)")
	}
	defer ln.Close()
	cfg.Listen = ln.Addr().String()
	var dev *devInstance
	if o.dev {
		if dev, err = o.startDev(cmd.Context(), a, cfg, &tlsConf); err != nil {
			return err
		}
		defer dev.close()
	}
	if err := cfg.Defaults(); err != nil {
		return usagef("configuration: " + err.Error())
	}
	opts := server.Options{Config: *cfg, Dev: o.dev, TLS: tlsConf, Logger: newLogger(a, cfg.Log)}
	if dev != nil {
		opts.Store, opts.Issuer, opts.Samples = dev.store, dev.iss, dev.samples
		// The verifier trusts what the instance's own registry trusts.
		a.home, a.store = filepath.Dir(dev.store.Path()), dev.store
	} else {
		if !a.storeExists() {
			return withHint(fmt.Errorf("no store at %s", a.storePath()),
				"create one (docs/serve.md: keys create, issuer init, tokens create), give --home, or try 'diplomat serve --dev'")
		}
		if opts.Store, err = a.unlockedStore(); err != nil {
			return err
		}
		if opts.Issuer, err = issuer.New(opts.Store, nil); err != nil {
			return notConfigured(err)
		}
	}
	if opts.Verifier, err = a.verifierOptions(&verifyOptions{policy: cfg.Policy}, nil); err != nil {
		return err
	}
	srv, err := server.New(opts)
	if err != nil {
		return err
	}
	if err := srv.CheckProfiles(); err != nil {
		return withHint(err, "create a key that fits (docs/profiles.md), or list the profiles to serve in issue.profiles")
	}
	fmt.Fprintf(a.stdout, "diplomat is serving on %s\n", cfg.PublicURL)
	fmt.Fprintf(a.stdout, "  verify:  %s/\n  console: %s/console\n  VC-API:  %s/credentials/issue, /credentials/verify (docs/vc-api.md)\n", cfg.PublicURL, cfg.PublicURL, cfg.PublicURL)
	issuing, presenting := srv.OpenID4VCStatus()
	fmt.Fprintf(a.stdout, "  OpenID4VCI (wallets collect credentials): %s\n  OpenID4VP (wallets answer the page): %s\n", issuing, presenting)
	if cfg.Store != "" {
		fmt.Fprintf(a.stdout, "  store:   %s (PostgreSQL, shared by every node on it: docs/deploy.md)\n", postgres.Location(cfg.Store))
	}
	if dev != nil {
		dev.printIntro(a)
	}
	return srv.Serve(cmd.Context(), ln)
}

// newLogger is the service's logger on stderr, text or JSON.
func newLogger(a *app, c server.LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	if c.Level == "" {
		level = slog.LevelInfo
	}
	ho := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, ho))
	}
	return slog.New(slog.NewTextHandler(a.stderr, ho))
}

// databaseOptions are the connection options of the configuration's
// database section.
func databaseOptions(c server.DatabaseConfig) *postgres.Options {
	return &postgres.Options{
		MaxConns: c.MaxConns, MinConns: c.MinConns, MaxConnLifetime: c.MaxConnLifetime, MaxConnIdleTime: c.MaxConnIdleTime,
		ConnectTimeout: c.ConnectTimeout, StatementTimeout: c.StatementTimeout,
		TLS: postgres.TLSOptions{Mode: c.TLS.Mode, CA: c.TLS.CA, Cert: c.TLS.Cert, Key: c.TLS.Key},
	}
}
