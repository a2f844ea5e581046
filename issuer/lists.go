package issuer

import "strings"

// ListSize is the number of entries of every status list this package
// creates: 131,072, the minimum the W3C Bitstring Status List and
// StatusList2021 set so that one credential hides among many.
const ListSize = 131072

// Status purposes. Every credential has one index in one list, used for both
// purposes: list N is published twice, once per purpose.
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// PurposeToken names the IETF Token Status List an eudi list is also
// published as (docs/status.md): one list of 2-bit statuses for both
// purposes, at <statusBaseURL>/eudi/<n>/token.
const PurposeToken = "token"

// ListURL returns the URL of status list id for purpose under base.
func ListURL(base, id, purpose string) string {
	return strings.TrimRight(base, "/") + "/" + id + "/" + purpose
}
