package templates

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/testdata/gen/graduates"
)

// FuzzReadCSV checks that ReadCSV never panics, that it either returns
// records or an error wrapping ErrMalformedInput, and that rows increase.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"))
	f.Add([]byte("\xEF\xBB\xBFa;b\r\n\"x;y\";\"q\"\"\"\r\n"))
	f.Add([]byte("a,b\n\"multi\nline\",2\n\n,\n3,4"))
	f.Add([]byte("a\n\"unclosed\n"))
	f.Add([]byte("a,b\n1,x\"y\n"))
	f.Add(graduates.Graduates(3, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ReadCSV(data, "f.csv")
		if err != nil {
			if !errors.Is(err, ErrMalformedInput) {
				t.Fatalf("error %v does not wrap ErrMalformedInput", err)
			}
			return
		}
		prev := 1
		for _, r := range recs {
			if r.Row() <= prev {
				t.Fatalf("row %d after row %d", r.Row(), prev)
			}
			prev = r.Row()
			if !json.Valid(r.Canonical()) {
				t.Fatalf("canonical form is not JSON: %s", r.Canonical())
			}
		}
	})
}

// BenchmarkRender renders the diploma template for graduates of the
// synthetic class; it sits on the hot path of batch issuance (target ≤ 100
// µs per credential). It reports the ratio to a floor measured in the same
// run: encoding/json re-encoding the same credential from decoded values,
// which any template engine must at least match.
func BenchmarkRender(b *testing.B) {
	tp, err := Builtin("diploma")
	if err != nil {
		b.Fatal(err)
	}
	recs, err := ReadCSV(graduates.Graduates(256, 7), "graduates.csv")
	if err != nil {
		b.Fatal(err)
	}
	inst := SampleInstitution()
	first, err := tp.Render(recs[0], inst, fixed)
	if err != nil {
		b.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(first.Credential, &tree); err != nil {
		b.Fatal(err)
	}
	// The floor, timed by hand: testing.Benchmark cannot run inside a
	// benchmark.
	const floorN = 500
	start := time.Now()
	for range floorN {
		if _, err := json.Marshal(tree); err != nil {
			b.Fatal(err)
		}
	}
	floorNs := float64(time.Since(start).Nanoseconds()) / floorN
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := tp.Render(recs[i%len(recs)], inst, fixed); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/floorNs, "x-json-marshal")
	b.ReportMetric(float64(len(first.Credential)), "bytes/cred")
}

// BenchmarkValidate measures record validation alone.
func BenchmarkValidate(b *testing.B) {
	tp, _ := Builtin("diploma")
	recs, err := ReadCSV(graduates.Graduates(256, 7), "graduates.csv")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if errs := tp.Validate(recs[i%len(recs)]); len(errs) > 0 {
			b.Fatal(errs)
		}
		i++
	}
}
