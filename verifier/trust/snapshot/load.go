package snapshot

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
	"github.com/diplomat-edu/diplomat/verifier/trust/ebsi"
	"github.com/diplomat-edu/diplomat/verifier/trust/etsi"
	"github.com/diplomat-edu/diplomat/verifier/trust/lote"
)

// ImportOptions are what an import needs besides the file. The zero value
// pins nothing, allows no grace period and uses time.Now.
type ImportOptions struct {
	// Pinned certificates: the LOTL's signers, a national list's signers
	// when no LOTL is held, or a LoTE's signer (or its CA).
	Pinned []*x509.Certificate
	// Roots are the EBSI root DIDs kept with a TIR snapshot.
	Roots []string
	// AllowUnsigned accepts a plain-JSON LoTE.
	AllowUnsigned bool
	// AcceptPlainXMLDSig accepts an ETSI trusted list signed with plain
	// XML-DSig, without XAdES SignedProperties (see
	// etsi.ImportOptions.AcceptPlainXMLDSig). False: such a list is refused.
	AcceptPlainXMLDSig bool
	// Grace is how long past NextUpdate a list is still accepted.
	Grace time.Duration
	// Now is the evaluation time. Nil means time.Now.
	Now func() time.Time
}

func (o ImportOptions) now() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

// ImportETSI checks a LOTL or national trusted list and stores it. A
// national list is checked against the held LOTL's pointer when a LOTL is
// held, else against opts.Pinned. On any error nothing changes.
func (s *Store) ImportETSI(data []byte, opts ImportOptions) (Meta, bool, error) {
	io := etsi.ImportOptions{Pinned: opts.Pinned, Now: opts.now(), Grace: opts.Grace, AcceptPlainXMLDSig: opts.AcceptPlainXMLDSig}
	claimed, err := etsi.Parse(data, 0)
	if err != nil {
		return Meta{}, false, err
	}
	if !claimed.IsLOTL() {
		held, err := s.Get(KindLOTL, "EU")
		switch {
		case err == nil:
			lotl, err := etsi.Parse(held.Data, 0)
			if err != nil {
				return Meta{}, false, fmt.Errorf("the held LOTL: %w", err)
			}
			io.LOTL = lotl
		case !errors.Is(err, ErrNotFound):
			return Meta{}, false, err
		}
	}
	l, sig, err := etsi.Import(data, io)
	if err != nil {
		return Meta{}, false, err
	}
	kind, name := KindTL, l.Territory
	if l.IsLOTL() {
		kind = KindLOTL
	}
	if name == "" {
		name = "unnamed"
	}
	m := Meta{Kind: kind, Name: name, Sequence: l.SequenceNumber, Issued: l.IssueDate, NextUpdate: l.NextUpdate, Entities: len(l.Providers)}
	if l.IsLOTL() {
		m.Entities = len(l.Pointers)
	}
	if sig.Signer != nil {
		m.Signer = certname.String(sig.Signer.Subject)
	}
	replaced, err := s.Put(Snapshot{Meta: m, Data: data})
	return m, replaced, err
}

// ImportEBSI checks a TIR snapshot (form and attribute hashes) and stores it
// with opts.Roots.
func (s *Store) ImportEBSI(data []byte, opts ImportOptions) (Meta, bool, error) {
	snap, err := ebsi.Import(data)
	if err != nil {
		return Meta{}, false, err
	}
	if len(opts.Roots) == 0 {
		return Meta{}, false, fmt.Errorf("%w: give the root DID(s) that authorise RootTAOs", trust.ErrNotPinned)
	}
	m := Meta{Kind: KindEBSI, Name: snap.Name, Sequence: snap.Sequence, Issued: snap.Issued, Entities: len(snap.Issuers), Roots: opts.Roots}
	replaced, err := s.Put(Snapshot{Meta: m, Data: data})
	return m, replaced, err
}

// ImportLoTE checks a list of trusted entities and stores it.
func (s *Store) ImportLoTE(data []byte, opts ImportOptions) (Meta, bool, error) {
	l, signer, err := lote.Import(data, lote.ImportOptions{Pinned: opts.Pinned, AllowUnsigned: opts.AllowUnsigned, Now: opts.now(), Grace: opts.Grace})
	if err != nil {
		return Meta{}, false, err
	}
	name := l.Name
	if name == "" {
		name = l.Territory + " " + trust.LastSegment(l.Type)
	}
	m := Meta{Kind: KindLoTE, Name: name, Sequence: l.Sequence, Issued: l.Issued, NextUpdate: l.NextUpdate, Entities: len(l.Entities)}
	if signer != nil {
		m.Signer = certname.String(signer.Subject)
		for _, p := range opts.Pinned {
			m.Pinned = append(m.Pinned, base64.StdEncoding.EncodeToString(p.Raw))
		}
	}
	replaced, err := s.Put(Snapshot{Meta: m, Data: data})
	return m, replaced, err
}

// LoadOptions configure the sources Load builds. The zero value accepts
// qualified eSeals only, allows no grace period and uses time.Now.
type LoadOptions struct {
	// Accept is the lowest eSeal level trusted: etsi.LevelQualified (zero
	// value) or etsi.LevelAdvanced.
	Accept string
	// Grace is how long past NextUpdate a list is still used.
	Grace time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// Sources are the trust sources built from the held snapshots. Sources
// implements verifier.TrustSource by asking each source in turn.
type Sources struct {
	ETSI *etsi.Source   // nil when no national list is held
	EBSI []*ebsi.Source // one per TIR snapshot
	LoTE *lote.Source   // nil when no LoTE is held
}

var _ verifier.TrustSource = (*Sources)(nil)

// Load reads every snapshot and builds the sources. A snapshot that no
// longer parses is an error (the store is corrupt), not a silent gap.
func (s *Store) Load(opts LoadOptions) (*Sources, error) {
	all, err := s.All("")
	if err != nil {
		return nil, err
	}
	out := &Sources{}
	var tls []*etsi.List
	var lotes []*lote.List
	for _, snap := range all {
		switch snap.Kind {
		case KindTL:
			l, err := etsi.Parse(snap.Data, 0)
			if err != nil {
				return nil, fmt.Errorf("trust snapshot %s %s: %w", snap.Kind, snap.Name, err)
			}
			tls = append(tls, l)
		case KindEBSI:
			sn, err := ebsi.Parse(snap.Data)
			if err != nil {
				return nil, fmt.Errorf("trust snapshot %s %s: %w", snap.Kind, snap.Name, err)
			}
			out.EBSI = append(out.EBSI, ebsi.NewSource(sn, ebsi.Options{Roots: snap.Roots, Now: opts.Now}))
		case KindLoTE:
			l, err := lote.ReadStored(snap.Data)
			if err != nil {
				return nil, fmt.Errorf("trust snapshot %s %s: %w", snap.Kind, snap.Name, err)
			}
			lotes = append(lotes, l)
		}
	}
	if len(tls) > 0 {
		out.ETSI = etsi.NewSource(tls, etsi.Options{Accept: opts.Accept, Now: opts.Now, Grace: opts.Grace})
	}
	if len(lotes) > 0 {
		out.LoTE = lote.NewSource(lotes, lote.Options{Now: opts.Now, Grace: opts.Grace})
	}
	return out, nil
}

// All returns the sources held, in the order Trust asks them.
func (s *Sources) All() []verifier.TrustSource {
	var out []verifier.TrustSource
	if s.ETSI != nil {
		out = append(out, s.ETSI)
	}
	for _, e := range s.EBSI {
		out = append(out, e)
	}
	if s.LoTE != nil {
		out = append(out, s.LoTE)
	}
	return out
}

// Explain asks every source and returns every answer.
func (s *Sources) Explain(ctx context.Context, q verifier.TrustQuery) ([]*verifier.TrustAnswer, error) {
	var out []*verifier.TrustAnswer
	for _, src := range s.All() {
		a, err := src.Trust(ctx, q)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Trust asks each source in turn and returns the first trusted answer; when
// none trusts the issuer, the answer of the source that knew the most (one
// that named an entity), or else the first. With no source held, the answer
// says so.
func (s *Sources) Trust(ctx context.Context, q verifier.TrustQuery) (*verifier.TrustAnswer, error) {
	answers, err := s.Explain(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(answers) == 0 {
		r := "not trusted: no European trust list is imported"
		return &verifier.TrustAnswer{Source: "european-trust", Reason: r, Steps: []string{r}}, nil
	}
	for _, a := range answers {
		if a.Trusted {
			return a, nil
		}
	}
	for _, a := range answers {
		if a.Entity != "" {
			return a, nil
		}
	}
	return answers[0], nil
}
