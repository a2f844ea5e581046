package templates_test

import (
	"regexp"
	"testing"

	"github.com/diplomat-edu/diplomat/templates"
)

// TestNewIDIsAFreshVersion4URN: the one credential-id generator (Render's
// default and package issuer's) gives RFC 9562 version 4 UUID URNs, never
// the same twice.
func TestNewIDIsAFreshVersion4URN(t *testing.T) {
	re := regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 200 {
		id := templates.NewID()
		if !re.MatchString(id) {
			t.Fatalf("NewID() = %q, not a version 4 UUID URN", id)
		}
		if seen[id] {
			t.Fatalf("NewID() gave %q twice", id)
		}
		seen[id] = true
	}
}
