package keys

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
)

// oidQCStatements is the id-pe-qcStatements extension (RFC 3739).
var oidQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}

// QC statement ids of ETSI EN 319 412-5 and RFC 3739.
var (
	oidQcCompliance      = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	oidQcLimitValue      = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 2}
	oidQcRetentionPeriod = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 3}
	oidQcSSCD            = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	oidQcPDS             = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 5}
	oidQcType            = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	oidQcCClegislation   = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 7}
	oidPKIXQCSyntaxV2    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 11, 2}
)

// QC types (EN 319 412-5 section 4.2.3).
var qcTypeNames = map[string]string{
	"0.4.0.1862.1.6.1": "esign",
	"0.4.0.1862.1.6.2": "eseal",
	"0.4.0.1862.1.6.3": "web",
}

// QCStatements are the qualified-certificate statements of a certificate
// (ETSI EN 319 412-5). They are claims made by the issuer; whether the issuer
// is a qualified trust service provider is for the trusted lists to say.
type QCStatements struct {
	// Compliance: the certificate claims to be an EU qualified certificate
	// (QcCompliance, 0.4.0.1862.1.1).
	Compliance bool `json:"compliance"`
	// SSCD: the private key is claimed to be in a qualified signature or
	// seal creation device (QcSSCD, 0.4.0.1862.1.4).
	SSCD bool `json:"sscd"`
	// Types are the QcType values (0.4.0.1862.1.6): "esign", "eseal",
	// "web", or the OID of an unknown type.
	Types []string `json:"types,omitempty"`
	// RetentionYears is QcRetentionPeriod (0.4.0.1862.1.3); 0 when absent.
	RetentionYears int `json:"retentionYears,omitempty"`
	// PDS are the PKI disclosure statements (QcPDS, 0.4.0.1862.1.5).
	PDS []PDSLocation `json:"pds,omitempty"`
	// Legislation are the country codes of QcCClegislation
	// (0.4.0.1862.1.7), for qualified certificates under non-EU law.
	Legislation []string `json:"legislation,omitempty"`
	// LimitValue is QcLimitValue (0.4.0.1862.1.2) as "amount×10^exp
	// currency"; empty when absent.
	LimitValue string `json:"limitValue,omitempty"`
	// Semantics are the semantics identifiers of id-qcs-pkixQCSyntax-v2
	// statements, e.g. "0.4.0.194121.1.2" (legal person, EN 319 412-1).
	Semantics []string `json:"semantics,omitempty"`
	// Other are the ids of statements not listed above.
	Other []string `json:"other,omitempty"`
}

// PDSLocation is one PKI disclosure statement.
type PDSLocation struct {
	URL      string `json:"url"`
	Language string `json:"language"`
}

type qcStatement struct {
	ID   asn1.ObjectIdentifier
	Info asn1.RawValue `asn1:"optional"`
}

// parseQCStatements reads the value of a qcStatements extension. On error it
// returns what it read so far.
func parseQCStatements(der []byte) (*QCStatements, error) {
	qc := &QCStatements{}
	var stmts []qcStatement
	rest, err := asn1.Unmarshal(der, &stmts)
	if err != nil {
		return qc, err
	}
	if len(rest) > 0 {
		return qc, fmt.Errorf("%d trailing bytes", len(rest))
	}
	for _, st := range stmts {
		info := st.Info.FullBytes
		switch {
		case st.ID.Equal(oidQcCompliance):
			qc.Compliance = true
		case st.ID.Equal(oidQcSSCD):
			qc.SSCD = true
		case st.ID.Equal(oidQcType):
			var types []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(info, &types); err != nil {
				return qc, fmt.Errorf("QcType: %v", err)
			}
			for _, t := range types {
				name, ok := qcTypeNames[t.String()]
				if !ok {
					name = t.String()
				}
				qc.Types = append(qc.Types, name)
			}
		case st.ID.Equal(oidQcRetentionPeriod):
			if _, err := asn1.Unmarshal(info, &qc.RetentionYears); err != nil {
				return qc, fmt.Errorf("QcRetentionPeriod: %v", err)
			}
		case st.ID.Equal(oidQcPDS):
			var pds []struct {
				URL      string `asn1:"ia5"`
				Language string `asn1:"printable"`
			}
			if _, err := asn1.Unmarshal(info, &pds); err != nil {
				return qc, fmt.Errorf("QcPDS: %v", err)
			}
			for _, p := range pds {
				qc.PDS = append(qc.PDS, PDSLocation{URL: p.URL, Language: p.Language})
			}
		case st.ID.Equal(oidQcCClegislation):
			if _, err := asn1.Unmarshal(info, &qc.Legislation); err != nil {
				return qc, fmt.Errorf("QcCClegislation: %v", err)
			}
		case st.ID.Equal(oidQcLimitValue):
			var lv struct {
				Currency asn1.RawValue // PrintableString or INTEGER
				Amount   int
				Exponent int
			}
			if _, err := asn1.Unmarshal(info, &lv); err != nil {
				return qc, fmt.Errorf("QcLimitValue: %v", err)
			}
			cur := string(lv.Currency.Bytes)
			if lv.Currency.Tag == asn1.TagInteger {
				var n int
				_, _ = asn1.Unmarshal(lv.Currency.FullBytes, &n)
				cur = fmt.Sprint(n)
			}
			qc.LimitValue = fmt.Sprintf("%d×10^%d %s", lv.Amount, lv.Exponent, cur)
		case st.ID.Equal(oidPKIXQCSyntaxV2):
			var sem struct {
				ID   asn1.ObjectIdentifier `asn1:"optional"`
				Rest asn1.RawValue         `asn1:"optional"`
			}
			if len(info) > 0 {
				if _, err := asn1.Unmarshal(info, &sem); err != nil {
					return qc, fmt.Errorf("semanticsInformation: %v", err)
				}
			}
			if len(sem.ID) > 0 {
				qc.Semantics = append(qc.Semantics, sem.ID.String())
			}
		default:
			qc.Other = append(qc.Other, st.ID.String())
		}
	}
	return qc, nil
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}
