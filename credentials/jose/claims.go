package jose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// stringClaim reads a string member; absent gives "", anything but a string
// is an error wrapping ErrMalformed.
func stringClaim(m map[string]json.RawMessage, name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("%w: %s is not a string", credentials.ErrMalformed, name)
	}
	return s, nil
}

// idOf reads a member that is either a string (a URL or DID) or an object
// with an id: issuer, holder. Absent gives "".
func idOf(m map[string]json.RawMessage, name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", nil
	}
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '{' {
		// Only the id is read (an issuer object may be large: a logo):
		// the members up to it, without a map.
		var idv []byte
		err := jsonx.MemberBytes(v, func(n, value []byte) bool {
			if string(n) == "id" {
				idv = value
				return false
			}
			return true
		})
		if err != nil {
			return "", fmt.Errorf("%w: %s is not an object", credentials.ErrMalformed, name)
		}
		var id string
		if idv != nil && json.Unmarshal(idv, &id) != nil || id == "" {
			return "", fmt.Errorf("%w: %s is an object without a string id", credentials.ErrMalformed, name)
		}
		return id, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil || s == "" {
		return "", fmt.Errorf("%w: %s is neither a non-empty string nor an object with an id", credentials.ErrMalformed, name)
	}
	return s, nil
}

// hasType reports whether the type member (a string or an array of strings)
// includes want.
func hasType(m map[string]json.RawMessage, want string) bool {
	v, ok := m["type"]
	if !ok {
		return false
	}
	v = bytes.TrimSpace(v)
	var one string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(v, &many) != nil {
		return false
	}
	for _, t := range many {
		if t == want {
			return true
		}
	}
	return false
}

// firstContext returns the first @context entry when it is a string.
func firstContext(m map[string]json.RawMessage) string {
	v, ok := m["@context"]
	if !ok {
		return ""
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return one
	}
	var many []json.RawMessage
	if json.Unmarshal(v, &many) != nil || len(many) == 0 {
		return ""
	}
	_ = json.Unmarshal(many[0], &one)
	return one
}

// numericDate reads a JWT time claim: a NumericDate (RFC 7519), or, as some
// VC-JOSE issuers write it (the W3C test suite among them), an RFC 3339
// string. Absent gives the zero time.
func numericDate(m map[string]json.RawMessage, name string) (time.Time, error) {
	v, ok := m[name]
	if !ok {
		return time.Time{}, nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
			return time.Time{}, fmt.Errorf("%w: claim %s %v is out of range", credentials.ErrMalformed, name, f)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: claim %s %q is neither a NumericDate nor an RFC 3339 date-time", credentials.ErrMalformed, name, s)
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: claim %s is not a NumericDate", credentials.ErrMalformed, name)
}

// checkTimes applies exp, nbf and iat to now with skew. It returns the iat
// time (zero when absent). Errors wrap ErrExpired, ErrNotYetValid or
// ErrMalformed.
func checkTimes(m map[string]json.RawMessage, opts credentials.VerifyOptions) (time.Time, error) {
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	skew := opts.Skew
	exp, err := numericDate(m, "exp")
	if err != nil {
		return time.Time{}, err
	}
	nbf, err := numericDate(m, "nbf")
	if err != nil {
		return time.Time{}, err
	}
	iat, err := numericDate(m, "iat")
	if err != nil {
		return time.Time{}, err
	}
	const layout = time.RFC3339
	if !exp.IsZero() && !now.Before(exp.Add(skew)) {
		return time.Time{}, fmt.Errorf("%w: exp %s is not after now (%s, skew %s)", credentials.ErrExpired, exp.Format(layout), now.UTC().Format(layout), skew)
	}
	if !nbf.IsZero() && now.Before(nbf.Add(-skew)) {
		return time.Time{}, fmt.Errorf("%w: nbf %s is after now (%s, skew %s)", credentials.ErrNotYetValid, nbf.Format(layout), now.UTC().Format(layout), skew)
	}
	if !iat.IsZero() && now.Before(iat.Add(-skew)) {
		return time.Time{}, fmt.Errorf("%w: iat %s is in the future (now %s, skew %s)", credentials.ErrNotYetValid, iat.Format(layout), now.UTC().Format(layout), skew)
	}
	return iat, nil
}

// checkBinding compares the presentation's nonce and aud with the
// challenge and domain the verifier expects (empty: not checked). Errors
// wrap ErrInvalidProof.
func checkBinding(m map[string]json.RawMessage, opts credentials.VerifyOptions) error {
	if opts.Challenge != "" {
		nonce, err := stringClaim(m, "nonce")
		if err != nil {
			return err
		}
		if nonce != opts.Challenge {
			if nonce == "" {
				return fmt.Errorf("%w: nonce is absent, want the challenge %q", credentials.ErrInvalidProof, opts.Challenge)
			}
			return fmt.Errorf("%w: nonce %q is not the challenge %q", credentials.ErrInvalidProof, nonce, opts.Challenge)
		}
	}
	if opts.Domain != "" {
		var auds []string
		if v, ok := m["aud"]; ok {
			var one string
			if json.Unmarshal(v, &one) == nil {
				auds = []string{one}
			} else if json.Unmarshal(v, &auds) != nil {
				return fmt.Errorf("%w: aud is neither a string nor an array of strings", credentials.ErrMalformed)
			}
		}
		for _, a := range auds {
			if a == opts.Domain {
				return nil
			}
		}
		return fmt.Errorf("%w: aud %q does not include the domain %q", credentials.ErrInvalidProof, auds, opts.Domain)
	}
	return nil
}

// checkPurpose accepts the purposes a JWS mechanism can stand for: an
// assertion for credentials, authentication for presentations.
func checkPurpose(name, got, want string) error {
	if got == "" || got == want {
		return nil
	}
	return fmt.Errorf("%w: proof purpose %q does not apply to %s, which proves %q", credentials.ErrInvalidProof, got, name, want)
}

// timeString formats a JWT NumericDate as the xsd:dateTime VC 1.1 uses.
func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// parseDateTime reads an xsd:dateTime of a credential (issuanceDate,
// expirationDate, validFrom, validUntil).
func parseDateTime(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if t2, err2 := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(s, "Z")); err2 == nil {
			return t2.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("%w: %s %q is not an xsd:dateTime", credentials.ErrMalformed, name, s)
	}
	return t, nil
}
