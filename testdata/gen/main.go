// Command gen writes N synthetic graduates as CSV for the diploma template:
//
//	go run ./testdata/gen -n 10000 > graduates.csv
package main

import (
	"bufio"
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
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	err := graduates.Write(w, *n, *seed)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: error:", err)
		os.Exit(1)
	}
}
