package etsi

import (
	"crypto/x509"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The QC statements classification reads (ETSI EN 319 412-5). Package keys
// describes certificates for display; this reads only the three statements a
// seal's qualification depends on, without reflection, on every lookup.
var (
	oidQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	oidQcCompliance = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	oidQcSSCD       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	oidQcType       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	oidQcTypeESeal  = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 2}
)

// DER contents of id-etsi-qcs-QcCompliance (0.4.0.1862.1.1) and
// id-etsi-qcs-QcSSCD (0.4.0.1862.1.4).
const (
	derQcCompliance = "\x04\x00\x8e\x46\x01\x01"
	derQcSSCD       = "\x04\x00\x8e\x46\x01\x04"
)

// qcFacts are the QC statements of a certificate that matter to a seal.
type qcFacts struct {
	compliance, sscd, eseal bool
}

// readQC reads a certificate's QC statements; what does not parse counts as
// absent.
func readQC(c *x509.Certificate) qcFacts {
	var f qcFacts
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oidQCStatements) {
			continue
		}
		in := cryptobyte.String(ext.Value)
		var seq cryptobyte.String
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return f
		}
		for !seq.Empty() {
			var stmt cryptobyte.String
			var id asn1.ObjectIdentifier
			if !seq.ReadASN1(&stmt, cbasn1.SEQUENCE) {
				return f
			}
			// The three statements read are recognised by their DER
			// encoding (unique for an OID), without decoding every OID.
			var raw cryptobyte.String
			if peek := stmt; peek.ReadASN1(&raw, cbasn1.OBJECT_IDENTIFIER) {
				switch string(raw) {
				case derQcCompliance:
					f.compliance = true
					continue
				case derQcSSCD:
					f.sscd = true
					continue
				}
			}
			if !stmt.ReadASN1ObjectIdentifier(&id) {
				return f
			}
			switch {
			case id.Equal(oidQcCompliance):
				f.compliance = true
			case id.Equal(oidQcSSCD):
				f.sscd = true
			case id.Equal(oidQcType):
				var types cryptobyte.String
				if !stmt.ReadASN1(&types, cbasn1.SEQUENCE) {
					continue
				}
				for !types.Empty() {
					var t asn1.ObjectIdentifier
					if !types.ReadASN1ObjectIdentifier(&t) {
						break
					}
					if t.Equal(oidQcTypeESeal) {
						f.eseal = true
					}
				}
			}
		}
	}
	return f
}
