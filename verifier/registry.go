package verifier

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/keys"
)

// Registry is the trust registry a RegistrySource reads; *keys.Store
// implements it. Each lookup returns an error wrapping keys.ErrNotFound
// when no entry matches; any other error is a failure of the registry.
type Registry interface {
	LookupTrust(identifier string) (*keys.TrustEntry, error)
	LookupTrustKey(pub crypto.PublicKey) (*keys.TrustEntry, error)
	LookupTrustCertificate(chain ...*x509.Certificate) (*keys.TrustEntry, error)
}

var _ Registry = (*keys.Store)(nil)

// RegistrySource is a TrustSource over the store's trust registry. An
// issuer is found by its DID only when the proof binds the DID to the
// verifying key (the query's Issuer, with KeyID the DID or one of its
// fragments): a DID-signed credential whose key was resolved from it, or a
// sealed one whose issuer's DID document lists the seal's key. Failing
// that, an issuer whose credential carries a certificate chain is found by
// a certificate of its path (the seal itself, or a CA that issued a
// certificate of the path; see keys.Store.LookupTrustCertificate), never by
// a name its content merely gives; any other by the JWK thumbprint of the
// key that verified.
// The entry must be valid at IssuedAt (now when the query has none), and
// the credential within its scope: one of its types among the entry's
// credential types, its profile among the entry's profiles, and for every
// achievement it awards (every top-level one and every part of each, at any
// depth) its EQF level not above the entry's maximum and each of its
// ISCED-F fields under one of the entry's fields, each only where the entry
// restricts it. A top-level achievement that does not state a restricted
// level or field is out of scope (a part may leave them to the achievement
// it is part of).
type RegistrySource struct {
	Registry Registry
}

var _ TrustSource = RegistrySource{}

// Trust answers q from the registry.
func (s RegistrySource) Trust(_ context.Context, q TrustQuery) (*TrustAnswer, error) {
	ans := &TrustAnswer{Source: "registry"}
	e, how, err := s.find(q)
	if err != nil {
		return nil, err
	}
	if e == nil {
		ans.Reason = "the issuer is not in the trust registry"
		ans.Steps = append(ans.Steps, "no entry for "+describeQuery(q))
		if how != "" {
			ans.Reason += ": " + how
			ans.Steps = append(ans.Steps, how)
		}
		return ans, nil
	}
	ans.Entity, ans.Country, ans.Status = e.Name, e.Country, "listed"
	ans.Scope = e.Scope.String()
	ans.Steps = append(ans.Steps, fmt.Sprintf("entry %s (%s, %s) matches by %s", e.ID, e.Name, e.Country, how))
	at := q.IssuedAt
	if at.IsZero() {
		at = time.Now()
	}
	if !e.ValidAt(at) {
		ans.Reason = fmt.Sprintf("the registry entry for %s does not apply on %s, the date the credential is judged at (entry %s)", e.Name, at.UTC().Format("2006-01-02"), entryWindow(e))
		ans.Steps = append(ans.Steps, ans.Reason)
		return ans, nil
	}
	if reason := outOfScope(e.Scope, q); reason != "" {
		ans.Reason = fmt.Sprintf("%s is trusted, but not for this credential: %s", e.Name, reason)
		ans.Steps = append(ans.Steps, reason)
		return ans, nil
	}
	ans.Trusted = true
	ans.Reason = fmt.Sprintf("%s (%s) is in the trust registry, matched by %s, and the credential is within its scope", e.Name, e.Country, how)
	ans.Steps = append(ans.Steps, "valid at "+at.UTC().Format(time.RFC3339)+" and within scope")
	return ans, nil
}

// find looks the issuer up by DID, key, then chain. When it finds no entry,
// how says why a CA entry that issued the chain does not anchor it, or is
// "".
func (s RegistrySource) find(q TrustQuery) (e *keys.TrustEntry, how string, err error) {
	try := func(e *keys.TrustEntry, err error) (*keys.TrustEntry, error) {
		if errors.Is(err, keys.ErrNotFound) {
			return nil, nil
		}
		return e, err
	}
	if strings.HasPrefix(q.Issuer, "did:") && keyOf(q.KeyID, q.Issuer) {
		if e, err := try(s.Registry.LookupTrust(q.Issuer)); e != nil || err != nil {
			how := "DID " + q.Issuer
			if len(q.Chain) > 0 {
				how += ", whose DID document lists the seal " + q.Chain[0].Subject.CommonName
			}
			return e, how, err
		}
	}
	if len(q.Chain) > 0 {
		// Sealed by certificate: its path is all that counts.
		e, err := s.Registry.LookupTrustCertificate(q.Chain...)
		if errors.Is(err, keys.ErrNotFound) {
			var ue *keys.UnanchoredError
			if errors.As(err, &ue) {
				how = ue.Error()
			}
			return nil, how, nil
		}
		return e, "certificate " + q.Chain[0].Subject.CommonName, err
	}
	if q.Key != nil {
		if e, err := try(s.Registry.LookupTrustKey(q.Key)); e != nil || err != nil {
			return e, "key thumbprint", err
		}
	}
	return nil, "", nil
}

// outOfScope says why q is outside scope, or "". The EQF and ISCED-F rules
// hold for every achievement of the credential (TrustQuery.Achievements):
// each top-level achievement states a level, and fields, where the entry
// restricts them, and every level and field stated, by an achievement or
// by a part of one at any depth, is within the entry's. A credential with
// no achievement Diplomat reads is judged by EQFLevel and ISCEDFields.
func outOfScope(sc keys.TrustScope, q TrustQuery) string {
	if len(sc.CredentialTypes) > 0 && !slices.ContainsFunc(q.Types, func(t string) bool { return slices.Contains(sc.CredentialTypes, t) }) {
		return fmt.Sprintf("credential type %s is not among %s", strings.Join(q.Types, ", "), strings.Join(sc.CredentialTypes, ", "))
	}
	if len(sc.Profiles) > 0 && !slices.Contains(sc.Profiles, q.Profile) {
		return fmt.Sprintf("profile %q is not among %s", q.Profile, strings.Join(sc.Profiles, ", "))
	}
	under := func(f string) bool {
		return slices.ContainsFunc(sc.ISCEDFields, func(a string) bool { return strings.HasPrefix(f, a) })
	}
	accredited := strings.Join(sc.ISCEDFields, ", ")
	if len(q.Achievements) == 0 {
		switch {
		case sc.MaxEQFLevel > 0 && q.EQFLevel <= 0:
			return fmt.Sprintf("the credential states no EQF level, and the entry accredits up to EQF %d only", sc.MaxEQFLevel)
		case sc.MaxEQFLevel > 0 && q.EQFLevel > sc.MaxEQFLevel:
			return fmt.Sprintf("EQF level %d is above the accredited maximum %d", q.EQFLevel, sc.MaxEQFLevel)
		case len(sc.ISCEDFields) > 0 && len(q.ISCEDFields) == 0:
			return fmt.Sprintf("the credential states no ISCED-F field, and the entry accredits %s only", accredited)
		}
		for _, f := range q.ISCEDFields {
			if len(sc.ISCEDFields) > 0 && !under(f) {
				return fmt.Sprintf("ISCED-F field %s is not under %s", f, accredited)
			}
		}
		return ""
	}
	for _, a := range q.Achievements {
		what := describeAchievement(a)
		switch {
		case sc.MaxEQFLevel > 0 && a.EQFLevel <= 0 && !a.Part:
			return fmt.Sprintf("%s states no EQF level, and the entry accredits up to EQF %d only", what, sc.MaxEQFLevel)
		case sc.MaxEQFLevel > 0 && a.EQFLevel > sc.MaxEQFLevel:
			return fmt.Sprintf("%s: EQF level %d is above the accredited maximum %d", what, a.EQFLevel, sc.MaxEQFLevel)
		case len(sc.ISCEDFields) > 0 && len(a.ISCEDFields) == 0 && !a.Part:
			return fmt.Sprintf("%s states no ISCED-F field, and the entry accredits %s only", what, accredited)
		}
		for _, f := range a.ISCEDFields {
			if len(sc.ISCEDFields) > 0 && !under(f) {
				return fmt.Sprintf("%s: ISCED-F field %s is not under %s", what, f, accredited)
			}
		}
	}
	return ""
}

// describeAchievement names an achievement for a person: its title and
// where it is.
func describeAchievement(a Achievement) string {
	kind := "the achievement"
	if a.Part {
		kind = "the part"
	}
	if a.Title != "" {
		return fmt.Sprintf("%s %q (%s)", kind, a.Title, a.Path)
	}
	return kind + " at " + a.Path
}

func describeQuery(q TrustQuery) string {
	var ids []string
	if q.Issuer != "" {
		ids = append(ids, "issuer "+q.Issuer)
	}
	if q.Key != nil {
		ids = append(ids, "its key")
	}
	if len(q.Chain) > 0 {
		ids = append(ids, "certificate "+certname.String(q.Chain[0].Subject))
	}
	return strings.Join(ids, ", ")
}

// entryWindow describes when a registry entry applies.
func entryWindow(e *keys.TrustEntry) string {
	const day = "2006-01-02"
	switch {
	case e.NotBefore != nil && e.NotAfter != nil:
		return "valid from " + e.NotBefore.UTC().Format(day) + " to " + e.NotAfter.UTC().Format(day)
	case e.NotBefore != nil:
		return "valid from " + e.NotBefore.UTC().Format(day)
	case e.NotAfter != nil:
		return "valid until " + e.NotAfter.UTC().Format(day)
	}
	return "unbounded"
}
