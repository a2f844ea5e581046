//go:build race

package postgres

// raceEnabled is true under the race detector, which makes the tests that
// run many issuances cut their counts.
const raceEnabled = true
