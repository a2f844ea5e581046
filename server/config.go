package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/diplomat-edu/diplomat/issuer"
)

// Config is the service's configuration: a YAML file (LoadConfig), then
// DIPLOMAT_* environment variables (ApplyEnv), then the command's flags, each
// overriding the one before (docs/serve.md). Every field's zero value means
// the default its comment gives; Defaults fills them.
type Config struct {
	// Listen is the address to listen on. Default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// PublicURL is the service's URL as browsers and verifiers reach it
	// (behind a proxy: the proxy's). Default http(s)://Listen. Secure
	// cookies are set when it is https.
	PublicURL string `yaml:"publicURL"`
	// TLS serves HTTPS with this certificate and key (PEM files).
	TLS TLSConfig `yaml:"tls"`
	// Log chooses the log format and level.
	Log LogConfig `yaml:"log"`
	// Limits bound requests.
	Limits LimitsConfig `yaml:"limits"`
	// RateLimit bounds the public routes per client.
	RateLimit RateConfig `yaml:"rateLimit"`
	// CORS lists the origins whose browser scripts may call the API.
	CORS CORSConfig `yaml:"cors"`
	// Issue configures issuance.
	Issue IssueConfig `yaml:"issue"`
	// Status configures the status lists served.
	Status StatusConfig `yaml:"status"`
	// Batches configures batch issuance.
	Batches BatchConfig `yaml:"batches"`
	// Console configures the registrar console.
	Console ConsoleConfig `yaml:"console"`
	// Policy is a verification policy file (docs/policy.md); empty: the
	// default policy.
	Policy string `yaml:"policy"`
	// OpenID4VC configures credential offers to wallets (OpenID4VCI) and
	// presentation requests (OpenID4VP) (docs/openid4vc.md).
	OpenID4VC OpenID4VCConfig `yaml:"openid4vc"`
	// Store is the store the service keeps its keys, register and state
	// in: a postgres:// URL of a database several nodes share
	// (docs/deploy.md). Empty: the store file of --home.
	Store string `yaml:"store"`
	// Database configures the connection to a PostgreSQL store.
	Database DatabaseConfig `yaml:"database"`
}

// DatabaseConfig configures the connection pool and TLS of a PostgreSQL
// store; each zero value means the default its comment gives. The URL's own
// parameters (sslmode, pool_max_conns…) apply where a field is zero.
type DatabaseConfig struct {
	// MaxConns is the pool's largest number of connections. Default 10.
	MaxConns int32 `yaml:"maxConns"`
	// MinConns is the number kept open when idle. Default 0.
	MinConns int32 `yaml:"minConns"`
	// MaxConnLifetime and MaxConnIdleTime bound a connection's life and
	// idleness. Defaults 1h and 30m.
	MaxConnLifetime time.Duration `yaml:"maxConnLifetime"`
	MaxConnIdleTime time.Duration `yaml:"maxConnIdleTime"`
	// ConnectTimeout bounds connecting. Default 10s.
	ConnectTimeout time.Duration `yaml:"connectTimeout"`
	// StatementTimeout bounds each statement. Default 30s.
	StatementTimeout time.Duration `yaml:"statementTimeout"`
	// TLS secures the connection.
	TLS DatabaseTLS `yaml:"tls"`
}

// DatabaseTLS configures TLS to the database, as libpq's sslmode,
// sslrootcert, sslcert and sslkey do.
type DatabaseTLS struct {
	// Mode is disable, allow, prefer, require, verify-ca or verify-full.
	// Default: the URL's sslmode, else verify-full for a database on
	// another host and prefer for one on this machine.
	Mode string `yaml:"mode"`
	// CA is the PEM file of the certificates that sign the server's.
	CA string `yaml:"ca"`
	// Cert and Key are a client certificate and key, PEM files.
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// TLSConfig names the certificate and key files of HTTPS.
type TLSConfig struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// LogConfig chooses the log output.
type LogConfig struct {
	// Format is "text" (default) or "json".
	Format string `yaml:"format"`
	// Level is debug, info (default), warn or error.
	Level string `yaml:"level"`
}

// LimitsConfig bounds requests and connections.
type LimitsConfig struct {
	// Body is the largest JSON or form body. Default 4 MiB.
	Body int64 `yaml:"body"`
	// Batch is the largest CSV body of a batch. Default 32 MiB.
	Batch int64 `yaml:"batch"`
	// ReadTimeout, WriteTimeout and IdleTimeout are the server's
	// timeouts. Defaults 30s, 60s, 120s.
	ReadTimeout  time.Duration `yaml:"readTimeout"`
	WriteTimeout time.Duration `yaml:"writeTimeout"`
	IdleTimeout  time.Duration `yaml:"idleTimeout"`
	// ShutdownTimeout is how long in-flight requests may take to finish
	// after SIGTERM. Default 30s.
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout"`
}

// RateConfig is the per-client rate of the public routes (verification
// and hosting).
type RateConfig struct {
	// PerSecond is the sustained rate per client. Default 20; a negative
	// value turns the limit off (a load test on loopback).
	PerSecond float64 `yaml:"perSecond"`
	// Burst is the largest burst per client. Default 40.
	Burst int `yaml:"burst"`
}

// CORSConfig lists the origins allowed to call the API from a browser.
type CORSConfig struct {
	// Origins are exact origins ("https://sis.example.edu"). Empty: none,
	// and no CORS header is ever sent.
	Origins []string `yaml:"origins"`
}

// IssueConfig configures issuance.
type IssueConfig struct {
	// Profiles are the profiles the service must be able to issue: it
	// refuses to start when one has no usable key. Empty: every profile
	// the store has a key for (at least one).
	Profiles []string `yaml:"profiles"`
	// DefaultProfile is used when a request names none. Default w3c, or
	// the first of Profiles.
	DefaultProfile string `yaml:"defaultProfile"`
}

// StatusConfig configures the status lists served.
type StatusConfig struct {
	// TTL is how long a verifier may cache a list: its ttl and the
	// Cache-Control max-age. Default 5m.
	TTL time.Duration `yaml:"ttl"`
	// Validity is how long each signed list is valid (validUntil); lists
	// are signed again after TTL. Default 24h.
	Validity time.Duration `yaml:"validity"`
	// PublishDir, when set, is a folder "publish status" also writes the
	// signed lists to, for a static host.
	PublishDir string `yaml:"publishDir"`
	// Sync is how often, at most, a node sharing its store with others
	// (PostgreSQL) asks the store whether another node changed a status,
	// a key or the trust registry, before it serves a list or verifies:
	// a revocation made on one node is served by every node within Sync.
	// Default 1s; a store file has no other node and ignores it.
	Sync time.Duration `yaml:"sync"`
}

// BatchConfig configures batch issuance.
type BatchConfig struct {
	// Concurrent is the number of batches signed at once. Default 1.
	Concurrent int `yaml:"concurrent"`
	// Workers is the number of signing goroutines of a batch. Default:
	// every core.
	Workers int `yaml:"workers"`
	// Retention is how long a finished batch's credentials are kept for
	// download. Default 168h (7 days).
	Retention time.Duration `yaml:"retention"`
	// Lease is how long a node's claim on a running batch lasts without
	// renewal (it renews it every third of it): a batch whose node died
	// is taken over by another node sharing the store between one and two
	// leases later. Default 30s.
	Lease time.Duration `yaml:"lease"`
}

// ConsoleConfig configures the registrar console.
type ConsoleConfig struct {
	// SessionTTL is how long a console sign-in lasts. Default 8h.
	SessionTTL time.Duration `yaml:"sessionTTL"`
}

// LoadConfig reads a YAML configuration file. Unknown fields are errors
// that name the line.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the configuration %s: %v", path, errors.Unwrap(err))
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("configuration %s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &c, nil
}

// ApplyEnv overrides c with the DIPLOMAT_* environment variables that are
// set (docs/serve.md lists them). A malformed value is an error naming the
// variable.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("DIPLOMAT_LISTEN", &c.Listen)
	str("DIPLOMAT_PUBLIC_URL", &c.PublicURL)
	str("DIPLOMAT_TLS_CERT", &c.TLS.Cert)
	str("DIPLOMAT_TLS_KEY", &c.TLS.Key)
	str("DIPLOMAT_LOG_FORMAT", &c.Log.Format)
	str("DIPLOMAT_LOG_LEVEL", &c.Log.Level)
	str("DIPLOMAT_POLICY", &c.Policy)
	str("DIPLOMAT_STORE", &c.Store)
	if v := getenv("DIPLOMAT_CORS_ORIGINS"); v != "" {
		c.CORS.Origins = splitList(v)
	}
	if v := getenv("DIPLOMAT_PROFILES"); v != "" {
		c.Issue.Profiles = splitList(v)
	}
	if v := getenv("DIPLOMAT_RATE_LIMIT"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("DIPLOMAT_RATE_LIMIT: %q is not a number", v)
		}
		c.RateLimit.PerSecond = f
	}
	if v := getenv("DIPLOMAT_STATUS_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("DIPLOMAT_STATUS_TTL: %q is not a duration (like 5m)", v)
		}
		c.Status.TTL = d
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Defaults fills the zero fields with their defaults and checks the
// values; the error names the field.
func (c *Config) Defaults() error {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New("tls: give both cert and key files, or neither")
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLS.Cert != "" {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + c.Listen
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("publicURL: %q is not an http(s) URL", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	switch c.Log.Format {
	case "":
		c.Log.Format = "text"
	case "text", "json":
	default:
		return fmt.Errorf("log.format: %q is neither text nor json", c.Log.Format)
	}
	switch c.Log.Level {
	case "":
		c.Log.Level = "info"
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q is not debug, info, warn or error", c.Log.Level)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Limits.Body <= 0 {
		c.Limits.Body = 4 << 20
	}
	if c.Limits.Batch <= 0 {
		c.Limits.Batch = 32 << 20
	}
	def(&c.Limits.ReadTimeout, 30*time.Second)
	def(&c.Limits.WriteTimeout, 60*time.Second)
	def(&c.Limits.IdleTimeout, 120*time.Second)
	def(&c.Limits.ShutdownTimeout, 30*time.Second)
	if c.RateLimit.PerSecond == 0 {
		c.RateLimit.PerSecond = 20
	}
	if c.RateLimit.Burst <= 0 {
		c.RateLimit.Burst = 40
	}
	for _, o := range c.CORS.Origins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || o == "*" {
			return fmt.Errorf("cors.origins: %q is not an origin like https://sis.example.edu (no wildcard)", o)
		}
	}
	for _, p := range c.Issue.Profiles {
		if !validProfile(p) {
			return fmt.Errorf("issue.profiles: unknown profile %q (edc, ebsi, w3c, eudi)", p)
		}
	}
	if c.Issue.DefaultProfile == "" {
		c.Issue.DefaultProfile = issuer.W3C
		if len(c.Issue.Profiles) > 0 {
			c.Issue.DefaultProfile = c.Issue.Profiles[0]
		}
	} else if !validProfile(c.Issue.DefaultProfile) {
		return fmt.Errorf("issue.defaultProfile: unknown profile %q", c.Issue.DefaultProfile)
	}
	def(&c.Status.TTL, 5*time.Minute)
	def(&c.Status.Sync, time.Second)
	def(&c.Status.Validity, 24*time.Hour)
	if c.Status.Validity < 2*c.Status.TTL {
		return fmt.Errorf("status.validity (%s) must be at least twice status.ttl (%s)", c.Status.Validity, c.Status.TTL)
	}
	if c.Batches.Concurrent <= 0 {
		c.Batches.Concurrent = 1
	}
	if c.Store != "" && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") {
		return errors.New("store: want a postgres:// URL (a store file is chosen with --home)")
	}
	switch c.Database.TLS.Mode {
	case "", "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
	default:
		return fmt.Errorf("database.tls.mode: %q is not disable, allow, prefer, require, verify-ca or verify-full", c.Database.TLS.Mode)
	}
	if c.Database.MaxConns < 0 || c.Database.MinConns < 0 || (c.Database.MaxConns > 0 && c.Database.MinConns > c.Database.MaxConns) {
		return fmt.Errorf("database: minConns %d and maxConns %d: want 0 ≤ minConns ≤ maxConns", c.Database.MinConns, c.Database.MaxConns)
	}
	def(&c.Batches.Retention, 7*24*time.Hour)
	def(&c.Batches.Lease, 30*time.Second)
	def(&c.Console.SessionTTL, 8*time.Hour)
	return c.OpenID4VC.defaults()
}

func validProfile(p string) bool {
	for _, q := range issuer.Profiles() {
		if p == q {
			return true
		}
	}
	return false
}

// secureCookies reports whether the public URL is https.
func (c *Config) secureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }
