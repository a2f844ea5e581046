package wallet

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Import stores a credential received outside OpenID4VCI (by e-mail, as a
// download), after verifying it like a received one: authentic, valid, not
// revoked, and from a trusted issuer unless accept. When it is bound to a
// key of this wallet (its subject is one of the wallet's DIDs, or its cnf
// key one of the wallet's keys) it can be presented; else it can be
// exported and shown only. name is where it came from (a file name).
func (w *Wallet) Import(ctx context.Context, raw []byte, name string, accept bool) (*Credential, *verifier.Report, error) {
	raw = bytes.TrimSpace(raw)
	format, err := formatOf(raw)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range mustList(w) {
		for _, cp := range c.Copies {
			if cp.SHA256 == digest(raw) {
				return nil, nil, fmt.Errorf("this credential is already in the wallet as %s: %w", c.ID, keys.ErrExists)
			}
		}
	}
	origin := "file " + filepath.Base(name)
	if name == "-" {
		origin = "standard input"
	}
	c := &Credential{ID: newID(), Format: format, Received: w.now().UTC(), Origin: origin}
	rep, err := w.assess(ctx, c, raw)
	if err != nil {
		return nil, nil, err
	}
	if err := refused(c, rep, accept, "stored"); err != nil {
		return nil, rep, err
	}
	cp := Copy{SHA256: digest(raw)}
	dids, cnf, err := binding(format, raw)
	if err != nil {
		return nil, rep, err
	}
	if cp.HolderKey, cp.HolderKeyID, err = w.holderOf(dids, cnf); err != nil {
		return nil, rep, err
	}
	c.Copies = []Copy{cp}
	if err := w.put(c, [][]byte{raw}); err != nil {
		return nil, rep, err
	}
	return c, rep, nil
}

func mustList(w *Wallet) []*Credential {
	l, _ := w.List()
	return l
}

// Check verifies credential c again as it is stored (its first copy: the
// copies share one status), status lists and trust included, and records
// the result. The report says what was found.
func (w *Wallet) Check(ctx context.Context, c *Credential) (*verifier.Report, error) {
	raw, err := w.Raw(c, 0)
	if err != nil {
		return nil, err
	}
	probe := *c
	rep, err := w.assess(ctx, &probe, raw)
	if err != nil {
		return nil, err
	}
	err = w.update(c.ID, func(s *Credential) {
		s.Status, s.Trusted, s.TrustSource = probe.Status, probe.Trusted, probe.TrustSource
		if probe.Trusted {
			s.IssuerName = probe.IssuerName
		}
	})
	if err != nil {
		return nil, err
	}
	c.Status, c.Trusted, c.TrustSource = probe.Status, probe.Trusted, probe.TrustSource
	return rep, nil
}

// Report verifies credential c as it is stored, offline (no status list is
// fetched: the status check is then reported as unavailable), for showing
// what it certifies. Nothing is recorded.
func (w *Wallet) Report(ctx context.Context, c *Credential) (*verifier.Report, error) {
	raw, err := w.Raw(c, 0)
	if err != nil {
		return nil, err
	}
	return w.offline.Verify(ctx, raw, verifier.Request{})
}
