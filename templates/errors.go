package templates

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrUnknownTemplate is wrapped by Builtin for a name that is not a
	// built-in template.
	ErrUnknownTemplate = errors.New("unknown template")
	// ErrInvalidTemplate is wrapped by the errors of Load and Parse for a
	// template file that cannot be used: a bad header, an unknown rule, a
	// body that does not parse, or one that does not write valid JSON.
	ErrInvalidTemplate = errors.New("invalid template")
	// ErrInvalidRecord is wrapped by *RecordsError: one or more records
	// break the template's field rules.
	ErrInvalidRecord = errors.New("invalid record")
	// ErrMalformedInput is wrapped by the errors of ReadCSV and ReadJSON
	// for a file that is not well-formed CSV or JSON.
	ErrMalformedInput = errors.New("malformed input")
	// ErrInvalidInstitution is wrapped by Render's error when the
	// institution's identity lacks something every credential needs.
	ErrInvalidInstitution = errors.New("invalid institution")
)

// FieldError is one problem with one field of one record.
type FieldError struct {
	// Row is the row of a CSV record as a spreadsheet shows it (the header
	// is row 1, the first record row 2); 0 for JSON. Row 1 is a problem of
	// the header's column Field (Template.CheckColumns).
	Row int
	// Item is the 1-based position of a record in a JSON array; 0 for a
	// CSV row or a single JSON object.
	Item int
	// Line is the line of a record in a JSON Lines file; 0 otherwise.
	Line int
	// Field names the field as the input names it: a CSV column
	// ("title.fr", "course.3.ects") or the same dotted path into a JSON
	// record (list items counted from 1).
	Field string
	// Message says what is wrong: "required", "must be ≥ 0".
	Message string
}

// String formats the problem without a file name:
// "row 17, field ects: must be ≥ 0", or for a CSV header's column (row 1)
// "header, column ect: unknown field (did you mean ects?)".
func (e FieldError) String() string {
	var b strings.Builder
	switch {
	case e.Row == 1:
		fmt.Fprintf(&b, "header, column %s: %s", e.Field, e.Message)
		return b.String()
	case e.Row > 0:
		fmt.Fprintf(&b, "row %d, ", e.Row)
	case e.Item > 0:
		fmt.Fprintf(&b, "item %d, ", e.Item)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d, ", e.Line)
	}
	fmt.Fprintf(&b, "field %s: %s", e.Field, e.Message)
	return b.String()
}

// RecordsError lists the problems found in the records of one file: every
// one, or the first ones and how many more. It wraps ErrInvalidRecord.
type RecordsError struct {
	File   string // as given to ReadCSV or ReadJSON; may be empty
	Errors []FieldError
	// More counts the problems found but not listed in Errors (a batch of
	// any size lists the first ones only); 0 when Errors is every one.
	More int
}

// Error lists every problem, one per line:
// "graduates.csv row 17, field ects: must be ≥ 0".
func (e *RecordsError) Error() string {
	var b strings.Builder
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.File != "" {
			b.WriteString(e.File)
			if fe.Row > 0 || fe.Item > 0 || fe.Line > 0 {
				b.WriteByte(' ')
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(fe.String())
	}
	if e.More > 0 {
		if len(e.Errors) > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "… and %d more problem", e.More)
		if e.More != 1 {
			b.WriteByte('s')
		}
		if e.File != "" {
			b.WriteString(" in " + e.File)
		}
		return b.String()
	}
	if len(e.Errors) == 0 {
		return "invalid record"
	}
	return b.String()
}

// Unwrap returns ErrInvalidRecord.
func (e *RecordsError) Unwrap() error { return ErrInvalidRecord }
