// Package records embeds the sample input records of the built-in templates
// (one JSON record and one CSV file each, named after the template), so that
// `diplomat demo` and tests find them in any binary, wherever it runs.
//
// It is sample data for demonstrations and tests, not a source of realistic
// records.
package records

import "embed"

// FS holds <template>.json and <template>.csv for every built-in template.
//
//go:embed *.json *.csv
var FS embed.FS

// JSON returns the sample JSON record of the template named name.
func JSON(name string) ([]byte, error) { return FS.ReadFile(name + ".json") }

// CSV returns the sample CSV file of the template named name.
func CSV(name string) ([]byte, error) { return FS.ReadFile(name + ".csv") }
