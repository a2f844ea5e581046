package jades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jwa"
	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Name is the mechanism's name on the command line and in reports.
const Name = "jades"

// Mechanism signs and verifies JAdES signatures in the EDC shape. The zero
// value is ready to use: it signs RSA seals with RS256, as EDC does, and
// accepts signatures up to 8 MiB.
//
// A Mechanism is safe for concurrent use.
type Mechanism struct {
	// RSAAlgorithm is the JWS algorithm Sign uses with an RSA key: "RS256"
	// (the zero value, as the EDC samples) or "PS256". EC keys always sign
	// with ES256 (P-256) or ES384 (P-384).
	RSAAlgorithm string
	// MaxBytes is the largest signed credential Verify accepts. Zero means
	// the internal/jsonx default of 8 MiB.
	MaxBytes int
}

var _ credentials.Mechanism = (*Mechanism)(nil)

// Name returns "jades".
func (m *Mechanism) Name() string { return Name }

// protectedHeader is the protected header Sign writes, members in the order
// of the EDC samples.
type protectedHeader struct {
	Alg     string   `json:"alg"`
	Cty     string   `json:"cty"`
	Kid     string   `json:"kid"`
	X5tS256 string   `json:"x5t#S256"`
	X5c     []string `json:"x5c"`
	Typ     string   `json:"typ"`
	B64     bool     `json:"b64"`
	SigT    string   `json:"sigT"`
	Crit    []string `json:"crit"`
}

// understoodCrit reports whether Verify processes a header parameter and so
// accepts it in crit.
func understoodCrit(name string) bool {
	switch name {
	case "b64", "sigT", "adoTst":
		return true
	}
	return false
}

// registeredJWS reports whether a header parameter is one RFC 7515 defines,
// which must not appear in crit (RFC 7515 section 4.1.11).
func registeredJWS(name string) bool {
	switch name {
	case "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit":
		return true
	}
	return false
}

const sigTLayout = "2006-01-02T15:04:05Z"

// Sign seals doc, an unsecured credential in JSON, with key.Signer and its
// certificate key.Chain (leaf first, required), as a JAdES-B-B signature in
// the EDC shape: general JWS JSON serialization, the credential unencoded as
// the payload string, and a protected header with alg, cty, kid (the
// certificate's IssuerSerial), x5t#S256, x5c, typ, b64 false, sigT
// (opts.Now) and crit ["b64", "sigT"]. key.ID is not used. It returns an
// error wrapping credentials.ErrUnsupportedKey when the key is not RSA of
// 2048 bits or more, P-256 or P-384, or does not match the certificate, and
// credentials.ErrMalformed when doc is not JSON in UTF-8.
func (m *Mechanism) Sign(ctx context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if key.Signer == nil {
		return nil, &Error{Kind: credentials.ErrUnsupportedKey, Reason: "no signer"}
	}
	if len(key.Chain) == 0 || key.Chain[0] == nil {
		return nil, &Error{Kind: credentials.ErrUnsupportedKey, Reason: "no certificate: JAdES seals with an X.509 certificate (SigningKey.Chain)"}
	}
	leaf := key.Chain[0]
	pub := key.Signer.Public()
	if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(leaf.PublicKey) {
		return nil, &Error{Kind: credentials.ErrUnsupportedKey, Reason: "the signer's key is not the certificate's key"}
	}
	alg, err := signingAlg(pub, m.RSAAlgorithm)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(doc) {
		return nil, malformed("document", "not UTF-8")
	}
	if err := jsonx.Check(doc, jsonx.Limits{MaxBytes: m.MaxBytes}); err != nil {
		return nil, wrapErr(credentials.ErrMalformed, "document", "not JSON", err)
	}
	kid, err := issuerSerial(leaf)
	if err != nil {
		return nil, &Error{Kind: credentials.ErrUnsupportedKey, Where: "certificate", Reason: "cannot encode its issuer and serial number", Err: err}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	thumb := sha256.Sum256(leaf.Raw)
	h := protectedHeader{
		Alg:     alg,
		Cty:     "octet-stream",
		Kid:     kid,
		X5tS256: base64.RawURLEncoding.EncodeToString(thumb[:]),
		Typ:     "jose+json",
		B64:     false,
		SigT:    now().UTC().Format(sigTLayout),
		Crit:    []string{"b64", "sigT"},
	}
	for _, c := range key.Chain {
		h.X5c = append(h.X5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	hb, err := marshal(h)
	if err != nil {
		return nil, err
	}
	protected := base64.RawURLEncoding.EncodeToString(hb)
	input := make([]byte, 0, len(protected)+1+len(doc))
	input = append(append(append(input, protected...), '.'), doc...)
	sig, err := jwa.Sign(alg, key.Signer, input)
	if err != nil {
		return nil, fmt.Errorf("jades: signing: %w", err)
	}
	type signature struct {
		Protected string `json:"protected"`
		Signature string `json:"signature"`
	}
	out, err := marshal(struct {
		Payload    string      `json:"payload"`
		Signatures []signature `json:"signatures"`
	}{
		Payload:    string(doc),
		Signatures: []signature{{Protected: protected, Signature: base64.RawURLEncoding.EncodeToString(sig)}},
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// marshal encodes v without HTML escaping and without a final newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("jades: encoding: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// issuerSerial returns the JAdES kid of a certificate: the base64 DER of an
// IssuerSerial (RFC 5035) naming its issuer and serial number.
func issuerSerial(c *x509.Certificate) (string, error) {
	der, err := asn1.Marshal(struct {
		Issuer []asn1.RawValue
		Serial *big.Int
	}{
		Issuer: []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: c.RawIssuer}},
		Serial: c.SerialNumber,
	})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// matchIssuerSerial reports whether kid, when it is a base64 IssuerSerial,
// names c. ok is false when kid is not an IssuerSerial at all (kid is free
// form in JWS), so there is nothing to compare.
func matchIssuerSerial(kid string, c *x509.Certificate) (match, ok bool) {
	der, err := decodeStdBase64(kid)
	if err != nil {
		return false, false
	}
	var is struct {
		Issuer []asn1.RawValue
		Serial *big.Int
	}
	if rest, err := asn1.Unmarshal(der, &is); err != nil || len(rest) > 0 || is.Serial == nil || len(is.Issuer) == 0 {
		return false, false
	}
	if is.Serial.Cmp(c.SerialNumber) != 0 {
		return false, true
	}
	for _, gn := range is.Issuer {
		if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 && bytes.Equal(gn.Bytes, c.RawIssuer) {
			return true, true
		}
	}
	return false, true
}

// Verify checks a JAdES signature of level B-B to B-LTA over a credential:
// the critical header parameters, the signing certificate's digest and
// identifier, the core signature with the certificate's key, and every
// time-stamp (message imprint and TSA signature). Keys come from x5c, so r is
// not used and may be nil. The returned Verified carries the payload as
// Document, the certificate chain as carried (x5c, then the xVals
// certificates not already in it), sigT as Signed, and the level, signer and
// time-stamps in Details. Trust in the chain is the caller's to decide.
//
// A signature time-stamp (sigTst) counts, making the level B-T or higher
// and setting Timestamped to its genTime and TimestampChain to its TSA's
// certificates, only if its TSA certificate is carried in the token or in
// xVals (never taken from x5c), has the critical id-kp-timeStamping
// extended key usage, covers genTime, is not the signer's certificate or
// key, and the token's CMS signature and imprint verify; otherwise the
// level stays B-B and Details["timestamp"] says why. Whether the TSA is
// trusted is, again, the caller's to decide.
//
// Errors wrap credentials.ErrMalformed (not a JAdES JWS JSON signature, an
// unknown critical parameter, a detached payload), ErrUnknownKey (no x5c),
// ErrUnsupportedKey (an RSA key under 2048 bits, an unknown key type),
// ErrInvalidProof (alg none, HMAC or not matching the key, x5t#S256 or kid
// not matching the certificate, a signature or time-stamp that does not
// verify) and ErrNotYetValid (sigT after opts.Now plus opts.Skew).
func (m *Mechanism) Verify(ctx context.Context, secured []byte, _ credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j, err := Parse(secured, m.MaxBytes)
	if err != nil {
		return nil, err
	}
	h := &j.Header
	if err := checkAlg(h.Alg); err != nil {
		return nil, err
	}
	if err := checkCrit(h); err != nil {
		return nil, err
	}
	if _, ok := h.Members["sigD"]; ok {
		return nil, malformed("protected header: sigD", "detached signed data objects are not supported")
	}
	switch h.Typ {
	case "", "jose+json", "JOSE+JSON", "application/jose+json":
	default:
		return nil, malformed("protected header: typ", "%q is not a JWS JSON serialization type (jose+json)", h.Typ)
	}
	if len(h.X5c) == 0 {
		return nil, &Error{Kind: credentials.ErrUnknownKey, Where: "protected header: x5c", Reason: "missing: the signing certificate must be carried"}
	}
	if len(h.X5c) > 16 {
		return nil, malformed("protected header: x5c", "%d certificates, more than 16", len(h.X5c))
	}
	chain := make([]*x509.Certificate, 0, len(h.X5c))
	for i, s := range h.X5c {
		where := fmt.Sprintf("protected header: x5c[%d]", i)
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, wrapErr(credentials.ErrMalformed, where, "not base64", err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, wrapErr(credentials.ErrMalformed, where, "not an X.509 certificate", err)
		}
		chain = append(chain, c)
	}
	leaf := chain[0]
	if h.X5tS256 != "" {
		sum := sha256.Sum256(leaf.Raw)
		if h.X5tS256 != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return nil, invalid("protected header: x5t#S256", "does not match the certificate in x5c[0]")
		}
	}
	if h.Kid != "" {
		if match, ok := matchIssuerSerial(h.Kid, leaf); ok && !match {
			return nil, invalid("protected header: kid", "names another certificate than x5c[0]")
		}
	}
	if err := checkKey(h.Alg, leaf.PublicKey); err != nil {
		return nil, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(j.Signature)
	if err != nil {
		return nil, wrapErr(credentials.ErrMalformed, "signature", "not base64url", err)
	}
	input := make([]byte, 0, len(j.Protected)+1+len(j.SigningPayload))
	input = append(append(append(input, j.Protected...), '.'), j.SigningPayload...)
	if jwa.Verify(h.Alg, leaf.PublicKey, input, sig) != nil {
		return nil, invalid("signature", "does not verify with the key of x5c[0]")
	}

	details := map[string]string{
		"signature":        "valid (" + h.Alg + ")",
		"signer.subject":   certname.String(leaf.Subject),
		"signer.issuer":    certname.String(leaf.Issuer),
		"signer.validity":  leaf.NotBefore.UTC().Format(sigTLayout) + " to " + leaf.NotAfter.UTC().Format(sigTLayout),
		"certificate.path": "not evaluated here: trust is the verifier's",
	}
	var signed time.Time
	if h.SigT != "" {
		signed, err = time.Parse(time.RFC3339, h.SigT)
		if err != nil {
			return nil, wrapErr(credentials.ErrMalformed, "protected header: sigT", "not an RFC 3339 time", err)
		}
		signed = signed.UTC()
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		if signed.After(now().Add(opts.Skew)) {
			return nil, &Error{Kind: credentials.ErrNotYetValid, Where: "protected header: sigT", Reason: "signing time " + h.SigT + " is in the future"}
		}
		details["sigT"] = signed.Format(sigTLayout)
		if signed.Before(leaf.NotBefore) || signed.After(leaf.NotAfter) {
			details["signer.validAtSigT"] = "no"
		} else {
			details["signer.validAtSigT"] = "yes"
		}
	}
	u, err := checkUnsigned(j, chain)
	if err != nil {
		return nil, err
	}
	for k, v := range u.details {
		details[k] = v
	}
	details["level"] = u.level
	for _, c := range u.xVals {
		if !slices.ContainsFunc(chain, func(x *x509.Certificate) bool { return x.Equal(c) }) {
			chain = append(chain, c)
		}
	}
	issuer, err := documentIssuer(j.Payload, m.MaxBytes)
	if err != nil {
		return nil, err
	}
	return &credentials.Verified{
		Mechanism: Name,
		Document:  j.Payload,
		Issuer:    issuer,
		KeyID:     h.Kid,
		Key:       leaf.PublicKey,
		Chain:     chain,
		Signed:    signed,
		// Set only from a time-stamp countable accepted: by a TSA other
		// than the signer, its signature verified.
		Timestamped:    u.timestamped,
		TimestampChain: u.tsaChain,
		Details:        details,
	}, nil
}

// checkCrit applies RFC 7515 section 4.1.11 and RFC 7797 section 6: every
// name in crit must be understood here, present in the protected header and
// not one of the registered JWS parameters, and b64 false must be critical.
func checkCrit(h *Header) error {
	const where = "protected header: crit"
	seen := map[string]bool{}
	for _, name := range h.Crit {
		if seen[name] {
			return malformed(where, "%q listed twice", name)
		}
		seen[name] = true
		if registeredJWS(name) {
			return malformed(where, "%q is a registered JWS parameter and must not be listed", name)
		}
		if !understoodCrit(name) {
			return malformed(where, "unknown critical header parameter %q", name)
		}
		if _, ok := h.Members[name]; !ok {
			return malformed(where, "%q is listed but absent from the protected header", name)
		}
	}
	if !h.B64 && !seen["b64"] {
		return malformed(where, "b64 is false but not listed as critical (RFC 7797 section 6)")
	}
	return nil
}

// documentIssuer returns the issuer a credential names: issuer as a string,
// or issuer.id.
func documentIssuer(payload []byte, maxBytes int) (string, error) {
	if err := jsonx.Check(payload, jsonx.Limits{MaxBytes: maxBytes}); err != nil {
		return "", wrapErr(credentials.ErrMalformed, "payload", "not a JSON credential", err)
	}
	var issuer []byte
	err := jsonx.Members(payload, func(name string, v []byte) bool {
		if name == "issuer" {
			issuer = v
			return false
		}
		return true
	})
	if err != nil {
		return "", wrapErr(credentials.ErrMalformed, "payload", "not a JSON credential", err)
	}
	if issuer == nil {
		return "", nil
	}
	var s string
	if json.Unmarshal(issuer, &s) == nil {
		return s, nil
	}
	var o struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(issuer, &o) == nil {
		return o.ID, nil
	}
	return "", malformed("payload: issuer", "neither a string nor an object with id")
}
