package rdfc

import (
	"bytes"
	"context"
	"crypto"
	_ "crypto/sha512"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
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
			ls = append(ls, line{start, len(buf), i, start})
			if r.IntN(8) == 0 { // a duplicate
				buf = append(buf, buf[start:len(buf)]...)
				ls = append(ls, line{len(buf) - (len(buf)-start)/2, len(buf), i, 0})
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

// TestCanonicalLinesAreSorted: whatever the subjects (blank nodes past
// c14n9 and c14n99, IRIs that begin others, literals, distinct terms
// written alike (a literal without datatype), IRIs holding "> "
// or starting with no '<' that the subject order cannot take), the lines
// of a canonical dataset come in bytes order, without duplicates, and
// are those of the input.
func TestCanonicalLinesAreSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	iris := []string{"http://a", "http://a/b", "http://a> x", "http://a>", "urn:x", "http://a/"}
	for round := range 300 {
		nBlank := 1 + r.IntN(150)
		term := func(subject bool) Term {
			switch r.IntN(4) {
			case 0, 1:
				return NewBlank("n" + strconv.Itoa(r.IntN(nBlank)))
			case 2:
				return NewIRI(iris[r.IntN(len(iris))])
			}
			if subject && round%3 != 0 {
				return NewBlank("n" + strconv.Itoa(r.IntN(nBlank)))
			}
			v := []string{"x", "x y", `"q"`, ""}[r.IntN(4)]
			if r.IntN(2) == 0 {
				// Serialised as NewLiteral's, but another Term.
				return Term{Kind: Literal, Value: v}
			}
			return NewLiteral(v, "", "")
		}
		var quads []Quad
		for range 1 + r.IntN(400) {
			q := Quad{term(true), NewIRI(iris[r.IntN(len(iris))]), term(false), {}}
			if r.IntN(10) == 0 {
				q[3] = NewIRI(iris[r.IntN(len(iris))])
			}
			quads = append(quads, q)
		}
		res, err := Canonicalize(context.Background(), quads, Options{Quads: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384} {
			d, err := Canonicalize(context.Background(), quads, Options{Digest: h})
			if err != nil {
				t.Fatal(err)
			}
			sum := h.New()
			sum.Write(res.NQuads)
			if d.NQuads != nil || !bytes.Equal(d.Digest, sum.Sum(nil)) {
				t.Fatalf("round %d: Options.Digest %v is not the hash of the N-Quads", round, h)
			}
		}
		lines := strings.SplitAfter(string(res.NQuads), "\n")
		lines = lines[:len(lines)-1]
		for i := 1; i < len(lines); i++ {
			if lines[i-1] >= lines[i] {
				t.Fatalf("round %d: line %d %q not after %q", round, i, lines[i], lines[i-1])
			}
		}
		for i, q := range res.Quads {
			if q.String() != lines[i] {
				t.Fatalf("round %d: quad %d is %q, line %q", round, i, q.String(), lines[i])
			}
		}
		want := map[string]bool{}
		for _, q := range quads {
			for k := range q {
				if q[k].Kind == Blank {
					q[k].Value = res.Labels[q[k].Value]
				}
			}
			want[q.String()] = true
		}
		if len(want) != len(lines) {
			t.Fatalf("round %d: %d lines for %d distinct quads", round, len(lines), len(want))
		}
		for _, l := range lines {
			if !want[l] {
				t.Fatalf("round %d: line %q is no input quad", round, l)
			}
		}
	}
}

func TestDecimalOrder(t *testing.T) {
	for _, n := range []int{0, 1, 2, 9, 10, 11, 99, 100, 101, 1234} {
		got := decimalOrder(n)
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortFunc(want, func(a, b int32) int { return strings.Compare(strconv.Itoa(int(a)), strconv.Itoa(int(b))) })
		if !slices.Equal(got, want) {
			t.Errorf("decimalOrder(%d) = %v, want %v", n, got, want)
		}
	}
}

// TestByFirstDegreeOrdersWholeHashes: nodes come in the order of their
// whole first-degree hashes, then of their indices, also when hashes
// share their first eight bytes (which the fast comparison reads).
func TestByFirstDegreeOrdersWholeHashes(t *testing.T) {
	mk := func(key uint64, last byte) digest {
		raw := make([]byte, 32)
		binary.BigEndian.PutUint64(raw, key)
		raw[31] = last
		return digestOf(raw)
	}
	c := &canon{labels: make([]string, 7)}
	c.first = []digest{mk(5, 2), mk(5, 1), mk(1, 9), mk(5, 2), mk(5, 0), mk(1, 9), mk(9, 0)}
	got := c.byFirstDegree()
	want := []int32{2, 5, 4, 1, 0, 3, 6}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
