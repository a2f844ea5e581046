package templates_test

import (
	"regexp"
	"sort"
	"testing"
	"time"

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

// TestNewOrderedIDSortsInTimeOrder: version 7 UUID URNs, never the same
// twice, that sort as their times do, and carry the time to the
// millisecond.
func TestNewOrderedIDSortsInTimeOrder(t *testing.T) {
	re := regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	start := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	var ids []string
	seen := map[string]bool{}
	for k := range 500 {
		id := templates.NewOrderedID(start.Add(time.Duration(k) * time.Millisecond))
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("NewOrderedID gave %q: not a version 7 UUID URN, or twice", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("ids made a millisecond apart do not sort in time order")
	}
	if got := ids[0][9:17] + ids[0][18:22]; got != "019f1ce81680" {
		t.Errorf("time field %s, want 019f1ce81680 (%d ms)", got, start.UnixMilli())
	}
}
