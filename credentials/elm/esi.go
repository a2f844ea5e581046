package elm

import (
	"errors"
	"fmt"
	"strings"
)

// ESIPrefix begins every European Student Identifier.
const ESIPrefix = "urn:schac:personalUniqueCode:int:esi:"

// ESIMaxLen is the longest European Student Identifier accepted, in bytes.
const ESIMaxLen = 255

// ErrInvalidESI is wrapped by the errors of ParseESI.
var ErrInvalidESI = errors.New("invalid European Student Identifier")

// ESI is a European Student Identifier,
// urn:schac:personalUniqueCode:int:esi:<country code or sHO>:<code>.
type ESI struct {
	// Scope is the issuing scope: a two-letter country code ("it") or the
	// schacHomeOrganization domain of the institution ("uni-zed.ie").
	Scope string
	// Code is the personal code within that scope.
	Code string
}

// IsCountry reports whether the scope is a country code rather than an
// institution's domain.
func (e ESI) IsCountry() bool { return len(e.Scope) == 2 && isAlpha(e.Scope) }

// String returns the identifier as a URN.
func (e ESI) String() string { return ESIPrefix + e.Scope + ":" + e.Code }

// ParseESI parses a European Student Identifier. The prefix is matched
// without regard to case (URN namespace identifiers are case-insensitive);
// the scope must be a two-letter country code or a domain name; the code must
// be non-empty and made of URN characters; the whole is at most ESIMaxLen
// bytes. Errors wrap ErrInvalidESI.
func ParseESI(s string) (ESI, error) {
	fail := func(why string) (ESI, error) {
		return ESI{}, fmt.Errorf("%w: %s", ErrInvalidESI, why)
	}
	if len(s) > ESIMaxLen {
		return fail(fmt.Sprintf("%d bytes, over the limit of %d", len(s), ESIMaxLen))
	}
	if len(s) < len(ESIPrefix) || !strings.EqualFold(s[:len(ESIPrefix)], ESIPrefix) {
		return fail("does not begin with " + ESIPrefix)
	}
	scope, code, ok := strings.Cut(s[len(ESIPrefix):], ":")
	if !ok {
		return fail("no code after the scope")
	}
	if !(len(scope) == 2 && isAlpha(scope)) && !isDomain(scope) {
		return fail(fmt.Sprintf("scope %q is neither a country code nor a domain name", scope))
	}
	if code == "" {
		return fail("empty code")
	}
	for _, r := range code {
		if !isURNChar(r) {
			return fail(fmt.Sprintf("code contains %q", r))
		}
	}
	return ESI{Scope: scope, Code: code}, nil
}

// ValidESI reports whether s is a well-formed European Student Identifier.
func ValidESI(s string) bool {
	_, err := ParseESI(s)
	return err == nil
}

// IsESI reports whether s claims to be a European Student Identifier (has
// the prefix), valid or not.
func IsESI(s string) bool {
	return len(s) >= len(ESIPrefix) && strings.EqualFold(s[:len(ESIPrefix)], ESIPrefix)
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

// isDomain accepts a DNS name of at least two labels, letters, digits and
// inner hyphens.
func isDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// isURNChar reports whether r may appear in a URN's namespace-specific
// string (RFC 8141 pchar, with ':' and '/').
func isURNChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~!$&'()*+,;=:@%/", r)
}
