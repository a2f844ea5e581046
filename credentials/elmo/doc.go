// Package elmo reads and writes ELMO, the XML transcript-of-records format
// that EMREX and Erasmus Without Paper exchange (EMREX ELMO v1,
// https://github.com/emrex-eu/elmo-schemas/tree/v1), and maps it to and
// from ELM v3 credentials (package elm).
//
// Import reads a bare <elmo> document or an EWP imobility-tors
// get-response holding several, through size, depth and element-count
// limits, refusing DTDs and entities; checks every constraint of the ELMO
// schema the mapping relies on (docs/elmo.md lists them); verifies the
// enveloped XML-DSig signature when there is one and asks a SignerTrust
// whether it knows the signer; and maps every report to one unsigned ELM
// credential that conforms to the EDC generic and converted profiles, with a
// mapping Report that names, by XML path, every element that has no home in
// ELM. A file that is refused yields an error and nothing else.
//
// Export writes an ELMO document from an ELM transcript, the inverse of the
// mapping, valid against the ELMO schema.
//
// It is not an XSD processor (no maintained pure-Go one is available; the
// schema's constraints are Go code here), not an issuer (package issuer
// signs what Import produces) and not a trust source (the caller hands in a
// SignerTrust). Nothing in it touches the network.
package elmo
