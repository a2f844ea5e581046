//go:build race

package main

// raceEnabled is true when the tests run under the race detector, which
// slows the program about tenfold and multiplies its memory.
const raceEnabled = true
