package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/diplomat-edu/diplomat/internal/certname"
)

// TestSealMarker is the organizational unit every test seal made by
// CreateTestSeal carries in its subject; Describe reports a certificate with
// it as Test. Its common name also ends in " (TEST)".
const TestSealMarker = "TEST SEAL - NOT QUALIFIED - DIPLOMAT"

// oidOrganizationIdentifier is the X.520 organizationIdentifier attribute
// (2.5.4.97), which ETSI EN 319 412-3 requires in a legal person's seal.
var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// checkSealKey accepts the key types of qualified seals: RSA of 2048 bits or
// more, ECDSA P-256 or P-384.
func checkSealKey(pub crypto.PublicKey) (KeyType, error) {
	typ, err := typeOf(pub)
	if err != nil {
		return "", err
	}
	if typ == Ed25519 {
		return "", fmt.Errorf("keys: an X.509 seal key must be RSA (2048 bits or more) or ECDSA P-256/P-384, not Ed25519: %w", ErrInvalid)
	}
	return typ, nil
}

// orderChain puts leaf first and then each issuer found among others,
// following issuer names; certificates that do not link are appended.
func orderChain(leaf *x509.Certificate, others []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	rest := append([]*x509.Certificate(nil), others...)
	for cur := leaf; ; {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) {
			break
		}
		next := -1
		for i, c := range rest {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		cur = rest[next]
		chain = append(chain, cur)
		rest = append(rest[:next], rest[next+1:]...)
	}
	for _, c := range rest {
		if !bytes.Equal(c.Raw, leaf.Raw) {
			chain = append(chain, c)
		}
	}
	return chain
}

func samePublic(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// storeSeal seals priv with its chain under name.
func (s *Store) storeSeal(name string, priv crypto.Signer, chain []*x509.Certificate, test bool, op string) (*Key, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	typ, err := checkSealKey(priv.Public())
	if err != nil {
		return nil, err
	}
	if !samePublic(chain[0].PublicKey, priv.Public()) {
		return nil, fmt.Errorf("keys: the private key does not match the leaf certificate %q: %w", certname.String(chain[0].Subject), ErrInvalid)
	}
	r, err := s.sealNew(priv, name, Assertion)
	if err != nil {
		return nil, err
	}
	r.Test, r.Imported = test, !test
	for _, c := range chain {
		r.Chain = append(r.Chain, c.Raw)
	}
	return s.insert(r, op, fmt.Sprintf("%s, %s", typ, chain[0].Subject.CommonName))
}

// ImportPKCS12 stores the private key and certificate chain of a PKCS #12
// (.p12, .pfx) file as an eSeal named name, for signing assertions. A
// password that does not decrypt the file returns an error wrapping
// ErrWrongPKCS12Password; a key that is not RSA 2048+ or ECDSA P-256/P-384,
// or that does not match the leaf certificate, one wrapping ErrInvalid. It
// needs the store unlocked.
func (s *Store) ImportPKCS12(name string, data []byte, password string) (*Key, error) {
	k, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, fmt.Errorf("keys: the PKCS#12 file does not open with this password: %w", ErrWrongPKCS12Password)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: the PKCS#12 file does not parse (%v): %w", err, ErrInvalid)
	}
	priv, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keys: the PKCS#12 key of type %T cannot sign: %w", k, ErrInvalid)
	}
	return s.storeSeal(name, priv, orderChain(leaf, cas), false, "seal.import")
}

// ImportPEM stores an eSeal from PEM: chainPEM holds the certificates
// ("CERTIFICATE" blocks), the seal's own certificate first; keyPEM holds its
// private key ("PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY"). The key
// must be RSA of 2048 bits or more or ECDSA P-256/P-384 and match the first
// certificate; otherwise the error wraps ErrInvalid. It needs the store
// unlocked.
func (s *Store) ImportPEM(name string, chainPEM, keyPEM []byte) (*Key, error) {
	certs, err := parseCertsPEM(chainPEM)
	if err != nil {
		return nil, err
	}
	priv, err := parseSealKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	return s.storeSeal(name, priv, orderChain(certs[0], certs[1:]), false, "seal.import")
}

func parseSealKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block != nil && block.Type == "RSA PRIVATE KEY" {
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("keys: PEM RSA PRIVATE KEY does not parse: %w", ErrInvalid)
		}
		return k, nil
	}
	return parsePrivatePEM(data)
}

// parseCertsPEM returns the CERTIFICATE blocks of data, in order.
func parseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("keys: PEM block %q where a CERTIFICATE was expected: %w", block.Type, ErrInvalid)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("keys: certificate %d does not parse (%v): %w", len(certs)+1, err, ErrInvalid)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("keys: no PEM CERTIFICATE found: %w", ErrInvalid)
	}
	return certs, nil
}

// AttachChain stores the certificate chain a trust service provider issued
// for an existing key (after CSR), making it an eSeal. The first
// certificate must certify the key's public key (ErrInvalid otherwise). It
// needs no passphrase.
func (s *Store) AttachChain(name string, chainPEM []byte) (*Key, error) {
	certs, err := parseCertsPEM(chainPEM)
	if err != nil {
		return nil, err
	}
	var r *keyRecord
	err = s.update(func(tx Tx) error {
		var err error
		if r, err = current(tx, name); err != nil {
			return err
		}
		if r.State != Active {
			return fmt.Errorf("keys: key %q is %s: %w", name, r.State, ErrInvalid)
		}
		k, err := r.key()
		if err != nil {
			return err
		}
		if _, err := checkSealKey(k.Public); err != nil {
			return err
		}
		if !samePublic(certs[0].PublicKey, k.Public) {
			return fmt.Errorf("keys: the certificate %q is not for key %q: %w", certname.String(certs[0].Subject), name, ErrInvalid)
		}
		r.Chain, r.Awaiting = nil, false
		for _, c := range orderChain(certs[0], certs[1:]) {
			r.Chain = append(r.Chain, c.Raw)
		}
		if err := putRecord(tx, r); err != nil {
			return err
		}
		return appendAudit(tx, s.now().UTC(), "keys.chain", r.ID, name, certs[0].Subject.CommonName)
	})
	if err != nil {
		return nil, err
	}
	return r.key()
}

// Chain returns the certificate chain of the key named name, leaf first, or
// an error wrapping ErrNotFound when the key has none.
func (s *Store) Chain(name string) ([]*x509.Certificate, error) {
	k, err := s.Key(name)
	if err != nil {
		return nil, err
	}
	if len(k.Chain) == 0 {
		return nil, fmt.Errorf("keys: key %q has no certificate: %w", name, ErrNotFound)
	}
	return k.Chain, nil
}

// SealSubject is the subject of an organisation seal certificate, as ETSI EN
// 319 412-3 asks for a legal person.
type SealSubject struct {
	// CommonName is the name of the seal, e.g. "Université Exemple
	// diplomas". Required by CSR; defaults to Organization in test seals.
	CommonName string `json:"commonName"`
	// Organization is the full registered name of the organisation.
	// Required.
	Organization string `json:"organization"`
	// OrganizationIdentifier is the organisation's registration id in the
	// EN 319 412-1 form: three-letter type (VAT, NTR, PSD, LEI), country code,
	// hyphen, identifier, e.g. "VATFR-12345678901". Required by CSR,
	// optional in test seals.
	OrganizationIdentifier string `json:"organizationIdentifier"`
	// Country is the ISO 3166-1 alpha-2 code of the country where the
	// organisation is established. Required.
	Country string `json:"country"`
	// OrganizationalUnit and Locality are optional.
	OrganizationalUnit string `json:"organizationalUnit,omitempty"`
	Locality           string `json:"locality,omitempty"`
}

var orgIDRE = regexp.MustCompile(`^(?:[A-Z]{3}|[A-Z]{2}:)([A-Z]{2})-[^\s-][^\s]*$`)

func (sub SealSubject) check(requireAll bool) error {
	missing := func(f string) error {
		return fmt.Errorf("keys: seal subject: %s is required: %w", f, ErrInvalid)
	}
	if strings.TrimSpace(sub.Organization) == "" {
		return missing("organization (O)")
	}
	if !IsCountry(sub.Country) {
		return fmt.Errorf("keys: seal subject: country %q is not an ISO 3166-1 alpha-2 code: %w", sub.Country, ErrInvalid)
	}
	if requireAll && strings.TrimSpace(sub.CommonName) == "" {
		return missing("common name (CN)")
	}
	if requireAll && sub.OrganizationIdentifier == "" {
		return missing("organizationIdentifier (e.g. VATFR-12345678901)")
	}
	if sub.OrganizationIdentifier != "" {
		m := orgIDRE.FindStringSubmatch(sub.OrganizationIdentifier)
		if m == nil || !(IsCountry(m[1]) || m[1] == "EL" || m[1] == "XG") {
			return fmt.Errorf("keys: seal subject: organizationIdentifier %q is not of the form TYPE+COUNTRY-ID, e.g. VATFR-12345678901 or NTRBE-0123456789: %w", sub.OrganizationIdentifier, ErrInvalid)
		}
	}
	return nil
}

func (sub SealSubject) name() pkix.Name {
	n := pkix.Name{CommonName: sub.CommonName, Organization: []string{sub.Organization}, Country: []string{sub.Country}}
	if sub.OrganizationalUnit != "" {
		n.OrganizationalUnit = []string{sub.OrganizationalUnit}
	}
	if sub.Locality != "" {
		n.Locality = []string{sub.Locality}
	}
	if sub.OrganizationIdentifier != "" {
		n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oidOrganizationIdentifier, Value: sub.OrganizationIdentifier})
	}
	return n
}

// CSR returns a PEM certificate signing request for the key named name with
// an organisation seal subject (CN, O, C, organizationIdentifier and the
// optional OU and L), signed by that key, to send to a qualified trust
// service provider. All of CommonName, Organization, OrganizationIdentifier
// and Country are required. The key must be RSA or ECDSA P-256/P-384 and the
// store unlocked. The key is then AwaitingCertificate until the issued
// certificate is attached with AttachChain.
func (s *Store) CSR(name string, sub SealSubject) ([]byte, error) {
	if err := sub.check(true); err != nil {
		return nil, err
	}
	k, err := s.Key(name)
	if err != nil {
		return nil, err
	}
	if _, err := checkSealKey(k.Public); err != nil {
		return nil, err
	}
	sg, err := s.Signer(name)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: sub.name()}, sg)
	if err != nil {
		return nil, fmt.Errorf("keys: creating the CSR: %w", err)
	}
	err = s.update(func(tx Tx) error {
		v, err := tx.Get(TableKeys, []byte(k.ID))
		if err != nil {
			return err
		}
		if v == nil {
			return fmt.Errorf("keys: key %q was removed while making its CSR: %w", name, ErrNotFound)
		}
		var r keyRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("keys: key record %q: %w", k.ID, ErrCorrupt)
		}
		if len(r.Chain) == 0 {
			r.Awaiting = true
			if err := putRecord(tx, &r); err != nil {
				return err
			}
		}
		return appendAudit(tx, s.now().UTC(), "keys.csr", k.ID, name, sub.OrganizationIdentifier)
	})
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// TestSealOptions configure CreateTestSeal. The zero value of each field
// has the meaning its comment gives.
type TestSealOptions struct {
	// Subject names the organisation; Organization and Country are
	// required, CommonName defaults to Organization. The common name gets
	// " (TEST)" appended and the organizational unit is TestSealMarker.
	Subject SealSubject
	// Type is P256 (zero value) or P384.
	Type KeyType
	// Validity is how long the certificate is valid from now; zero means
	// 365 days.
	Validity time.Duration
}

// CreateTestSeal makes a new key and a self-signed certificate for it, for
// demonstrations and tests: never a qualified seal. The certificate says so
// in its subject (CN "... (TEST)", OU TestSealMarker) and the key is stored
// with Test set, so every listing can show it. It needs the store unlocked.
func (s *Store) CreateTestSeal(name string, opts TestSealOptions) (*Key, error) {
	sub := opts.Subject
	if sub.CommonName == "" {
		sub.CommonName = sub.Organization
	}
	if err := sub.check(false); err != nil {
		return nil, err
	}
	sub.CommonName += " (TEST)"
	sub.OrganizationalUnit = TestSealMarker
	typ := opts.Type
	if typ == "" {
		typ = P256
	}
	if typ != P256 && typ != P384 {
		return nil, fmt.Errorf("keys: test seal key type %q: want %s or %s: %w", typ, P256, P384, ErrInvalid)
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = 365 * 24 * time.Hour
	}
	priv, err := generate(typ)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               sub.name(),
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return nil, fmt.Errorf("keys: creating the test certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return s.storeSeal(name, priv, []*x509.Certificate{cert}, true, "seal.test-create")
}

// CertInfo is what Describe reads from a certificate, for display.
type CertInfo struct {
	Subject                string    `json:"subject"`
	Issuer                 string    `json:"issuer"`
	SerialNumber           string    `json:"serialNumber"` // hex
	NotBefore              time.Time `json:"notBefore"`
	NotAfter               time.Time `json:"notAfter"`
	KeyType                string    `json:"keyType"` // "RSA 3072", "ECDSA P-256"
	KeyUsage               []string  `json:"keyUsage,omitempty"`
	ExtKeyUsage            []string  `json:"extKeyUsage,omitempty"`
	OrganizationIdentifier string    `json:"organizationIdentifier,omitempty"`
	SelfSigned             bool      `json:"selfSigned"`
	CA                     bool      `json:"ca"`
	// SHA256 is the hex SHA-256 fingerprint of the DER certificate.
	SHA256 string `json:"sha256"`
	// QC are the certificate's ETSI EN 319 412-5 QC statements; nil when it
	// has none.
	QC *QCStatements `json:"qcStatements,omitempty"`
	// Test is true for a Diplomat test seal (subject OU TestSealMarker).
	Test bool `json:"test"`
	// Warnings are problems found while reading (a QC statements extension
	// that does not parse), in words.
	Warnings []string `json:"warnings,omitempty"`
}

// Describe reads the facts a registrar or verifier wants to see about a
// certificate. It never fails: what it cannot read goes to Warnings.
func Describe(cert *x509.Certificate) *CertInfo {
	in := &CertInfo{
		Subject:      nameString(cert.Subject),
		Issuer:       nameString(cert.Issuer),
		SerialNumber: fmt.Sprintf("%x", cert.SerialNumber),
		NotBefore:    cert.NotBefore.UTC(),
		NotAfter:     cert.NotAfter.UTC(),
		KeyType:      describeKey(cert.PublicKey),
		KeyUsage:     keyUsageNames(cert.KeyUsage),
		SelfSigned:   bytes.Equal(cert.RawIssuer, cert.RawSubject) && cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) == nil,
		CA:           cert.BasicConstraintsValid && cert.IsCA,
		SHA256:       fingerprint(cert),
	}
	for _, u := range cert.ExtKeyUsage {
		in.ExtKeyUsage = append(in.ExtKeyUsage, extKeyUsageName(u))
	}
	for _, u := range cert.UnknownExtKeyUsage {
		in.ExtKeyUsage = append(in.ExtKeyUsage, u.String())
	}
	for _, a := range cert.Subject.Names {
		if a.Type.Equal(oidOrganizationIdentifier) {
			in.OrganizationIdentifier = fmt.Sprint(a.Value)
		}
	}
	for _, ou := range cert.Subject.OrganizationalUnit {
		if ou == TestSealMarker {
			in.Test = true
		}
	}
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidQCStatements) {
			qc, err := parseQCStatements(ext.Value)
			if err != nil {
				in.Warnings = append(in.Warnings, "the qcStatements extension does not parse: "+err.Error())
			}
			in.QC = qc
		}
	}
	return in
}

// nameString is pkix.Name.String with organizationIdentifier spelled out
// rather than as a hex-encoded OID.
func nameString(n pkix.Name) string { return certname.String(n) }

func describeKey(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

func keyUsageNames(u x509.KeyUsage) []string {
	names := []string{"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if u&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func extKeyUsageName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageAny:
		return "any"
	case x509.ExtKeyUsageServerAuth:
		return "serverAuth"
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageCodeSigning:
		return "codeSigning"
	case x509.ExtKeyUsageEmailProtection:
		return "emailProtection"
	case x509.ExtKeyUsageTimeStamping:
		return "timeStamping"
	case x509.ExtKeyUsageOCSPSigning:
		return "OCSPSigning"
	}
	return fmt.Sprintf("extKeyUsage(%d)", u)
}
