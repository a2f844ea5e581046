// Package etsi reads ETSI TS 119 612 trusted lists — the EU List of Trusted
// Lists (LOTL) and the national trusted lists it points to — and answers the
// verifier's trust question for X.509-sealed credentials with them.
//
// Import verifies a list's enveloped XML signature (XML-DSig with exclusive
// canonicalisation, through github.com/russellhaering/goxmldsig, extended here
// for ECDSA signature values in r‖s form, the XAdES SignedProperties reference
// and the XAdES signing-certificate digest, both required unless a plain
// XML-DSig test list is accepted explicitly) against pinned certificates: the
// LOTL's signer certificates come from configuration, a national list's from
// the LOTL's pointer to the XML form of its territory's list. It refuses a list past its NextUpdate
// unless a grace period is configured. Parse reads a list without checking its
// signature, for lists already verified (snapshots in the store) and for
// inspection.
//
// Source indexes the trust services of the lists it is given (CA/QC and other
// services with their status history, qualifiers and additional service
// information, status URIs normalised across http and https) and implements
// verifier.TrustSource: given the certificate chain of a JAdES eSeal and its
// signing time it finds the CA service the chain leads to, reads the
// service's status at that time, and classifies the seal as qualified,
// advanced or not trusted.
//
// It is not a PKIX path validator for the web: it does not fetch lists,
// certificates, CRLs or OCSP responses, and it does not check revocation of
// the seal certificate (that is the status check's business, with the
// signature's own revocation values).
package etsi
