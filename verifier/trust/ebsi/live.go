package ebsi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// maxFetched bounds the attributes fetched for one chain: the issuer's and
// its accreditors' up to maxDepth links, a few per link.
const maxFetched = 32

// NewLiveSource returns a source that holds no snapshot and fetches every
// chain through c: NewSource of an empty snapshot with opts.Live set to c.
func NewLiveSource(c *Client, opts Options) *Source {
	opts.Live = c
	snap := &Snapshot{Name: "live " + c.Host()}
	_ = snap.index() // an empty snapshot with a name always indexes
	return NewSource(snap, opts)
}

// trustLive answers for an issuer the snapshot does not hold: it fetches the
// issuer's attribute (the one the credential's IssuanceCertificate names,
// or else its whole record) and its accreditors' up the chain, and the
// accreditors' DID documents, into a snapshot of its own, and walks it with
// exactly the checks of a snapshot. Records the snapshot holds are taken
// from it, not fetched.
//
// An issuer the registry does not hold (404), or a record that does not
// check (its hash, its form), is an answer; a registry that cannot be
// reached, answers over the size limit or redirects elsewhere is an error.
func (s *Source) trustLive(ctx context.Context, q verifier.TrustQuery, f facts) (*verifier.TrustAnswer, error) {
	c := s.opts.Live
	name := "ebsi-tir:" + c.Host()
	snap, fetched, err := s.gather(ctx, q.Issuer, f.terms)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var reason string
		switch {
		case errors.Is(err, ErrNotFound):
			reason = fmt.Sprintf("not trusted: %s is not in the Trusted Issuers Registry at %s (%v)", q.Issuer, c.BaseURL(), err)
		case errors.Is(err, trust.ErrSignature), errors.Is(err, trust.ErrMalformed):
			reason = fmt.Sprintf("not trusted: a record of the Trusted Issuers Registry at %s does not check: %v", c.BaseURL(), err)
		default:
			return nil, fmt.Errorf("ebsi-tir %s: %w", c.Host(), err)
		}
		steps := trust.Steps{"issuer " + q.Issuer + " is not in the snapshot; asking the Trusted Issuers Registry at " + c.BaseURL()}
		steps.Add(reason)
		return &verifier.TrustAnswer{Source: name, Reason: reason, Steps: steps}, nil
	}
	sub := NewSource(snap, Options{Roots: s.opts.Roots, Now: s.opts.Now})
	a, err := sub.Trust(ctx, q)
	if a != nil {
		a.Source = name
		steps := make([]string, 0, len(a.Steps)+len(fetched))
		steps = append(steps, a.Steps[:1]...)
		steps = append(steps, fetched...)
		a.Steps = append(steps, a.Steps[1:]...)
	}
	return a, err
}

// want is a record to fetch: one attribute of an issuer, or (id empty) the
// issuer's whole record.
type want struct{ did, id string }

// gather fetches the records of a chain: hop by hop, the attributes wanted,
// then for each the accreditor's attribute its termsOfUse names (or the
// accreditor's record), until RootTAO attributes, self-issued ones, or
// maxDepth hops. A 404 for the issuer itself is returned; one further up is
// left for the walk to report. It returns the snapshot and the steps saying
// what was fetched.
func (s *Source) gather(ctx context.Context, issuer string, terms []ref) (*Snapshot, []string, error) {
	c := s.opts.Live
	var queue []want
	for _, r := range terms {
		if r.Type != "IssuanceCertificate" {
			continue
		}
		if d, id, ok := parseAttrURL(r.ID); ok && d == issuer {
			queue = append(queue, want{d, id})
		}
	}
	if len(queue) == 0 {
		queue = append(queue, want{did: issuer})
	}
	seen := map[want]bool{}
	byDID := map[string]*Issuer{}
	var order []string
	needDoc := map[string]bool{}
	var docOrder []string
	var fetched, local []string
	add := func(d string, as []Attribute) {
		is := byDID[d]
		if is == nil {
			is = &Issuer{DID: d}
			byDID[d] = is
			order = append(order, d)
		}
	next:
		for _, a := range as {
			for _, b := range is.Attributes {
				if b.Hash == a.Hash {
					continue next
				}
			}
			is.Attributes = append(is.Attributes, a)
		}
	}
	for hop := 0; len(queue) > 0 && hop <= maxDepth; hop++ {
		var next []want
		for _, w := range queue {
			if seen[w] {
				continue
			}
			seen[w] = true
			if len(seen) > maxFetched {
				return nil, fetched, fmt.Errorf("%w: the chain of %s needs more than %d records", ErrFetch, issuer, maxFetched)
			}
			var as []Attribute
			if ix := s.byDID[w.did]; ix != nil {
				// The snapshot holds this issuer: its records, not the registry's.
				for _, l := range ix.links {
					as = append(as, *l.attr)
				}
				local = append(local, short(w.did))
			} else if w.id != "" {
				a, err := c.Attribute(ctx, w.did, w.id)
				if err != nil {
					if errors.Is(err, ErrNotFound) && hop > 0 {
						continue
					}
					return nil, fetched, err
				}
				as = []Attribute{*a}
				fetched = append(fetched, "attribute "+shortHash(w.id)+" of "+short(w.did))
			} else {
				is, err := c.Issuer(ctx, w.did)
				if err != nil {
					if errors.Is(err, ErrNotFound) && hop > 0 {
						continue
					}
					return nil, fetched, err
				}
				as = is.Attributes
				fetched = append(fetched, fmt.Sprintf("issuer record of %s (%d attributes)", short(w.did), len(as)))
			}
			add(w.did, as)
			for _, a := range as {
				cl, err := peek(a.Body)
				if err != nil || cl.Iss == "" {
					continue // the walk reports it
				}
				if !needDoc[cl.Iss] {
					needDoc[cl.Iss] = true
					docOrder = append(docOrder, cl.Iss)
				}
				if a.IssuerType == TypeRootTAO || a.IssuerType == TypeRevoked || cl.Iss == w.did {
					continue
				}
				nw := want{did: cl.Iss}
				for _, r := range oneOrMany[ref](cl.VC.TermsOfUse) {
					if d, id, ok := parseAttrURL(r.ID); ok && d == cl.Iss {
						nw.id = id
						break
					}
				}
				next = append(next, nw)
			}
		}
		queue = next
	}
	snap := &Snapshot{Name: "live " + c.Host()}
	for _, d := range order {
		snap.Issuers = append(snap.Issuers, *byDID[d])
	}
	var fromRegistry []string
	for _, d := range docOrder {
		if doc := s.snap.docs[d]; doc != nil {
			raw, err := json.Marshal(doc)
			if err != nil {
				return nil, fetched, fmt.Errorf("%w: the snapshot's DID document of %s: %v", trust.ErrMalformed, d, err)
			}
			snap.DIDDocuments = append(snap.DIDDocuments, raw)
			continue
		}
		if c.didRegistry == nil {
			continue // the walk reports the missing key
		}
		_, raw, err := c.document(ctx, d)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fetched, err
		}
		snap.DIDDocuments = append(snap.DIDDocuments, raw)
		fromRegistry = append(fromRegistry, short(d))
	}
	var steps []string
	if len(fetched) > 0 {
		steps = append(steps, "fetched from the Trusted Issuers Registry at "+c.BaseURL()+": "+strings.Join(fetched, ", "))
	}
	if len(local) > 0 {
		steps = append(steps, "taken from the snapshot: the records of "+strings.Join(local, ", "))
	}
	if len(fromRegistry) > 0 {
		steps = append(steps, "fetched from the DID registry at "+c.didRegistry.String()+": the DID documents of "+strings.Join(fromRegistry, ", "))
	}
	if err := snap.index(); err != nil {
		return nil, steps, err
	}
	return snap, steps, nil
}
