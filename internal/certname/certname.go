package certname

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
)

// OIDOrganizationIdentifier is the organizationIdentifier attribute
// (2.5.4.97), "VATFR-12345678901" in a qualified seal's subject.
var OIDOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// names are the attributes pkix.Name.String does not know, by OID.
var names = map[string]string{
	"2.5.4.97":             "organizationIdentifier",
	"2.5.4.4":              "SN",
	"2.5.4.42":             "GN",
	"2.5.4.12":             "title",
	"2.5.4.13":             "description",
	"2.5.4.15":             "businessCategory",
	"2.5.4.46":             "dnQualifier",
	"2.5.4.65":             "pseudonym",
	"1.2.840.113549.1.9.1": "emailAddress",
}

// known are the attributes pkix.Name.String writes by name.
var known = []int{3, 5, 6, 7, 8, 9, 10, 11, 17}

// String is n.String() with organizationIdentifier and the other
// attributes it would write as "2.5.4.97=#13…" written by name and value:
// "CN=Exemple diplomas,O=Université Exemple,C=FR,organizationIdentifier=VATFR-12345678901".
func String(n pkix.Name) string {
	var extra []string
	for _, a := range n.Names {
		t := a.Type
		if len(t) == 4 && t[0] == 2 && t[1] == 5 && t[2] == 4 && slices.Contains(known, t[3]) {
			continue // written by pkix.Name.String
		}
		name, ok := names[t.String()]
		if !ok {
			name = t.String()
		}
		extra = append(extra, name+"="+fmt.Sprint(a.Value))
	}
	if len(extra) == 0 {
		return n.String()
	}
	n.ExtraNames = []pkix.AttributeTypeAndValue{} // non-nil: String skips the unknown Names
	base := n.String()
	if base == "" {
		return strings.Join(extra, ",")
	}
	return strings.Join(append([]string{base}, extra...), ",")
}

// OrganizationIdentifier returns the organizationIdentifier of n, or "".
func OrganizationIdentifier(n pkix.Name) string {
	for _, a := range n.Names {
		if a.Type.Equal(OIDOrganizationIdentifier) {
			if s, ok := a.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

// Organisation names the holder of a seal certificate in a few words: its
// organisation with country and organizationIdentifier, "Université
// Exemple (FR, VATFR-12345678901)"; the common name when it names no
// organisation; String(n) when it has neither.
func Organisation(n pkix.Name) string {
	who := ""
	switch {
	case len(n.Organization) > 0 && n.Organization[0] != "":
		who = n.Organization[0]
	case n.CommonName != "":
		who = n.CommonName
	default:
		return String(n)
	}
	var in []string
	if len(n.Country) > 0 && n.Country[0] != "" {
		in = append(in, n.Country[0])
	}
	if oi := OrganizationIdentifier(n); oi != "" {
		in = append(in, oi)
	}
	if len(in) > 0 {
		who += " (" + strings.Join(in, ", ") + ")"
	}
	return who
}
