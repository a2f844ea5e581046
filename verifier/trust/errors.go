package trust

import (
	"errors"
	"strings"
)

// Errors the trust sources wrap; callers branch with errors.Is.
var (
	// ErrMalformed is wrapped when a list, snapshot or record is not of the
	// expected form (XML or JSON that does not parse, a missing element, a
	// value of the wrong type).
	ErrMalformed = errors.New("malformed trust list")
	// ErrSignature is wrapped when a list's signature is missing, does not
	// verify, or was made by a certificate that is not pinned for it.
	ErrSignature = errors.New("trust list signature not valid")
	// ErrNotPinned is wrapped when no certificate is configured (pinned, or
	// given by the List of Trusted Lists) to check a list's signature with.
	ErrNotPinned = errors.New("no pinned certificate for this list")
	// ErrExpired is wrapped when a list is past its NextUpdate (plus the
	// configured grace period) at the evaluation time.
	ErrExpired = errors.New("trust list past its next update")
	// ErrOlder is wrapped when an import is not newer (by sequence number)
	// than the list already held.
	ErrOlder = errors.New("trust list not newer than the one held")
)

// Steps collects the steps of a trust decision, in words, for
// TrustAnswer.Steps and "diplomat trust explain".
type Steps []string

// Add appends one step.
func (s *Steps) Add(step string) { *s = append(*s, step) }

// NormalizeURI returns an ETSI URI in one canonical spelling: surrounding
// space removed, "https://" read as "http://" and a trailing slash dropped,
// so that the http and https variants lists use for the same status or
// service type compare equal.
func NormalizeURI(u string) string {
	u = strings.TrimSpace(u)
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		u = "http://" + rest
	}
	return strings.TrimSuffix(u, "/")
}

// LastSegment returns what follows the last "/" of a normalised URI, e.g.
// "granted" for a service status.
func LastSegment(u string) string {
	u = NormalizeURI(u)
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		return u[i+1:]
	}
	return u
}
