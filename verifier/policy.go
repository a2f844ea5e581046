package verifier

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Severity says what a failed check does to the verdict.
type Severity string

const (
	// Fail: the check's failure makes the verdict not verified.
	Fail Severity = "fail"
	// Warn: the check's failure is reported as a warning only.
	Warn Severity = "warn"
)

// Policy is what a verifier requires. The zero value is the default policy:
// every mechanism, algorithm and profile Diplomat knows is accepted, the
// clock is the system clock with no skew, ELM non-conformance is a warning,
// a status that cannot be established fails the credential, and fetches and
// caches use the defaults of FetchLimits and CacheLimits. docs/policy.md
// lists every field with its file form.
//
// Nothing in a Policy can switch off the proof, key or envelope checks.
type Policy struct {
	// Profiles are the Diplomat profiles accepted: edc, ebsi, w3c, eudi.
	// Empty: all.
	Profiles []string `yaml:"profiles,omitempty" json:"profiles,omitempty"`
	// Mechanisms are the securing mechanisms accepted, by name ("vc+jwt",
	// "jwt_vc_json", "jades", "dc+sd-jwt", "eddsa-rdfc-2022", …). Empty:
	// all that Verify knows.
	Mechanisms []string `yaml:"mechanisms,omitempty" json:"mechanisms,omitempty"`
	// Algorithms are the JOSE signature algorithms accepted ("ES256",
	// "EdDSA", "RS256", …) for the formats that name one. Empty: all that
	// the mechanisms accept (never none or HMAC).
	Algorithms []string `yaml:"algorithms,omitempty" json:"algorithms,omitempty"`
	// At is the time to verify at, for re-checking a credential as of a
	// past date. Zero: now.
	At time.Time `yaml:"at,omitempty" json:"at,omitzero"`
	// Skew is the clock tolerance applied to every time check. Zero: none.
	Skew Duration `yaml:"skew,omitempty" json:"skew,omitempty"`
	// ELM is what a non-conformant ELM credential gets: Warn (zero value)
	// or Fail (verdict invalid).
	ELM Severity `yaml:"elm,omitempty" json:"elm,omitempty"`
	// StatusUnavailable is what a credential whose status cannot be
	// established gets (status list unreachable, not signed by the issuer,
	// unreadable): Fail (zero value, verdict invalid: fail closed) or Warn.
	StatusUnavailable Severity `yaml:"statusUnavailable,omitempty" json:"statusUnavailable,omitempty"`
	// Fetch bounds network fetches (did:web documents, status lists).
	Fetch FetchLimits `yaml:"fetch,omitempty" json:"fetch,omitzero"`
	// Cache bounds what is kept between verifications.
	Cache CacheLimits `yaml:"cache,omitempty" json:"cache,omitzero"`
	// KeyBindingMaxAge is how old an SD-JWT key-binding JWT may be. Zero:
	// five minutes.
	KeyBindingMaxAge Duration `yaml:"keyBindingMaxAge,omitempty" json:"keyBindingMaxAge,omitempty"`
	// Trust is what the European trust lists must say. The verifier
	// itself does not read it: whoever builds the trust sources from the
	// imported lists (the CLI, the service) does.
	Trust TrustPolicy `yaml:"trust,omitempty" json:"trust,omitzero"`
}

// TrustPolicy says what the trust sources built from imported lists
// accept. The zero value accepts qualified eSeals only and no list past its
// NextUpdate.
type TrustPolicy struct {
	// ESeals is the lowest eSeal classification trusted: "qualified" (the
	// zero value) or "advanced" (chains to a CA of a trusted list without
	// being qualified).
	ESeals string `yaml:"eSeals,omitempty" json:"eSeals,omitempty"`
	// ListGrace is how long past its NextUpdate an imported trusted list is
	// still used. Zero: not at all.
	ListGrace Duration `yaml:"listGrace,omitempty" json:"listGrace,omitempty"`
}

// FetchLimits bound every network fetch. The zero value is the default.
type FetchLimits struct {
	// Timeout is the longest a fetch may take, connection included. Zero:
	// 10 seconds.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// MaxBytes is the largest response body read. Zero: 1 MiB.
	MaxBytes int64 `yaml:"maxBytes,omitempty" json:"maxBytes,omitempty"`
	// AllowPrivateNetworks lets fetches connect to loopback, private and
	// link-local addresses. False (the zero value): such connections are
	// refused when dialled, whatever the host name resolved to. Only for
	// tests and closed labs.
	AllowPrivateNetworks bool `yaml:"allowPrivateNetworks,omitempty" json:"allowPrivateNetworks,omitempty"`
}

// CacheLimits bound the cache of did:web documents and status lists. The
// zero value is the default.
type CacheLimits struct {
	// TTL is how long a did:web document, or a status list that states no
	// ttl or validUntil, is kept. Zero: 5 minutes.
	TTL Duration `yaml:"ttl,omitempty" json:"ttl,omitempty"`
	// MaxTTL caps the time a status list's own ttl or validUntil may keep
	// it. Zero: 24 hours.
	MaxTTL Duration `yaml:"maxTTL,omitempty" json:"maxTTL,omitempty"`
	// MaxEntries is the most documents kept; the oldest go first. Zero:
	// 1000.
	MaxEntries int `yaml:"maxEntries,omitempty" json:"maxEntries,omitempty"`
}

// Defaults of the zero values.
const (
	DefaultFetchTimeout     = 10 * time.Second
	DefaultFetchMaxBytes    = 1 << 20
	DefaultCacheTTL         = 5 * time.Minute
	DefaultCacheMaxTTL      = 24 * time.Hour
	DefaultCacheMaxEntries  = 1000
	DefaultKeyBindingMaxAge = 5 * time.Minute
)

func (l FetchLimits) timeout() time.Duration {
	if l.Timeout > 0 {
		return time.Duration(l.Timeout)
	}
	return DefaultFetchTimeout
}

func (l FetchLimits) maxBytes() int64 {
	if l.MaxBytes > 0 {
		return l.MaxBytes
	}
	return DefaultFetchMaxBytes
}

func (c CacheLimits) ttl() time.Duration {
	if c.TTL > 0 {
		return time.Duration(c.TTL)
	}
	return DefaultCacheTTL
}

func (c CacheLimits) maxTTL() time.Duration {
	if c.MaxTTL > 0 {
		return time.Duration(c.MaxTTL)
	}
	return DefaultCacheMaxTTL
}

func (c CacheLimits) maxEntries() int {
	if c.MaxEntries > 0 {
		return c.MaxEntries
	}
	return DefaultCacheMaxEntries
}

// The values Policy lists accept.
var (
	knownProfiles   = []string{"edc", "ebsi", "w3c", "eudi"}
	knownAlgorithms = []string{"EdDSA", "ES256", "ES384", "ES512", "ES256K", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)

// ErrPolicy is wrapped by errors about a policy: a bad file or value.
var ErrPolicy = errors.New("invalid policy")

// Validate checks the policy's values and returns an error wrapping
// ErrPolicy that names the first field in error.
func (p *Policy) Validate() error {
	for _, pr := range p.Profiles {
		if !slices.Contains(knownProfiles, pr) {
			return fmt.Errorf("%w: profiles: %q is not a profile (known: %s)", ErrPolicy, pr, strings.Join(knownProfiles, ", "))
		}
	}
	for _, a := range p.Algorithms {
		if !slices.Contains(knownAlgorithms, a) {
			return fmt.Errorf("%w: algorithms: %q is not an accepted JOSE algorithm (known: %s)", ErrPolicy, a, strings.Join(knownAlgorithms, ", "))
		}
	}
	for _, m := range p.Mechanisms {
		if !slices.Contains(Mechanisms(), m) {
			return fmt.Errorf("%w: mechanisms: %q is not a mechanism the verifier knows (known: %s)", ErrPolicy, m, strings.Join(Mechanisms(), ", "))
		}
	}
	for name, s := range map[string]Severity{"elm": p.ELM, "statusUnavailable": p.StatusUnavailable} {
		if s != "" && s != Fail && s != Warn {
			return fmt.Errorf("%w: %s: %q is not a severity (fail or warn)", ErrPolicy, name, s)
		}
	}
	if e := p.Trust.ESeals; e != "" && e != "qualified" && e != "advanced" {
		return fmt.Errorf("%w: trust.eSeals: %q is not an eSeal level (qualified or advanced)", ErrPolicy, e)
	}
	for name, d := range map[string]Duration{"skew": p.Skew, "fetch.timeout": p.Fetch.Timeout, "cache.ttl": p.Cache.TTL, "cache.maxTTL": p.Cache.MaxTTL, "keyBindingMaxAge": p.KeyBindingMaxAge, "trust.listGrace": p.Trust.ListGrace} {
		if d < 0 {
			return fmt.Errorf("%w: %s: %s is negative", ErrPolicy, name, time.Duration(d))
		}
	}
	if p.Fetch.MaxBytes < 0 || p.Cache.MaxEntries < 0 {
		return fmt.Errorf("%w: fetch.maxBytes and cache.maxEntries must not be negative", ErrPolicy)
	}
	return nil
}

// ParsePolicy reads a policy file, YAML or JSON (JSON is YAML), with the
// field names docs/policy.md lists. A field it does not know is an error
// naming the field and its line; so is a value of the wrong type. The
// result is validated. Errors wrap ErrPolicy.
func ParsePolicy(data []byte) (*Policy, error) {
	if len(data) > 1<<20 {
		return nil, fmt.Errorf("%w: the file is over 1 MiB", ErrPolicy)
	}
	p := &Policy{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
		msg = strings.ReplaceAll(msg, " in type verifier.Policy", "")
		msg = strings.ReplaceAll(msg, " in type verifier.FetchLimits", " (in fetch)")
		msg = strings.ReplaceAll(msg, " in type verifier.CacheLimits", " (in cache)")
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.ReplaceAll(msg, "\n  ", "; "))
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Duration is a time.Duration written as Go writes durations ("90s",
// "5m", "1h30m") in a policy file.
type Duration time.Duration

// String returns the Go form of d.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d as "5m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "90s", "5m", "1h30m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 90s, 5m or 1h30m", b)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalYAML reads a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a string such as 90s, 5m or 1h30m", n.Line)
	}
	if err := d.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	return nil
}
