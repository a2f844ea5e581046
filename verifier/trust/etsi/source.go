package etsi

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/internal/certpath"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// Levels of an eSeal, as TrustAnswer.Level says them.
const (
	LevelQualified  = "qualified"
	LevelAdvanced   = "advanced"
	LevelNotTrusted = "not-trusted"
)

// Qualifier URIs (TS 119 612 clause 5.5.9.2), normalised.
const (
	qPrefix           = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"
	qWithSSCD         = qPrefix + "QCWithSSCD"
	qNoSSCD           = qPrefix + "QCNoSSCD"
	qWithQSCD         = qPrefix + "QCWithQSCD"
	qNoQSCD           = qPrefix + "QCNoQSCD"
	qQSCDManaged      = qPrefix + "QCQSCDManagedOnBehalf"
	qForESeal         = qPrefix + "QCForESeal"
	qForESig          = qPrefix + "QCForESig"
	qForWSA           = qPrefix + "QCForWSA"
	qStatement        = qPrefix + "QCStatement"
	qNotQualified     = qPrefix + "NotQualified"
	statusPrefix      = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
	statusGranted     = statusPrefix + "granted"
	statusUnderSuperv = statusPrefix + "undersupervision"
	statusInCessation = statusPrefix + "supervisionincessation"
	statusAccredited  = statusPrefix + "accredited"
)

// goodStatus says which service statuses mean "in force": granted under
// eIDAS, and the statuses of Directive 1999/93/EC lists before it.
var goodStatus = map[string]bool{
	statusGranted:     true,
	statusUnderSuperv: true,
	statusInCessation: true,
	statusAccredited:  true,
}

// Options configure a Source. The zero value accepts qualified seals only,
// evaluates at the credential's signing time with time.Now as the clock for
// list freshness, and allows no grace period.
type Options struct {
	// Accept is the lowest level the source vouches for: LevelQualified
	// (the zero value "" means the same) or LevelAdvanced.
	Accept string
	// Now is the clock for list freshness, and the evaluation time when a
	// query has no IssuedAt. Nil means time.Now.
	Now func() time.Time
	// Grace is how long after its NextUpdate a list is still used. Zero
	// means none.
	Grace time.Duration
}

// Source answers trust queries for X.509 chains from trusted lists. It is
// safe for concurrent use.
type Source struct {
	opts      Options
	lists     []*List
	bySubject map[string][]*entry // service certificate RawSubject
	bySKI     map[string][]*entry // service certificate SubjectKeyId and listed SKIs
	byCert    map[[32]byte][]*entry
	verified  sync.Map // [2][32]byte{child, parent} → struct{}: signature links already checked
	nVerified int
	mu        sync.Mutex
	entities  int
}

type entry struct {
	list     *List
	provider *Provider
	service  *Service
	cert     *x509.Certificate // nil for an SKI-only identity
	fp       [32]byte          // SHA-256 of cert.Raw
	scope    string            // TrustAnswer.Scope: the service's name and type
	where    string            // the service, provider and list, for the steps
}

var _ verifier.TrustSource = (*Source)(nil)

// maxVerifiedCache bounds the memo of checked certificate signatures.
const maxVerifiedCache = 1 << 14

// NewSource indexes the services of the given lists (the LOTL itself holds
// no services and adds nothing).
func NewSource(lists []*List, opts Options) *Source {
	s := &Source{
		opts:      opts,
		lists:     lists,
		bySubject: map[string][]*entry{},
		bySKI:     map[string][]*entry{},
		byCert:    map[[32]byte][]*entry{},
	}
	for _, l := range lists {
		for pi := range l.Providers {
			p := &l.Providers[pi]
			s.entities++
			for si := range p.Services {
				svc := &p.Services[si]
				for _, c := range svc.Certificates {
					e := &entry{list: l, provider: p, service: svc, cert: c, fp: sha256.Sum256(c.Raw),
						scope: fmt.Sprintf("%s (%s)", svc.Name, trust.LastSegment(svc.Type)),
						where: fmt.Sprintf(" the service %q of %s on the %s trusted list (sequence %d)", svc.Name, p.Name, l.Territory, l.SequenceNumber)}
					s.bySubject[string(c.RawSubject)] = append(s.bySubject[string(c.RawSubject)], e)
					if len(c.SubjectKeyId) > 0 {
						s.bySKI[string(c.SubjectKeyId)] = append(s.bySKI[string(c.SubjectKeyId)], e)
					}
					s.byCert[e.fp] = append(s.byCert[e.fp], e)
				}
			}
		}
	}
	return s
}

// Entities returns the number of trust service providers indexed.
func (s *Source) Entities() int { return s.entities }

func (s *Source) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// match is a service found for a chain: the certificate at Index is either
// the service's own certificate (Direct) or issued by it.
type match struct {
	e      *entry
	index  int
	direct bool
}

// Find returns the services the chain leads to: walking up from the leaf,
// the first certificate that is a service's own certificate or is issued
// (signature checked) by one. Each link of the chain walked is checked too,
// and so are the X.509 constraints of the path up to the service's
// certificate, that certificate included (internal/certpath): a listed CA
// vouches for a seal only through a path it allows. A service whose path
// breaks one is passed over; when no other matches, the error says why.
func (s *Source) find(chain []*x509.Certificate) ([]match, error) {
	var prevFP [32]byte
	var broken error
	for i, c := range chain {
		// One digest per chain certificate: it keys both the index of
		// listed certificates and the memo of checked signatures.
		fp := sha256.Sum256(c.Raw)
		if i > 0 {
			if err := s.checkLink(chain[i-1], prevFP, c, fp); err != nil {
				return nil, fmt.Errorf("certificate %d of the chain (%s) is not issued by certificate %d (%s): %v", i-1, chain[i-1].Subject.CommonName, i, c.Subject.CommonName, certpath.Link(chain[i-1], c))
			}
		}
		prevFP = fp
		var out []match
		if len(s.byCert[fp]) > 0 {
			if err := certpath.Check(chain[:i+1], certpath.Signing); err != nil {
				broken = err
			} else {
				for _, e := range s.byCert[fp] {
					out = append(out, match{e: e, index: i, direct: true})
				}
			}
		}
		cands := s.bySubject[string(c.RawIssuer)]
		if len(c.AuthorityKeyId) > 0 {
			for _, e := range s.bySKI[string(c.AuthorityKeyId)] {
				if !slices.Contains(cands, e) {
					cands = append(cands, e)
				}
			}
		}
		for _, e := range cands {
			if e.cert == nil || s.checkLink(c, fp, e.cert, e.fp) != nil {
				continue
			}
			if err := certpath.Check(append(chain[:i+1:i+1], e.cert), certpath.Signing); err != nil {
				broken = fmt.Errorf("the listed %s issued it, but %v", e.cert.Subject.CommonName, err)
				continue
			}
			out = append(out, match{e: e, index: i})
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, broken
}

// checkLink checks that parent signed child (their SHA-256 digests given),
// remembering successes.
func (s *Source) checkLink(child *x509.Certificate, childFP [32]byte, parent *x509.Certificate, parentFP [32]byte) error {
	key := [2][32]byte{childFP, parentFP}
	if _, ok := s.verified.Load(key); ok {
		return nil
	}
	if err := child.CheckSignatureFrom(parent); err != nil {
		return err
	}
	s.mu.Lock()
	if s.nVerified < maxVerifiedCache {
		s.nVerified++
		s.verified.Store(key, struct{}{})
	}
	s.mu.Unlock()
	return nil
}

// StateAt returns the service's state in force at t, or nil when t is
// before its first status.
func (svc *Service) StateAt(t time.Time) *State {
	for i := range svc.States {
		if !svc.States[i].Start.After(t) {
			return &svc.States[i]
		}
	}
	return nil
}

// Trust classifies the seal whose chain q.Chain carries, at q.IssuedAt (the
// JAdES sigT or time-stamp; the source's clock when zero). The answer is
// trusted when the level reached is at least Options.Accept. The error is
// always nil: every outcome is an answer.
func (s *Source) Trust(_ context.Context, q verifier.TrustQuery) (*verifier.TrustAnswer, error) {
	steps := make(trust.Steps, 0, 12)
	a := &verifier.TrustAnswer{Source: "etsi-tl", Level: LevelNotTrusted}
	finish := func(reason string) (*verifier.TrustAnswer, error) {
		a.Reason = reason
		steps.Add(reason)
		a.Steps = steps
		return a, nil
	}
	if len(q.Chain) == 0 {
		return finish("not trusted: the credential carries no X.509 certificate chain, and trusted lists vouch for certificates only")
	}
	at := q.IssuedAt
	if at.IsZero() {
		at = s.now()
		steps.Add("no time given; evaluating at " + at.UTC().Format(time.RFC3339))
	} else {
		var tb [40]byte
		steps.Add("judged at " + string(at.UTC().AppendFormat(tb[:0], time.RFC3339)) + ", a time-stamp's time or the verification time (the status of services is read at that time)")
	}
	leaf := q.Chain[0]
	var db1, db2 [16]byte
	steps.Add("seal certificate: " + leaf.Subject.CommonName + ", issued by " + leaf.Issuer.CommonName +
		", valid " + string(leaf.NotBefore.UTC().AppendFormat(db1[:0], time.DateOnly)) + " to " + string(leaf.NotAfter.UTC().AppendFormat(db2[:0], time.DateOnly)))
	if at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
		return finish(fmt.Sprintf("not trusted: the seal certificate was not valid at %s", at.UTC().Format(time.RFC3339)))
	}
	ms, err := s.find(q.Chain)
	if err != nil {
		return finish("not trusted: " + err.Error())
	}
	if len(ms) == 0 {
		return finish(fmt.Sprintf("not trusted: no certificate of the chain is issued by (or is) a service on the %d imported trusted list(s)", len(s.lists)))
	}
	m := best(ms, at)
	e := m.e
	a.Source = e.list.Name()
	a.Entity = e.provider.Name
	a.Country = e.list.Territory
	if a.Country == "" {
		a.Country = e.provider.Country
	}
	a.Scope = e.scope
	how := " is issued by"
	if m.direct {
		how = " is the certificate of"
	}
	steps.Add("chain certificate " + strconv.Itoa(m.index) + " (" + q.Chain[m.index].Subject.CommonName + ")" + how + e.where)
	if err := CheckFresh(e.list, s.now(), s.opts.Grace); err != nil {
		return finish("not trusted: " + err.Error() + "; import a current list")
	}
	for i := 1; i <= m.index; i++ {
		c := q.Chain[i]
		if at.Before(c.NotBefore) || at.After(c.NotAfter) {
			return finish(fmt.Sprintf("not trusted: chain certificate %d (%s) was not valid at the time judged", i, c.Subject.CommonName))
		}
	}
	st := e.service.StateAt(at)
	if st == nil {
		return finish(fmt.Sprintf("not trusted: the service %q had no status yet at the time judged (first status from %s)", e.service.Name, day(e.service.States[len(e.service.States)-1].Start)))
	}
	a.Status = StatusName(st.Status)
	var sb [40]byte
	steps.Add("service status at the time judged: " + a.Status + " (since " + string(st.Start.AppendFormat(sb[:0], time.RFC3339)) + ")")
	if cur := &e.service.States[0]; cur != st {
		steps.Add(fmt.Sprintf("current service status: %s (since %s)", StatusName(cur.Status), cur.Start.Format(time.RFC3339)))
	}
	if !goodStatus[st.Status] {
		return finish(fmt.Sprintf("not trusted: the service was %s at the time judged (since %s)", a.Status, day(st.Start)))
	}
	level, why := classify(leaf, st, m.direct)
	for _, w := range why {
		steps.Add(w)
	}
	a.Level = level
	accept := s.opts.Accept
	if accept == "" {
		accept = LevelQualified
	}
	a.Trusted = level == LevelQualified || (level == LevelAdvanced && accept == LevelAdvanced)
	switch {
	case a.Trusted:
		return finish("trusted: " + level + " eSeal under " + e.provider.Name + " (" + a.Country + "), service " + a.Status + " at the time judged")
	default:
		return finish(fmt.Sprintf("not trusted: the seal is %s, and the policy accepts %s seals only", level, accept))
	}
}

// best picks, among the services found, one whose status at t is in force,
// preferring CA/QC services.
func best(ms []match, t time.Time) match {
	score := func(m match) int {
		n := 0
		if st := m.e.service.StateAt(t); st != nil && goodStatus[st.Status] {
			n += 2
		}
		if m.e.service.Type == ServiceCAQC {
			n++
		}
		return n
	}
	b := ms[0]
	for _, m := range ms[1:] {
		if score(m) > score(b) {
			b = m
		}
	}
	return b
}

// classify decides between qualified and advanced for a seal whose service
// is in force, and says why in steps.
func classify(leaf *x509.Certificate, st *State, direct bool) (string, []string) {
	why := make([]string, 0, 6)
	if direct {
		return LevelAdvanced, []string{"the certificate is listed itself, not issued by a qualified CA service: advanced at most"}
	}
	if st.Type != ServiceCAQC {
		return LevelAdvanced, []string{fmt.Sprintf("the service type is %s, not CA/QC: advanced", trust.LastSegment(st.Type))}
	}
	qs := applicableQualifiers(leaf, st)
	if len(qs) > 0 {
		names := make([]string, len(qs))
		for i, q := range qs {
			names[i] = trust.LastSegment(q)
		}
		why = append(why, "qualifiers of the service that apply to the certificate: "+strings.Join(names, ", "))
	}
	has := func(q string) bool { return slices.Contains(qs, q) }
	qc := readQC(leaf)
	compliant := (qc.compliance || has(qStatement)) && !has(qNotQualified)
	eseal := (qc.eseal || has(qForESeal)) && !has(qForESig) && !has(qForWSA)
	sscd := (qc.sscd || has(qWithSSCD) || has(qWithQSCD) || has(qQSCDManaged)) && !has(qNoSSCD) && !has(qNoQSCD)
	foreSeals := slices.Contains(st.AdditionalInfo, ForeSeals)
	check := func(ok bool, yes, no string) {
		if ok {
			why = append(why, yes)
		} else {
			why = append(why, no)
		}
	}
	check(compliant, "qualified certificate (QcCompliance): yes", "qualified certificate (QcCompliance): no")
	check(eseal, "certificate for electronic seals (QcType eseal): yes", "certificate for electronic seals (QcType eseal): no")
	check(sscd, "key in a qualified seal creation device (QcSSCD): yes", "key in a qualified seal creation device (QcSSCD): no")
	check(foreSeals, "service grants qualified certificates for eSeals (ForeSeals): yes", "service grants qualified certificates for eSeals (ForeSeals): no")
	if compliant && eseal && sscd && foreSeals {
		return LevelQualified, why
	}
	return LevelAdvanced, append(why, "chains to a CA/QC service in force but is not a qualified eSeal: advanced")
}

// applicableQualifiers returns the qualifiers of the state's qualification
// elements whose criteria the certificate meets.
func applicableQualifiers(c *x509.Certificate, st *State) []string {
	var out []string
	for _, q := range st.Qualifications {
		if q.Unknown || !q.matches(c) {
			continue
		}
		out = append(out, q.Qualifiers...)
	}
	return out
}

var keyUsageBits = map[string]x509.KeyUsage{
	"digitalSignature": x509.KeyUsageDigitalSignature,
	"nonRepudiation":   x509.KeyUsageContentCommitment,
	"keyEncipherment":  x509.KeyUsageKeyEncipherment,
	"dataEncipherment": x509.KeyUsageDataEncipherment,
	"keyAgreement":     x509.KeyUsageKeyAgreement,
	"keyCertSign":      x509.KeyUsageCertSign,
	"crlSign":          x509.KeyUsageCRLSign,
	"encipherOnly":     x509.KeyUsageEncipherOnly,
	"decipherOnly":     x509.KeyUsageDecipherOnly,
}

func (q *Qualification) matches(c *x509.Certificate) bool {
	var results []bool
	for _, ku := range q.KeyUsage {
		ok := true
		for name, want := range ku {
			bit, known := keyUsageBits[name]
			if !known || (c.KeyUsage&bit != 0) != want {
				ok = false
			}
		}
		results = append(results, ok)
	}
	for _, set := range q.Policies {
		ok := true
		for _, oid := range set {
			found := false
			for _, p := range c.PolicyIdentifiers {
				if p.String() == oid {
					found = true
				}
			}
			ok = ok && found
		}
		results = append(results, ok)
	}
	if len(results) == 0 {
		return q.Assert == "all" || q.Assert == "none"
	}
	switch q.Assert {
	case "atLeastOne":
		return slices.Contains(results, true)
	case "none":
		return !slices.Contains(results, true)
	default:
		return !slices.Contains(results, false)
	}
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
