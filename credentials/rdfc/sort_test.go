package rdfc

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortLinesIsBytesOrder: sortLines orders any lines as bytes.Compare
// does, whatever their bytes (zeros, which stand for a line's end in its
// keys, included), lengths, shared prefixes and duplicates.
func TestSortLinesIsBytesOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alphabet := []byte{0, 1, 'a', 'b', 0xff}
	for range 3000 {
		var buf []byte
		var ls []line
		prefix := bytes.Repeat([]byte{'p'}, r.IntN(20))
		for i := range r.IntN(200) {
			start := len(buf)
			if r.IntN(2) == 0 {
				buf = append(buf, prefix...)
			}
			for range r.IntN(24) {
				buf = append(buf, alphabet[r.IntN(len(alphabet))])
			}
			ls = append(ls, line{start, len(buf), i})
			if r.IntN(8) == 0 { // a duplicate
				buf = append(buf, buf[start:len(buf)]...)
				ls = append(ls, line{len(buf) - (len(buf)-start)/2, len(buf), i})
			}
		}
		got := slices.Clone(ls)
		sortLines(buf, got)
		for i := 1; i < len(got); i++ {
			if bytes.Compare(buf[got[i-1].start:got[i-1].end], buf[got[i].start:got[i].end]) > 0 {
				t.Fatalf("line %d out of order: %q > %q", i, buf[got[i-1].start:got[i-1].end], buf[got[i].start:got[i].end])
			}
		}
		if len(got) != len(ls) {
			t.Fatal("lines lost")
		}
	}
}
