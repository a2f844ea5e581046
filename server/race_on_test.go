//go:build race

package server

// raceEnabled is true when the tests run under the race detector, which
// slows the program about tenfold.
const raceEnabled = true
