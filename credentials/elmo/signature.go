package elmo

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SignerTrust says whether a trust source knows the certificate that signed
// an ELMO document. verifier.ELMOTrust adapts the verifier's trust sources.
type SignerTrust interface {
	// TrustSigner answers q. When no source knows the signer (or knows
	// it, but not for what the document holds) it returns an answer with
	// Known false and a Reason, and a nil error; an error is only for a
	// failure of a source itself.
	TrustSigner(ctx context.Context, q SignerQuery) (*SignerAnswer, error)
}

// SignerQuery is what a trust source is asked about an ELMO signer.
type SignerQuery struct {
	// Chain is the signing certificate, then the others the signature
	// carries.
	Chain []*x509.Certificate
	// At is the time of the question (the verification time).
	At time.Time
	// EQFLevel is the highest EQF level the document states (0: none),
	// and ISCEDFields its ISCED-F fields: what an accreditation's scope
	// is checked against.
	EQFLevel    int
	ISCEDFields []string
}

// SignerAnswer is a trust source's answer about a signer.
type SignerAnswer struct {
	Known  bool   `json:"known"`
	Source string `json:"source,omitempty"`
	Entity string `json:"entity,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Signature is what checking a document's enveloped XML-DSig signature
// established.
type Signature struct {
	// Signed is true when the document carries a ds:Signature.
	Signed bool `json:"signed"`
	// Verified is true when the signature verified with the certificate
	// it carries: the document is as its signer wrote it.
	Verified bool `json:"verified"`
	// Problem says why a signature did not verify.
	Problem string `json:"problem,omitempty"`
	// Method is the SignatureMethod algorithm.
	Method string `json:"method,omitempty"`
	// Signer describes the signing certificate.
	Signer *Certificate `json:"signer,omitempty"`
	// Chain is the signing certificate, then the others KeyInfo carries.
	Chain []*x509.Certificate `json:"-"`
	// Trust is the trust source's answer; nil when none was asked.
	Trust *SignerAnswer `json:"trust,omitempty"`
}

// Certificate describes a signing certificate for people.
type Certificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	SHA256    string    `json:"sha256"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	// ValidNow is true when the verification time is within the validity
	// period.
	ValidNow bool `json:"validNow"`
}

// String says in one line what the check found.
func (s *Signature) String() string {
	switch {
	case !s.Signed:
		return "unsigned: the document has no XML signature, so nothing vouches for its content beyond how it reached you"
	case !s.Verified:
		return "signature does not verify: " + s.Problem
	}
	out := "signature verified, signed by " + s.Signer.Subject + " (certificate SHA-256 " + s.Signer.SHA256 + ")"
	if !s.Signer.ValidNow {
		out += "; the certificate is outside its validity period (" + s.Signer.NotBefore.Format("2006-01-02") + " to " + s.Signer.NotAfter.Format("2006-01-02") + ")"
	}
	switch {
	case s.Trust == nil:
		out += "; no trust source was asked about the signer"
	case s.Trust.Known:
		out += "; known to " + s.Trust.Source
		if s.Trust.Entity != "" {
			out += " as " + s.Trust.Entity
		}
	default:
		out += "; the signer is not known to any trust source"
		if s.Trust.Reason != "" {
			out += " (" + s.Trust.Reason + ")"
		}
	}
	return out
}

// require applies the options' demands on the signature.
func (s *Signature) require(opts *Options) error {
	switch {
	case s.Signed && !s.Verified:
		return fmt.Errorf("%w: the document's signature does not verify: %s; nothing was imported", ErrSignature, s.Problem)
	case (opts.RequireSignature || opts.RequireTrustedSigner) && !s.Signed:
		return fmt.Errorf("%w: the document is unsigned, and a verified signature is required", ErrSignature)
	case opts.RequireTrustedSigner && (s.Trust == nil || !s.Trust.Known):
		why := "no trust source was asked"
		if s.Trust != nil {
			why = "no trust source knows the signer " + s.Signer.Subject
			if s.Trust.Reason != "" {
				why += " (" + s.Trust.Reason + ")"
			}
		}
		return fmt.Errorf("%w: a trusted signer is required, and %s", ErrSignature, why)
	case opts.RequireTrustedSigner && !s.Signer.ValidNow:
		return fmt.Errorf("%w: a trusted signer is required, and the signing certificate is outside its validity period", ErrSignature)
	}
	return nil
}

// Signature methods and digests accepted: RSA and ECDSA with SHA-2. SHA-1,
// still in old ELMO examples, is refused: it no longer protects a document.
var (
	acceptedMethods = map[string]bool{
		dsig.RSASHA256SignatureMethod: true, dsig.RSASHA384SignatureMethod: true, dsig.RSASHA512SignatureMethod: true,
		dsig.ECDSASHA256SignatureMethod: true, dsig.ECDSASHA384SignatureMethod: true, dsig.ECDSASHA512SignatureMethod: true,
	}
	acceptedDigests = map[string]bool{
		"http://www.w3.org/2001/04/xmlenc#sha256": true, "http://www.w3.org/2001/04/xmldsig-more#sha384": true, "http://www.w3.org/2001/04/xmlenc#sha512": true,
	}
)

// verifySignature checks the enveloped signature of doc (an <elmo>), if it
// has one, over doc itself (for a document wrapped in an EWP response: over
// the <elmo> element, as it was signed before being wrapped).
func verifySignature(data []byte, doc *node, now time.Time) *Signature {
	var sigNode *node
	for _, ch := range doc.children {
		if ch.local == "Signature" && ch.space == dsigNS {
			sigNode = ch
		}
	}
	if sigNode == nil {
		return &Signature{}
	}
	sigNode.markTree()
	s := &Signature{Signed: true}
	fail := func(format string, args ...any) *Signature {
		s.Problem = fmt.Sprintf(format, args...)
		return s
	}
	el, err := etreeOf(data, doc)
	if err != nil {
		return fail("the document cannot be read for its signature: %v", err)
	}
	var sigEl *etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == dsigNS {
			sigEl = c
		}
	}
	si := etChild(sigEl, "SignedInfo")
	if sm := etChild(si, "SignatureMethod"); sm != nil {
		s.Method = sm.SelectAttrValue("Algorithm", "")
	}
	if !acceptedMethods[s.Method] {
		return fail("signature method %s is not accepted (RSA or ECDSA with SHA-256, -384 or -512 are)", s.Method)
	}
	refs := 0
	for _, r := range si.ChildElements() {
		if r.Tag != "Reference" || r.NamespaceURI() != dsigNS {
			continue
		}
		refs++
		if uri := r.SelectAttrValue("URI", "-"); uri != "" {
			return fail("the reference URI is %q: ELMO's signature has a single reference with an empty URI, to the whole document", uri)
		}
		dm := etChild(r, "DigestMethod")
		if dm == nil || !acceptedDigests[dm.SelectAttrValue("Algorithm", "")] {
			alg := ""
			if dm != nil {
				alg = dm.SelectAttrValue("Algorithm", "")
			}
			return fail("digest method %q is not accepted (SHA-256, -384 or -512 are)", alg)
		}
	}
	if refs != 1 {
		return fail("the signature has %d references: ELMO's has exactly one", refs)
	}
	chain, err := keyInfoChain(sigEl)
	if err != nil {
		return fail("%v", err)
	}
	s.Chain = chain
	cert := chain[0]
	sum := sha256.Sum256(cert.Raw)
	s.Signer = &Certificate{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), Serial: cert.SerialNumber.String(),
		SHA256: hex.EncodeToString(sum[:]), NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC(),
		ValidNow: !now.Before(cert.NotBefore) && !now.After(cert.NotAfter)}
	if strings.HasPrefix(s.Method, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-") {
		ecdsaToDER(sigEl, cert)
	}
	// The signature is checked with the certificate it carries; whether
	// that certificate is to be trusted is the trust source's question,
	// and whether it was valid is reported (ValidNow). goxmldsig checks the
	// validity period itself: its clock is set inside the period.
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vc.Clock = dsig.NewFakeClockAt(cert.NotBefore.Add(time.Second))
	if _, err := vc.Validate(el); err != nil {
		switch err.Error() {
		case "Signature could not be verified":
			return fail("the digest does not match: the document was changed after it was signed")
		default:
			return fail("%s", strings.ToLower(err.Error()[:1])+err.Error()[1:])
		}
	}
	s.Verified = true
	return s
}

// askTrust asks trust about a verified signer.
func (s *Signature) askTrust(ctx context.Context, trust SignerTrust, q SignerQuery) error {
	if !s.Verified || trust == nil {
		return nil
	}
	q.Chain = s.Chain
	ans, err := trust.TrustSigner(ctx, q)
	if err != nil {
		return fmt.Errorf("elmo: asking the trust sources about the signer: %w", err)
	}
	s.Trust = ans
	return nil
}

func etChild(el *etree.Element, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == dsigNS {
			return c
		}
	}
	return nil
}

// keyInfoChain reads the certificates of KeyInfo/X509Data, the signing one
// first.
func keyInfoChain(sigEl *etree.Element) ([]*x509.Certificate, error) {
	xd := etChild(etChild(sigEl, "KeyInfo"), "X509Data")
	var out []*x509.Certificate
	for _, c := range xd.ChildElements() {
		if c.Tag != "X509Certificate" || c.NamespaceURI() != dsigNS {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Text()), ""))
		if err != nil {
			return nil, fmt.Errorf("ds:X509Certificate is not base64")
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("ds:X509Certificate: %v", err)
		}
		out = append(out, cert)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the signature carries no certificate (ds:KeyInfo/ds:X509Data/ds:X509Certificate), so its signer cannot be named")
	}
	return out, nil
}

// etreeOf reads doc's element as etree reads it (keeping text and
// children in order, as the digest needs), without comments: the reference
// with an empty URI excludes them (XML-DSig 4.4.3.3). An <elmo> wrapped in
// an EWP response is read from its own bytes, standing alone, as it was
// when it was signed: the wrapper's namespace declarations are not its.
func etreeOf(data []byte, doc *node) (*etree.Element, error) {
	if doc.parent != nil {
		data = data[doc.start:doc.end]
	}
	et := etree.NewDocument()
	if err := et.ReadFromBytes(data); err != nil {
		return nil, err
	}
	el := et.Root()
	if el == nil || el.Tag != "elmo" || el.NamespaceURI() != Namespace {
		return nil, fmt.Errorf("the document's structure is not the one read")
	}
	var strip func(e *etree.Element)
	strip = func(e *etree.Element) {
		for i := 0; i < len(e.Child); {
			switch c := e.Child[i].(type) {
			case *etree.Comment:
				e.RemoveChildAt(i)
				continue
			case *etree.Element:
				strip(c)
			}
			i++
		}
	}
	strip(el)
	return el, nil
}

// ecdsaToDER rewrites an ECDSA SignatureValue from XML-DSig's r‖s form into
// the DER form crypto/x509 checks; the value is outside what is signed.
func ecdsaToDER(sigEl *etree.Element, cert *x509.Certificate) {
	sv := etChild(sigEl, "SignatureValue")
	if sv == nil {
		return
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	if err != nil {
		return
	}
	if der, ok := rsToDER(raw, cert); ok {
		sv.SetText(base64.StdEncoding.EncodeToString(der))
	}
}

// rsToDER turns an r‖s ECDSA signature into ASN.1 DER, when raw has the
// length of the certificate key's r‖s form.
func rsToDER(raw []byte, cert *x509.Certificate) ([]byte, bool) {
	k, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, false
	}
	size := (k.Curve.Params().BitSize + 7) / 8
	if len(raw) != 2*size {
		return nil, false
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:size]), new(big.Int).SetBytes(raw[size:])})
	return der, err == nil
}
