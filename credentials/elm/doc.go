// Package elm is the European Learning Model (ELM v3) as Go types, and the
// checks that tell whether a European Digital Credential (EDC) conforms to
// one of the EDC application profiles: generic, accredited,
// diplomaSupplement, issuedByMandate and converted.
//
// Parse reads a credential (untrusted JSON, checked by internal/jsonx first)
// into an *EuropeanDigitalCredential; Marshal writes it back without losing
// anything: properties the model has no field for are kept in each node's
// Extra map, values that came as a single object or as an array go back the
// same way, and language maps keep the form ({"en":"…"} or {"en":["…"]})
// they were read in. Check reports every violation of a profile with its JSON
// path; Declared says which profiles a credential claims; Summary extracts
// what a recognition officer reads (title, awarding body, EQF, ISCED-F, ECTS,
// grade); ValidateJSONSchema applies EBSI JSON Schemas handed in by a
// SchemaSource.
//
// It is not a JSON-LD processor and not a SHACL engine: it reads the compact
// JSON form EDC produces, with the term names of the EDC context, and its
// rules are Go code derived from the EDC SHACL shapes (see docs/elm.md for
// what is and is not checked). It does not verify signatures or seals, and
// nothing in it touches the network.
package elm
