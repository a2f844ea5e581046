package jades

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	// Register the hash functions time-stamp tokens name.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Timestamp is an RFC 3161 time-stamp token (a CMS SignedData whose content
// is a TSTInfo) as found in a JAdES signature.
type Timestamp struct {
	// Time is the TSTInfo genTime.
	Time time.Time
	// Hash is the message imprint's hash algorithm.
	Hash crypto.Hash
	// HashedMessage is the message imprint's hash value.
	HashedMessage []byte
	// Serial is the token's serial number.
	Serial *big.Int
	// Policy is the TSA policy under which the token was issued.
	Policy asn1.ObjectIdentifier
	// TSA is the certificate whose key signed the token, found among the
	// token's certificates or those of the signature's xVals; nil when
	// neither carries it.
	TSA *x509.Certificate
	// SignatureChecked is true when the TSA's CMS signature over the token
	// was checked (and, since an invalid one is an error, is valid). When
	// false, NotChecked says why.
	SignatureChecked bool
	NotChecked       string
	// Certificates are the certificates the token carries.
	Certificates []*x509.Certificate
}

var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSA           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECDSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo struct {
		EContentType asn1.ObjectIdentifier
		EContent     []byte `asn1:"explicit,optional,tag:0"`
	}
	Certificates asn1.RawValue `asn1:"optional,tag:0"`
	CRLs         asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos  []signerInfo  `asn1:"set"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      time.Time `asn1:"generalized"`
	Accuracy     struct {
		Seconds int `asn1:"optional"`
		Millis  int `asn1:"optional,tag:0"`
		Micros  int `asn1:"optional,tag:1"`
	} `asn1:"optional"`
	Ordering   bool          `asn1:"optional,default:false"`
	Nonce      *big.Int      `asn1:"optional"`
	TSA        asn1.RawValue `asn1:"optional,tag:0"`
	Extensions asn1.RawValue `asn1:"optional,tag:1"`
}

// hashByOID returns the hash an AlgorithmIdentifier names. SHA-1 is refused.
func hashByOID(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	case oid.Equal(oidSHA1):
		return 0, errors.New("SHA-1 is not accepted")
	}
	return 0, fmt.Errorf("unsupported hash algorithm %s", oid)
}

// ParseTimestamp reads an RFC 3161 time-stamp token in DER and, when the
// TSA's certificate is in the token or among extra, checks the TSA's CMS
// signature. It returns an error if the token is not a DER SignedData with a
// TSTInfo, if its message-digest attribute does not match the TSTInfo, or if
// the TSA's signature does not verify. It does not check the message imprint
// (the caller knows what was stamped) nor the TSA certificate's trust.
func ParseTimestamp(der []byte, extra []*x509.Certificate) (*Timestamp, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("not a DER CMS ContentInfo: %w", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing bytes after the CMS ContentInfo")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("content type %s is not SignedData", ci.ContentType)
	}
	var sd signedData
	if rest, err = asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("not a DER CMS SignedData: %v", err)
	}
	if !sd.EncapContentInfo.EContentType.Equal(oidTSTInfo) {
		return nil, fmt.Errorf("encapsulated content %s is not a TSTInfo", sd.EncapContentInfo.EContentType)
	}
	if len(sd.EncapContentInfo.EContent) == 0 {
		return nil, errors.New("no TSTInfo content")
	}
	var info tstInfo
	if rest, err = asn1.Unmarshal(sd.EncapContentInfo.EContent, &info); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("not a DER TSTInfo: %v", err)
	}
	if info.SerialNumber == nil {
		return nil, errors.New("TSTInfo without serial number")
	}
	h, err := hashByOID(info.MessageImprint.HashAlgorithm.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("message imprint: %w", err)
	}
	if len(info.MessageImprint.HashedMessage) != h.Size() {
		return nil, fmt.Errorf("message imprint of %d bytes for a %d-byte hash", len(info.MessageImprint.HashedMessage), h.Size())
	}
	ts := &Timestamp{
		Time:          info.GenTime.UTC(),
		Hash:          h,
		HashedMessage: info.MessageImprint.HashedMessage,
		Serial:        info.SerialNumber,
		Policy:        info.Policy,
	}
	ts.Certificates, err = parseCertificateSet(sd.Certificates)
	if err != nil {
		return nil, err
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%d signer infos, one expected", len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	ts.TSA = findSigner(si.SID, ts.Certificates, extra)
	if len(si.SignedAttrs.FullBytes) == 0 {
		return nil, errors.New("signer info without signed attributes")
	}
	if err := checkSignedAttrs(si, sd.EncapContentInfo.EContent); err != nil {
		return nil, err
	}
	if ts.TSA == nil {
		ts.NotChecked = "TSA certificate not carried"
		return ts, nil
	}
	// The signature is over the DER SET OF the signed attributes, not over
	// their [0] IMPLICIT encoding (RFC 5652 section 5.4).
	signed := bytes.Clone(si.SignedAttrs.FullBytes)
	signed[0] = 0x31
	checked, err := checkCMSSignature(si, ts.TSA.PublicKey, signed)
	if err != nil {
		return nil, err
	}
	if !checked.ok {
		ts.NotChecked = checked.why
		return ts, nil
	}
	ts.SignatureChecked = true
	return ts, nil
}

func parseCertificateSet(raw asn1.RawValue) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := raw.Bytes
	for len(rest) > 0 {
		var v asn1.RawValue
		var err error
		rest, err = asn1.Unmarshal(rest, &v)
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagSequence {
			continue // other certificate formats (attribute certificates, ...)
		}
		c, err := x509.ParseCertificate(v.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// findSigner returns the certificate a SignerIdentifier names.
func findSigner(sid asn1.RawValue, sets ...[]*x509.Certificate) *x509.Certificate {
	var ias issuerAndSerial
	var ski []byte
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		if _, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil || ias.Serial == nil {
			return nil
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
		ski = sid.Bytes
	default:
		return nil
	}
	for _, set := range sets {
		for _, c := range set {
			if ski != nil {
				if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, ski) {
					return c
				}
				continue
			}
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				return c
			}
		}
	}
	return nil
}

// checkSignedAttrs checks the content-type and message-digest attributes
// RFC 5652 section 5.3 requires.
func checkSignedAttrs(si signerInfo, content []byte) error {
	h, err := hashByOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return fmt.Errorf("signer info digest: %w", err)
	}
	var gotType, gotDigest bool
	rest := si.SignedAttrs.Bytes
	for len(rest) > 0 {
		var a attribute
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return fmt.Errorf("signed attributes: %w", err)
		}
		switch {
		case a.Type.Equal(oidContentType):
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(a.Values.Bytes, &oid); err != nil || !oid.Equal(oidTSTInfo) {
				return errors.New("signed attributes: content-type is not TSTInfo")
			}
			gotType = true
		case a.Type.Equal(oidMessageDigest):
			var md []byte
			if _, err := asn1.Unmarshal(a.Values.Bytes, &md); err != nil {
				return errors.New("signed attributes: message-digest is not an OCTET STRING")
			}
			if !bytes.Equal(md, digest(h, content)) {
				return errors.New("signed attributes: message-digest does not match the TSTInfo")
			}
			gotDigest = true
		}
	}
	if !gotType || !gotDigest {
		return errors.New("signed attributes: content-type or message-digest missing")
	}
	return nil
}

type checkResult struct {
	ok  bool
	why string
}

// checkCMSSignature verifies the signer info's signature over signed. It
// returns ok=false with a reason for an algorithm it does not implement, and
// an error for a signature that does not verify.
func checkCMSSignature(si signerInfo, pub crypto.PublicKey, signed []byte) (checkResult, error) {
	alg := si.SignatureAlgorithm.Algorithm
	var h crypto.Hash
	var err error
	switch {
	case alg.Equal(oidRSA), alg.Equal(oidRSAPSS):
		h, err = hashByOID(si.DigestAlgorithm.Algorithm)
	case alg.Equal(oidSHA256WithRSA), alg.Equal(oidECDSASHA256):
		h = crypto.SHA256
	case alg.Equal(oidSHA384WithRSA), alg.Equal(oidECDSASHA384):
		h = crypto.SHA384
	case alg.Equal(oidSHA512WithRSA), alg.Equal(oidECDSASHA512):
		h = crypto.SHA512
	case alg.Equal(oidEd25519):
	default:
		return checkResult{why: fmt.Sprintf("TSA signature algorithm %s not supported", alg)}, nil
	}
	if err != nil {
		return checkResult{}, fmt.Errorf("signer info digest: %w", err)
	}
	bad := errors.New("the TSA's signature does not verify")
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch {
		case alg.Equal(oidRSAPSS):
			// Salt length is read from the signature (PSSSaltLengthAuto); the
			// hash is the signer info's digest algorithm.
			if rsa.VerifyPSS(k, h, digest(h, signed), si.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) != nil {
				return checkResult{}, bad
			}
		case alg.Equal(oidRSA), alg.Equal(oidSHA256WithRSA), alg.Equal(oidSHA384WithRSA), alg.Equal(oidSHA512WithRSA):
			if rsa.VerifyPKCS1v15(k, h, digest(h, signed), si.Signature) != nil {
				return checkResult{}, bad
			}
		default:
			return checkResult{}, fmt.Errorf("signature algorithm %s does not match the TSA's RSA key", alg)
		}
	case *ecdsa.PublicKey:
		if !alg.Equal(oidECDSASHA256) && !alg.Equal(oidECDSASHA384) && !alg.Equal(oidECDSASHA512) {
			return checkResult{}, fmt.Errorf("signature algorithm %s does not match the TSA's EC key", alg)
		}
		if !ecdsa.VerifyASN1(k, digest(h, signed), si.Signature) {
			return checkResult{}, bad
		}
	case ed25519.PublicKey:
		if !alg.Equal(oidEd25519) {
			return checkResult{}, fmt.Errorf("signature algorithm %s does not match the TSA's Ed25519 key", alg)
		}
		if !ed25519.Verify(k, signed, si.Signature) {
			return checkResult{}, bad
		}
	default:
		return checkResult{why: fmt.Sprintf("TSA key type %T not supported", pub)}, nil
	}
	return checkResult{ok: true}, nil
}

// digest hashes data with h, which must be available.
func digest(h crypto.Hash, data []byte) []byte {
	w := h.New()
	w.Write(data)
	return w.Sum(nil)
}
