package etsi

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// ImportOptions say how Import checks a list. The zero value checks nothing
// and so refuses every list (no pinned certificate).
type ImportOptions struct {
	// Pinned are the certificates allowed to sign the list: for the LOTL,
	// the signer certificates published in the Official Journal; for a
	// national list imported without a LOTL, the certificates the operator
	// pins for it directly.
	Pinned []*x509.Certificate
	// LOTL, when set, gives a national list's signer certificates: those of
	// the LOTL's pointer to the list's territory. A national list whose
	// territory the LOTL does not point to is refused.
	LOTL *List
	// Now is the evaluation time. Nil means time.Now.
	Now func() time.Time
	// Grace is how long after its NextUpdate a list is still accepted.
	// Zero means none: a list past NextUpdate is refused.
	Grace time.Duration
	// MaxBytes bounds the input; zero means DefaultMaxBytes.
	MaxBytes int
	// AcceptPlainXMLDSig also accepts a list whose signature is plain
	// XML-DSig, without the XAdES SignedProperties (and so without the
	// signed digest of the signing certificate) that ETSI TS 119 612
	// requires. The signature itself is checked all the same. False (the
	// zero value): such a list is refused. Only for test lists (the
	// reference test-trust-list-with-sig.xml is one); the EU LOTL and the
	// national lists are XAdES.
	AcceptPlainXMLDSig bool
}

// Import checks and reads a trusted list: its XML form and limits, its one
// enveloped signature against the pinned certificates (a national list's
// come from the LOTL's pointer when opts.LOTL is set), the XAdES signed
// properties (required unless opts.AcceptPlainXMLDSig) with the signing
// certificate's digest, and its NextUpdate against opts.Now plus
// opts.Grace. The list returned is read from the signed content only.
//
// Errors wrap trust.ErrMalformed (not a trusted list), trust.ErrNotPinned (no
// certificate to check the signature with), trust.ErrSignature (no signature,
// one that does not verify, or a signer that is not pinned) or
// trust.ErrExpired (past NextUpdate).
func Import(data []byte, opts ImportOptions) (*List, *Signature, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	at := now()
	root, err := readXML(data, opts.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	// Read the list once before verifying, only to find its territory and
	// so its pinned certificates; what is returned is read again from the
	// signed content.
	claimed, err := parseRoot(root)
	if err != nil {
		return nil, nil, err
	}
	pinned := opts.Pinned
	if opts.LOTL != nil && !claimed.IsLOTL() {
		ptr := opts.LOTL.PointerFor(claimed.Territory)
		if ptr == nil {
			return nil, nil, fmt.Errorf("%w: the LOTL has no pointer to the XML list (%s) of territory %q", trust.ErrNotPinned, MimeTypeTSL, claimed.Territory)
		}
		pinned = ptr.Certificates
		if len(pinned) == 0 {
			return nil, nil, fmt.Errorf("%w: the LOTL's pointer for %s lists no certificate", trust.ErrNotPinned, claimed.Territory)
		}
	}
	if len(pinned) == 0 {
		what := "this list"
		if claimed.IsLOTL() {
			what = "the LOTL"
		}
		return nil, nil, fmt.Errorf("%w: pin the certificate(s) that sign %s", trust.ErrNotPinned, what)
	}
	signed, sig, err := verifySignature(root, pinned, at, opts.AcceptPlainXMLDSig)
	if err != nil {
		if opts.LOTL != nil && !claimed.IsLOTL() {
			return nil, nil, fmt.Errorf("%s list checked against the LOTL's pointer certificates: %w", claimed.Territory, err)
		}
		return nil, nil, err
	}
	l, err := parseRoot(signed)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckFresh(l, at, opts.Grace); err != nil {
		return nil, nil, err
	}
	return l, sig, nil
}

// CheckFresh returns an error wrapping trust.ErrExpired when at is after the
// list's NextUpdate plus grace.
func CheckFresh(l *List, at time.Time, grace time.Duration) error {
	if l.NextUpdate.IsZero() || !at.After(l.NextUpdate.Add(grace)) {
		return nil
	}
	msg := fmt.Sprintf("%s list's NextUpdate was %s", orUnnamed(l.Territory), l.NextUpdate.Format(time.RFC3339))
	if grace > 0 {
		msg += fmt.Sprintf(" (grace %s)", grace)
	}
	return fmt.Errorf("%w: %s, and it is now %s", trust.ErrExpired, msg, at.UTC().Format(time.RFC3339))
}

func orUnnamed(s string) string {
	if s == "" {
		return "the"
	}
	return "the " + s
}

// MimeTypeTSL is the MIME type of a trusted list's XML form (ETSI TS 119
// 612 clause 5.3.13.2); a pointer to the PDF form is application/pdf.
const MimeTypeTSL = "application/vnd.etsi.tsl+xml"

// PointerFor returns the LOTL's pointer to the XML form of territory's list
// (MIME type MimeTypeTSL), or nil. A pointer to another form (the PDF) is
// never returned: its certificates sign that form, not the XML list.
func (l *List) PointerFor(territory string) *Pointer {
	for i := range l.Pointers {
		p := &l.Pointers[i]
		if strings.EqualFold(p.Territory, territory) && strings.EqualFold(strings.TrimSpace(p.MimeType), MimeTypeTSL) {
			return p
		}
	}
	return nil
}
