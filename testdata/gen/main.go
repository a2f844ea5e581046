// Command gen writes N synthetic graduates as CSV for the diploma template:
//
//	go run ./testdata/gen -n 10000 > graduates.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

func main() {
	n := flag.Int("n", 100, "number of graduates")
	seed := flag.Int64("seed", 1, "random seed: the same seed gives the same file")
	flag.Parse()
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "gen: error: -n must be ≥ 0")
		os.Exit(2)
	}
	if _, err := os.Stdout.Write(graduates.Graduates(*n, *seed)); err != nil {
		fmt.Fprintln(os.Stderr, "gen: error:", err)
		os.Exit(1)
	}
}
