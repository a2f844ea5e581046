package etsi

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/diplomat-edu/diplomat/verifier/trust"
)

const (
	nsDSig          = dsig.Namespace
	nsXAdES132      = "http://uri.etsi.org/01903/v1.3.2#"
	refSignedProps  = "http://uri.etsi.org/01903#SignedProperties"
	algExcC14N      = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algC14N10       = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algEnveloped    = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	algECDSAPrefix  = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-"
	digestSHA256URI = "http://www.w3.org/2001/04/xmlenc#sha256"
	digestSHA384URI = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	digestSHA512URI = "http://www.w3.org/2001/04/xmlenc#sha512"
)

var digestAlgs = map[string]crypto.Hash{
	digestSHA256URI: crypto.SHA256,
	digestSHA384URI: crypto.SHA384,
	digestSHA512URI: crypto.SHA512,
}

// Signature is what checking a list's signature established.
type Signature struct {
	// Signer is the pinned certificate the signature verified with.
	Signer *x509.Certificate
	// Method is the SignatureMethod algorithm URI.
	Method string
	// SigningTime is the XAdES SigningTime; zero when absent.
	SigningTime time.Time
	// SignedProperties is true when the signature is XAdES: its
	// SignedProperties reference was present and its digest checked,
	// together with the signing certificate digest.
	SignedProperties bool
}

// verifySignature checks the enveloped signature of a trusted list against
// the pinned certificates at time now and returns the signed content (the
// list without its signature, as verified) and what was established. Unless
// plainOK, the signature must be XAdES: a SignedProperties reference whose
// digest and signing-certificate digest check.
func verifySignature(root *etree.Element, pinned []*x509.Certificate, now time.Time, plainOK bool) (*etree.Element, *Signature, error) {
	if len(pinned) == 0 {
		return nil, nil, fmt.Errorf("%w", trust.ErrNotPinned)
	}
	var sigs []*etree.Element
	_ = etreeutils.NSFindIterate(root, nsDSig, "Signature", func(_ etreeutils.NSContext, el *etree.Element) error {
		sigs = append(sigs, el)
		return nil
	})
	switch {
	case len(sigs) == 0:
		return nil, nil, fmt.Errorf("%w: the list has no ds:Signature", trust.ErrSignature)
	case len(sigs) > 1:
		return nil, nil, fmt.Errorf("%w: the list has %d ds:Signature elements, want exactly one", trust.ErrSignature, len(sigs))
	case sigs[0].Parent() != root:
		return nil, nil, fmt.Errorf("%w: the ds:Signature is not a child of the list's root element", trust.ErrSignature)
	}
	work := root.Copy()
	sigEl := findSig(work)
	si := childNS(sigEl, nsDSig, "SignedInfo")
	if si == nil {
		return nil, nil, fmt.Errorf("%w: ds:Signature has no ds:SignedInfo", trust.ErrSignature)
	}
	method := ""
	if sm := childNS(si, nsDSig, "SignatureMethod"); sm != nil {
		method = sm.SelectAttrValue("Algorithm", "")
	}
	if strings.HasPrefix(method, algECDSAPrefix) {
		if err := ecdsaValueToDER(sigEl, pinned); err != nil {
			return nil, nil, err
		}
	}
	clockAt := now
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: pinned})
	vc.IdAttribute = "Id"
	vc.Clock = dsig.NewFakeClockAt(clockAt)
	signed, err := vc.Validate(work)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s", trust.ErrSignature, describeDSigError(err))
	}
	out := &Signature{Method: method}
	out.Signer = signerOf(sigEl, pinned)
	if err := checkOtherReferences(work, sigEl, si, out); err != nil {
		return nil, nil, err
	}
	if !out.SignedProperties && !plainOK {
		return nil, nil, fmt.Errorf("%w: the signature is plain XML-DSig: it has no XAdES SignedProperties (signing time, signing-certificate digest), which a trusted list's signature must have (ETSI TS 119 612)", trust.ErrSignature)
	}
	return signed, out, nil
}

func describeDSigError(err error) string {
	switch msg := err.Error(); msg {
	case "Could not verify certificate against trusted certs":
		return "the list is signed by a certificate that is not pinned for it"
	case "Signature could not be verified":
		return "the digest of the signed list does not match: the list was changed after signing"
	case "Cert is not valid at this time":
		return "the signing certificate is not valid at the evaluation time"
	default:
		return strings.ToLower(msg[:1]) + msg[1:]
	}
}

func findSig(root *etree.Element) *etree.Element {
	for _, c := range root.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			return c
		}
	}
	return nil
}

func childNS(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

// signerOf returns the pinned certificate the signature names in KeyInfo,
// or the only pinned one.
func signerOf(sigEl *etree.Element, pinned []*x509.Certificate) *x509.Certificate {
	if c := keyInfoCert(sigEl); c != nil {
		for _, p := range pinned {
			if p.Equal(c) {
				return p
			}
		}
	}
	if len(pinned) == 1 {
		return pinned[0]
	}
	return nil
}

func keyInfoCert(sigEl *etree.Element) *x509.Certificate {
	ki := childNS(sigEl, nsDSig, "KeyInfo")
	xd := childNS(ki, nsDSig, "X509Data")
	xc := childNS(xd, nsDSig, "X509Certificate")
	if xc == nil {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(stripSpace(xc.Text()))
	if err != nil {
		return nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return c
}

// ecdsaValueToDER rewrites an ECDSA SignatureValue from the r‖s form XML-DSig
// specifies (RFC 4050, RFC 6931) into the ASN.1 DER form crypto/x509 checks.
// The SignatureValue is outside both SignedInfo and the enveloped content, so
// rewriting it changes nothing that is signed. A value already in DER (as
// some tools write it) is left as it is.
func ecdsaValueToDER(sigEl *etree.Element, pinned []*x509.Certificate) error {
	sv := childNS(sigEl, nsDSig, "SignatureValue")
	if sv == nil {
		return fmt.Errorf("%w: ds:Signature has no ds:SignatureValue", trust.ErrSignature)
	}
	raw, err := base64.StdEncoding.DecodeString(stripSpace(sv.Text()))
	if err != nil {
		return fmt.Errorf("%w: ds:SignatureValue is not base64", trust.ErrSignature)
	}
	size := 0
	cert := keyInfoCert(sigEl)
	if cert == nil && len(pinned) == 1 {
		cert = pinned[0]
	}
	if cert != nil {
		if k, ok := cert.PublicKey.(*ecdsa.PublicKey); ok {
			size = (k.Curve.Params().BitSize + 7) / 8
		}
	}
	if size == 0 || len(raw) != 2*size {
		return nil
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:size]), new(big.Int).SetBytes(raw[size:])})
	if err != nil {
		return fmt.Errorf("%w: ds:SignatureValue: %v", trust.ErrSignature, err)
	}
	sv.SetText(base64.StdEncoding.EncodeToString(der))
	return nil
}

// checkOtherReferences checks the references goxmldsig does not: every
// same-document reference other than the one to the whole list, the XAdES
// SignedProperties among them, and then the XAdES signing certificate.
func checkOtherReferences(root, sigEl, si *etree.Element, out *Signature) error {
	rootID := root.SelectAttrValue("Id", "")
	for i, ref := range si.ChildElements() {
		if ref.Tag != "Reference" || ref.NamespaceURI() != nsDSig {
			continue
		}
		uri := ref.SelectAttrValue("URI", "")
		if uri == "" || (rootID != "" && uri == "#"+rootID) {
			continue // the list itself, checked by goxmldsig
		}
		if !strings.HasPrefix(uri, "#") {
			return fmt.Errorf("%w: ds:Reference[%d] URI %q is not a same-document reference", trust.ErrSignature, i, uri)
		}
		target := findByID(sigEl, uri[1:])
		if target == nil {
			return fmt.Errorf("%w: ds:Reference[%d] URI %q names no element of the signature", trust.ErrSignature, i, uri)
		}
		if err := checkReference(ref, target, i); err != nil {
			return err
		}
		isSP := target.Tag == "SignedProperties" && target.NamespaceURI() == nsXAdES132
		if ref.SelectAttrValue("Type", "") == refSignedProps || isSP {
			if !isSP {
				return fmt.Errorf("%w: the SignedProperties reference points at <%s>", trust.ErrSignature, target.Tag)
			}
			out.SignedProperties = true
			if err := checkSignedProperties(target, out); err != nil {
				return err
			}
		}
	}
	return nil
}

func findByID(el *etree.Element, id string) *etree.Element {
	var found *etree.Element
	n := 0
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if e.SelectAttrValue("Id", "") == id {
			found = e
			n++
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(el)
	if n != 1 {
		return nil
	}
	return found
}

// checkReference applies a reference's transforms (exclusive or inclusive
// C14N 1.0 only) to target and compares the digest.
func checkReference(ref, target *etree.Element, i int) error {
	var canon dsig.Canonicalizer = dsig.MakeC14N10RecCanonicalizer()
	if ts := childNS(ref, nsDSig, "Transforms"); ts != nil {
		for _, t := range ts.ChildElements() {
			switch alg := t.SelectAttrValue("Algorithm", ""); alg {
			case algExcC14N:
				prefixes := ""
				for _, c := range t.ChildElements() {
					if c.Tag == "InclusiveNamespaces" {
						prefixes = c.SelectAttrValue("PrefixList", "")
					}
				}
				canon = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes)
			case algC14N10:
				canon = dsig.MakeC14N10RecCanonicalizer()
			default:
				return fmt.Errorf("%w: ds:Reference[%d] has transform %q, which is not supported here", trust.ErrSignature, i, alg)
			}
		}
	}
	dm := childNS(ref, nsDSig, "DigestMethod")
	dv := childNS(ref, nsDSig, "DigestValue")
	if dm == nil || dv == nil {
		return fmt.Errorf("%w: ds:Reference[%d] has no DigestMethod or DigestValue", trust.ErrSignature, i)
	}
	h, ok := digestAlgs[dm.SelectAttrValue("Algorithm", "")]
	if !ok {
		return fmt.Errorf("%w: ds:Reference[%d] uses a digest method other than SHA-256, SHA-384 or SHA-512", trust.ErrSignature, i)
	}
	want, err := base64.StdEncoding.DecodeString(stripSpace(dv.Text()))
	if err != nil {
		return fmt.Errorf("%w: ds:Reference[%d] DigestValue is not base64", trust.ErrSignature, i)
	}
	ctx, err := etreeutils.NSBuildParentContext(target)
	if err != nil {
		return fmt.Errorf("%w: ds:Reference[%d]: %v", trust.ErrSignature, i, err)
	}
	detached, err := etreeutils.NSDetatch(ctx, target)
	if err != nil {
		return fmt.Errorf("%w: ds:Reference[%d]: %v", trust.ErrSignature, i, err)
	}
	data, err := canon.Canonicalize(detached)
	if err != nil {
		return fmt.Errorf("%w: ds:Reference[%d]: %v", trust.ErrSignature, i, err)
	}
	d := h.New()
	d.Write(data)
	if !bytes.Equal(d.Sum(nil), want) {
		return fmt.Errorf("%w: the digest of %s (ds:Reference[%d]) does not match: the signed properties were changed", trust.ErrSignature, ref.SelectAttrValue("URI", ""), i)
	}
	return nil
}

// checkSignedProperties reads SigningTime and checks that the XAdES signing
// certificate digest names the certificate the signature verified with.
func checkSignedProperties(sp *etree.Element, out *Signature) error {
	ssp := childNS(sp, nsXAdES132, "SignedSignatureProperties")
	if st := childNS(ssp, nsXAdES132, "SigningTime"); st != nil {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(st.Text()))
		if err != nil {
			return fmt.Errorf("%w: xades:SigningTime %q is not a dateTime", trust.ErrSignature, st.Text())
		}
		out.SigningTime = t.UTC()
	}
	sc := childNS(ssp, nsXAdES132, "SigningCertificate")
	if sc == nil {
		sc = childNS(ssp, nsXAdES132, "SigningCertificateV2")
	}
	if sc == nil {
		return fmt.Errorf("%w: the XAdES signed properties have no SigningCertificate", trust.ErrSignature)
	}
	if out.Signer == nil {
		return fmt.Errorf("%w: the signature names no certificate to compare with xades:SigningCertificate", trust.ErrSignature)
	}
	for _, cert := range sc.ChildElements() {
		cd := childNS(cert, nsXAdES132, "CertDigest")
		dm := childNS(cd, nsDSig, "DigestMethod")
		dv := childNS(cd, nsDSig, "DigestValue")
		if dm == nil || dv == nil {
			continue
		}
		h, ok := digestAlgs[dm.SelectAttrValue("Algorithm", "")]
		if !ok {
			continue
		}
		want, err := base64.StdEncoding.DecodeString(stripSpace(dv.Text()))
		if err != nil {
			continue
		}
		d := h.New()
		d.Write(out.Signer.Raw)
		if bytes.Equal(d.Sum(nil), want) {
			return nil
		}
	}
	return fmt.Errorf("%w: xades:SigningCertificate does not name the certificate that signed the list", trust.ErrSignature)
}
