package elmo

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"slices"
	"testing"
	"time"
)

// BenchmarkImport imports a generated transcript of 200 course units
// (about 460 KB: parse with the limits, schema checks, mapping, the
// credential written as JSON with the original embedded), and reports its
// cost as a multiple of encoding/xml parsing the same bytes, each run
// interleaved with ours so that both see the same load (medians):
// unmarshalling into structs holding every element, as a program reading
// ELMO with encoding/xml alone does (x-unmarshal, the floor the target is
// set against), and reading its tokens alone (x-tokens).
func BenchmarkImport(b *testing.B) {
	data := genELMO(200)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ctx := context.Background()
	var ours, unm, tok []time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := Import(ctx, data, nil)
		if err != nil || len(res.Credentials) != 1 {
			b.Fatal(err)
		}
		t1 := time.Now()
		unmarshalFloor(b, data)
		t2 := time.Now()
		tokenFloor(b, data)
		ours, unm, tok = append(ours, t1.Sub(start)), append(unm, t2.Sub(t1)), append(tok, time.Since(t2))
	}
	b.ReportMetric(median(ours)/median(unm), "x-unmarshal")
	b.ReportMetric(median(ours)/median(tok), "x-tokens")
	b.ReportMetric(median(ours)/1e6, "ms-import")
}

func median(d []time.Duration) float64 {
	slices.Sort(d)
	return float64(d[len(d)/2].Nanoseconds())
}

// tokenFloor reads every token, the least any XML reader does.
func tokenFloor(b *testing.B, data []byte) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		if _, err := d.Token(); err == io.EOF {
			return
		} else if err != nil {
			b.Fatal(err)
		}
	}
}

// plainELMO mirrors the elements of an ELMO transcript for encoding/xml.
type plainELMO struct {
	Generated string     `xml:"generatedDate"`
	Learner   plainAny   `xml:"learner"`
	Reports   []plainAny `xml:"report"`
	Attach    []plainAny `xml:"attachment"`
	Groups    *plainAny  `xml:"groups"`
	Rest      []plainAny `xml:",any"`
	Attrs     []xml.Attr `xml:",any,attr"`
	Text      string     `xml:",chardata"`
	_         struct{}
}

type plainAny struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []plainAny `xml:",any"`
}

// unmarshalFloor unmarshals the document into a tree of structs, as a
// program using encoding/xml alone would read it.
func unmarshalFloor(b *testing.B, data []byte) {
	var v plainELMO
	if err := xml.Unmarshal(data, &v); err != nil {
		b.Fatal(err)
	}
}
