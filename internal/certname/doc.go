// Package certname writes X.509 names for people: pkix.Name.String with the
// attributes European seals carry (organizationIdentifier, ETSI EN 319
// 412-1) spelled out instead of as a hex-encoded OID, and a short form
// naming the organisation behind a seal. It is not a parser.
package certname
