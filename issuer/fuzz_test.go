package issuer

import (
	"errors"
	"testing"
)

// FuzzParseConfig checks that the configuration parser (which reads a
// registrar's file) never panics and fails only with ErrInvalidConfig.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"institution":{"legalName":{"en":"U"},"country":"FR"},"statusBaseURL":"https://x.example/status"}`))
	f.Add([]byte(`{"institution":{"legalName":{"en":"U","fr":"U"},"legalIdentifier":"VATFR-1","country":"FR","homepage":"https://u.example","did":"did:web:u.example"},"statusBaseURL":"http://localhost/s","keepCredentials":true}`))
	f.Add([]byte(`{"institution":{"legalName":{"":""}},"statusBaseURL":"https://x/s?q#f"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config does not validate: %v", err)
		}
	})
}
