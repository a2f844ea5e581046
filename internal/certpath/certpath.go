package certpath

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/certname"
)

// Purpose is what the end-entity certificate of a path is used for.
type Purpose int

const (
	// Signing: a certificate whose key signs documents (a seal or a
	// signature certificate: credentials, status lists, trusted lists).
	// Its keyUsage, when present, asserts digitalSignature or
	// nonRepudiation (contentCommitment); its extendedKeyUsage, when
	// present, names a purpose compatible with signing on behalf of its
	// subject (SigningEKUs).
	Signing Purpose = iota
	// TimeStamping: the certificate of a time-stamping authority. Its
	// extendedKeyUsage is present and names id-kp-timeStamping (RFC 3161
	// §2.3); its keyUsage, when present, asserts digitalSignature or
	// nonRepudiation.
	TimeStamping
)

func (p Purpose) String() string {
	if p == TimeStamping {
		return "time-stamping"
	}
	return "signing documents"
}

// Object identifiers of extended key usages crypto/x509 does not name.
var (
	oidDocumentSigning   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}       // RFC 9336
	oidTSLSigning        = asn1.ObjectIdentifier{0, 4, 0, 2231, 3, 0}              // ETSI TS 119 612 trusted list signing
	oidMSDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12} // Microsoft document signing
	oidAdobeAuthenticDoc = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}       // Adobe authentic documents trust
)

// SigningEKUs are the extended key usages that allow a certificate to sign
// documents: anyExtendedKeyUsage, emailProtection and clientAuth (which
// eIDAS seal certificates commonly carry), and the OIDs of document signing
// (RFC 9336, Microsoft, Adobe) and of ETSI trusted-list signing. A
// certificate whose extendedKeyUsage names none of them (a TLS server, an
// OCSP responder, a time-stamping authority, a code signer) must not sign a
// credential.
var SigningEKUs = []x509.ExtKeyUsage{x509.ExtKeyUsageAny, x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth}

var signingOIDs = []asn1.ObjectIdentifier{oidDocumentSigning, oidTSLSigning, oidMSDocumentSigning, oidAdobeAuthenticDoc}

// Error is a path that breaks a rule. Cert is the offending certificate
// (its subject in Error), Index its position on the path (0 the end
// entity).
type Error struct {
	Index  int
	Cert   *x509.Certificate
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("certificate %q %s", certname.String(e.Cert.Subject), e.Reason)
}

// Check checks the constraints of path: the end-entity certificate first,
// then the certificate that issued each one before it (the caller has
// checked each link, see Link), up to the last, which may be a trust
// anchor. The rules:
//   - no certificate has a critical extension crypto/x509 does not
//     process (RFC 5280 §4.2: such a certificate must be rejected);
//   - every certificate after the first is a CA: basicConstraints present
//     with cA true (a version 1 certificate is not a CA), keyUsage, when
//     present, asserting keyCertSign, and a pathLenConstraint, when
//     present, not below the number of CA certificates between it and the
//     end entity (self-issued ones not counted, RFC 5280 §4.2.1.9);
//   - the end entity's keyUsage and extendedKeyUsage fit purpose (see
//     Purpose);
//   - a CA's extendedKeyUsage, when present, allows purpose too, as
//     crypto/x509 nests them.
//
// It returns a *Error for the first certificate, from the end entity up,
// that breaks one. Validity periods are not read: a time is a question of
// its own.
func Check(path []*x509.Certificate, purpose Purpose) error {
	if len(path) == 0 {
		return errors.New("certpath: an empty path")
	}
	for i, c := range path {
		if len(c.UnhandledCriticalExtensions) > 0 {
			var oids []string
			for _, o := range c.UnhandledCriticalExtensions {
				oids = append(oids, o.String())
			}
			return &Error{i, c, "has a critical extension Diplomat does not process (" + strings.Join(oids, ", ") + "), so it must be rejected"}
		}
		if i == 0 {
			if err := checkEndEntity(c, purpose); err != nil {
				return err
			}
			continue
		}
		if !c.BasicConstraintsValid || !c.IsCA {
			return &Error{i, c, fmt.Sprintf("issued %q but is not a CA (its basic constraints do not say cA)", certname.String(path[i-1].Subject))}
		}
		if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
			return &Error{i, c, "is a CA whose key usage does not allow signing certificates (keyCertSign)"}
		}
		if c.MaxPathLen >= 0 {
			below := 0
			for _, mid := range path[1:i] {
				if !bytes.Equal(mid.RawSubject, mid.RawIssuer) {
					below++
				}
			}
			if below > c.MaxPathLen {
				return &Error{i, c, fmt.Sprintf("allows %d CA certificate(s) below it (pathLenConstraint), but the path has %d", c.MaxPathLen, below)}
			}
		}
		if !ekuAllows(c, purpose) {
			return &Error{i, c, fmt.Sprintf("is a CA whose extended key usage (%s) does not allow %s", ekuNames(c), purpose)}
		}
	}
	return nil
}

func checkEndEntity(c *x509.Certificate, purpose Purpose) error {
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return &Error{0, c, "has a key usage that allows neither digitalSignature nor nonRepudiation, so its key may not sign"}
	}
	switch purpose {
	case TimeStamping:
		if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
			return &Error{0, c, "is not a time-stamping authority's certificate (its extended key usage does not name timeStamping)"}
		}
	default:
		if !ekuAllows(c, purpose) {
			return &Error{0, c, fmt.Sprintf("has an extended key usage (%s) that does not allow %s", ekuNames(c), purpose)}
		}
	}
	return nil
}

// ekuAllows reports whether c's extended key usage, when present, allows
// purpose.
func ekuAllows(c *x509.Certificate, purpose Purpose) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return true
	}
	if purpose == TimeStamping {
		return slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping)
	}
	for _, u := range SigningEKUs {
		if slices.Contains(c.ExtKeyUsage, u) {
			return true
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		if slices.ContainsFunc(signingOIDs, o.Equal) {
			return true
		}
	}
	return false
}

var ekuNamesOf = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny: "any", x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
	x509.ExtKeyUsageCodeSigning: "codeSigning", x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping: "timeStamping", x509.ExtKeyUsageOCSPSigning: "OCSPSigning",
}

func ekuNames(c *x509.Certificate) string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		if n, ok := ekuNamesOf[u]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("usage %d", u))
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		out = append(out, o.String())
	}
	return strings.Join(out, ", ")
}

// Link checks that parent issued child: child names parent's subject as its
// issuer, and child's signature verifies with parent's key. The error says
// why not, in words: the names differ; the signature uses an algorithm no
// longer accepted (SHA-1, MD5), which is not the same as a forged
// signature; parent is not a CA, or may not sign certificates; parent's key
// type is not supported; or the signature does not verify with parent's
// key.
func Link(child, parent *x509.Certificate) error {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return fmt.Errorf("certificate %q names the issuer %q, not %q", certname.String(child.Subject), certname.String(child.Issuer), certname.String(parent.Subject))
	}
	err := child.CheckSignatureFrom(parent)
	if err == nil {
		return nil
	}
	var insecure x509.InsecureAlgorithmError
	var constraint x509.ConstraintViolationError
	switch {
	case errors.As(err, &insecure):
		return fmt.Errorf("certificate %q is signed by %q with %s, an algorithm no longer accepted for certificates", certname.String(child.Subject), certname.String(parent.Subject), x509.SignatureAlgorithm(insecure))
	case errors.As(err, &constraint):
		if !parent.BasicConstraintsValid || !parent.IsCA {
			return fmt.Errorf("certificate %q names as its issuer %q, which is not a CA (its basic constraints do not say cA)", certname.String(child.Subject), certname.String(parent.Subject))
		}
		return fmt.Errorf("certificate %q names as its issuer %q, whose key usage does not allow signing certificates (keyCertSign)", certname.String(child.Subject), certname.String(parent.Subject))
	case errors.Is(err, x509.ErrUnsupportedAlgorithm):
		return fmt.Errorf("certificate %q: its signature algorithm (%s) or its issuer %q's key is not supported", certname.String(child.Subject), child.SignatureAlgorithm, certname.String(parent.Subject))
	}
	return fmt.Errorf("certificate %q is not signed by its issuer %q: the signature does not verify with its key", certname.String(child.Subject), certname.String(parent.Subject))
}
