package templates

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestCanonicalIsEncodingJSONByteForByte: the idempotency keys of issued
// credentials are hashes of Canonical, kept in stores: its bytes must stay
// those encoding/json writes for the record, whatever the strings hold.
func TestCanonicalIsEncodingJSONByteForByte(t *testing.T) {
	pieces := []string{"a", "Zoë", "Müller", "<", ">", "&", `"`, `\`, "\n", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe2\x80", "日本", "😀", " ", "title.fr", "course.1.ects", "@x"}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		s := ""
		for n := rng.IntN(5); n > 0; n-- {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for k := 0; k < 5000; k++ {
		r := Record{rowKey: k + 2}
		for n := rng.IntN(8); n > 0; n-- {
			r[str()] = str()
		}
		if k%10 == 0 {
			r["n"] = json.Number("12")
			r["m"] = map[string]any{"fr": "é<"}
		}
		if got, want := string(r.Canonical()), string(r.canonicalJSON()); got != want {
			t.Fatalf("record %#v:\nCanonical   %s\nencoding/json %s", r, got, want)
		}
	}
}
