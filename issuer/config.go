package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/keys"
)

// Config is what an institution sets once per store and every credential
// carries: who issues, and where status lists are published.
type Config struct {
	// Institution is the issuing organisation, stamped on every credential.
	// LegalName (at least one language) and Country are required. With the
	// edc profile it must match the eSeal certificate's subject. Its DID,
	// when empty, is the signing key's DID (the store's did:web if one is
	// set with keys.Store.SetWebDID, else the key's did:key).
	Institution Institution `json:"institution"`
	// StatusBaseURL is the absolute https URL under which the status lists
	// are published: list N of profile P for purpose U is at
	// StatusBaseURL/P/N/U. Required.
	StatusBaseURL string `json:"statusBaseURL"`
	// KeepCredentials stores every secured credential in the register as
	// well. False (the zero value, and the default) keeps only the register
	// entry: data minimisation, the credential is the holder's.
	KeepCredentials bool `json:"keepCredentials,omitempty"`
	// Keys maps a profile name to the name of the key that signs for it
	// when a Profile names none (ChooseKeys fills it, diplomat issuer
	// init records it). A profile missing from the map signs with the key
	// ChooseKeys would choose at that moment. Nil: none recorded.
	Keys map[string]string `json:"keys,omitempty"`
}

// Institution is the issuing organisation as the configuration file writes
// it; it converts to templates.Institution, whose fields it mirrors.
type Institution struct {
	// LegalName maps a BCP 47 language tag to the legal name in that
	// language; at least one. With edc, one of them must be the eSeal
	// certificate's organisation (O).
	LegalName map[string]string `json:"legalName"`
	// LegalIdentifier is the national registration or VAT number. With
	// edc, it must match the certificate's organizationIdentifier when the
	// certificate has one ("VATFR-123…" matches "123…" or itself).
	LegalIdentifier string `json:"legalIdentifier,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code; with edc, the certificate's C.
	Country string `json:"country"`
	// Homepage is an http(s) URL; optional.
	Homepage string `json:"homepage,omitempty"`
	// Email is a contact address; optional.
	Email string `json:"email,omitempty"`
	// Logo is a data: URL of a PNG or JPEG image, or an https URL; optional.
	Logo string `json:"logo,omitempty"`
	// DID is the issuer's DID (did:web:…, did:key:…, did:jwk:…). Empty
	// means the signing key's: the store's did:web (keys.Store.SetWebDID)
	// if set, else the key's did:key.
	DID string `json:"did,omitempty"`
	// Location is a postal address or place; optional.
	Location string `json:"location,omitempty"`
}

// ParseConfig reads a Config from untrusted JSON and validates it.
func ParseConfig(data []byte) (*Config, error) {
	var c Config
	if err := jsonx.Decode(data, &c, jsonx.Limits{MaxBytes: 1 << 20}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the rules each field's comment states. The error wraps
// ErrInvalidConfig and names the field.
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	if err := c.Institution.validate("institution."); err != nil {
		return err
	}
	u, err := url.Parse(c.StatusBaseURL)
	if c.StatusBaseURL == "" {
		return bad("statusBaseURL", "required (for example https://registrar.example.edu/status)")
	}
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return bad("statusBaseURL", "%q is not an absolute URL without query or fragment", c.StatusBaseURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLocalHost(u.Hostname())) {
		return bad("statusBaseURL", "%q must be https (http only for localhost)", c.StatusBaseURL)
	}
	for prof, name := range c.Keys {
		if defaultProof(prof) == "" {
			return bad("keys."+prof, "not a profile (choose among %s)", strings.Join(Profiles(), ", "))
		}
		if name == "" {
			return bad("keys."+prof, "empty key name")
		}
	}
	return nil
}

func isLocalHost(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }

// SaveConfig validates c and stores it, replacing any previous
// configuration. The first call also creates the store's subject-hash salt
// (32 random bytes), which never changes afterwards.
func SaveConfig(s *keys.Store, c *Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.StatusBaseURL = strings.TrimRight(c.StatusBaseURL, "/")
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return StorageOf(s).SaveConfig(context.Background(), data)
}

// LoadConfig returns the stored configuration, or an error wrapping
// ErrNotConfigured.
func LoadConfig(s *keys.Store) (*Config, error) {
	c, _, err := loadConfig(s)
	return c, err
}

func loadConfig(s *keys.Store) (*Config, []byte, error) {
	return readConfig(StorageOf(s))
}

func readConfig(st Storage) (*Config, []byte, error) {
	data, salt, err := st.Config(context.Background())
	if err != nil {
		return nil, nil, err
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, nil, fmt.Errorf("the issuer configuration in the store does not decode (%v): %w", err, keys.ErrCorrupt)
	}
	return &c, salt, nil
}
