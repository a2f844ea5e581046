package b64url

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"
)

func check(t *testing.T, src []byte) {
	t.Helper()
	want := make([]byte, std.DecodedLen(len(src)))
	wn, werr := std.Decode(want, src)
	got := make([]byte, DecodedLen(len(src)))
	gn, gerr := Decode(got, src)
	if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("Decode(%q) = %d, %v, want %d, %v", src, gn, gerr, wn, werr)
	}
	s, err := DecodeString(string(src))
	w, err2 := std.DecodeString(string(src))
	if !bytes.Equal(s, w) || (err == nil) != (err2 == nil) {
		t.Fatalf("DecodeString(%q) = %q, %v, want %q, %v", src, s, err, w, err2)
	}
}

func TestDecodeIsTheStandardLibrarys(t *testing.T) {
	for n := range 200 {
		b := make([]byte, n)
		rand.Read(b)
		enc := []byte(base64.RawURLEncoding.EncodeToString(b))
		check(t, enc)
		for _, i := range []int{0, len(enc) / 2, len(enc) - 1} {
			if i < 0 || i >= len(enc) {
				continue
			}
			for _, c := range []byte{'=', '+', '/', '\n', '\r', '.', 0xff, ' '} {
				bad := bytes.Clone(enc)
				bad[i] = c
				check(t, bad)
			}
		}
		// Non-zero trailing bits.
		if len(enc)%4 != 0 && len(enc) > 0 {
			bad := bytes.Clone(enc)
			bad[len(bad)-1] = 'B'
			check(t, bad)
		}
		check(t, append(bytes.Clone(enc), 'A'))
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("eyJhbGciOiJFZERTQSJ9"))
	f.Add([]byte("QUJD\nREVG"))
	f.Fuzz(func(t *testing.T, src []byte) { check(t, src) })
}

// BenchmarkDecode decodes the 145 KB payload of a vc+jwt of the EDC
// sample's size, and reports x-std: its time over encoding/base64's,
// measured in the same run.
func BenchmarkDecode(b *testing.B) {
	raw := make([]byte, 108<<10)
	rand.Read(raw)
	src := []byte(base64.RawURLEncoding.EncodeToString(raw))
	dst := make([]byte, DecodedLen(len(src)))
	b.SetBytes(int64(len(src)))
	var ours, theirs time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := Decode(dst, src); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := std.Decode(dst, src); err != nil {
			b.Fatal(err)
		}
		ours, theirs = ours+t1.Sub(t0), theirs+time.Since(t1)
	}
	b.ReportMetric(float64(ours)/float64(theirs), "x-std")
}
