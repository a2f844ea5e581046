package lote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/internal/certpath"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// DefaultMaxBytes bounds a list.
const DefaultMaxBytes = 8 << 20

// List is a list of trusted entities as read.
type List struct {
	// Type is the normalised LoTEType.
	Type string
	// Name is the scheme name (English if given), Operator the scheme
	// operator's name, Territory the scheme territory.
	Name, Operator, Territory string
	Sequence                  int64
	Issued, NextUpdate        time.Time
	Entities                  []Entity
}

// Entity is one trusted entity.
type Entity struct {
	Name    string
	Country string
	// Services are the entity's services.
	Services []Service
}

// Service is one service of an entity and its digital identity.
type Service struct {
	Type         string // normalised ServiceTypeIdentifier
	Name         string
	Status       string // normalised ServiceStatus; empty when the list gives none
	Certificates []*x509.Certificate
}

type multiLang struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

func pick(ms []multiLang) string {
	for _, m := range ms {
		if m.Lang == "en" {
			return m.Value
		}
	}
	if len(ms) > 0 {
		return ms[0].Value
	}
	return ""
}

type postal struct {
	Country string `json:"Country"`
}

type identity struct {
	X509Certificates []struct {
		Val string `json:"val"`
	} `json:"X509Certificates"`
}

type serviceInfo struct {
	ServiceTypeIdentifier  string      `json:"ServiceTypeIdentifier"`
	ServiceName            []multiLang `json:"ServiceName"`
	ServiceDigitalIdentity identity    `json:"ServiceDigitalIdentity"`
	ServiceStatus          string      `json:"ServiceStatus"`
}

type wire struct {
	LoTE *struct {
		ListAndSchemeInformation *struct {
			LoTESequenceNumber *int64      `json:"LoTESequenceNumber"`
			LoTEType           string      `json:"LoTEType"`
			SchemeOperatorName []multiLang `json:"SchemeOperatorName"`
			SchemeName         []multiLang `json:"SchemeName"`
			SchemeTerritory    string      `json:"SchemeTerritory"`
			ListIssueDateTime  string      `json:"ListIssueDateTime"`
			NextUpdate         string      `json:"NextUpdate"`
		} `json:"ListAndSchemeInformation"`
		TrustedEntitiesList []struct {
			TrustedEntityInformation struct {
				TEName    []multiLang `json:"TEName"`
				TEAddress struct {
					TEPostalAddress []postal `json:"TEPostalAddress"`
				} `json:"TEAddress"`
			} `json:"TrustedEntityInformation"`
			TrustedEntityServices []struct {
				ServiceInformation serviceInfo `json:"ServiceInformation"`
			} `json:"TrustedEntityServices"`
		} `json:"TrustedEntitiesList"`
	} `json:"LoTE"`
}

// Parse reads a list's JSON (not a JWS) without any signature check.
// Errors wrap trust.ErrMalformed.
func Parse(data []byte) (*List, error) {
	var w wire
	if err := jsonx.Decode(data, &w, jsonx.Limits{MaxBytes: DefaultMaxBytes, MaxDepth: 32}); err != nil {
		return nil, fmt.Errorf("%w: %v", trust.ErrMalformed, err)
	}
	if w.LoTE == nil || w.LoTE.ListAndSchemeInformation == nil {
		return nil, fmt.Errorf("%w: no LoTE.ListAndSchemeInformation", trust.ErrMalformed)
	}
	si := w.LoTE.ListAndSchemeInformation
	if si.LoTESequenceNumber == nil || *si.LoTESequenceNumber < 0 {
		return nil, fmt.Errorf("%w: LoTE.ListAndSchemeInformation.LoTESequenceNumber is missing or negative", trust.ErrMalformed)
	}
	l := &List{
		Type:      trust.NormalizeURI(si.LoTEType),
		Name:      pick(si.SchemeName),
		Operator:  pick(si.SchemeOperatorName),
		Territory: strings.ToUpper(si.SchemeTerritory),
		Sequence:  *si.LoTESequenceNumber,
	}
	var err error
	if l.Issued, err = date(si.ListIssueDateTime, "ListIssueDateTime"); err != nil {
		return nil, err
	}
	if l.NextUpdate, err = date(si.NextUpdate, "NextUpdate"); err != nil {
		return nil, err
	}
	for i, te := range w.LoTE.TrustedEntitiesList {
		e := Entity{Name: pick(te.TrustedEntityInformation.TEName)}
		if e.Name == "" {
			return nil, fmt.Errorf("%w: LoTE.TrustedEntitiesList[%d] has no TEName", trust.ErrMalformed, i)
		}
		if pa := te.TrustedEntityInformation.TEAddress.TEPostalAddress; len(pa) > 0 {
			e.Country = strings.ToUpper(pa[0].Country)
		}
		for j, s := range te.TrustedEntityServices {
			si := s.ServiceInformation
			svc := Service{Type: trust.NormalizeURI(si.ServiceTypeIdentifier), Name: pick(si.ServiceName), Status: trust.NormalizeURI(si.ServiceStatus)}
			for k, c := range si.ServiceDigitalIdentity.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(c.Val)
				if err != nil {
					return nil, fmt.Errorf("%w: TrustedEntitiesList[%d].TrustedEntityServices[%d]...X509Certificates[%d] is not base64", trust.ErrMalformed, i, j, k)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, fmt.Errorf("%w: TrustedEntitiesList[%d].TrustedEntityServices[%d]...X509Certificates[%d]: %v", trust.ErrMalformed, i, j, k, err)
				}
				svc.Certificates = append(svc.Certificates, cert)
			}
			e.Services = append(e.Services, svc)
		}
		l.Entities = append(l.Entities, e)
	}
	return l, nil
}

func date(s, where string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: LoTE.ListAndSchemeInformation.%s %q is not a date-time", trust.ErrMalformed, where, s)
	}
	return t.UTC(), nil
}

// ImportOptions say how Import checks a list. The zero value refuses every
// list: no certificate is pinned and plain lists are not allowed.
type ImportOptions struct {
	// Pinned are the certificates a JWS list's signer must be, or chain to.
	Pinned []*x509.Certificate
	// AllowUnsigned accepts a plain JSON list, which has no signature to
	// check: the operator vouches for the file.
	AllowUnsigned bool
	// Now is the evaluation time. Nil means time.Now.
	Now func() time.Time
	// Grace is how long after its NextUpdate a list is still accepted.
	Grace time.Duration
}

var allowedAlgs = map[jwa.SignatureAlgorithm]bool{
	jwa.ES256: true, jwa.ES384: true, jwa.ES512: true,
	jwa.RS256: true, jwa.RS384: true, jwa.RS512: true,
	jwa.PS256: true, jwa.PS384: true, jwa.PS512: true,
}

// Import checks and reads a list: a compact JWS is verified with the
// certificate of its x5c (or the pinned certificate its x5t#S256 names),
// which must be pinned or chain to a pinned certificate at opts.Now; a plain
// JSON list needs opts.AllowUnsigned. It returns the list, the data that
// should be stored (the input), and the signer (nil for a plain list).
//
// Errors wrap trust.ErrMalformed, trust.ErrSignature, trust.ErrNotPinned or
// trust.ErrExpired.
func Import(data []byte, opts ImportOptions) (*List, *x509.Certificate, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	at := now()
	data = bytes.TrimSpace(data)
	var (
		payload []byte
		signer  *x509.Certificate
		err     error
	)
	if len(data) > 0 && data[0] == '{' {
		if !opts.AllowUnsigned {
			return nil, nil, fmt.Errorf("%w: the list is plain JSON with no signature; import a signed (JWS) list, or accept this one explicitly as unsigned", trust.ErrSignature)
		}
		payload = data
	} else {
		payload, signer, err = verifyJWS(data, opts.Pinned, at)
		if err != nil {
			return nil, nil, err
		}
	}
	l, err := Parse(payload)
	if err != nil {
		return nil, nil, err
	}
	if !l.NextUpdate.IsZero() && at.After(l.NextUpdate.Add(opts.Grace)) {
		return nil, nil, fmt.Errorf("%w: the list's NextUpdate was %s, and it is now %s", trust.ErrExpired, l.NextUpdate.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	return l, signer, nil
}

// ReadStored reads a list as Import stored it (plain JSON or a JWS already
// verified), without checking the signature again.
func ReadStored(data []byte) (*List, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		return Parse(data)
	}
	msg, err := jws.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", trust.ErrMalformed, err)
	}
	return Parse(msg.Payload())
}

func verifyJWS(data []byte, pinned []*x509.Certificate, at time.Time) ([]byte, *x509.Certificate, error) {
	if len(pinned) == 0 {
		return nil, nil, fmt.Errorf("%w: pin the certificate that signs this list", trust.ErrNotPinned)
	}
	if len(data) > DefaultMaxBytes {
		return nil, nil, fmt.Errorf("%w: the list is larger than %d bytes", trust.ErrMalformed, DefaultMaxBytes)
	}
	msg, err := jws.Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: not JSON and not a compact JWS: %v", trust.ErrMalformed, err)
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return nil, nil, fmt.Errorf("%w: the JWS has %d signatures, want one", trust.ErrMalformed, len(sigs))
	}
	h := sigs[0].ProtectedHeaders()
	alg := h.Algorithm()
	if !allowedAlgs[alg] {
		return nil, nil, fmt.Errorf("%w: JWS alg %q is not allowed (ES*, RS*, PS* only)", trust.ErrSignature, alg)
	}
	if len(h.Critical()) > 0 {
		return nil, nil, fmt.Errorf("%w: JWS header crit %v names parameters Diplomat does not understand", trust.ErrSignature, h.Critical())
	}
	var chain []*x509.Certificate
	if c := h.X509CertChain(); c != nil {
		for i := 0; i < c.Len(); i++ {
			b, _ := c.Get(i)
			der, err := base64.StdEncoding.DecodeString(string(b))
			if err != nil {
				return nil, nil, fmt.Errorf("%w: JWS header x5c[%d] is not base64", trust.ErrMalformed, i)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: JWS header x5c[%d]: %v", trust.ErrMalformed, i, err)
			}
			chain = append(chain, cert)
		}
	}
	thumb := h.X509CertThumbprintS256()
	var signer *x509.Certificate
	switch {
	case len(chain) > 0:
		signer = chain[0]
		if thumb != "" && thumb != s256(signer) {
			return nil, nil, fmt.Errorf("%w: JWS header x5t#S256 does not match the x5c certificate", trust.ErrSignature)
		}
	case thumb != "":
		for _, p := range pinned {
			if s256(p) == thumb {
				signer = p
			}
		}
		if signer == nil {
			return nil, nil, fmt.Errorf("%w: JWS header x5t#S256 names no pinned certificate", trust.ErrSignature)
		}
	default:
		return nil, nil, fmt.Errorf("%w: the JWS header has neither x5c nor x5t#S256", trust.ErrSignature)
	}
	if err := pinnedOrChained(signer, chain, pinned, at); err != nil {
		return nil, nil, err
	}
	payload, err := jws.Verify(data, jws.WithKey(alg, signer.PublicKey))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the JWS signature does not verify with %s: %v", trust.ErrSignature, signer.Subject.CommonName, err)
	}
	return payload, signer, nil
}

func pinnedOrChained(signer *x509.Certificate, chain, pinned []*x509.Certificate, at time.Time) error {
	if at.Before(signer.NotBefore) || at.After(signer.NotAfter) {
		return fmt.Errorf("%w: the signing certificate %s is not valid at %s", trust.ErrSignature, signer.Subject.CommonName, at.UTC().Format(time.RFC3339))
	}
	for _, p := range pinned {
		if p.Equal(signer) {
			return nil
		}
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, p := range pinned {
		roots.AddCert(p)
	}
	for _, c := range chain[min(1, len(chain)):] {
		inter.AddCert(c)
	}
	chains, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return fmt.Errorf("%w: the list is signed by %s, which is neither pinned nor issued by a pinned certificate", trust.ErrSignature, certname.String(signer.Subject))
	}
	// crypto/x509 checked the CAs; the signer's own key usage and
	// extended key usage are the path checker's.
	var last error
	for _, c := range chains {
		if last = certpath.Check(c, certpath.Signing); last == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: the list's signing path: %v", trust.ErrSignature, last)
}

func s256(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Options configure a Source. The zero value evaluates with time.Now and
// allows no grace period.
type Options struct {
	Now   func() time.Time
	Grace time.Duration
}

// Source answers trust queries from lists of trusted entities. It is safe
// for concurrent use.
type Source struct {
	opts      Options
	byCert    map[[32]byte][]hit
	bySubject map[string][]hit
	byKey     map[[32]byte][]hit
	entities  int
}

type hit struct {
	list   *List
	entity *Entity
	svc    *Service
	cert   *x509.Certificate
}

var _ verifier.TrustSource = (*Source)(nil)

// NewSource indexes the lists' service certificates.
func NewSource(lists []*List, opts Options) *Source {
	s := &Source{opts: opts, byCert: map[[32]byte][]hit{}, bySubject: map[string][]hit{}, byKey: map[[32]byte][]hit{}}
	for _, l := range lists {
		for i := range l.Entities {
			e := &l.Entities[i]
			s.entities++
			for j := range e.Services {
				svc := &e.Services[j]
				for _, c := range svc.Certificates {
					h := hit{list: l, entity: e, svc: svc, cert: c}
					s.byCert[sha256.Sum256(c.Raw)] = append(s.byCert[sha256.Sum256(c.Raw)], h)
					s.bySubject[string(c.RawSubject)] = append(s.bySubject[string(c.RawSubject)], h)
					s.byKey[sha256.Sum256(c.RawSubjectPublicKeyInfo)] = append(s.byKey[sha256.Sum256(c.RawSubjectPublicKeyInfo)], h)
				}
			}
		}
	}
	return s
}

// Entities returns the number of entities indexed.
func (s *Source) Entities() int { return s.entities }

// Trust looks for the credential's certificate chain (or, without one, its
// key) among the entities' service certificates. The error is always nil.
func (s *Source) Trust(_ context.Context, q verifier.TrustQuery) (*verifier.TrustAnswer, error) {
	var steps trust.Steps
	a := &verifier.TrustAnswer{Source: "lote"}
	finish := func(reason string) (*verifier.TrustAnswer, error) {
		a.Reason = reason
		steps.Add(reason)
		a.Steps = steps
		return a, nil
	}
	at := q.IssuedAt
	now := time.Now()
	if s.opts.Now != nil {
		now = s.opts.Now()
	}
	if at.IsZero() {
		at = now
	}
	var found *hit
	how := ""
	viaCA := false   // found is the listed CA that issued a chain certificate
	var broken error // a listed certificate the chain leads to, but through a path it does not allow
	for i, c := range q.Chain {
		if i > 0 && q.Chain[i-1].CheckSignatureFrom(c) != nil {
			return finish(fmt.Sprintf("not trusted: chain certificate %d is not issued by certificate %d: %v", i-1, i, certpath.Link(q.Chain[i-1], c)))
		}
		if hs := s.byCert[sha256.Sum256(c.Raw)]; len(hs) > 0 {
			if err := certpath.Check(q.Chain[:i+1], certpath.Signing); err != nil {
				broken = err
				continue
			}
			found, how = &hs[0], fmt.Sprintf("chain certificate %d (%s) is listed as a service certificate", i, c.Subject.CommonName)
			break
		}
		for _, h := range s.bySubject[string(c.RawIssuer)] {
			if c.CheckSignatureFrom(h.cert) != nil {
				continue
			}
			// The listed CA anchors the path: the path up to it, with
			// it, keeps the X.509 constraints.
			if err := certpath.Check(append(q.Chain[:i+1:i+1], h.cert), certpath.Signing); err != nil {
				broken = fmt.Errorf("the listed CA %s issued chain certificate %d, but %v", h.cert.Subject.CommonName, i, err)
				continue
			}
			found, viaCA = &h, true
			how = fmt.Sprintf("chain certificate %d (%s) is issued by the listed CA %s", i, c.Subject.CommonName, h.cert.Subject.CommonName)
			break
		}
		if found != nil {
			break
		}
	}
	if found == nil && broken != nil {
		return finish("not trusted: " + broken.Error())
	}
	if found == nil && len(q.Chain) == 0 && q.Key != nil {
		if spki, err := x509.MarshalPKIXPublicKey(q.Key); err == nil {
			if hs := s.byKey[sha256.Sum256(spki)]; len(hs) > 0 {
				found, how = &hs[0], "the signing key is the key of a listed service certificate"
			}
		}
	}
	if found == nil {
		return finish("not trusted: neither the credential's certificates nor its key are on an imported list of trusted entities")
	}
	steps.Add(how)
	l := found.list
	a.Source = "lote:" + l.Name
	a.Entity = found.entity.Name
	a.Country = found.entity.Country
	a.Scope = fmt.Sprintf("%s (%s)", found.svc.Name, trust.LastSegment(found.svc.Type))
	a.Status = "listed"
	if found.svc.Status != "" {
		a.Status = trust.LastSegment(found.svc.Status)
	}
	if !l.NextUpdate.IsZero() && now.After(l.NextUpdate.Add(s.opts.Grace)) {
		return finish(fmt.Sprintf("not trusted: the list %q was due for update on %s; import a current one", l.Name, l.NextUpdate.Format(time.RFC3339)))
	}
	if found.svc.Status != "" && a.Status != "granted" && a.Status != "recognised" {
		return finish(fmt.Sprintf("not trusted: the service's status is %s", a.Status))
	}
	if at.Before(found.cert.NotBefore) || at.After(found.cert.NotAfter) {
		return finish("not trusted: the listed certificate was not valid at the time of issuance")
	}
	a.Trusted = true
	a.Level = "direct"
	if viaCA {
		a.Level = "ca"
	}
	return finish(fmt.Sprintf("trusted: %s (%s) is on the list %q", a.Entity, a.Country, l.Name))
}
