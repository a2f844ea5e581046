// Package jades signs and verifies JAdES signatures (ETSI TS 119 182-1) in
// the shape the EU's European Digital Credentials for Learning platform (EDC)
// seals ELM credentials with: a JWS JSON serialization whose payload is the
// credential's JSON as it is (unencoded, "b64": false, RFC 7797), signed with
// an X.509 electronic seal carried in "x5c", with "x5t#S256", "sigT" and
// "crit" in the protected header and, from level B-T on, the unsigned "etsiU"
// components (signature, content and archive time-stamps, certificate and
// revocation values).
//
// Mechanism implements credentials.Mechanism. Sign produces a JAdES-B-B
// signature. Verify accepts B-B through B-LTA: it checks the core signature
// with the leaf certificate's key, the certificate digests and identifiers,
// every critical header parameter, and each RFC 3161 time-stamp token it finds
// (its message imprint against what it stamps and the TSA's CMS signature).
// What it established goes into credentials.Verified: the chain as carried,
// the claimed signing time, and a short description of the level and the
// time-stamps in Details.
//
// It is not a trust validator: it does not build the certificate path to a
// trust anchor, check revocation, or decide whether a certificate was valid
// at a given time. Those belong to the verifier and its trust sources, which
// receive the certificates in Verified.Chain. It does not ask a TSA for
// time-stamps (that would need the network), so it does not produce B-T or
// higher levels, and it does not support detached payloads ("sigD").
package jades
