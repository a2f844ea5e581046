// Package templates turns input records — one JSON object, or the rows of a
// CSV export from a student information system — into unsigned ELM v3
// credentials, after checking every field of every record.
//
// A Template is a text file a registrar can copy and change without
// recompiling Diplomat: a JSON header that declares the input fields and
// their rules (go-playground/validator tags plus ELM rules such as esi, eqf,
// ects, isced, country and lang), the grading schemes, the JSON paths to make
// selectively disclosable and an example record; then a line "---"; then a Go
// text/template that writes the credential as JSON. Every {{…}} action in
// the body writes one complete JSON value: the package appends a JSON
// escaper to each action when it parses the template, so a value from a
// record (a name containing a quote, say) can never break or inject JSON.
// The five built-in templates (diploma, transcript, microcredential,
// participation, mobility) are such files, embedded; docs/templates.md
// describes them.
//
// ReadCSV and ReadJSON read records; Template.Validate reports every problem
// of a record at once, with its spreadsheet row and field; Template.Render
// validates, then writes the credential: a VC 1.1 envelope with the EDC
// context, as EDC writes it before sealing.
//
// It is not an issuer: it neither signs, nor allocates status entries, nor
// records anything (package issuer does), and it does not run the EDC
// profile check on each credential it renders (credentials/elm does; the
// tests and Template.Check run it on every template's example). Nothing in
// it touches the network.
package templates
