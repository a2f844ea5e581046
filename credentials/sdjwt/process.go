package sdjwt

import (
	"fmt"
	"sort"
)

// Processed is the result of checking an SD-JWT's Disclosures against the
// digests in its payload (RFC 9901 section 7.1).
type Processed struct {
	// Claims is the payload with every disclosed claim put back in place,
	// _sd, _sd_alg and undisclosed array entries removed.
	Claims map[string]any
	// Disclosed lists, for each Disclosure in order, the path of the claim
	// it disclosed in Claims.
	Disclosed []DisclosedClaim
}

// DisclosedClaim pairs a Disclosure with where its value landed.
type DisclosedClaim struct {
	Path       Path
	Disclosure *Disclosure
}

// Process checks the Disclosures against the payload digests and rebuilds the
// claims: every digest appears at most once in the payload and the disclosed
// values, every Disclosure is referenced exactly once, object disclosures
// only from _sd and array-element disclosures only from {"...": digest}, no
// disclosed name collides with a claim already present, and _sd holds only
// strings. It does not verify the signature. Errors wrap
// credentials.ErrInvalidProof (forged, repeated or extra disclosures, reused
// digests) or ErrMalformed (a malformed _sd or ... entry).
func (s *SDJWT) Process() (*Processed, error) {
	proc, err := s.process()
	if err != nil {
		return nil, fmt.Errorf("sd-jwt: %w", err)
	}
	return proc, nil
}

func (s *SDJWT) process() (*Processed, error) {
	p := &processor{byDigest: make(map[string]int, len(s.Disclosures)), seen: map[string]bool{}, used: make([]bool, len(s.Disclosures))}
	for i, d := range s.Disclosures {
		if j, dup := p.byDigest[d.Digest]; dup {
			return nil, invalid("disclosure %d repeats disclosure %d", i+1, j+1)
		}
		p.byDigest[d.Digest] = i
	}
	p.disc = s.Disclosures
	p.paths = make([]Path, len(s.Disclosures))
	out, err := p.object(s.Payload, Path{}, true)
	if err != nil {
		return nil, err
	}
	res := &Processed{Claims: out}
	for i, d := range s.Disclosures {
		if !p.used[i] {
			return nil, invalid("disclosure %d (digest %s) is not referenced by any digest in the payload", i+1, d.Digest)
		}
		res.Disclosed = append(res.Disclosed, DisclosedClaim{Path: p.paths[i], Disclosure: d})
	}
	return res, nil
}

// DisclosedPaths returns the String form of every disclosed claim path,
// sorted.
func (p *Processed) DisclosedPaths() []string {
	out := make([]string, len(p.Disclosed))
	for i, d := range p.Disclosed {
		out[i] = d.Path.String()
	}
	sort.Strings(out)
	return out
}

type processor struct {
	disc     []*Disclosure
	byDigest map[string]int
	seen     map[string]bool
	used     []bool
	paths    []Path
}

func (p *processor) value(v any, at Path) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		return p.object(t, at, false)
	case []any:
		return p.array(t, at)
	}
	return v, nil
}

func (p *processor) claim(d string, at Path) (int, bool, error) {
	if p.seen[d] {
		return 0, false, invalid("digest %s appears more than once (at %s)", d, at)
	}
	p.seen[d] = true
	i, ok := p.byDigest[d]
	return i, ok, nil
}

func (p *processor) object(m map[string]any, at Path, top bool) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k == "_sd" || top && k == "_sd_alg" {
			continue
		}
		pv, err := p.value(v, at.child(k))
		if err != nil {
			return nil, err
		}
		out[k] = pv
	}
	raw, ok := m["_sd"]
	if !ok {
		return out, nil
	}
	digests, ok := raw.([]any)
	if !ok {
		return nil, malformed("%s._sd is not an array", at)
	}
	for _, e := range digests {
		d, ok := e.(string)
		if !ok {
			return nil, malformed("%s._sd holds a non-string entry", at)
		}
		i, found, err := p.claim(d, at)
		if err != nil {
			return nil, err
		}
		if !found {
			continue // a decoy or an undisclosed claim
		}
		disc := p.disc[i]
		if disc.ArrayElement {
			return nil, invalid("disclosure %d is an array element but its digest is in %s._sd", i+1, at)
		}
		if _, exists := out[disc.Name]; exists {
			return nil, invalid("disclosure %d discloses %q, which %s already has", i+1, disc.Name, at)
		}
		where := at.child(disc.Name)
		pv, err := p.value(disc.Value, where)
		if err != nil {
			return nil, err
		}
		out[disc.Name] = pv
		p.used[i] = true
		p.paths[i] = where
	}
	return out, nil
}

func (p *processor) array(a []any, at Path) ([]any, error) {
	out := make([]any, 0, len(a))
	for _, e := range a {
		if m, ok := e.(map[string]any); ok && len(m) == 1 {
			if raw, ok := m["..."]; ok {
				d, ok := raw.(string)
				if !ok {
					return nil, malformed("%s: array entry {\"...\": ...} holds a non-string digest", at)
				}
				i, found, err := p.claim(d, at)
				if err != nil {
					return nil, err
				}
				if !found {
					continue // undisclosed element or decoy: removed
				}
				disc := p.disc[i]
				if !disc.ArrayElement {
					return nil, invalid("disclosure %d names claim %q but its digest is an array entry in %s", i+1, disc.Name, at)
				}
				where := at.child(len(out))
				pv, err := p.value(disc.Value, where)
				if err != nil {
					return nil, err
				}
				out = append(out, pv)
				p.used[i] = true
				p.paths[i] = where
				continue
			}
		}
		pv, err := p.value(e, at.child(len(out)))
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}
